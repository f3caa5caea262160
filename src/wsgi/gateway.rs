//! The server side of the interface: from a connection to an application and back (chapter 4).
//!
//! For each connection the gateway reads a request, builds the environ, calls the
//! application, then sends what it chose. PEP 3333 fixes the order of the last part: no
//! header byte leaves before the body's first non-empty chunk exists, so an application that
//! fails while making its body still gets its client a clean 500 instead of half a page.

use std::io::{self, BufReader, Write};
use std::net::TcpStream;
use std::panic::{self, AssertUnwindSafe};

use super::{Application, Body, Environ, Input, StartResponse};
use crate::http::exchange::{access_log, peer_name, request_line};
use crate::http::{
    Config, Headers, Request, Response, Status, close_gracefully, read_request, write_head,
};

/// Headers that describe one connection, not the response: the server's business alone
/// (PEP 3333, "Other HTTP Features"; RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
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
    app: A,
    config: Config,
    multithread: bool,
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
            Ok((status, sent)) => access_log(&peer, &line, status, sent),
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
        let length = match body_length(&request.headers, self.config.limits.body) {
            Ok(length) => length,
            Err((status, why)) => return self.refuse(stream, status, why),
        };
        let mut environ = Environ::for_request(&request.method, &request.target);
        self.describe_connection(&mut environ, request, stream);
        environ.input = Input::new(reader, length);

        let mut start_response = StartResponse::default();
        let called = catch_panic(|| self.app.invoke(&mut environ, &mut start_response));
        drop(environ); // done with the request body
        let (status, headers, mut body) = match checked_response(called, &start_response) {
            Ok(response) => response,
            Err(why) => return self.fail(stream, &why),
        };
        // Nothing is sent until the application has produced something to send.
        let first = match catch_panic(|| body.find(|chunk| !chunk.is_empty())) {
            Ok(first) => first.unwrap_or_default(),
            Err(why) => return self.fail(stream, &why),
        };
        let mut head = Vec::new();
        write_head(&mut head, status, self.config.clock, &headers)?;
        if request.method == "HEAD" {
            (&*stream).write_all(&head)?;
            return Ok((status_code(status), 0));
        }
        let limit = content_length(&headers);
        let sent = send_body(stream, head, first, &mut body, limit)?;
        Ok((status_code(status), sent))
    }
    // ANCHOR_END: exchange

    // ANCHOR: environ
    /// Fills in what only the connection knows: addresses, protocol, headers.
    fn describe_connection(
        &self,
        environ: &mut Environ<'_>,
        request: &Request,
        stream: &TcpStream,
    ) {
        if let Ok(local) = stream.local_addr() {
            environ.set("SERVER_NAME", local.ip().to_string());
            environ.set("SERVER_PORT", local.port().to_string());
        }
        if let Ok(peer) = stream.peer_addr() {
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
    fn refuse(&self, stream: &TcpStream, status: Status, why: &str) -> io::Result<(u16, usize)> {
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
/// `User-Agent` becomes `HTTP_USER_AGENT`; repeated fields are joined with commas;
/// `Content-Type` and `Content-Length` go in without the prefix. A name with `_` in it is
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

/// How many body bytes the request announces. Chunked bodies arrive in chapter 5.
fn body_length(headers: &Headers, limit: u64) -> Result<u64, (Status, &'static str)> {
    if headers.get("Transfer-Encoding").is_some() {
        return Err((
            Status::NOT_IMPLEMENTED,
            "this server does not read chunked request bodies yet",
        ));
    }
    let mut lengths = headers.get_all("Content-Length");
    let Some(first) = lengths.next() else {
        return Ok(0);
    };
    let length = match first.parse::<u64>() {
        Ok(length) if first.bytes().all(|byte| byte.is_ascii_digit()) => length,
        _ => return Err((Status::BAD_REQUEST, "Content-Length must be a number of bytes")),
    };
    if lengths.any(|other| other != first) {
        return Err((Status::BAD_REQUEST, "conflicting Content-Length headers"));
    }
    if length > limit {
        return Err((
            Status::CONTENT_TOO_LARGE,
            "the request body is larger than this server accepts",
        ));
    }
    Ok(length)
}

type Chosen<'a> = (&'a str, Vec<(String, String)>, Body);

// ANCHOR: checked_response
/// What the application chose, if it is a response we can send: it returned, it called
/// `start_response`, and the status and headers cannot break the response's framing.
fn checked_response(
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

fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\t')
}

fn status_code(status: &str) -> u16 {
    status[..3].parse().unwrap_or(500)
}

fn content_length(headers: &[(String, String)]) -> Option<usize> {
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Content-Length"))
        .and_then(|(_, value)| value.trim().parse().ok())
}

// ANCHOR: send_body
/// Sends the head and the body, each chunk as soon as the application produces it.
///
/// The head goes out together with the first chunk, in one write. Without a `Content-Length`
/// the end of the body is marked by closing the connection (the way HTTP/1.0 did it). With
/// one, never more than it announced is sent. A panic in the middle cuts the response short:
/// the head is gone, so the honest thing is to close.
fn send_body(
    stream: &TcpStream,
    head: Vec<u8>,
    first: Vec<u8>,
    rest: &mut Body,
    limit: Option<usize>,
) -> io::Result<usize> {
    let mut out = stream;
    let mut sent = 0;
    let mut pending = head;
    let mut chunk = first;
    loop {
        let allowed = limit.map_or(chunk.len(), |limit| chunk.len().min(limit - sent));
        pending.extend_from_slice(&chunk[..allowed]);
        out.write_all(&pending)?;
        pending.clear();
        sent += allowed;
        if limit == Some(sent) {
            return Ok(sent); // all that was announced; anything more would corrupt the stream
        }
        match catch_panic(|| rest.next()) {
            Ok(Some(next)) => chunk = next,
            Ok(None) => return Ok(sent),
            Err(why) => return Err(io::Error::other(why)),
        }
    }
}
// ANCHOR_END: send_body

/// Runs `f`, turning a panic into its message.
fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
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

    #[test]
    fn body_lengths_are_checked() {
        let with = |values: &[&str]| {
            let mut headers = Headers::default();
            for value in values {
                headers.push("Content-Length", *value);
            }
            body_length(&headers, 100).map_err(|(status, _)| status.code)
        };
        assert_eq!(with(&[]), Ok(0));
        assert_eq!(with(&["42"]), Ok(42));
        assert_eq!(with(&["42", "42"]), Ok(42));
        assert_eq!(with(&["42", "43"]), Err(400));
        assert_eq!(with(&["+42"]), Err(400));
        assert_eq!(with(&["-1"]), Err(400));
        assert_eq!(with(&["101"]), Err(413));
    }
}
