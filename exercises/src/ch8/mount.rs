//! Exercise 8.2: a middleware that mounts an application under a prefix. The task is in the
//! book, chapter 8, "Exercises".

use socket_to_wsgi::wsgi::{Application, Body, Environ, StartResponse};

/// Serves `app` under `prefix` (such as `/api`), as if `app` were alone on the server.
pub struct Mount<A> {
    prefix: String,
    app: A,
}

impl<A: Application> Mount<A> {
    /// `prefix` starts with `/` and does not end with one: `/api`, `/v1/admin`.
    pub fn new(prefix: &str, app: A) -> Mount<A> {
        Mount { prefix: prefix.to_string(), app }
    }
}

impl<A: Application> Application for Mount<A> {
    /// When `PATH_INFO` is the prefix, or the prefix followed by `/` and more, the prefix
    /// moves from the start of `PATH_INFO` to the end of `SCRIPT_NAME` (PEP 3333, "URL
    /// Reconstruction") and `app` answers: under `/api`, `/api/users` reaches `app` with
    /// `SCRIPT_NAME` `/api` and `PATH_INFO` `/users`, and `/api` itself with `PATH_INFO` empty.
    /// Any other path (`/apix` is one: the prefix must end at a `/`) gets `404 Not Found`,
    /// `text/plain; charset=utf-8`, with a body of your choice, and `app` is not called.
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        todo!("exercise 8.2: see the book, chapter 8's exercises (book/src/exercises/ch08.md)")
    }
}
