//! SPOILER: reference solution of exercise 8.1 (a route with two parameters). Try it
//! yourself first.

use socket_to_wsgi::framework::{HttpError, Request, Response, Router};

pub fn routes() -> Router {
    Router::new().get("/add/<a>/<b>", add)
}

pub fn add(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let (a, b) = (number(request, "a")?, number(request, "b")?);
    let sum = a.checked_add(b).ok_or_else(|| HttpError::bad_request("the sum is too large"))?;
    Ok(Response::text(format!("{a} + {b} = {sum}\n")))
}

/// The parameter `name` as a whole number, or the 400 that says it is not one.
fn number(request: &Request<'_, '_>, name: &str) -> Result<i64, HttpError> {
    // The route matched, so the parameter is there; the router already decoded it.
    let text = request.param(name).unwrap_or_default();
    text.parse().map_err(|_| {
        HttpError::bad_request(format!("<{name}> must be a whole number, not {text:?}"))
    })
}
