//! SPOILER: reference solution of exercise 7.1 (a middleware that logs each request). Try it
//! yourself first.

use std::io::Write;

use socket_to_wsgi::wsgi::{Application, Body, Environ, StartResponse};

/// Wraps an application and writes one line per request to `wsgi.errors`.
pub struct AccessLog<A> {
    app: A,
}

impl<A: Application> AccessLog<A> {
    pub fn new(app: A) -> AccessLog<A> {
        AccessLog { app }
    }
}

impl<A: Application> Application for AccessLog<A> {
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        // The application may change PATH_INFO (a router that strips a prefix does), so the
        // line is made from the request as it came in.
        let mut path =
            format!("{}{}", environ.get("SCRIPT_NAME").unwrap_or_default(), environ.path_info());
        if !environ.query_string().is_empty() {
            path = format!("{path}?{}", environ.query_string());
        }
        let line_start = format!("{} {path}", environ.method());

        // This middleware changes nothing in the response, so the application can be given
        // the real start_response and we read its choice afterwards.
        let body = self.app.invoke(environ, start_response);
        let code = start_response.status().and_then(|status| status.get(..3)).unwrap_or("-");

        // The body has not been sent yet (the server iterates it after we return), so no
        // byte count: the gateway's own access log, written after sending, has one.
        // Ignored on error: the response matters more than its log line.
        let _ = environ.errors.write_all(format!("{line_start} {code}\n").as_bytes());
        body
    }
}
