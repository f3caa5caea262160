//! Exercise 8.3: a form handler. The task is in the book, chapter 8, "Exercises".

use socket_to_wsgi::framework::{HttpError, Request, Response, Router};

/// The HTML form that `GET /signup` shows.
pub const FORM: &str = "<!DOCTYPE html>
<form method=\"post\" action=\"/signup\">
<label>Name <input name=\"name\"></label>
<label>Email <input name=\"email\" type=\"email\"></label>
<button>Sign up</button>
</form>
";

/// A router with `GET /signup`, which answers [`FORM`] as HTML, and `POST /signup`, whose
/// handler is [`sign_up`].
pub fn routes() -> Router {
    todo!("exercise 8.3: see the book, chapter 8's exercises (book/src/exercises/ch08.md)")
}

/// Reads the form the browser posts (`name=Ada&email=ada%40example.org`) and answers
/// `201 Created` with the text `welcome, Ada <ada@example.org>\n`.
///
/// - `name` is trimmed of spaces and must not be empty then: otherwise `400 Bad Request`
///   with the message `say your name`.
/// - `email` is trimmed too and must have one `@` with something on each side: otherwise a
///   `400` with the message `an email address looks like you@example.org`.
/// - A body that is not a form (another `Content-Type`) is a `415`, and one that cannot be
///   decoded a `400`: `Request::form` already says so.
pub fn sign_up(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    todo!("exercise 8.3: see the book, chapter 8's exercises (book/src/exercises/ch08.md)")
}
