//! SPOILER: reference solution of exercise 1.3 (a line echo with `quit`). Try it yourself
//! first.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;

/// Echoes the client's input line by line, and stops at a line that says `quit`.
pub fn line_echo(stream: &TcpStream) -> io::Result<()> {
    // `read` returns whatever has arrived, not a line; `BufReader` keeps the bytes after a
    // line ending for the next `read_until`.
    let mut reader = BufReader::new(stream);
    let mut writer = stream;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(()); // the client closed its side
        }
        if line == b"quit\n" || line == b"quit\r\n" {
            return writer.write_all(b"bye\n");
        }
        writer.write_all(&line)?;
    }
}
