//! SPOILER: reference solution of exercise 4.3 (a middleware that adds a header). Try it
//! yourself first.

use socket_to_wsgi::wsgi::{Application, Body, Environ, StartResponse};

/// Wraps an application and adds one header to every response it makes.
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
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        // The inner application gets a start_response of our own, as a Python middleware
        // passes its own callable down; we call the real one with what it chose, amended.
        let mut inner = StartResponse::default();
        let body = self.app.invoke(environ, &mut inner);
        if let Some(status) = inner.status() {
            let headers = inner
                .headers()
                .iter()
                .filter(|(name, _)| !name.eq_ignore_ascii_case(&self.name))
                .cloned()
                .chain([(self.name.clone(), self.value.clone())]);
            start_response.call(status, headers);
        }
        body
    }
}
