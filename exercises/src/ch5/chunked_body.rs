//! Exercise 5.1: a body in chunks. The task is in the book, chapter 5, "Exercises".

use std::io::{self, Write};

use socket_to_wsgi::wsgi::Body;

/// Writes `body` to `out` with the chunked transfer coding (RFC 9112 §7.1), as a server
/// sends a body whose length it does not know in advance: for each chunk of the body, its
/// size in hexadecimal (lowercase), CRLF, its bytes, CRLF; then the last chunk, `0\r\n\r\n`.
///
/// ```text
/// a body of "hello" then ", world"  →  5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n
/// ```
///
/// - An empty chunk of the body is skipped: `0\r\n\r\n` on the wire means "the end".
/// - An error from `out` (the client went away) is returned at once, and no further chunk
///   is taken from `body`.
///
/// Write it yourself: `socket_to_wsgi::http::encode_chunk` is the book's version, to compare
/// with afterwards.
pub fn write_chunked(out: &mut impl Write, body: Body) -> io::Result<()> {
    todo!("exercise 5.1: see the book, chapter 5's exercises (book/src/exercises/ch05.md)")
}
