//! Exercise 7.2: where a request body ends, without being smuggled. The task is in the book,
//! chapter 7, "Exercises".

use socket_to_wsgi::http::{BodyFraming, Headers, Status, Version};

/// Decides how the body of a request with this `version` and these `headers` is framed, and
/// refuses, with the status to answer, every request whose end two programs could read
/// differently (RFC 9112 §6).
///
/// A request with no `Transfer-Encoding` field:
/// - no `Content-Length` either: `Ok(BodyFraming::None)`;
/// - `Content-Length: 0`: `Ok(BodyFraming::None)`; `Content-Length: 42`:
///   `Ok(BodyFraming::Length(42))`;
/// - `Content-Length` may repeat (on several lines, or as a list `42, 42`) if every value
///   is the same; values that differ: `400 Bad Request`;
/// - a value that is not a plain run of digits (`+3`, `-1`, `0x10`, `3.0`, empty) or too
///   large for a `u64`: `400 Bad Request`.
///
/// A request with a `Transfer-Encoding` field (even an empty one), which lists the codings
/// applied to the body, separated by commas, on one line or several:
/// - with a `Content-Length` as well: `400 Bad Request` (which of the two would a proxy
///   in front of us believe?);
/// - in an HTTP/1.0 request: `400 Bad Request` (HTTP/1.0 has no transfer codings);
/// - when the last coding is not `chunked`: `400 Bad Request` (then only closing the
///   connection could end the body);
/// - exactly one coding, `chunked` (in any case): `Ok(BodyFraming::Chunked)`;
/// - other codings before `chunked` (`gzip, chunked`): `501 Not Implemented`.
///
/// Write it yourself: `socket_to_wsgi::http::request_framing` is the book's version, to
/// compare with afterwards.
pub fn body_framing(version: Version, headers: &Headers) -> Result<BodyFraming, Status> {
    todo!("exercise 7.2: see the book, chapter 7's exercises (book/src/exercises/ch07.md)")
}
