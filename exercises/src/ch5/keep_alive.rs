//! Exercise 5.2: keep the connection or close it. The task is in the book, chapter 5,
//! "Exercises".

use socket_to_wsgi::http::{Headers, Version};

/// Whether the connection stays open after the response to a request of this `version`
/// with these `headers` (RFC 9112 §9.3).
///
/// - If the `Connection` header holds the option `close`, the connection closes.
/// - Otherwise an HTTP/1.1 request keeps it open: persistence is HTTP/1.1's default.
/// - Otherwise (HTTP/1.0) it stays open only if `Connection` holds the option `keep-alive`.
///
/// `Connection` is a comma-separated list of options (`Connection: Upgrade, close`), may
/// come on several header lines, and its options compare without regard to case (`Close`,
/// `Keep-Alive`). An option is a whole element of the list: `closed` is not `close`.
///
/// Write it yourself: `socket_to_wsgi::http::wants_keep_alive` is the book's version, to
/// compare with afterwards.
pub fn keep_alive(version: Version, headers: &Headers) -> bool {
    todo!("exercise 5.2: see the book, chapter 5's exercises (book/src/exercises/ch05.md)")
}
