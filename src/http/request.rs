//! Reading and parsing a request head (chapter 2).
//!
//! TCP delivers a stream of bytes, not messages. An HTTP/1.x request head ends at the first
//! empty line (RFC 9112 §2.1), so we read line by line until we see one, never more than
//! [`Limits`] allows: a client that never sends the blank line must not make us buffer
//! forever. The article's loop looks for the end marker anywhere in what it has read and has
//! no limit; see the book's appendix on its listing.

use std::fmt;
use std::io::{self, BufRead, Read};

use super::Status;

// ANCHOR: limits
/// How much of a request head the server will buffer before giving up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest request line (`GET /path HTTP/1.1`), in bytes; longer gets 414.
    pub request_line: usize,
    /// The largest request head, request line and headers together; larger gets 431.
    pub head: usize,
    /// The largest request body, in bytes; larger gets 413 (chapter 4).
    pub body: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { request_line: 8 * 1024, head: 16 * 1024, body: 8 * 1024 * 1024 }
    }
}
// ANCHOR_END: limits

/// The two versions this server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        })
    }
}

/// Header fields in the order they arrived. Names compare without regard to case
/// (RFC 9110 §5.1); values keep their bytes, read as Latin-1 (see [`latin1`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// The first value of the field `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).next()
    }

    /// Every value of the field `name`, in order.
    pub fn get_all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every field as `(name, value)`, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }
}

// ANCHOR: request
/// A parsed request head. The body, if any, is still unread in the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target exactly as sent, for example `/sleep?ms=300`.
    pub target: String,
    pub version: Version,
    pub headers: Headers,
}
// ANCHOR_END: request

/// Why no request could be read. Each maps to the status the client should get.
#[derive(Debug)]
pub enum RequestError {
    /// The bytes are not an HTTP request (400).
    Malformed(&'static str),
    /// The request line is longer than [`Limits::request_line`] (414).
    LineTooLong,
    /// The head is larger than [`Limits::head`] (431).
    HeadTooLarge,
    /// A version we do not speak, such as `HTTP/2.0` (505).
    UnsupportedVersion,
    /// The connection ended, or failed, before the head was complete: nobody to answer.
    Io(io::Error),
}

impl RequestError {
    /// The status to answer with, or `None` when the client is gone.
    pub fn status(&self) -> Option<Status> {
        match self {
            RequestError::Malformed(_) => Some(Status::BAD_REQUEST),
            RequestError::LineTooLong => Some(Status::URI_TOO_LONG),
            RequestError::HeadTooLarge => Some(Status::HEADERS_TOO_LARGE),
            RequestError::UnsupportedVersion => Some(Status::VERSION_NOT_SUPPORTED),
            RequestError::Io(_) => None,
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Malformed(why) => write!(f, "malformed request: {why}"),
            RequestError::LineTooLong => write!(f, "the request line is too long"),
            RequestError::HeadTooLarge => write!(f, "the request head is too large"),
            RequestError::UnsupportedVersion => {
                write!(f, "only HTTP/1.0 and HTTP/1.1 are spoken here")
            }
            RequestError::Io(error) => write!(f, "connection failed: {error}"),
        }
    }
}

impl From<io::Error> for RequestError {
    fn from(error: io::Error) -> RequestError {
        RequestError::Io(error)
    }
}

// ANCHOR: read_request
/// Reads one request head from `reader`.
///
/// Returns `Ok(None)` when the client closed the connection before sending anything, which
/// is how a client that connects and leaves (or a finished keep-alive client) looks.
pub fn read_request(
    reader: &mut impl BufRead,
    limits: &Limits,
) -> Result<Option<Request>, RequestError> {
    let Some(request_line) = read_request_line(reader, limits)? else {
        return Ok(None);
    };
    let (method, target, version) = parse_request_line(&request_line)?;

    let mut budget = limits.head.saturating_sub(request_line.len());
    let mut headers = Headers::default();
    loop {
        let line = read_line(reader, budget)?.ok_or(RequestError::HeadTooLarge)?;
        if line.is_empty() {
            return Err(RequestError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        budget -= line.len();
        let line = trim_line_ending(&line);
        if line.is_empty() {
            break;
        }
        let (name, value) = parse_header(line)?;
        headers.push(name, value);
    }

    // RFC 9112 §3.2: a server must reject an HTTP/1.1 request without Host, and any request
    // with more than one.
    match headers.get_all("Host").count() {
        0 if version == Version::Http11 => {
            return Err(RequestError::Malformed("an HTTP/1.1 request needs a Host header"));
        }
        0 | 1 => {}
        _ => return Err(RequestError::Malformed("a request may carry only one Host header")),
    }
    Ok(Some(Request { method, target, version, headers }))
}
// ANCHOR_END: read_request

/// Reads the request line, skipping the stray empty lines RFC 9112 §2.2 says to tolerate.
fn read_request_line(
    reader: &mut impl BufRead,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, RequestError> {
    for _ in 0..4 {
        match read_line(reader, limits.request_line)? {
            None => return Err(RequestError::LineTooLong),
            Some(line) if line.is_empty() => return Ok(None),
            Some(line) if trim_line_ending(&line).is_empty() => continue,
            Some(line) => return Ok(Some(line)),
        }
    }
    Err(RequestError::Malformed("expected a request line, got empty lines"))
}

// ANCHOR: read_line
/// Reads up to and including the next `\n`, if it comes within `limit` bytes.
///
/// `Ok(Some(empty))` means end of stream before any byte; `Ok(None)` means the limit was
/// reached first. A line cut off by the end of the stream is an error: the head is incomplete.
fn read_line(reader: &mut impl BufRead, limit: usize) -> Result<Option<Vec<u8>>, RequestError> {
    let mut line = Vec::new();
    // One byte past the limit tells "exactly at the limit" from "over it".
    reader.by_ref().take(limit as u64 + 1).read_until(b'\n', &mut line)?;
    match line.last() {
        _ if line.len() > limit => Ok(None),
        Some(b'\n') | None => Ok(Some(line)),
        Some(_) => Err(RequestError::Io(io::ErrorKind::UnexpectedEof.into())),
    }
}
// ANCHOR_END: read_line

/// Strips `\r\n` or a bare `\n` (RFC 9112 §2.2 lets a recipient accept either).
fn trim_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

// ANCHOR: parse_request_line
/// Splits `GET /index.html HTTP/1.1` into its three parts (RFC 9112 §3).
fn parse_request_line(line: &[u8]) -> Result<(String, String, Version), RequestError> {
    let line = trim_line_ending(line);
    let mut parts = line.split(|&byte| byte == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(RequestError::Malformed("a request line is METHOD SP TARGET SP VERSION"));
    };
    if method.is_empty() || !method.iter().all(|&byte| is_token_byte(byte)) {
        return Err(RequestError::Malformed("the method is not a token"));
    }
    if target.is_empty() || !target.iter().all(|&byte| byte.is_ascii_graphic()) {
        return Err(RequestError::Malformed("the target must be visible ASCII"));
    }
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        // A later 1.x is read as the highest 1.x we know (RFC 9110 §2.5).
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor] if minor.is_ascii_digit() => {
            Version::Http11
        }
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return Err(RequestError::UnsupportedVersion);
        }
        _ => return Err(RequestError::Malformed("the version is not HTTP/x.y")),
    };
    // Both were checked to be ASCII above, so these conversions cannot lose anything.
    Ok((latin1(method), latin1(target), version))
}
// ANCHOR_END: parse_request_line

// ANCHOR: parse_header
/// Splits `Name: value` (RFC 9112 §5). No space is allowed before the colon, and a line
/// that starts with whitespace (the obsolete line folding) is refused, as §5.2 permits.
fn parse_header(line: &[u8]) -> Result<(String, String), RequestError> {
    if line.starts_with(b" ") || line.starts_with(b"\t") {
        return Err(RequestError::Malformed("folded header lines are not accepted"));
    }
    let colon = line
        .iter()
        .position(|&byte| byte == b':')
        .ok_or(RequestError::Malformed("a header line has no colon"))?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() || !name.iter().all(|&byte| is_token_byte(byte)) {
        return Err(RequestError::Malformed("a header name is not a token"));
    }
    let value = value.trim_ascii();
    if value.iter().any(|&byte| byte.is_ascii_control() && byte != b'\t') {
        return Err(RequestError::Malformed("a header value contains a control character"));
    }
    Ok((latin1(name), latin1(value)))
}
// ANCHOR_END: parse_header

/// `tchar` from RFC 9110 §5.6.2: the characters allowed in methods and header names.
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Bytes as Latin-1 text: each byte becomes the character with that number.
///
/// HTTP header values are bytes, not UTF-8. PEP 3333 carries them (and the decoded path) as
/// Latin-1 strings so that no byte is ever lost; `String::chars().map(|c| c as u8)` gets the
/// bytes back.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| char::from(byte)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn read(bytes: &[u8]) -> Result<Option<Request>, RequestError> {
        read_request(&mut &bytes[..], &Limits::default())
    }

    fn status_for(bytes: &[u8]) -> Option<u16> {
        read(bytes).err().and_then(|error| error.status()).map(|status| status.code)
    }

    #[test]
    fn a_simple_request_is_parsed() {
        let request =
            read(b"GET /index.html?x=1 HTTP/1.1\r\nHost: example\r\nX-Two:  a b \r\n\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(request.target, "/index.html?x=1");
        assert_eq!(request.version, Version::Http11);
        assert_eq!(request.headers.get("host"), Some("example"));
        assert_eq!(request.headers.get("x-two"), Some("a b"));
    }

    #[test]
    fn the_body_is_left_unread() {
        let mut input: &[u8] = b"POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello";
        read_request(&mut input, &Limits::default()).unwrap().unwrap();
        assert_eq!(input, b"hello");
    }

    #[test]
    fn bare_line_feeds_and_a_leading_empty_line_are_tolerated() {
        let request = read(b"\r\nGET / HTTP/1.0\nAccept: */*\n\n").unwrap().unwrap();
        assert_eq!(request.headers.get("Accept"), Some("*/*"));
    }

    #[test]
    fn nothing_at_all_is_not_an_error() {
        assert!(read(b"").unwrap().is_none());
    }

    #[test]
    fn bad_heads_get_the_right_status() {
        assert_eq!(status_for(b"GET /\r\n\r\n"), Some(400));
        assert_eq!(status_for(b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), Some(400));
        assert_eq!(status_for(b"GET / HTTP/2.0\r\n\r\n"), Some(505));
        assert_eq!(status_for(b"GET / HTTQ/1.1\r\n\r\n"), Some(400));
        assert_eq!(status_for(b"GET / HTTP/1.1\r\n\r\n"), Some(400), "no Host");
        assert_eq!(status_for(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), Some(400));
        assert_eq!(status_for(b"GET / HTTP/1.0\r\nHost : x\r\n\r\n"), Some(400));
        assert_eq!(status_for(b"GET / HTTP/1.0\r\nNo colon\r\n\r\n"), Some(400));
        assert_eq!(status_for(b"GET / HTTP/1.0\r\nA: b\r\n folded\r\n\r\n"), Some(400));
        assert_eq!(status_for(b"GET / HTTP/1.0\r\nA: b\x00c\r\n\r\n"), Some(400));
        assert_eq!(status_for(b"G\xc3\x89T / HTTP/1.0\r\n\r\n"), Some(400));
    }

    #[test]
    fn limits_are_enforced() {
        let long_target = format!("GET /{} HTTP/1.0\r\n\r\n", "a".repeat(9000));
        assert_eq!(status_for(long_target.as_bytes()), Some(414));
        let big_head = format!("GET / HTTP/1.0\r\n{}\r\n", "X-Big: yes\r\n".repeat(2000));
        assert_eq!(status_for(big_head.as_bytes()), Some(431));
    }

    #[test]
    fn a_cut_off_head_means_the_client_is_gone() {
        assert_eq!(status_for(b"GET / HTTP/1.0\r\nHost: x"), None);
        assert!(matches!(read(b"GET / HTTP/1.0\r\nHost: x"), Err(RequestError::Io(_))));
    }

    #[test]
    fn latin1_keeps_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = latin1(&bytes);
        assert_eq!(text.chars().map(|c| c as u8).collect::<Vec<u8>>(), bytes);
    }
}
