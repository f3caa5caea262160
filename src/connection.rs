//! A connection that outlives its requests (chapter 5).
//!
//! Chapters 2–4 read one request with a `BufReader` and then dropped the connection. A
//! persistent connection carries request after request, so the bytes read ahead of the
//! current request (the start of the next one, pipelined) must be kept for it. `Connection`
//! owns that buffer, and lets the server parse a head only once it is complete, so that a
//! client sending one byte a second never makes a worker wait for the rest.

use std::io::{self, BufRead, Read};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use crate::http::{Limits, Request, RequestError, read_request};

/// How much is read from the socket at a time.
const READ_SIZE: usize = 16 * 1024;

/// A client connection and the bytes received from it but not yet used.
pub struct Connection {
    stream: TcpStream,
    /// `buffer[start..end]` holds the bytes received and not used yet.
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    pub(crate) local: Option<SocketAddr>,
    pub(crate) peer: Option<SocketAddr>,
    /// When the head now arriving must be complete; `None` between requests.
    pub(crate) head_deadline: Option<Instant>,
}

impl Connection {
    pub fn new(stream: TcpStream) -> Connection {
        let (local, peer) = (stream.local_addr().ok(), stream.peer_addr().ok());
        let buffer = vec![0; READ_SIZE];
        Connection { stream, buffer, start: 0, end: 0, local, peer, head_deadline: None }
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// The bytes received and not used yet.
    pub fn unread(&self) -> &[u8] {
        &self.buffer[self.start..self.end]
    }

    /// Reads once from the socket into the buffer. Returns how many bytes came (0: the client
    /// closed). Called once per "readable" event, this never blocks.
    pub fn receive(&mut self) -> io::Result<usize> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.buffer.len() - self.end < READ_SIZE {
            // Move what is left to the front, and grow only if that is not enough room.
            self.buffer.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
            if self.buffer.len() - self.end < READ_SIZE {
                self.buffer.resize(self.end + READ_SIZE, 0);
            }
        }
        let received = self.stream.read(&mut self.buffer[self.end..])?;
        self.end += received;
        Ok(received)
    }

    // ANCHOR: take_request
    /// Parses the next request head, if all of it has arrived. `Ok(None)`: not yet.
    pub fn take_request(&mut self, limits: &Limits) -> Result<Option<Request>, RequestError> {
        // Empty lines between requests are tolerated (RFC 9112 §2.2).
        while matches!(self.unread().first(), Some(b'\r' | b'\n')) {
            self.start += 1;
        }
        let unread = self.unread();
        let Some(end) = head_end(unread) else {
            return match unread.len() {
                n if n > limits.request_line && !unread.contains(&b'\n') => {
                    Err(RequestError::LineTooLong)
                }
                n if n > limits.head => Err(RequestError::HeadTooLarge),
                _ => Ok(None),
            };
        };
        let request = read_request(&mut &unread[..end], limits)?;
        self.start += end;
        self.head_deadline = None;
        Ok(request)
    }
    // ANCHOR_END: take_request
}

/// Where the head in `bytes` ends: just after the first empty line, if there is one.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(newline) = bytes[from..].iter().position(|&byte| byte == b'\n') {
        let after = from + newline + 1;
        match bytes.get(after..) {
            Some([b'\n', ..]) => return Some(after + 1),
            Some([b'\r', b'\n', ..]) => return Some(after + 2),
            _ => from = after,
        }
    }
    None
}

/// Reading a body: first what is already buffered, then the socket.
impl Read for Connection {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.unread().is_empty() {
            return self.stream.read(out);
        }
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Connection {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.unread().is_empty() {
            self.receive()?;
        }
        Ok(self.unread())
    }

    fn consume(&mut self, amount: usize) {
        self.start = (self.start + amount).min(self.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn heads_end_at_the_first_empty_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.0\n\nnext"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r"), None);
    }
}
