//! A request body gathered while its connection is parked, before any worker sees it
//! (chapter 7).
//!
//! Chapter 5's gateway gives the application a body read from the socket as the application
//! asks for it. That is the least copying there can be, but it lets a client that sends its
//! body a byte a second hold a worker for as long as it likes, and no read timeout helps, since
//! every read gets its byte. So the finished server does what waitress does: the body is
//! gathered by the reactor, a few bytes at a time as they arrive, and the application is
//! called only when all of it is there. Up to a limit it stays in the connection's buffer;
//! past that it moves to a temporary file. Either way `wsgi.input` then reads from memory or
//! disk, never from the client.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::http::{BodyFraming, ChunkScanner, Request};

/// A request whose head has arrived, and as much of its body as has.
pub struct Waiting {
    pub request: Request,
    end: End,
    /// How many bytes of the body, in the connection's buffer, have been looked at.
    seen: usize,
    /// The body's start, once it no longer fits in memory.
    spool: Option<SpoolFile>,
    received: u64,
    /// When the head was taken: the minimum rate counts from here.
    pub since: Instant,
}

/// How the end of the body will be known.
enum End {
    /// This many bytes are still to come.
    Left(u64),
    Chunks(ChunkScanner),
}

/// What [`Waiting::look`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gathered {
    /// More of the body is to come.
    Partly,
    /// The whole body is here, or its framing is broken: either way, nothing more is needed
    /// from the client to answer it.
    Enough,
}

impl Waiting {
    /// Starts waiting for the body of `request` (a request without one has it all at once).
    /// A chunked body may hold at most `limit` bytes; a declared length was checked with the
    /// head.
    pub fn new(request: Request, limit: u64) -> Waiting {
        let end = match request.body {
            BodyFraming::None => End::Left(0),
            BodyFraming::Length(length) => End::Left(length),
            BodyFraming::Chunked => End::Chunks(ChunkScanner::new(limit)),
        };
        Waiting { request, end, seen: 0, spool: None, received: 0, since: Instant::now() }
    }

    /// Looks at the bytes that have arrived after the head (`unread`, of which the first
    /// [`Waiting::seen`] were looked at before).
    pub fn look(&mut self, unread: &[u8]) -> Gathered {
        let new = &unread[self.seen..];
        let (taken, gathered) = match &mut self.end {
            End::Left(left) => {
                let taken = (*left).min(new.len() as u64);
                *left -= taken;
                (taken as usize, if *left == 0 { Gathered::Enough } else { Gathered::Partly })
            }
            End::Chunks(scanner) => match scanner.feed(new) {
                Ok(Some(end)) => (end, Gathered::Enough),
                Ok(None) => (new.len(), Gathered::Partly),
                // The reader will meet the same error at the same place, and the client
                // gets its 400 or 413 from there.
                Err(_) => (new.len(), Gathered::Enough),
            },
        };
        self.seen += taken;
        self.received += taken as u64;
        gathered
    }

    /// How many bytes at the start of the connection's buffer belong to the body.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// How many bytes of the body have arrived.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Moves the body bytes looked at so far (the first [`Waiting::seen`] of `unread`) to the
    /// temporary file, so that the buffer can let them go.
    pub fn spill(&mut self, unread: &[u8]) -> io::Result<()> {
        let spool = match &mut self.spool {
            Some(spool) => spool,
            None => self.spool.insert(SpoolFile::create()?),
        };
        spool.file.write_all(&unread[..self.seen])?;
        self.seen = 0;
        Ok(())
    }

    /// The request, and the part of its body that was spilled, ready to be read from the
    /// start (the rest is the first [`Waiting::seen`] bytes of the buffer). The body is all
    /// here, so the request no longer waits for `100 Continue`: if one was due, it went out
    /// while the body was awaited.
    pub fn into_parts(mut self) -> io::Result<(Request, Spilled)> {
        self.request.expects_continue = false;
        let spilled = match self.spool {
            None => Spilled::Nothing,
            Some(mut spool) => {
                io::Seek::rewind(&mut spool.file)?;
                Spilled::File(BufReader::new(spool))
            }
        };
        Ok((self.request, spilled))
    }
}

/// The part of a body that was moved to disk, read back.
pub enum Spilled {
    Nothing,
    File(BufReader<SpoolFile>),
}

impl Read for Spilled {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Spilled::Nothing => Ok(0),
            Spilled::File(file) => file.read(out),
        }
    }
}

impl BufRead for Spilled {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Spilled::Nothing => Ok(&[]),
            Spilled::File(file) => file.fill_buf(),
        }
    }

    fn consume(&mut self, amount: usize) {
        if let Spilled::File(file) = self {
            file.consume(amount);
        }
    }
}

/// A temporary file that is deleted when dropped.
pub struct SpoolFile {
    file: File,
    path: PathBuf,
}

impl SpoolFile {
    fn create() -> io::Result<SpoolFile> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "socket-to-wsgi-body-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let file = OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
        Ok(SpoolFile { file, path })
    }
}

impl Read for SpoolFile {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.file.read(out)
    }
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Limits, parse_head};
    use pretty_assertions::assert_eq;

    fn waiting_for(head: &[u8]) -> Waiting {
        let (request, _) = parse_head(head, &Limits::default()).unwrap().unwrap();
        Waiting::new(request, 1000)
    }

    #[test]
    fn a_request_without_a_body_has_it_all_at_once() {
        let mut waiting = waiting_for(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(waiting.look(b"GET /next"), Gathered::Enough);
        assert_eq!(waiting.seen(), 0);
    }

    #[test]
    fn a_body_is_enough_once_its_length_has_arrived() {
        let mut waiting = waiting_for(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(waiting.look(b"he"), Gathered::Partly);
        assert_eq!(waiting.look(b"hello, next"), Gathered::Enough);
        assert_eq!((waiting.seen(), waiting.received()), (5, 5), "the next request is not body");
    }

    #[test]
    fn a_chunked_body_is_enough_at_its_last_chunk() {
        let head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        let mut waiting = waiting_for(head);
        let wire = b"5\r\nhello\r\n0\r\n\r\nGET /";
        assert_eq!(waiting.look(&wire[..12]), Gathered::Partly);
        assert_eq!(waiting.look(wire), Gathered::Enough);
        assert_eq!(waiting.seen(), wire.len() - 5);
    }

    #[test]
    fn a_spilled_body_reads_back_from_its_start() {
        let mut waiting = waiting_for(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n");
        assert_eq!(waiting.look(b"hello"), Gathered::Partly);
        waiting.spill(b"hello").unwrap();
        assert_eq!(waiting.seen(), 0, "the buffer may drop what was spilled");
        assert_eq!(waiting.look(b", world"), Gathered::Enough);
        waiting.spill(b", world").unwrap();
        let (_, mut spilled) = waiting.into_parts().unwrap();
        let mut body = String::new();
        spilled.read_to_string(&mut body).unwrap();
        assert_eq!(body, "hello, world");
    }

    #[test]
    fn the_temporary_file_is_deleted_with_the_body() {
        let spool = SpoolFile::create().unwrap();
        let path = spool.path.clone();
        assert!(path.exists());
        drop(spool);
        assert!(!path.exists());
    }
}
