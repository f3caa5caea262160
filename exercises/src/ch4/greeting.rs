//! Exercise 4.1: a greeting application. The task is in the book, chapter 4, "Exercises".

use socket_to_wsgi::wsgi::{Body, Environ, StartResponse};

/// Greets by the `name` in the query string: `/?name=Ada` gets `Hello, Ada!\n`, as
/// `200 OK` with `Content-Type: text/plain; charset=utf-8`.
///
/// The query string is form-encoded, as a browser sends it: `+` is a space and `%XX` is
/// the byte `0xXX`, so `/?name=%E4%BD%A0%E5%A5%BD+Ada` greets `你好 Ada`. Without a `name`,
/// or with an empty one, it greets the `world`. The path does not matter.
pub fn greeting(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    todo!("exercise 4.1: see the book, chapter 4's exercises (book/src/exercises/ch04.md)")
}
