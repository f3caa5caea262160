//! A response on its way out, which can stop when the socket is full and go on later
//! (chapter 4; stopped and resumed from chapter 7).
//!
//! The gateway frames the body one chunk at a time and writes each as soon as it exists (PEP
//! 3333 wants nothing held back). On a blocking socket a write that the client is slow to
//! read simply waits, and so does the worker. From chapter 7 the sockets are non-blocking: a
//! write that finds the socket full returns at once, and `Sending` keeps its place (the bytes
//! the socket has not taken, and the rest of the body) so that the reactor can park the
//! connection until the client has read, and any worker can go on from there. At most one
//! chunk is held: the next is asked of the body only once the last has gone out.

use std::io::{self, Write};
use std::net::TcpStream;

use super::Body;
use super::application::catch_panic;
use crate::http::{LAST_CHUNK, ResponseFraming, encode_chunk};

// ANCHOR: sending
/// A response being written: the framed bytes the socket has not taken yet, and the rest of
/// the body.
pub struct Sending {
    /// Framed bytes; `pending[written..]` is what the socket has not taken.
    pending: Vec<u8>,
    written: usize,
    body: Body,
    framing: ResponseFraming,
    /// Body bytes framed so far, before any chunk framing: what the access log reports.
    sent: u64,
    /// Every byte the socket has taken, head and framing included: what a slow reader's
    /// rate is measured by (chapter 7).
    taken: u64,
    /// The body's end has been framed: once `pending` is out, the response is complete.
    ended: bool,
}

/// How far a call to [`Sending::send`] got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// All of it is sent; this many body bytes.
    Sent(u64),
    /// The socket can take no more for now. On a blocking socket that means its write
    /// timeout passed.
    Blocked,
}

impl Sending {
    /// A response whose `head` goes out together with the body's first chunk, in one write.
    pub fn new(head: Vec<u8>, first: Vec<u8>, body: Body, framing: ResponseFraming) -> Sending {
        let mut sending =
            Sending { pending: head, written: 0, body, framing, sent: 0, taken: 0, ended: false };
        match framing {
            ResponseFraming::NoBody => sending.ended = true,
            _ => sending.frame(&first),
        }
        sending
    }

    /// Writes as much as the socket takes: each chunk, then the next one the body makes, until
    /// the end or until the socket is full.
    ///
    /// With a `Content-Length`, never more than it announced is sent, and a body that ends
    /// short of it is an error: the client would wait for the rest. A panic in the middle
    /// cuts the response short too: the head is gone, so the honest thing is to stop and close.
    pub fn send(&mut self, out: &TcpStream) -> io::Result<Progress> {
        loop {
            if !self.write_pending(out)? {
                return Ok(Progress::Blocked);
            }
            if self.ended {
                return Ok(Progress::Sent(self.sent));
            }
            self.frame_next()?;
        }
    }
    // ANCHOR_END: sending

    /// Every byte the socket has taken so far, head and framing included.
    pub fn taken(&self) -> u64 {
        self.taken
    }

    /// Writes what is pending. `false` if the socket filled up first.
    fn write_pending(&mut self, mut out: &TcpStream) -> io::Result<bool> {
        while self.written < self.pending.len() {
            match out.write(&self.pending[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.written += n;
                    self.taken += n as u64;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(error) => return Err(error),
            }
        }
        self.pending.clear();
        self.written = 0;
        Ok(true)
    }

    // ANCHOR: frame_next
    /// Frames the body's next chunk, or its end, into `pending`.
    fn frame_next(&mut self) -> io::Result<()> {
        if self.framing == ResponseFraming::Length(self.sent) {
            self.ended = true; // all that was announced; anything more would corrupt the stream
            return Ok(());
        }
        match catch_panic(|| self.body.next()) {
            Ok(Some(chunk)) => self.frame(&chunk),
            Ok(None) => self.frame_end()?,
            Err(why) => return Err(io::Error::other(why)),
        }
        Ok(())
    }

    fn frame(&mut self, chunk: &[u8]) {
        let chunk = match self.framing {
            // Never more than the `Content-Length` announced.
            ResponseFraming::Length(length) => {
                let room = usize::try_from(length - self.sent).unwrap_or(usize::MAX);
                &chunk[..chunk.len().min(room)]
            }
            _ => chunk,
        };
        match self.framing {
            ResponseFraming::Chunked => encode_chunk(&mut self.pending, chunk),
            _ => self.pending.extend_from_slice(chunk),
        }
        self.sent += chunk.len() as u64;
    }

    fn frame_end(&mut self) -> io::Result<()> {
        match self.framing {
            ResponseFraming::Chunked => self.pending.extend_from_slice(LAST_CHUNK),
            ResponseFraming::Length(length) => {
                return Err(io::Error::other(format!(
                    "the body ended after {} of the {length} bytes its Content-Length announced",
                    self.sent
                )));
            }
            ResponseFraming::UntilClose | ResponseFraming::NoBody => {}
        }
        self.ended = true;
        Ok(())
    }
    // ANCHOR_END: frame_next
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::io::Read;
    use std::net::TcpListener;

    fn connected() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (listener.accept().unwrap().0, client)
    }

    fn chunks(parts: &[&str]) -> Body {
        let parts: Vec<Vec<u8>> = parts.iter().map(|part| part.as_bytes().to_vec()).collect();
        Body::from_chunks(parts)
    }

    fn sent_bytes(framing: ResponseFraming, first: &str, rest: &[&str]) -> (String, Progress) {
        let (server, mut client) = connected();
        let head = b"HEAD|".to_vec();
        let mut sending = Sending::new(head, first.as_bytes().to_vec(), chunks(rest), framing);
        let progress = sending.send(&server).unwrap_or(Progress::Blocked);
        drop(server);
        let mut text = String::new();
        client.read_to_string(&mut text).unwrap();
        (text, progress)
    }

    #[test]
    fn each_framing_marks_the_end_of_the_body_its_own_way() {
        let chunked = sent_bytes(ResponseFraming::Chunked, "ab", &["", "cde"]);
        assert_eq!(
            chunked,
            ("HEAD|2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n".to_string(), Progress::Sent(5))
        );
        let length = sent_bytes(ResponseFraming::Length(4), "ab", &["cde", "never asked for"]);
        assert_eq!(length, ("HEAD|abcd".to_string(), Progress::Sent(4)));
        let none = sent_bytes(ResponseFraming::NoBody, "ab", &["cde"]);
        assert_eq!(none, ("HEAD|".to_string(), Progress::Sent(0)));
    }

    #[test]
    fn a_body_short_of_its_content_length_is_an_error() {
        let (server, _client) = connected();
        let framing = ResponseFraming::Length(5);
        let mut sending = Sending::new(Vec::new(), b"ab".to_vec(), Body::empty(), framing);
        let error = sending.send(&server).unwrap_err();
        assert!(error.to_string().contains("after 2 of the 5 bytes"), "{error}");
    }

    #[test]
    fn a_full_socket_pauses_the_response_and_it_goes_on_where_it_stopped() {
        let (server, mut client) = connected();
        server.set_nonblocking(true).unwrap();
        let chunk = vec![b'x'; 1 << 20];
        let body = Body::from_chunks(vec![chunk.clone(); 15]);
        let mut sending = Sending::new(b"HEAD|".to_vec(), chunk, body, ResponseFraming::UntilClose);
        assert_eq!(sending.send(&server).unwrap(), Progress::Blocked, "16 MiB fill any socket");
        let taken = sending.taken();
        let reader = std::thread::spawn(move || {
            let mut received = Vec::new();
            client.read_to_end(&mut received).unwrap();
            received
        });
        let sent = loop {
            match sending.send(&server).unwrap() {
                Progress::Sent(sent) => break sent,
                Progress::Blocked => std::thread::sleep(std::time::Duration::from_millis(1)),
            }
        };
        assert!(sending.taken() > taken);
        drop(server);
        let received = reader.join().unwrap();
        assert_eq!(sent, 16 << 20);
        assert_eq!(received.len(), 5 + (16 << 20), "every byte, once, in order");
        assert!(received.starts_with(b"HEAD|x") && received.ends_with(b"xxx"));
    }
}
