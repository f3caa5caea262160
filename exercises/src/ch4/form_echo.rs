//! Exercise 4.2: an application that reads a form. The task is in the book, chapter 4,
//! "Exercises".

use socket_to_wsgi::wsgi::{Body, Environ, StartResponse};

/// Answers a form sent with `POST` (as `curl -d 'name=Ada&lang=Rust'` sends it) with one
/// `name = value` line per field, in the order they came, decoded: `name = Ada\nlang = Rust\n`
/// as `200 OK`, `Content-Type: text/plain; charset=utf-8`.
///
/// - The form is the request body, read from `environ.input` (`wsgi.input`).
/// - Fields are separated by `&`; `+` is a space and `%XX` a byte, in names and values
///   alike; a field with no `=` has an empty value; empty fields (`a=1&&b=2`) are skipped.
/// - A method other than `POST`: `405 Method Not Allowed` with `Allow: POST`.
/// - A `CONTENT_TYPE` other than `application/x-www-form-urlencoded` (parameters such as
///   `; charset=utf-8` may follow it): `415 Unsupported Media Type`.
pub fn form_echo(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    todo!("exercise 4.2: see the book, chapter 4's exercises (book/src/exercises/ch04.md)")
}
