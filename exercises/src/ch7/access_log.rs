//! Exercise 7.1: a middleware that logs each request. The task is in the book, chapter 7,
//! "Exercises".

use socket_to_wsgi::wsgi::{Application, Body, Environ, StartResponse};

/// Wraps an application and writes one line per request to `wsgi.errors`
/// (`environ.errors`): the method, the path and the status code.
pub struct AccessLog<A> {
    app: A,
}

impl<A: Application> AccessLog<A> {
    pub fn new(app: A) -> AccessLog<A> {
        AccessLog { app }
    }
}

impl<A: Application> Application for AccessLog<A> {
    /// Runs the wrapped application, then writes `METHOD PATH CODE\n` to `environ.errors`,
    /// for example `GET /hello?name=Ada 200\n`, and returns what the application chose,
    /// unchanged.
    ///
    /// - `PATH` is the path the client asked for, rebuilt from the environ (PEP 3333, "URL
    ///   Reconstruction"): `SCRIPT_NAME`, then `PATH_INFO`, then `?` and `QUERY_STRING` if
    ///   the query is not empty.
    /// - `CODE` is the three digits of the status the application chose (`404` for
    ///   `"404 Not Found"`), or `-` if it never called `start_response`.
    /// - A log that cannot be written must not cost the client its response: an error from
    ///   `environ.errors` is ignored.
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        todo!("exercise 7.1: see the book, chapter 7's exercises (book/src/exercises/ch07.md)")
    }
}
