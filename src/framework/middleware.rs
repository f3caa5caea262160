//! Middleware: applications that wrap applications (chapter 8).
//!
//! PEP 3333 calls middleware a component that plays both sides: the server above it sees an
//! application, the application below it sees a server. Each type here takes an application
//! and is one, so they stack like function calls: `RequestLog::new(ErrorPage::new(app))`.
//! [`StaticFiles`](super::StaticFiles) is one too, in its own module.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::response::{HttpError, Response};
use crate::http::Status;
use crate::wsgi::{Application, Body, Environ, StartResponse, catch_panic};

/// Where the log lines go: stderr, or a buffer a test reads.
type Sink = Arc<Mutex<dyn Write + Send>>;

// ANCHOR: request_log
/// Logs one line per request once its response is over: who asked, for what, the status,
/// the body bytes the application produced, and how long it all took.
///
/// "Once it is over" is the body's `Drop`: PEP 3333's `close()`, which the server calls
/// when it has sent the body (or given up on it). A line written when `invoke` returns would
/// miss the time a large file takes to send, and the log of a body that fails halfway.
pub struct RequestLog<A> {
    app: A,
    sink: Sink,
}

impl<A: Application> RequestLog<A> {
    /// Logs to stderr.
    pub fn new(app: A) -> RequestLog<A> {
        RequestLog::to(app, io::stderr())
    }

    /// Logs to `sink`.
    pub fn to(app: A, sink: impl Write + Send + 'static) -> RequestLog<A> {
        RequestLog { app, sink: Arc::new(Mutex::new(sink)) }
    }
}

impl<A: Application> Application for RequestLog<A> {
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        let started = Instant::now();
        // Taken before the application runs: it may change the environ.
        let peer = environ.get("REMOTE_ADDR").unwrap_or("-").to_string();
        // The path as the client's text, not PEP 3333's one-character-per-byte form.
        let script_name = environ.get("SCRIPT_NAME").unwrap_or_default();
        let path: Vec<u8> =
            script_name.chars().map(|c| c as u8).chain(environ.path_bytes()).collect();
        let mut target = String::from_utf8_lossy(&path).into_owned();
        if !environ.query_string().is_empty() {
            target = format!("{target}?{}", environ.query_string());
        }
        let request = format!("{peer} \"{} {target}\"", environ.method());
        let body = self.app.invoke(environ, start_response);
        let status = start_response.status().and_then(|status| status.get(..3)).unwrap_or("-");
        let line = format!("{request} {status}");
        // The server sends no body for a HEAD, whatever it pulls from the application.
        let counted = environ.method() != "HEAD";
        let sink = Arc::clone(&self.sink);
        Body::from_chunks(Logged { body, line, started, bytes: 0, counted, sink })
    }
}

/// A body that counts what passes through it and logs when it is dropped.
struct Logged {
    body: Body,
    line: String,
    started: Instant,
    bytes: u64,
    counted: bool,
    sink: Sink,
}

impl Iterator for Logged {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        let chunk = self.body.next()?;
        if self.counted {
            self.bytes += chunk.len() as u64;
        }
        Some(chunk)
    }

    /// The wrapped body's own hint, so that the gateway still sees a body of one chunk (or
    /// none) for what it is, and gives its `Content-Length`.
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.body.size_hint()
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let took = self.started.elapsed().as_secs_f64() * 1000.0;
        let line = format!("{} {} bytes in {took:.1} ms\n", self.line, self.bytes);
        // A log that cannot be written is no reason to lose the response (nor to panic in
        // a drop): the line is dropped instead.
        if let Ok(mut sink) = self.sink.lock() {
            let _ = sink.write_all(line.as_bytes());
        }
    }
}
// ANCHOR_END: request_log

// ANCHOR: error_page
/// Turns a panic in the application into a `500` page, and logs why on `wsgi.errors`.
///
/// The gateway would answer 500 too; this one does it inside the stack, so the middleware
/// above it (the log) sees a 500 like any other response, and the page can be the
/// application's own. It can only help before the body: once the first chunk is out, the
/// status has been sent.
pub struct ErrorPage<A> {
    app: A,
}

impl<A: Application> ErrorPage<A> {
    pub fn new(app: A) -> ErrorPage<A> {
        ErrorPage { app }
    }
}

impl<A: Application> Application for ErrorPage<A> {
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        match catch_panic(|| self.app.invoke(environ, start_response)) {
            Ok(body) => body,
            Err(why) => {
                let _ = writeln!(environ.errors, "{why}");
                // Whatever the failed application chose before it panicked is forgotten.
                *start_response = StartResponse::default();
                let message = "the application failed; the server's log says why";
                Response::from(HttpError::new(Status::INTERNAL_SERVER_ERROR, message))
                    .send(start_response)
            }
        }
    }
}
// ANCHOR_END: error_page

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().write(bytes)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn failing(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        start_response.call("200 OK", [("Content-Type", "text/plain")]);
        match environ.path_info() {
            "/fail" => panic!("on purpose"),
            _ => Body::from_chunks([b"ab".to_vec(), b"cde".to_vec()]),
        }
    }

    #[test]
    fn the_log_line_is_written_when_the_body_is_done() {
        let buffer = Buffer::default();
        let app = RequestLog::to(failing, buffer.clone());
        let mut environ = Environ::for_request("GET", "/ok?x=1");
        let mut start_response = StartResponse::default();
        let body = app.invoke(&mut environ, &mut start_response);
        assert_eq!(buffer.0.lock().unwrap().len(), 0, "nothing logged before the body is sent");
        assert_eq!(body.flatten().count(), 5);
        let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(log.starts_with("- \"GET /ok?x=1\" 200 5 bytes in "), "{log}");
        assert!(log.ends_with(" ms\n"), "{log}");
    }

    #[test]
    fn a_panic_becomes_a_500_page_that_the_log_sees() {
        let buffer = Buffer::default();
        let app = RequestLog::to(ErrorPage::new(failing), buffer.clone());
        let mut environ = Environ::for_request("GET", "/fail");
        let errors = Buffer::default();
        environ.errors = Box::new(errors.clone());
        let mut start_response = StartResponse::default();
        let body: Vec<u8> = app.invoke(&mut environ, &mut start_response).flatten().collect();
        assert_eq!(start_response.status(), Some("500 Internal Server Error"));
        assert_eq!(start_response.header("Content-Type"), Some("text/plain; charset=utf-8"));
        let page = String::from_utf8(body).unwrap();
        assert_eq!(
            page,
            "500 Internal Server Error: the application failed; the server's log says why\n"
        );
        let errors = String::from_utf8(errors.0.lock().unwrap().clone()).unwrap();
        assert_eq!(errors, "the application panicked: on purpose\n");
        let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(log.starts_with("- \"GET /fail\" 500 "), "{log}");
    }
}
