//! Exercise 2.3: a route table, with 404 and 405. The task is in the book, chapter 2,
//! "Exercises".

use socket_to_wsgi::http::{Request, Response};

/// What a route runs: a function from the request to the response.
pub type Handler = fn(&Request) -> Response;

/// A table of routes: a method, a path and the handler for them.
#[derive(Default)]
pub struct Router {
    // Keep the routes here, in the order they were added.
}

impl Router {
    pub fn new() -> Router {
        Router::default()
    }

    /// Adds a route: `handler` answers `method` requests for exactly `path`. Returns the
    /// router, so that routes chain: `Router::new().route("GET", "/", home)`.
    pub fn route(self, method: &str, path: &str, handler: Handler) -> Router {
        todo!("exercise 2.3: see the book, chapter 2's exercises (book/src/exercises/ch02.md)")
    }

    /// Answers `request` with the first route whose method and path match. The path is
    /// the target without its query: `/hello?x=1` matches the route for `/hello`.
    ///
    /// - No route for the path at all: `404 Not Found`, a text body that names the path.
    /// - Routes for the path, but none for the method: `405 Method Not Allowed`, with an
    ///   `Allow` header listing the methods that path has, in the order they were added,
    ///   separated by `", "` (RFC 9110 §15.5.6).
    pub fn handle(&self, request: &Request) -> Response {
        todo!("exercise 2.3: see the book, chapter 2's exercises (book/src/exercises/ch02.md)")
    }
}
