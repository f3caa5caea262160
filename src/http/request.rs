//! Reading and parsing a request head (chapter 2).
//!
//! TCP delivers a stream of bytes, not messages. An HTTP/1.x request head ends at the first
//! empty line (RFC 9112 §2.1), so we read line by line until we see one, never more than
//! [`Limits`] allows: a client that never sends the blank line must not make us buffer
//! forever. The article's loop looks for the end marker anywhere in what it has read and has
//! no limit; see the book's appendix on its listing.

use std::fmt;
use std::io::{self, BufRead};

use super::framing::{list_values, request_framing, wants_keep_alive};
use super::{BodyFraming, Status, TargetForm, is_field_char, is_token_byte, latin1};

// ANCHOR: limits
/// How much of a request the server will take before giving up.
///
/// The defaults let through what deployed servers let through: RFC 9112 §3 asks for request
/// lines of at least 8,000 bytes, nginx takes lines and fields of up to 8 KiB in a 32 KiB
/// head, and gunicorn takes 100 fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest request line (`GET /path HTTP/1.1`), in bytes; longer gets 414.
    pub request_line: usize,
    /// The longest header field line (`Name: value`), in bytes; longer gets 431.
    pub field_line: usize,
    /// The most header fields in one request; more gets 431.
    pub fields: usize,
    /// The largest request head, request line and headers together; larger gets 431.
    pub head: usize,
    /// The largest request body, in bytes; larger gets 413 (chapter 4).
    pub body: u64,
    /// How much of a body being gathered stays in memory; the rest goes to a temporary file
    /// (chapter 7).
    pub body_in_memory: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            request_line: 8 * 1024,
            field_line: 8 * 1024,
            fields: 100,
            head: 32 * 1024,
            body: 8 * 1024 * 1024,
            body_in_memory: 512 * 1024,
        }
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

    /// Replaces every field `name` with one holding `value`.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(field, _)| !field.eq_ignore_ascii_case(name));
        self.push(name, value);
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `[("Host", "example"), ...].into_iter().collect()`: headers for tests and examples.
impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(fields: I) -> Headers {
        Headers(fields.into_iter().map(|(name, value)| (name.into(), value.into())).collect())
    }
}

// ANCHOR: request
/// A parsed request head, and what it says about the body and the connection. The body, if
/// any, is still unread in the connection.
///
/// Everything the rest of the server needs to know about a request is decided here, once,
/// while the head is parsed: later code asks this value instead of reading headers again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target exactly as sent, for example `/sleep?ms=300`.
    pub target: String,
    pub version: Version,
    pub headers: Headers,
    /// Where the body ends (chapter 5): no body, a length, or chunks.
    pub body: BodyFraming,
    /// Whether the client lets the connection carry another request after this one.
    pub keep_alive: bool,
    /// Whether the client waits for `100 Continue` before it sends the body.
    pub expects_continue: bool,
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
    /// The body is larger than [`Limits::body`] (413).
    BodyTooLarge,
    /// A version we do not speak, such as `HTTP/2.0` (505).
    UnsupportedVersion,
    /// CONNECT, which asks for a tunnel this server does not make (501).
    UnsupportedMethod,
    /// A transfer coding other than chunked (501).
    UnsupportedCoding,
    /// An `Expect` other than `100-continue` (417).
    UnknownExpectation,
    /// The connection ended, or failed, before the head was complete: nobody to answer.
    Io(io::Error),
}

impl RequestError {
    /// The status to answer with, or `None` when the client is gone.
    pub fn status(&self) -> Option<Status> {
        Some(match self {
            RequestError::Malformed(_) => Status::BAD_REQUEST,
            RequestError::LineTooLong => Status::URI_TOO_LONG,
            RequestError::HeadTooLarge => Status::HEADERS_TOO_LARGE,
            RequestError::BodyTooLarge => Status::CONTENT_TOO_LARGE,
            RequestError::UnsupportedVersion => Status::VERSION_NOT_SUPPORTED,
            RequestError::UnsupportedMethod => Status::NOT_IMPLEMENTED,
            RequestError::UnsupportedCoding => Status::NOT_IMPLEMENTED,
            RequestError::UnknownExpectation => Status::EXPECTATION_FAILED,
            RequestError::Io(_) => return None,
        })
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Malformed(why) => write!(f, "malformed request: {why}"),
            RequestError::LineTooLong => write!(f, "the request line is too long"),
            RequestError::HeadTooLarge => write!(f, "the request head is too large"),
            RequestError::BodyTooLarge => write!(f, "the request body is larger than allowed"),
            RequestError::UnsupportedVersion => {
                write!(f, "only HTTP/1.0 and HTTP/1.1 are spoken here")
            }
            RequestError::UnsupportedMethod => write!(f, "CONNECT (a tunnel) is not supported"),
            RequestError::UnsupportedCoding => {
                write!(f, "only the chunked transfer coding is supported")
            }
            RequestError::UnknownExpectation => {
                write!(f, "the only expectation known is 100-continue")
            }
            RequestError::Io(error) => write!(f, "connection failed: {error}"),
        }
    }
}

impl std::error::Error for RequestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RequestError::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for RequestError {
    fn from(error: io::Error) -> RequestError {
        RequestError::Io(error)
    }
}

// ANCHOR: read_request
/// Reads one request head from `reader`, waiting for as many bytes as it takes.
///
/// Returns `Ok(None)` when the client closed the connection before sending anything, which
/// is how a client that connects and leaves (or a finished keep-alive client) looks. Only
/// the head is consumed: the body, if any, is left in `reader`.
pub fn read_request(
    reader: &mut impl BufRead,
    limits: &Limits,
) -> Result<Option<Request>, RequestError> {
    let mut head = Vec::new();
    loop {
        let arrived = reader.fill_buf()?;
        if arrived.is_empty() {
            return match head.iter().all(|&byte| byte == b'\r' || byte == b'\n') {
                true => Ok(None),
                false => Err(RequestError::Io(io::ErrorKind::UnexpectedEof.into())),
            };
        }
        let (before, count) = (head.len(), arrived.len());
        head.extend_from_slice(arrived);
        match parse_head(&head, limits)? {
            Some((request, length)) => {
                // Consume the head only: what follows it is the body, or the next request.
                reader.consume(length - before);
                return Ok(Some(request));
            }
            None => reader.consume(count),
        }
    }
}
// ANCHOR_END: read_request

// ANCHOR: parse_head
/// Parses the request head at the start of `bytes`, if all of it is there.
///
/// `Ok(None)` means "not yet": the head has not ended and no limit is broken, so more bytes
/// may complete it. `Ok(Some((request, length)))` gives the request and how many bytes its
/// head took. Only whole lines are looked at, so it can be called again as bytes arrive.
pub fn parse_head(bytes: &[u8], limits: &Limits) -> Result<Option<(Request, usize)>, RequestError> {
    let mut lines = Lines { bytes, read: 0 };
    let Some(request_line) = lines.request_line(limits.request_line)? else {
        return Ok(None);
    };
    let (method, target, version) = parse_request_line(request_line)?;
    let (target, authority) = resolve_target(&method, target)?;
    let mut headers = Headers::default();
    loop {
        let budget = limits.head.saturating_sub(lines.read).min(limits.field_line);
        let Some(line) = lines.next(budget).map_err(|()| RequestError::HeadTooLarge)? else {
            return Ok(None);
        };
        if line.is_empty() {
            break;
        }
        if headers.len() == limits.fields {
            return Err(RequestError::HeadTooLarge);
        }
        let (name, value) = parse_header(line)?;
        headers.push(name, value);
    }
    check_singletons(&headers)?;
    check_host(version, &headers)?;
    if let Some(authority) = authority {
        headers.set("Host", authority);
    }
    let request = Request {
        body: request_framing(version, &headers, limits.body)?,
        keep_alive: wants_keep_alive(version, &headers),
        expects_continue: expects_continue(&headers)?,
        method,
        target,
        version,
        headers,
    };
    Ok(Some((request, lines.read)))
}
// ANCHOR_END: parse_head

// ANCHOR: lines
/// The lines of a head, each without its line ending, as far as they have arrived.
struct Lines<'a> {
    bytes: &'a [u8],
    /// How many bytes the lines taken so far used, endings included.
    read: usize,
}

impl<'a> Lines<'a> {
    /// The next whole line, if it has arrived (`Ok(None)`: not yet). `Err(())` if it is, or
    /// is going to be, longer than `limit` bytes.
    fn next(&mut self, limit: usize) -> Result<Option<&'a [u8]>, ()> {
        let rest = &self.bytes[self.read..];
        // One byte past the limit tells "exactly at the limit" from "over it".
        let window = &rest[..rest.len().min(limit.saturating_add(1))];
        match window.iter().position(|&byte| byte == b'\n') {
            Some(newline) if newline < limit => {
                self.read += newline + 1;
                Ok(Some(trim_line_ending(&rest[..=newline])))
            }
            None if window.len() <= limit => Ok(None),
            _ => Err(()),
        }
    }

    /// The request line, skipping the few empty lines RFC 9112 §2.2 says to tolerate.
    fn request_line(&mut self, limit: usize) -> Result<Option<&'a [u8]>, RequestError> {
        for _ in 0..4 {
            match self.next(limit).map_err(|()| RequestError::LineTooLong)? {
                Some([]) => continue,
                line => return Ok(line),
            }
        }
        Err(RequestError::Malformed("expected a request line, got empty lines"))
    }
}
// ANCHOR_END: lines

/// Strips `\r\n` or a bare `\n` (RFC 9112 §2.2 lets a recipient accept either).
fn trim_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

// ANCHOR: parse_request_line
/// Splits `GET /index.html HTTP/1.1` into its three parts (RFC 9112 §3).
fn parse_request_line(line: &[u8]) -> Result<(String, String, Version), RequestError> {
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
    // Optional whitespace is spaces and tabs only (RFC 9110 §5.6.3): a form feed or a CR
    // at either end is a control character like any other, refused rather than trimmed,
    // since a proxy that kept it would see another value than this server.
    let value = trim_whitespace(value);
    if !value.iter().all(|&byte| is_field_char(char::from(byte))) {
        return Err(RequestError::Malformed("a header value contains a control character"));
    }
    Ok((latin1(name), latin1(value)))
}
// ANCHOR_END: parse_header

/// Spaces and tabs stripped from both ends.
fn trim_whitespace(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

/// Checks the request target against RFC 9112 §3.2, and returns it in origin form, with
/// the host an absolute-form target names.
fn resolve_target(method: &str, target: String) -> Result<(String, Option<String>), RequestError> {
    if method == "CONNECT" {
        return Err(RequestError::UnsupportedMethod);
    }
    // A fragment is the client's business (RFC 9110 §4.2.5) and never sent; one that
    // arrives would reach QUERY_STRING or PATH_INFO as if it were part of them.
    if target.contains('#') {
        return Err(RequestError::Malformed("a request target carries no #fragment"));
    }
    match TargetForm::of(&target) {
        Some(TargetForm::Origin) => Ok((target, None)),
        Some(TargetForm::Asterisk) if method == "OPTIONS" => Ok((target, None)),
        Some(TargetForm::Asterisk) => Err(RequestError::Malformed("only OPTIONS may ask for *")),
        Some(TargetForm::Absolute { authority, origin }) => {
            Ok((origin, Some(authority.to_string())))
        }
        None => Err(RequestError::Malformed("a request target starts with / or http://")),
    }
}

/// RFC 9112 §3.2: a server must reject an HTTP/1.1 request without Host, and any request
/// with more than one.
fn check_host(version: Version, headers: &Headers) -> Result<(), RequestError> {
    match headers.get_all("Host").count() {
        0 if version == Version::Http11 => {
            Err(RequestError::Malformed("an HTTP/1.1 request needs a Host header"))
        }
        0 | 1 => Ok(()),
        _ => Err(RequestError::Malformed("a request may carry only one Host header")),
    }
}

/// Fields that hold one value, not a list, and change what a request means. Given twice,
/// one program in the chain may take the first and another the last; the CGI environ would
/// join them into a value that is neither (RFC 9110 §5.3). `Host` and `Content-Length` are
/// checked where they are read.
const SINGLETONS: [&str; 3] = ["Content-Type", "Authorization", "Proxy-Authorization"];

fn check_singletons(headers: &Headers) -> Result<(), RequestError> {
    match SINGLETONS.iter().any(|name| headers.get_all(name).nth(1).is_some()) {
        true => Err(RequestError::Malformed("a field that holds one value was given twice")),
        false => Ok(()),
    }
}

/// Whether the client asked for `100 Continue` (RFC 9110 §10.1.1); any other expectation is
/// one this server cannot meet.
fn expects_continue(headers: &Headers) -> Result<bool, RequestError> {
    let expectations = list_values(headers.get_all("Expect"));
    match expectations.iter().all(|expectation| expectation.eq_ignore_ascii_case("100-continue")) {
        true => Ok(!expectations.is_empty()),
        false => Err(RequestError::UnknownExpectation),
    }
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
    fn a_head_is_complete_only_at_its_empty_line() {
        let head = b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n";
        let limits = Limits::default();
        for end in 0..head.len() {
            let parsed = parse_head(&head[..end], &limits).unwrap();
            assert!(parsed.is_none(), "complete after only {end} bytes");
        }
        let with_body = [&head[..], b"abc"].concat();
        let (request, length) = parse_head(&with_body, &limits).unwrap().unwrap();
        assert_eq!(length, head.len(), "the head ends where the body starts");
        assert_eq!(request.body, BodyFraming::Length(3));
        assert!(request.keep_alive);
        assert!(!request.expects_continue);
    }

    #[test]
    fn what_the_head_says_about_body_and_connection_is_decided_with_it() {
        let request = read(b"PUT / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert!(matches!(request, Err(RequestError::Malformed(_))), "no chunks in HTTP/1.0");
        let request =
            read(b"PUT / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(request.body, BodyFraming::Chunked);
        assert!(!request.keep_alive);
        assert!(request.expects_continue);
        assert_eq!(status_for(b"GET / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n"), Some(417));
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
    fn targets_have_a_form_their_method_allows() {
        let get = |target: &str| format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(status_for(get("index.html").as_bytes()), Some(400));
        assert_eq!(status_for(get("/a#top").as_bytes()), Some(400));
        assert_eq!(status_for(get("/a?q=1#top").as_bytes()), Some(400));
        assert_eq!(status_for(get("*").as_bytes()), Some(400));
        assert_eq!(status_for(get("example.com:443").as_bytes()), Some(400));
        assert_eq!(status_for(b"CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n"), Some(501));
        assert_eq!(status_for(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Some(505));
        let options = read(b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").unwrap().unwrap();
        assert_eq!(options.target, "*");
    }

    #[test]
    fn an_absolute_target_is_read_as_its_origin_form_and_its_host() {
        let absolute = read(b"GET http://example.com/a?b HTTP/1.1\r\nHost: other\r\n\r\n");
        let origin = read(b"GET /a?b HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assert_eq!(absolute.unwrap().unwrap(), origin.unwrap().unwrap());
    }

    #[test]
    fn optional_whitespace_is_spaces_and_tabs_only() {
        let request = read(b"GET / HTTP/1.1\r\nHost: x\r\nA: \t b \t\r\n\r\n").unwrap().unwrap();
        assert_eq!(request.headers.get("A"), Some("b"));
        for value in [&b"b\x0c"[..], b"\x0cb", b"b\r", b"\x0bb", b"b\x00"] {
            let head = [&b"GET / HTTP/1.1\r\nHost: x\r\nA: "[..], value, b"\r\n\r\n"].concat();
            assert_eq!(status_for(&head), Some(400), "{:?}", String::from_utf8_lossy(value));
        }
    }

    #[test]
    fn a_field_that_holds_one_value_may_not_come_twice() {
        let twice = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: a/b\r\ncontent-type: c/d\r\n\r\n";
        assert_eq!(status_for(twice), Some(400));
        let lists = b"GET / HTTP/1.1\r\nHost: x\r\nAccept: a/b\r\nAccept: c/d\r\n\r\n";
        assert!(read(lists).unwrap().is_some(), "list fields may repeat");
    }

    #[test]
    fn field_lines_and_field_counts_have_limits_of_their_own() {
        let limits = Limits { field_line: 20, fields: 3, ..Limits::default() };
        let status = |head: String| {
            let error = read_request(&mut head.as_bytes(), &limits).err();
            error.and_then(|error| error.status()).map(|status| status.code)
        };
        assert_eq!(
            status(format!("GET / HTTP/1.1\r\nHost: x\r\nA: {}\r\n\r\n", "b".repeat(15))),
            None
        );
        assert_eq!(
            status(format!("GET / HTTP/1.1\r\nHost: x\r\nA: {}\r\n\r\n", "b".repeat(16))),
            Some(431)
        );
        assert_eq!(status("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n".to_string()), None);
        assert_eq!(
            status("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n".to_string()),
            Some(431)
        );
    }

    #[test]
    fn the_default_limits_take_what_deployed_servers_take() {
        let line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(8000));
        let field = format!("X-Big: {}\r\n", "b".repeat(8000));
        let fields: String = (0..98).map(|n| format!("X-{n}: {n}\r\n")).collect();
        let head = format!("{line}Host: x\r\n{field}{fields}\r\n");
        assert!(read(head.as_bytes()).unwrap().is_some(), "8,000-byte line and field, 100 fields");
    }

    #[test]
    fn a_cut_off_head_means_the_client_is_gone() {
        assert_eq!(status_for(b"GET / HTTP/1.0\r\nHost: x"), None);
        assert!(matches!(read(b"GET / HTTP/1.0\r\nHost: x"), Err(RequestError::Io(_))));
    }
}
