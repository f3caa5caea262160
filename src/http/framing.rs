//! Where a message body ends, and whether the connection stays open (chapter 5).
//!
//! On a connection that carries many requests, getting a body's end wrong is not a small
//! bug: the server would read the rest of one request as the start of the next. When two
//! programs (a proxy and a server) disagree about it, an attacker can hide a request inside
//! another ("request smuggling"). So these rules follow RFC 9112 §6 to the letter and reject
//! anything ambiguous.

use super::{Headers, Request, RequestError, Version};

/// How a request's body is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body at all.
    None,
    /// Exactly this many bytes follow the head.
    Length(u64),
    /// The chunked transfer coding: the body says where it ends.
    Chunked,
}

// ANCHOR: request_framing
/// Decides how a request's body is framed, refusing anything ambiguous. An error means the
/// connection must be closed after the answer, since where this request ends is unknown.
pub fn request_framing(
    version: Version,
    headers: &Headers,
    body_limit: u64,
) -> Result<BodyFraming, RequestError> {
    let malformed = RequestError::Malformed;
    let has_length = headers.get("Content-Length").is_some();
    // A Transfer-Encoding field counts even when empty: a proxy in front may have acted on it.
    if headers.get("Transfer-Encoding").is_some() {
        let codings = list_values(headers.get_all("Transfer-Encoding"));
        if has_length {
            // RFC 9112 §6.1: both present is how smuggling starts; reject and close.
            return Err(malformed("Content-Length together with Transfer-Encoding"));
        }
        if version == Version::Http10 {
            return Err(malformed("Transfer-Encoding in an HTTP/1.0 request"));
        }
        return match codings.as_slice() {
            [only] if only.eq_ignore_ascii_case("chunked") => Ok(BodyFraming::Chunked),
            [] => Err(malformed("an empty Transfer-Encoding")),
            [.., last] if !last.eq_ignore_ascii_case("chunked") => {
                Err(malformed("the last transfer coding must be chunked"))
            }
            _ => Err(RequestError::UnsupportedCoding),
        };
    }
    if !has_length {
        return Ok(BodyFraming::None);
    }
    let lengths = list_values(headers.get_all("Content-Length"));
    let Some(first) = lengths.first() else {
        return Err(malformed("an empty Content-Length"));
    };
    if lengths.iter().any(|other| other != first) {
        return Err(malformed("conflicting Content-Length values"));
    }
    let length =
        parse_length(first).ok_or(malformed("Content-Length must be a number of bytes"))?;
    if length > body_limit {
        return Err(RequestError::BodyTooLarge);
    }
    Ok(if length == 0 { BodyFraming::None } else { BodyFraming::Length(length) })
}
// ANCHOR_END: request_framing

/// A `Content-Length` value: decimal digits only, so `+3`, ` 3` and `0x10` are not lengths.
pub fn parse_length(text: &str) -> Option<u64> {
    text.bytes().all(|byte| byte.is_ascii_digit()).then(|| text.parse().ok()).flatten()
}

// ANCHOR: wants_keep_alive
/// Whether the client wants the connection kept open after this request (RFC 9112 §9.3):
/// HTTP/1.1 keeps it unless told `Connection: close`; HTTP/1.0 closes unless it asks for
/// `Connection: keep-alive`.
pub fn wants_keep_alive(version: Version, headers: &Headers) -> bool {
    let options = list_values(headers.get_all("Connection"));
    let says = |word: &str| options.iter().any(|option| option.eq_ignore_ascii_case(word));
    match version {
        Version::Http11 => !says("close"),
        Version::Http10 => says("keep-alive") && !says("close"),
    }
}
// ANCHOR_END: wants_keep_alive

/// The comma-separated elements of every value of a header, trimmed, empty ones skipped
/// (RFC 9110 §5.6.1).
pub fn list_values<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    values
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|element| !element.is_empty())
        .map(str::to_string)
        .collect()
}

/// Headers that describe one connection, not the message: the server's business alone
/// (RFC 9110 §7.6.1; PEP 3333, "Other HTTP Features").
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

// ANCHOR: persistence
/// What happens to the connection once a response is sent, which its head must say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persistence {
    /// The server closes the connection after this response.
    Close,
    /// The connection waits for another request; the version decides how that is said.
    KeepAlive(Version),
}

impl Persistence {
    /// The `Connection` header that says so. Only the exception to the version's default is
    /// said: HTTP/1.1 keeps connections open unless told, HTTP/1.0 closes them unless told.
    pub fn header(self) -> Option<(&'static str, &'static str)> {
        match self {
            Persistence::Close => Some(("Connection", "close")),
            Persistence::KeepAlive(Version::Http10) => Some(("Connection", "keep-alive")),
            Persistence::KeepAlive(Version::Http11) => None,
        }
    }
}
// ANCHOR_END: persistence

/// How the end of a response body is shown to the client (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseFraming {
    /// No body follows the head (HEAD, 1xx, 204, 304).
    NoBody,
    /// `Content-Length` bytes, no more.
    Length(u64),
    /// The chunked transfer coding, ended by the last chunk (HTTP/1.1 only).
    Chunked,
    /// Until the connection closes: HTTP/1.0's way, and the one way open to a server that
    /// closes anyway.
    UntilClose,
}

// ANCHOR: plan_response
/// Decides how a response is framed and whether the connection stays open after it: the one
/// place where either is decided.
///
/// `reusable` says whether the server could read another request from the connection: it
/// serves persistent connections, and the request's body was read to its end.
pub fn plan_response(
    request: &Request,
    status: u16,
    content_length: Option<u64>,
    reusable: bool,
) -> (ResponseFraming, Persistence) {
    let keep_alive = reusable && request.keep_alive;
    let framing = match content_length {
        _ if request.method == "HEAD" || !status_has_body(status) => ResponseFraming::NoBody,
        Some(length) => ResponseFraming::Length(length),
        None if keep_alive && request.version == Version::Http11 => ResponseFraming::Chunked,
        None => ResponseFraming::UntilClose,
    };
    let persistence = match framing {
        ResponseFraming::UntilClose => Persistence::Close,
        _ if keep_alive => Persistence::KeepAlive(request.version),
        _ => Persistence::Close,
    };
    (framing, persistence)
}
// ANCHOR_END: plan_response

/// Whether a response with this status may carry a body: not 1xx, 204 or 304 (RFC 9110
/// §6.4.1).
pub fn status_has_body(status: u16) -> bool {
    status >= 200 && status != 204 && status != 304
}

/// The `Content-Length` a response declares, if it does: `Err` when it is given twice or is
/// not a number, since sending it on would corrupt the framing.
pub fn declared_length(headers: &[(String, String)]) -> Result<Option<u64>, String> {
    let mut values = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("Content-Length"))
        .map(|(_, value)| value.as_str());
    let Some(first) = values.next() else { return Ok(None) };
    match (parse_length(first), values.next()) {
        (Some(length), None) => Ok(Some(length)),
        (_, second) => Err(format!(
            "Content-Length must be given at most once, as a number of bytes: got {first:?}{}",
            second.map(|second| format!(" and {second:?}")).unwrap_or_default()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn headers(fields: &[(&str, &str)]) -> Headers {
        fields.iter().copied().collect()
    }

    fn framing_of(version: Version, fields: &[(&str, &str)]) -> Result<BodyFraming, u16> {
        request_framing(version, &headers(fields), 1000)
            .map_err(|error| error.status().expect("a status for the client").code)
    }

    fn framing(fields: &[(&str, &str)]) -> Result<BodyFraming, u16> {
        framing_of(Version::Http11, fields)
    }

    #[test]
    fn bodies_are_framed_by_length_or_chunks() {
        assert_eq!(framing(&[]), Ok(BodyFraming::None));
        assert_eq!(framing(&[("Content-Length", "0")]), Ok(BodyFraming::None));
        assert_eq!(framing(&[("Content-Length", "12")]), Ok(BodyFraming::Length(12)));
        assert_eq!(framing(&[("Content-Length", "12, 12")]), Ok(BodyFraming::Length(12)));
        assert_eq!(framing(&[("Transfer-Encoding", "Chunked")]), Ok(BodyFraming::Chunked));
    }

    #[test]
    fn ambiguous_framing_is_refused() {
        assert_eq!(framing(&[("Content-Length", "3"), ("Transfer-Encoding", "chunked")]), Err(400));
        assert_eq!(framing(&[("Content-Length", "3"), ("Content-Length", "4")]), Err(400));
        assert_eq!(framing(&[("Content-Length", "3, 4")]), Err(400));
        assert_eq!(framing(&[("Content-Length", "+3")]), Err(400));
        assert_eq!(framing(&[("Content-Length", "0x10")]), Err(400));
        assert_eq!(framing(&[("Content-Length", "")]), Err(400));
        assert_eq!(framing(&[("Content-Length", "1001")]), Err(413));
        assert_eq!(framing(&[("Transfer-Encoding", "chunked, gzip")]), Err(400));
        assert_eq!(framing(&[("Transfer-Encoding", "")]), Err(400));
        assert_eq!(framing(&[("Content-Length", "3"), ("Transfer-Encoding", "")]), Err(400));
        assert_eq!(framing(&[("Transfer-Encoding", "gzip, chunked")]), Err(501));
        assert_eq!(
            framing(&[("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")]),
            Err(501)
        );
        assert_eq!(framing_of(Version::Http10, &[("Transfer-Encoding", "chunked")]), Err(400));
    }

    #[test]
    fn persistence_follows_the_version_and_the_connection_header() {
        let wants = |version, fields: &[(&str, &str)]| wants_keep_alive(version, &headers(fields));
        assert!(wants(Version::Http11, &[]));
        assert!(!wants(Version::Http11, &[("Connection", "Close")]));
        assert!(!wants(Version::Http11, &[("Connection", "upgrade, close")]));
        assert!(!wants(Version::Http10, &[]));
        assert!(wants(Version::Http10, &[("Connection", "Keep-Alive")]));
    }

    fn request(method: &str, version: Version, keep_alive: bool) -> Request {
        Request {
            method: method.to_string(),
            target: "/".to_string(),
            version,
            headers: Headers::default(),
            body: BodyFraming::None,
            keep_alive,
            expects_continue: false,
        }
    }

    #[test]
    fn responses_are_framed_by_what_the_request_and_the_status_allow() {
        use ResponseFraming::*;
        let get = request("GET", Version::Http11, true);
        let keep = Persistence::KeepAlive(Version::Http11);
        assert_eq!(plan_response(&get, 200, Some(5), true), (Length(5), keep));
        assert_eq!(plan_response(&get, 200, None, true), (Chunked, keep));
        assert_eq!(plan_response(&get, 204, None, true), (NoBody, keep));
        assert_eq!(plan_response(&get, 304, Some(5), true), (NoBody, keep));
        let head = request("HEAD", Version::Http11, true);
        assert_eq!(plan_response(&head, 200, Some(5), true), (NoBody, keep));
        // A server that will close anyway frames by closing, and says so.
        assert_eq!(plan_response(&get, 200, None, false), (UntilClose, Persistence::Close));
        assert_eq!(plan_response(&get, 200, Some(5), false), (Length(5), Persistence::Close));
        let closing = request("GET", Version::Http11, false);
        assert_eq!(plan_response(&closing, 200, None, true), (UntilClose, Persistence::Close));
        // HTTP/1.0 has no chunks: without a length, the end of the body is the close.
        let old = request("GET", Version::Http10, true);
        assert_eq!(plan_response(&old, 200, None, true), (UntilClose, Persistence::Close));
        let old_keep = Persistence::KeepAlive(Version::Http10);
        assert_eq!(plan_response(&old, 200, Some(5), true), (Length(5), old_keep));
        assert_eq!(old_keep.header(), Some(("Connection", "keep-alive")));
        assert_eq!(keep.header(), None);
    }

    #[test]
    fn a_declared_length_is_one_number() {
        let fields = |value: &str| vec![("content-length".to_string(), value.to_string())];
        assert_eq!(declared_length(&[]), Ok(None));
        assert_eq!(declared_length(&fields("42")), Ok(Some(42)));
        assert!(declared_length(&fields("4 2")).is_err());
        let twice = [fields("1"), fields("1")].concat();
        assert!(declared_length(&twice).is_err());
    }
}
