//! Exercise 9.1, a reference solution: `wsgi.input.readline(size)`, over a request body.

use std::io::{self, BufRead};

/// Reads one line of `body`, at most `limit` bytes, as PEP 3333's `readline(size)` does.
pub fn read_line(body: &mut impl BufRead, limit: Option<usize>) -> io::Result<Vec<u8>> {
    let limit = limit.unwrap_or(usize::MAX);
    let mut line = Vec::new();
    while line.len() < limit {
        let available = body.fill_buf()?;
        if available.is_empty() {
            break; // the end of the body
        }
        let room = (limit - line.len()).min(available.len());
        let (take, done) = match available[..room].iter().position(|&byte| byte == b'\n') {
            Some(end) => (end + 1, true),
            None => (room, false),
        };
        line.extend_from_slice(&available[..take]);
        body.consume(take);
        if done {
            break;
        }
    }
    Ok(line)
}
