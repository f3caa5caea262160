//! Exercise 2.1: a response with a correct length. The task is in the book, chapter 2,
//! "Exercises".

use std::io::{self, Write};

use socket_to_wsgi::http::{Clock, Status};

/// Writes a whole HTTP response to `out`: the status line, a `Date` from `clock`, the
/// `Content-Type`, a `Content-Length` that counts the body's *bytes*, `Connection: close`,
/// the empty line, then the body. Every line of the head ends in `\r\n`, in this order:
///
/// ```text
/// HTTP/1.1 200 OK
/// Date: Sat, 21 Nov 2020 19:00:00 GMT
/// Content-Type: text/plain; charset=utf-8
/// Content-Length: 6
/// Connection: close
///
/// 你好
/// ```
pub fn write_response(
    out: &mut impl Write,
    status: Status,
    content_type: &str,
    body: &str,
    clock: Clock,
) -> io::Result<()> {
    todo!("exercise 2.1: see the book, chapter 2's exercises (book/src/exercises/ch02.md)")
}
