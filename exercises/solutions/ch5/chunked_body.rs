//! SPOILER: reference solution of exercise 5.1 (a body in chunks). Try it yourself first.

use std::io::{self, Write};

use socket_to_wsgi::wsgi::Body;

/// Writes `body` to `out` with the chunked transfer coding, then the last chunk.
pub fn write_chunked(out: &mut impl Write, body: Body) -> io::Result<()> {
    for chunk in body {
        // An empty chunk would be read as the last one; there is nothing to send anyway.
        if chunk.is_empty() {
            continue;
        }
        // Size line, data and CRLF in one write, so a chunk is one packet when it can be.
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        out.write_all(&framed)?;
    }
    // The last chunk, and an empty trailer section.
    out.write_all(b"0\r\n\r\n")
}
