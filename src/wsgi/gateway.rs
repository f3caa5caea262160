//! The server side of the interface: from a connection to an application and back (chapter 4).
//!
//! For each connection the gateway reads a request, builds the environ, calls the
//! application, then sends what it chose. PEP 3333 fixes the order of the last part: no
//! header byte leaves before the body's first non-empty chunk exists, so an application that
//! fails while making its body still gets its client a clean 500 instead of half a page.
//! Chapter 5 teaches the same gateway to keep connections open (`persistent.rs`).

use std::io::{self, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::{self, AssertUnwindSafe};

use super::{Application, Body, Environ, Input, StartResponse};
use crate::http::exchange::{access_log, peer_name, request_line};
use crate::http::{
    BodyFraming, Config, Headers, LAST_CHUNK, Request, Response, Status, close_gracefully,
    encode_chunk, read_request, request_framing, write_head,
};

/// Headers that describe one connection, not the response: the server's business alone
/// (PEP 3333, "Other HTTP Features"; RFC 9110 §7.6.1).
pub const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

// ANCHOR: gateway
/// Runs an application for every request on the connections it is given.
pub struct Gateway<A> {
    pub(super) app: A,
    pub(super) config: Config,
    pub(super) multithread: bool,
}

impl<A: Application> Gateway<A> {
    /// A gateway for `app` on a server that calls it from one thread at a time.
    pub fn new(app: A, config: Config) -> Gateway<A> {
        Gateway { app, config, multithread: false }
    }

    /// Tells the application (through `wsgi.multithread`) that it runs on a pool.
    pub fn multithreaded(mut self, multithread: bool) -> Gateway<A> {
        self.multithread = multithread;
        self
    }

    /// Serves one request on `stream`, then closes it.
    pub fn handle(&self, stream: TcpStream) {
        // PEP 3333 wants each chunk sent as it is produced, not held back to fill a packet.
        let _ = stream.set_nodelay(true);
        let peer = peer_name(&stream);
        let mut reader = BufReader::new(&stream);
        let (line, result) = match read_request(&mut reader, &self.config.limits) {
            Ok(Some(request)) => {
                (request_line(&request), self.exchange(&request, &mut reader, &stream))
            }
            Ok(None) => return,
            Err(error) => match error.status() {
                Some(status) => (
                    "(unreadable request)".to_string(),
                    self.refuse(&stream, status, &error.to_string()),
                ),
                None => return eprintln!("{peer}: {error}"),
            },
        };
        match result {
            Ok((status, sent)) if self.config.access_log => access_log(&peer, &line, status, sent),
            Ok(_) => {}
            Err(error) => eprintln!("{peer} \"{line}\": response cut short: {error}"),
        }
        close_gracefully(&stream);
    }
    // ANCHOR_END: gateway

    // ANCHOR: exchange
    /// Calls the application for `request` and sends its response. Returns the status code
    /// and the number of body bytes sent.
    fn exchange(
        &self,
        request: &Request,
        reader: &mut BufReader<&TcpStream>,
        stream: &TcpStream,
    ) -> io::Result<(u16, usize)> {
        let length = match request_framing(request, self.config.limits.body) {
            Ok(BodyFraming::None) => 0,
            Ok(BodyFraming::Length(length)) => length,
            Ok(BodyFraming::Chunked) => {
                let why = "this server does not read chunked request bodies; chapter 5's does";
                return self.refuse(stream, Status::NOT_IMPLEMENTED, why);
            }
            Err((status, why)) => return self.refuse(stream, status, why),
        };
        let mut environ = Environ::for_request(&request.method, &request.target);
        let (local, peer) = (stream.local_addr().ok(), stream.peer_addr().ok());
        self.describe_connection(&mut environ, request, local, peer);
        environ.input = Input::new(reader, length);

        let mut start_response = StartResponse::default();
        let called = self.call(environ, &mut start_response); // the environ, body included, is done
        let (status, mut headers, mut body) = match checked_response(called, &start_response) {
            Ok(response) => response,
            Err(why) => return self.fail(stream, &why),
        };
        // Nothing is sent until the application has produced something to send.
        let first = match catch_panic(|| body.find(|chunk| !chunk.is_empty())) {
            Ok(first) => first.unwrap_or_default(),
            Err(why) => return self.fail(stream, &why),
        };
        headers.push(("Connection".to_string(), "close".to_string()));
        let mut head = Vec::new();
        write_head(&mut head, status, self.config.clock, &headers)?;
        let framing = match content_length(&headers) {
            _ if request.method == "HEAD" => Framing::NoBody,
            Some(length) => Framing::Length(length),
            None => Framing::UntilClose,
        };
        let sent = send_body(stream, head, first, &mut body, framing)?;
        Ok((status_code(status), sent.bytes))
    }
    // ANCHOR_END: exchange

    /// Calls the application inside `catch_panic`, and drops the environ when it returns:
    /// the application has had its chance to read the request body.
    pub(super) fn call(
        &self,
        mut environ: Environ<'_>,
        start_response: &mut StartResponse,
    ) -> Result<Body, String> {
        catch_panic(|| self.app.invoke(&mut environ, start_response))
    }

    // ANCHOR: environ
    /// Fills in what only the connection knows: addresses, protocol, headers.
    pub(super) fn describe_connection(
        &self,
        environ: &mut Environ<'_>,
        request: &Request,
        local: Option<SocketAddr>,
        peer: Option<SocketAddr>,
    ) {
        if let Some(local) = local {
            environ.set("SERVER_NAME", local.ip().to_string());
            environ.set("SERVER_PORT", local.port().to_string());
        }
        if let Some(peer) = peer {
            environ.set("REMOTE_ADDR", peer.ip().to_string());
        }
        environ.set("SERVER_PROTOCOL", request.version.to_string());
        for (key, value) in header_variables(&request.headers) {
            environ.set(key, value);
        }
        environ.multithread = self.multithread;
    }
    // ANCHOR_END: environ

    /// Answers with an error the client caused (400, 413, ...).
    pub(super) fn refuse(
        &self,
        stream: &TcpStream,
        status: Status,
        why: &str,
    ) -> io::Result<(u16, usize)> {
        let response = Response::text(status, format!("{status}: {why}\n"));
        response.write_to(&mut &*stream, self.config.clock, true)?;
        Ok((status.code, response.body.len()))
    }

    /// Answers 500 for a failure of the application, and logs why.
    fn fail(&self, stream: &TcpStream, why: &str) -> io::Result<(u16, usize)> {
        eprintln!("application error: {why}");
        self.refuse(
            stream,
            Status::INTERNAL_SERVER_ERROR,
            "the application failed; the server log says why",
        )
    }
}

// ANCHOR: header_variables
/// The `HTTP_*` variables for a request's headers (PEP 3333, after CGI's RFC 3875 §4.1.18).
///
/// `User-Agent` becomes `HTTP_USER_AGENT`; repeated fields are joined with commas.
/// `Content-Type` and `Content-Length` go in without the prefix, and only once: they hold a
/// single value, so a repeat is not a list (RFC 9110 §5.3). A name with `_` in it is
/// left out: `X_Forwarded_For` and `X-Forwarded-For` would both become
/// `HTTP_X_FORWARDED_FOR`, so a client could forge a header a proxy set (RFC 9110 §17.10).
pub fn header_variables(headers: &Headers) -> Vec<(String, String)> {
    let mut variables: Vec<(String, String)> = Vec::new();
    for (name, value) in headers.iter().filter(|(name, _)| !name.contains('_')) {
        let key = match name.to_ascii_uppercase().replace('-', "_") {
            key if key == "CONTENT_TYPE" || key == "CONTENT_LENGTH" => key,
            key => format!("HTTP_{key}"),
        };
        match variables.iter_mut().find(|(existing, _)| *existing == key) {
            Some(_) if !key.starts_with("HTTP_") => {} // the first Content-Type or -Length
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(value);
            }
            None => variables.push((key, value.to_string())),
        }
    }
    variables
}
// ANCHOR_END: header_variables

/// What the application chose: status line, headers, body.
pub(super) type Chosen<'a> = (&'a str, Vec<(String, String)>, Body);

// ANCHOR: checked_response
/// What the application chose, if it is a response we can send: it returned, it called
/// `start_response`, and the status and headers cannot break the response's framing.
pub(super) fn checked_response(
    called: Result<Body, String>,
    start_response: &StartResponse,
) -> Result<Chosen<'_>, String> {
    let body = called?;
    let status =
        start_response.status().ok_or("the application returned without calling start_response")?;
    let bytes = status.as_bytes();
    if bytes.len() < 5
        || !bytes[..3].iter().all(u8::is_ascii_digit)
        || bytes[3] != b' '
        || has_control(status)
    {
        return Err(format!("status {status:?} is not of the form \"200 OK\""));
    }
    let mut headers = Vec::new();
    for (name, value) in start_response.headers() {
        if name.is_empty()
            || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
            || has_control(value)
        {
            return Err(format!("header {name:?}: {value:?} would corrupt the response"));
        }
        if HOP_BY_HOP.contains(&name.to_ascii_lowercase().as_str()) {
            eprintln!(
                "application set the hop-by-hop header {name:?}; the server decides that, so it was dropped"
            );
            continue;
        }
        headers.push((name.clone(), value.clone()));
    }
    Ok((status, headers, body))
}
// ANCHOR_END: checked_response

/// Control characters would split the head; characters past Latin-1 cannot be sent at all.
fn has_control(text: &str) -> bool {
    text.chars().any(|c| (c.is_control() && c != '\t') || u32::from(c) > 0xFF)
}

pub(super) fn status_code(status: &str) -> u16 {
    status[..3].parse().unwrap_or(500)
}

/// The `Content-Length` the application declared, if any.
pub(super) fn content_length(headers: &[(String, String)]) -> Option<usize> {
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Content-Length"))
        .and_then(|(_, value)| value.trim().parse().ok())
}

/// How the end of a response body is shown to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Framing {
    /// No body follows the head (HEAD, 204, 304).
    NoBody,
    /// `Content-Length` bytes, no more.
    Length(usize),
    /// The chunked transfer coding, ended by the last chunk (HTTP/1.1, chapter 5).
    Chunked,
    /// Until the connection closes (HTTP/1.0's way).
    UntilClose,
}

/// What [`send_body`] sent.
pub(super) struct Sent {
    /// Body bytes sent (before any chunk framing).
    pub bytes: usize,
    /// Whether the body ended the way its framing promised; if not, the connection must close.
    pub complete: bool,
}

// ANCHOR: send_body
/// Sends the head and the body, each chunk as soon as the application produces it.
///
/// The head goes out together with the first chunk, in one write. With a `Content-Length`,
/// never more than it announced is sent. A panic in the middle cuts the response short: the
/// head is gone, so the honest thing is to stop and close.
pub(super) fn send_body(
    mut out: &TcpStream,
    head: Vec<u8>,
    first: Vec<u8>,
    rest: &mut Body,
    framing: Framing,
) -> io::Result<Sent> {
    let mut sent = 0;
    let mut pending = head;
    let mut chunk = first;
    loop {
        match framing {
            Framing::NoBody => {
                return out.write_all(&pending).map(|()| Sent { bytes: 0, complete: true });
            }
            Framing::Length(length) => {
                let allowed = chunk.len().min(length - sent);
                pending.extend_from_slice(&chunk[..allowed]);
                sent += allowed;
            }
            Framing::Chunked => {
                encode_chunk(&mut pending, &chunk);
                sent += chunk.len();
            }
            Framing::UntilClose => {
                pending.extend_from_slice(&chunk);
                sent += chunk.len();
            }
        }
        if framing == Framing::Length(sent) {
            // All that was announced; anything more would corrupt the stream.
            out.write_all(&pending)?;
            return Ok(Sent { bytes: sent, complete: true });
        }
        out.write_all(&pending)?;
        pending.clear();
        match catch_panic(|| rest.next()) {
            Ok(Some(next)) => chunk = next,
            Ok(None) => break,
            Err(why) => return Err(io::Error::other(why)),
        }
    }
    let complete = match framing {
        Framing::Chunked => out.write_all(LAST_CHUNK).is_ok(),
        Framing::Length(_) => false, // shorter than announced
        _ => true,
    };
    Ok(Sent { bytes: sent, complete })
}
// ANCHOR_END: send_body

/// Runs `f`, turning a panic into its message.
pub(super) fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with no message".to_string());
        format!("the application panicked: {message}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn headers_become_cgi_variables() {
        let mut headers = Headers::default();
        headers.push("User-Agent", "curl/8");
        headers.push("Accept", "text/html");
        headers.push("accept", "*/*");
        headers.push("Content-Type", "text/plain");
        headers.push("X_Forged", "no");
        let variables = header_variables(&headers);
        assert_eq!(
            variables,
            vec![
                ("HTTP_USER_AGENT".to_string(), "curl/8".to_string()),
                ("HTTP_ACCEPT".to_string(), "text/html,*/*".to_string()),
                ("CONTENT_TYPE".to_string(), "text/plain".to_string()),
            ]
        );
    }
}
