//! Exercise 4.3: a middleware that adds a header. The task is in the book, chapter 4,
//! "Exercises".

use socket_to_wsgi::wsgi::{Application, Body, Environ, StartResponse};

/// Wraps an application and adds one header to every response it makes: an application
/// to the server above it, a server to the application inside it.
pub struct AddHeader<A> {
    app: A,
    name: String,
    value: String,
}

impl<A: Application> AddHeader<A> {
    pub fn new(app: A, name: &str, value: &str) -> AddHeader<A> {
        AddHeader { app, name: name.to_string(), value: value.to_string() }
    }
}

impl<A: Application> Application for AddHeader<A> {
    /// Runs the wrapped application and responds with its status, its headers and `name:
    /// value` after them, and its body unchanged. If the application set a header of the
    /// same name (in any case), `value` replaces it: the response has that header once. If
    /// the application never called `start_response`, neither does the middleware.
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        todo!("exercise 4.3: see the book, chapter 4's exercises (book/src/exercises/ch04.md)")
    }
}
