//! SPOILER: reference solution of exercise 2.1 (a response with a correct length). Try it
//! yourself first.

use std::io::{self, Write};

use socket_to_wsgi::http::{Clock, Status};

/// Writes a whole HTTP response to `out`, with a `Content-Length` that counts bytes.
pub fn write_response(
    out: &mut impl Write,
    status: Status,
    content_type: &str,
    body: &str,
    clock: Clock,
) -> io::Result<()> {
    // `str::len` is a length in bytes (UTF-8), which is what Content-Length counts;
    // `body.chars().count()` would be the article's mistake.
    let head = format!(
        "HTTP/1.1 {status}\r\nDate: {}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        clock.http_date(),
        body.len()
    );
    out.write_all(head.as_bytes())?;
    out.write_all(body.as_bytes())?;
    out.flush()
}
