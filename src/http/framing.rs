//! Where a message body ends, and whether the connection stays open (chapter 5).
//!
//! On a connection that carries many requests, getting a body's end wrong is not a small
//! bug: the server would read the rest of one request as the start of the next. When two
//! programs (a proxy and a server) disagree about it, an attacker can hide a request inside
//! another ("request smuggling"). So these rules follow RFC 9112 §6 to the letter and reject
//! anything ambiguous.

use super::{Request, Status, Version};

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

/// A request whose framing the server will not guess at: the status to answer with, and why.
/// The connection must be closed afterwards, since where this request ends is unknown.
pub type FramingError = (Status, &'static str);

// ANCHOR: request_framing
/// Decides how the body of `request` is framed, refusing anything ambiguous.
pub fn request_framing(request: &Request, body_limit: u64) -> Result<BodyFraming, FramingError> {
    let has_length = request.headers.get("Content-Length").is_some();
    // A Transfer-Encoding field counts even when empty: a proxy in front may have acted on it.
    if request.headers.get("Transfer-Encoding").is_some() {
        let codings = list_values(request.headers.get_all("Transfer-Encoding"));
        if has_length {
            // RFC 9112 §6.1: both present is how smuggling starts; reject and close.
            return Err((Status::BAD_REQUEST, "Content-Length together with Transfer-Encoding"));
        }
        if request.version == Version::Http10 {
            return Err((Status::BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request"));
        }
        return match codings.as_slice() {
            [only] if only.eq_ignore_ascii_case("chunked") => Ok(BodyFraming::Chunked),
            [] => Err((Status::BAD_REQUEST, "an empty Transfer-Encoding")),
            [.., last] if !last.eq_ignore_ascii_case("chunked") => {
                Err((Status::BAD_REQUEST, "the last transfer coding must be chunked"))
            }
            _ => Err((Status::NOT_IMPLEMENTED, "only the chunked transfer coding is supported")),
        };
    }
    if !has_length {
        return Ok(BodyFraming::None);
    }
    let lengths = list_values(request.headers.get_all("Content-Length"));
    let Some(first) = lengths.first() else {
        return Err((Status::BAD_REQUEST, "an empty Content-Length"));
    };
    if lengths.iter().any(|other| other != first) {
        return Err((Status::BAD_REQUEST, "conflicting Content-Length values"));
    }
    let length = match first.parse::<u64>() {
        Ok(length) if first.bytes().all(|byte| byte.is_ascii_digit()) => length,
        _ => return Err((Status::BAD_REQUEST, "Content-Length must be a number of bytes")),
    };
    if length > body_limit {
        return Err((Status::CONTENT_TOO_LARGE, "the request body is larger than allowed"));
    }
    Ok(if length == 0 { BodyFraming::None } else { BodyFraming::Length(length) })
}
// ANCHOR_END: request_framing

// ANCHOR: wants_keep_alive
/// Whether the client wants the connection kept open after this request (RFC 9112 §9.3):
/// HTTP/1.1 keeps it unless told `Connection: close`; HTTP/1.0 closes unless it asks for
/// `Connection: keep-alive`.
pub fn wants_keep_alive(request: &Request) -> bool {
    let options = list_values(request.headers.get_all("Connection"));
    let says = |word: &str| options.iter().any(|option| option.eq_ignore_ascii_case(word));
    match request.version {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Headers, Request};
    use pretty_assertions::assert_eq;

    fn request(version: Version, headers: &[(&str, &str)]) -> Request {
        let mut fields = Headers::default();
        for (name, value) in headers {
            fields.push(*name, *value);
        }
        Request { method: "POST".into(), target: "/".into(), version, headers: fields }
    }

    fn framing(headers: &[(&str, &str)]) -> Result<BodyFraming, u16> {
        request_framing(&request(Version::Http11, headers), 1000).map_err(|(status, _)| status.code)
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
        let old = request(Version::Http10, &[("Transfer-Encoding", "chunked")]);
        assert_eq!(request_framing(&old, 1000).map_err(|(status, _)| status.code), Err(400));
    }

    #[test]
    fn persistence_follows_the_version_and_the_connection_header() {
        assert!(wants_keep_alive(&request(Version::Http11, &[])));
        assert!(!wants_keep_alive(&request(Version::Http11, &[("Connection", "Close")])));
        assert!(!wants_keep_alive(&request(Version::Http11, &[("Connection", "upgrade, close")])));
        assert!(!wants_keep_alive(&request(Version::Http10, &[])));
        assert!(wants_keep_alive(&request(Version::Http10, &[("Connection", "Keep-Alive")])));
    }
}
