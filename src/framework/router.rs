//! Routing: which handler answers a request, and the statuses when none does (chapter 8).
//!
//! A route is a method and a pattern such as `/hello/<name>`. The router is itself a
//! chapter 4 [`Application`]: the server calls it like any other, and it calls the handler
//! of the first route that fits. That is all `@app.route` is in Flask, underneath.

use super::request::{Params, Request};
use super::response::{HttpError, Response};
use crate::http::Status;
use crate::wsgi::{Application, Body, Environ, StartResponse};

/// What a route runs: it reads the request and answers a response, or an error page.
pub type Handler = Box<dyn Fn(&mut Request<'_, '_>) -> Result<Response, HttpError> + Send + Sync>;

/// How much request body a handler may read, unless the router says otherwise: 1 MiB.
pub const DEFAULT_BODY_LIMIT: u64 = 1024 * 1024;

// ANCHOR: pattern
/// One part of a pattern, between two slashes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Must be exactly this text.
    Literal(String),
    /// Anything but empty, kept under this name: `<name>`.
    Param(String),
}

/// How a path fits a pattern.
#[derive(Debug, PartialEq, Eq)]
enum Fit {
    No,
    /// With the parameters, decoded.
    Yes(Params),
    /// It fits, but the parameter of this name is not UTF-8 once decoded.
    NotText(String),
}

/// A path pattern such as `/hello/<name>`, cut into segments once, when the route is added.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern(Vec<Segment>);

impl Pattern {
    /// # Panics
    /// When `pattern` does not start with `/`, or has an empty `<>`: a mistake in the
    /// program, found the moment the route is added.
    fn parse(pattern: &str) -> Pattern {
        let rest = pattern.strip_prefix('/').unwrap_or_else(|| {
            panic!("route pattern {pattern:?} must start with `/`, as in \"/hello/<name>\"")
        });
        let segments = rest.split('/').map(|segment| {
            match segment.strip_prefix('<').and_then(|name| name.strip_suffix('>')) {
                Some("") => panic!("route pattern {pattern:?} has a parameter with no name"),
                Some(name) => Segment::Param(name.to_string()),
                None => Segment::Literal(segment.to_string()),
            }
        });
        Pattern(segments.collect())
    }

    /// Matches the decoded path, segment by segment: as many segments, literal ones equal,
    /// parameters not empty. Bytes, not text: the path may be anything the client sent.
    fn fit(&self, path: &[u8]) -> Fit {
        let Some(rest) = path.strip_prefix(b"/") else { return Fit::No };
        let parts: Vec<&[u8]> = rest.split(|&byte| byte == b'/').collect();
        if parts.len() != self.0.len() {
            return Fit::No;
        }
        let mut params = Vec::new();
        for (segment, part) in self.0.iter().zip(parts) {
            match segment {
                Segment::Literal(text) if text.as_bytes() == part => {}
                Segment::Param(name) if !part.is_empty() => match std::str::from_utf8(part) {
                    Ok(value) => params.push((name.clone(), value.to_string())),
                    Err(_) => return Fit::NotText(name.clone()),
                },
                _ => return Fit::No,
            }
        }
        Fit::Yes(Params(params))
    }
}
// ANCHOR_END: pattern

struct Route {
    method: String,
    pattern: Pattern,
    handler: Handler,
}

// ANCHOR: router
/// Routes, tried in the order they were added; the first that fits the method and the path
/// answers.
pub struct Router {
    routes: Vec<Route>,
    body_limit: u64,
}

impl Router {
    pub fn new() -> Router {
        Router { routes: Vec::new(), body_limit: DEFAULT_BODY_LIMIT }
    }

    /// Adds a route: `router.route("PUT", "/notes/<id>", handler)`.
    pub fn route<F>(mut self, method: &str, pattern: &str, handler: F) -> Router
    where
        F: Fn(&mut Request<'_, '_>) -> Result<Response, HttpError> + Send + Sync + 'static,
    {
        let (method, pattern) = (method.to_ascii_uppercase(), Pattern::parse(pattern));
        self.routes.push(Route { method, pattern, handler: Box::new(handler) });
        self
    }

    /// A `GET` route, which answers `HEAD` too.
    pub fn get<F>(self, pattern: &str, handler: F) -> Router
    where
        F: Fn(&mut Request<'_, '_>) -> Result<Response, HttpError> + Send + Sync + 'static,
    {
        self.route("GET", pattern, handler)
    }

    pub fn post<F>(self, pattern: &str, handler: F) -> Router
    where
        F: Fn(&mut Request<'_, '_>) -> Result<Response, HttpError> + Send + Sync + 'static,
    {
        self.route("POST", pattern, handler)
    }

    /// At most `bytes` of request body for any handler (1 MiB unless set).
    pub fn body_limit(mut self, bytes: u64) -> Router {
        self.body_limit = bytes;
        self
    }
}
// ANCHOR_END: router

impl Default for Router {
    fn default() -> Router {
        Router::new()
    }
}

impl Router {
    // ANCHOR: dispatch
    /// The response to a request: the first route that fits both method and path runs;
    /// a path that some route fits, but not with this method, is a `405` that lists the
    /// methods that would do (RFC 9110 §15.5.6); no fit at all is a `404`.
    pub fn respond(&self, environ: &mut Environ<'_>) -> Response {
        let path = environ.path_bytes();
        // HEAD is GET without the body (RFC 9110 §9.3.2); the server leaves the body out.
        let method = match environ.method() {
            "HEAD" => "GET".to_string(),
            other => other.to_string(),
        };
        let mut allowed: Vec<&str> = Vec::new();
        for route in &self.routes {
            let params = match route.pattern.fit(&path) {
                Fit::No => continue,
                Fit::NotText(name) => {
                    let why = format!("the path's <{name}> is not UTF-8 once decoded");
                    return HttpError::bad_request(why).into();
                }
                Fit::Yes(params) => params,
            };
            if route.method != method {
                allowed.push(&route.method);
                continue;
            }
            let mut request = Request::new(environ, params, self.body_limit);
            return (route.handler)(&mut request).unwrap_or_else(Response::from);
        }
        if allowed.is_empty() {
            return HttpError::not_found(&String::from_utf8_lossy(&path)).into();
        }
        method_not_allowed(allowed, environ.method())
    }
    // ANCHOR_END: dispatch
}

/// A `405` whose `Allow` header lists `allowed`, with `HEAD` wherever `GET` is.
fn method_not_allowed(mut allowed: Vec<&str>, method: &str) -> Response {
    if allowed.contains(&"GET") {
        allowed.push("HEAD");
    }
    allowed.sort();
    allowed.dedup();
    let allow = allowed.join(", ");
    let message = format!("this path does not take {method}; it takes {allow}");
    HttpError::new(Status::METHOD_NOT_ALLOWED, message).with_header("Allow", allow).into()
}

// ANCHOR: application
impl Application for Router {
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        self.respond(environ).send(start_response)
    }
}
// ANCHOR_END: application

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn params(pairs: &[(&str, &str)]) -> Fit {
        Fit::Yes(Params(
            pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
        ))
    }

    #[test]
    fn patterns_fit_segment_by_segment() {
        let pattern = Pattern::parse("/hello/<name>");
        assert_eq!(pattern.fit(b"/hello/ferris"), params(&[("name", "ferris")]));
        assert_eq!(pattern.fit("/hello/世界".as_bytes()), params(&[("name", "世界")]));
        for no in ["/hello", "/hello/", "/hello/a/b", "/hellox/a", "hello/a", "/"] {
            assert_eq!(pattern.fit(no.as_bytes()), Fit::No, "{no}");
        }
        assert_eq!(pattern.fit(b"/hello/\xff"), Fit::NotText("name".to_string()));
        assert_eq!(Pattern::parse("/").fit(b"/"), params(&[]));
        let two = Pattern::parse("/add/<a>/<b>");
        assert_eq!(two.fit(b"/add/1/2"), params(&[("a", "1"), ("b", "2")]));
    }

    #[test]
    #[should_panic(expected = "must start with `/`")]
    fn a_pattern_without_a_leading_slash_is_a_mistake() {
        Pattern::parse("hello/<name>");
    }

    fn answer(router: &Router, method: &str, target: &str) -> (u16, Option<String>, String) {
        let mut environ = Environ::for_request(method, target);
        let mut start_response = StartResponse::default();
        let body: Vec<u8> = router.invoke(&mut environ, &mut start_response).flatten().collect();
        let code = start_response.status().unwrap()[..3].parse().unwrap();
        let allow = start_response.header("Allow").map(str::to_string);
        (code, allow, String::from_utf8(body).unwrap())
    }

    fn hello(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
        Ok(Response::text(format!("hello, {}", request.param("name").unwrap_or_default())))
    }

    #[test]
    fn the_first_fitting_route_answers_and_head_is_get() {
        let router = Router::new()
            .get("/hello/me", |_| Ok(Response::text("it is you")))
            .get("/hello/<name>", hello)
            .post("/hello/<name>", |_| Ok(Response::text("posted")));
        assert_eq!(answer(&router, "GET", "/hello/me"), (200, None, "it is you".into()));
        assert_eq!(answer(&router, "GET", "/hello/caf%C3%A9"), (200, None, "hello, café".into()));
        assert_eq!(answer(&router, "POST", "/hello/x"), (200, None, "posted".into()));
        assert_eq!(answer(&router, "HEAD", "/hello/x").0, 200);
    }

    #[test]
    fn no_route_is_404_a_wrong_method_405_and_bad_utf8_400() {
        let router = Router::new().get("/hello/<name>", hello).route("PUT", "/hello/<name>", hello);
        let (code, _, body) = answer(&router, "GET", "/nowhere");
        assert_eq!((code, body.as_str()), (404, "404 Not Found: nothing lives at /nowhere\n"));
        let (code, allow, _) = answer(&router, "DELETE", "/hello/x");
        assert_eq!((code, allow.as_deref()), (405, Some("GET, HEAD, PUT")));
        let (code, _, body) = answer(&router, "GET", "/hello/%FF%FE");
        assert_eq!(code, 400);
        assert_eq!(body, "400 Bad Request: the path's <name> is not UTF-8 once decoded\n");
    }
}
