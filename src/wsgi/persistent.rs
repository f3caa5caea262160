//! The gateway on persistent connections: many requests per connection (chapter 5).
//!
//! Chapter 4's gateway answered one request and closed, which framed every response for
//! free: the body ended where the connection did. Keeping the connection open means every
//! body, in both directions, must say where it ends, and everything the application left
//! unread must be read past before the next request can be found. The interface to the
//! application does not change at all: the same `Application` runs on both.

use std::io::{self, Read, Write};

use super::gateway::{
    Framing, catch_panic, checked_response, content_length, send_body, status_code,
};
use super::{Application, Environ, Gateway, Input, StartResponse};
use crate::connection::Connection;
use crate::http::exchange::access_log;
use crate::http::{
    BodyFraming, ChunkedReader, Request, Status, Version, close_gracefully, request_framing,
    wants_keep_alive, write_head,
};
use crate::reactor::Next;

/// At most this much of a body the application did not read is read and thrown away to
/// reach the next request; past it, closing is cheaper.
const DRAIN_LIMIT: u64 = 64 * 1024;

/// The interim response that tells a client waiting on `Expect: 100-continue` to send its body.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

impl<A: Application> Gateway<A> {
    // ANCHOR: serve_ready
    /// Handles a connection that has new bytes: reads them once, answers every complete
    /// request they hold, and says whether to wait for more or close.
    pub fn serve_ready(&self, connection: &mut Connection) -> Next {
        match connection.receive() {
            Ok(0) => return Next::Close, // the client is done
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => return Next::Wait,
            Err(_) => return Next::Close,
        }
        loop {
            let request = match connection.take_request(&self.config.limits) {
                Ok(Some(request)) => request,
                Ok(None) => return Next::Wait, // the rest of the head has not arrived yet
                Err(error) => {
                    if let Some(status) = error.status() {
                        self.refuse_and_close(connection, status, &error.to_string());
                    }
                    return close_after_response(connection);
                }
            };
            match self.exchange_persistent(&request, connection) {
                Ok(true) if connection.unread().is_empty() => return Next::Wait,
                Ok(true) => continue, // pipelined: the next request is already here
                Ok(false) => return close_after_response(connection),
                Err(error) => {
                    log_failure(connection, &request, &error);
                    return Next::Close;
                }
            }
        }
    }
    // ANCHOR_END: serve_ready

    // ANCHOR: exchange_persistent
    /// Serves one request on a connection that may stay open. Returns whether it can.
    fn exchange_persistent(
        &self,
        request: &Request,
        connection: &mut Connection,
    ) -> io::Result<bool> {
        let framing = match request_framing(request, self.config.limits.body) {
            Ok(framing) => framing,
            Err((status, why)) => return Ok(self.refuse_and_close(connection, status, why)),
        };
        if let Some(expectation) = request.headers.get("Expect") {
            if !expectation.eq_ignore_ascii_case("100-continue") {
                return Ok(self.refuse_and_close(
                    connection,
                    Status::EXPECTATION_FAILED,
                    "unknown expectation",
                ));
            }
            if framing != BodyFraming::None && request.version == Version::Http11 {
                connection.stream().write_all(CONTINUE)?;
            }
        }
        let mut environ = Environ::for_request(&request.method, &request.target);
        self.describe_connection(&mut environ, request, connection.local, connection.peer);
        let mut start_response = StartResponse::default();
        let (called, body_done) = match framing {
            BodyFraming::None => (self.call(environ, &mut start_response), true),
            BodyFraming::Length(length) => {
                let mut body = (&mut *connection).take(length);
                environ.input = Input::new(&mut body, length);
                let called = self.call(environ, &mut start_response);
                (called, drain(&mut body) && body.limit() == 0)
            }
            BodyFraming::Chunked => {
                let mut body = ChunkedReader::new(&mut *connection, self.config.limits.body);
                environ.input = Input::until_end(&mut body);
                let called = self.call(environ, &mut start_response);
                let drained = drain(&mut body);
                if body.is_over_limit() {
                    // Only now is the size known; whatever the application chose, it is 413.
                    let why = "the request body is larger than allowed";
                    return Ok(self.refuse_and_close(connection, Status::CONTENT_TOO_LARGE, why));
                }
                (called, drained && body.is_finished())
            }
        };
        let keep_alive = body_done && wants_keep_alive(request);
        self.respond_persistent(request, connection, called, &start_response, keep_alive)
    }
    // ANCHOR_END: exchange_persistent

    // ANCHOR: respond_persistent
    /// Sends what the application chose, framed so the connection can stay open if
    /// `keep_alive` allows. Returns whether it stays open.
    fn respond_persistent(
        &self,
        request: &Request,
        connection: &Connection,
        called: Result<super::Body, String>,
        start_response: &StartResponse,
        keep_alive: bool,
    ) -> io::Result<bool> {
        let (status, mut headers, mut body) = match checked_response(called, start_response) {
            Ok(chosen) => chosen,
            Err(why) => {
                return Ok(self.fail_persistent(connection, &why, request.version, keep_alive));
            }
        };
        let first = match catch_panic(|| body.find(|chunk| !chunk.is_empty())) {
            Ok(first) => first.unwrap_or_default(),
            Err(why) => {
                return Ok(self.fail_persistent(connection, &why, request.version, keep_alive));
            }
        };
        let code = status_code(status);
        let framing = match content_length(&headers) {
            _ if request.method == "HEAD" || code < 200 || code == 204 || code == 304 => {
                Framing::NoBody
            }
            Some(length) => Framing::Length(length),
            None if request.version == Version::Http11 => Framing::Chunked,
            None => Framing::UntilClose,
        };
        if framing == Framing::Chunked {
            headers.push(("Transfer-Encoding".to_string(), "chunked".to_string()));
        }
        let keep_alive = keep_alive && framing != Framing::UntilClose;
        headers.extend(connection_header(request.version, keep_alive));
        let mut head = Vec::with_capacity(256);
        write_head(&mut head, status, self.config.clock, &headers)?;
        let sent = send_body(connection.stream(), head, first, &mut body, framing)?;
        if self.config.access_log {
            log(connection, request, code, sent.bytes);
        }
        Ok(keep_alive && sent.complete)
    }
    // ANCHOR_END: respond_persistent

    /// Answers an error the client caused, and closes: where its request ends is unknown.
    fn refuse_and_close(&self, connection: &Connection, status: Status, why: &str) -> bool {
        if let Ok((code, bytes)) = self.refuse(connection.stream(), status, why) {
            if self.config.access_log {
                access_log(&peer(connection), "(refused request)", code, bytes);
            }
        }
        false
    }

    /// Answers 500 for a failure of the application. The connection may stay open: the
    /// request was read to its end and the 500 is framed.
    fn fail_persistent(
        &self,
        connection: &Connection,
        why: &str,
        version: Version,
        keep_alive: bool,
    ) -> bool {
        eprintln!("application error: {why}");
        let status = Status::INTERNAL_SERVER_ERROR;
        let body = "500: the application failed; the server log says why\n";
        let mut headers = vec![
            ("Content-Type".to_string(), "text/plain; charset=utf-8".to_string()),
            ("Content-Length".to_string(), body.len().to_string()),
        ];
        headers.extend(connection_header(version, keep_alive));
        let mut response = Vec::new();
        let written = write_head(&mut response, &status.to_string(), self.config.clock, &headers)
            .and_then(|()| {
                response.extend_from_slice(body.as_bytes());
                connection.stream().write_all(&response)
            });
        keep_alive && written.is_ok()
    }
}

/// Closes after a response without destroying it: see chapter 2's `close_gracefully`.
fn close_after_response(connection: &Connection) -> Next {
    close_gracefully(connection.stream());
    Next::Close
}

// ANCHOR: connection_header
/// The `Connection` header that says what happens next: HTTP/1.1 keeps the connection by
/// default, HTTP/1.0 closes it by default, and only the exception is said.
fn connection_header(version: Version, keep_alive: bool) -> Option<(String, String)> {
    match (version, keep_alive) {
        (Version::Http11, true) => None,
        (Version::Http10, true) => Some(("Connection".to_string(), "keep-alive".to_string())),
        (_, false) => Some(("Connection".to_string(), "close".to_string())),
    }
}
// ANCHOR_END: connection_header

// ANCHOR: drain
/// Reads and discards what the application left of a request body, up to a limit. Returns
/// whether the body was read to its end.
fn drain(body: &mut impl Read) -> bool {
    let mut left_over = body.take(DRAIN_LIMIT + 1);
    matches!(io::copy(&mut left_over, &mut io::sink()), Ok(n) if n <= DRAIN_LIMIT)
}
// ANCHOR_END: drain

fn peer(connection: &Connection) -> String {
    connection.peer.map_or_else(|| "unknown peer".to_string(), |peer| peer.to_string())
}

fn log(connection: &Connection, request: &Request, status: u16, bytes: usize) {
    let line = format!("{} {} {}", request.method, request.target, request.version);
    access_log(&peer(connection), &line, status, bytes);
}

fn log_failure(connection: &Connection, request: &Request, error: &io::Error) {
    eprintln!(
        "{} \"{} {}\": response cut short: {error}",
        peer(connection),
        request.method,
        request.target
    );
}
