//! SPOILER: reference solution of exercise 2.3 (a route table, with 404 and 405). Try it
//! yourself first.

use socket_to_wsgi::http::{Request, Response, Status};

/// What a route runs: a function from the request to the response.
pub type Handler = fn(&Request) -> Response;

/// A table of routes: a method, a path and the handler for them.
#[derive(Default)]
pub struct Router {
    routes: Vec<(String, String, Handler)>,
}

impl Router {
    pub fn new() -> Router {
        Router::default()
    }

    /// Adds a route: `handler` answers `method` requests for exactly `path`.
    pub fn route(mut self, method: &str, path: &str, handler: Handler) -> Router {
        self.routes.push((method.to_string(), path.to_string(), handler));
        self
    }

    /// Answers `request` with the first route whose method and path match, else 404 or 405.
    pub fn handle(&self, request: &Request) -> Response {
        // The path is the target up to its first `?`, or the whole target without a query.
        let (path, _query) = request.target.split_once('?').unwrap_or((&request.target, ""));
        let for_path: Vec<&(String, String, Handler)> =
            self.routes.iter().filter(|(_, route_path, _)| route_path == path).collect();
        if for_path.is_empty() {
            return Response::text(
                Status::NOT_FOUND,
                format!("404 Not Found: nothing lives at {path}\n"),
            );
        }
        match for_path.iter().find(|(method, _, _)| *method == request.method) {
            Some((_, _, handler)) => handler(request),
            None => {
                let allowed: Vec<&str> =
                    for_path.iter().map(|(method, _, _)| method.as_str()).collect();
                Response::text(
                    Status::METHOD_NOT_ALLOWED,
                    format!("405: {} is not allowed on {path}\n", request.method),
                )
                .with_header("Allow", &allowed.join(", "))
            }
        }
    }
}
