//! Exercise 8.1: a route with two parameters. The task is in the book, chapter 8,
//! "Exercises".

use socket_to_wsgi::framework::{HttpError, Request, Response, Router};

/// A router with one route, `GET /add/<a>/<b>`, whose handler is [`add`].
pub fn routes() -> Router {
    todo!("exercise 8.1: see the book, chapter 8's exercises (book/src/exercises/ch08.md)")
}

/// `/add/2/40` answers `2 + 40 = 42\n` as text. Both parameters must be whole numbers
/// (`i64`, a `-` allowed): otherwise `400 Bad Request` with the message
/// `<a> must be a whole number, not "x"` (or `<b>`, whichever is wrong, `<a>` first). A sum
/// that does not fit an `i64` is a `400` too, with the message `the sum is too large`.
pub fn add(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    todo!("exercise 8.1: see the book, chapter 8's exercises (book/src/exercises/ch08.md)")
}
