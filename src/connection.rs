//! A connection that outlives its requests (chapter 5; its deadlines, chapter 6; a body being
//! gathered and a response waiting for its reader, chapter 7).
//!
//! Chapters 2–4 read one request with a `BufReader` and then dropped the connection. A
//! persistent connection carries request after request, so the bytes read ahead of the
//! current request (the start of the next one, pipelined) must be kept for it. `Connection`
//! owns that buffer, and parses a head only once it is complete, so that a client sending
//! one byte a second never makes a worker wait for the rest.

use std::io::{self, BufRead, Chain, Read};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::http::exchange::peer_name;
use crate::http::{Limits, Request, RequestError, parse_head};
use crate::reactor::ReactorConfig;
use crate::reactor::readiness::Interest;
use crate::spool::{Gathered, Spilled, Waiting};
use crate::wsgi::Unsent;

/// How much is read from the socket at a time.
const READ_SIZE: usize = 16 * 1024;

/// How long a connection idles before its read buffer is freed (chapter 7).
const SHED_AFTER: Duration = Duration::from_secs(1);

/// What a connection handler wants after it has dealt with what arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Wait until more bytes arrive (the rest of a head, or the next request).
    Wait,
    /// Close the connection.
    Close,
}

/// The two ends of a connection, looked up once: the environ of every request needs them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
}

impl Endpoints {
    pub fn of(stream: &TcpStream) -> Endpoints {
        Endpoints { local: stream.local_addr().ok(), peer: stream.peer_addr().ok() }
    }

    /// The ends of a connection just accepted from a listener at `listening`, with no
    /// system call where one can be spared (chapter 7): `accept` gave the peer, and a
    /// listener bound to one address, not to all (`0.0.0.0`), has that as every local end.
    pub fn accepted(
        listening: Option<SocketAddr>,
        stream: &TcpStream,
        peer: SocketAddr,
    ) -> Endpoints {
        let local = listening.filter(|local| !local.ip().is_unspecified());
        Endpoints { local: local.or_else(|| stream.local_addr().ok()), peer: Some(peer) }
    }

    /// The client's address as the access log shows it.
    pub fn peer_name(&self) -> String {
        peer_name(self.peer)
    }
}

// ANCHOR: connection
/// A client connection and the bytes received from it but not used yet.
pub struct Connection {
    stream: TcpStream,
    buffer: Buffer,
    pub endpoints: Endpoints,
    deadline: Deadline,
    /// A request whose body is being gathered (chapter 7).
    waiting: Option<Waiting>,
    /// A response waiting for the client to read (chapter 7).
    unsent: Option<Unsent>,
    /// Whether reads and writes return at once instead of waiting (chapter 7).
    nonblocking: bool,
    /// When the connection was last parked.
    parked_at: Instant,
    /// Whether the last read took all the room the buffer offered, so that more may be
    /// waiting in the socket (chapter 6).
    filled_buffer: bool,
    /// Whether readiness said the client has closed its side (chapter 6).
    peer_closed: bool,
    /// Whether anything has been read from the socket yet.
    read_before: bool,
    /// How long one read or write of a blocking socket may wait (chapter 6), put on the
    /// socket just before its first read. A socket made nonblocking (chapter 7) never waits,
    /// and is spared the two system calls.
    io_timeout: Option<Duration>,
    /// Whether a finished response is to be held back rather than sent at once (chapter 9):
    /// the reactor asks it of a worker that other connections are waiting for.
    hold_replies: bool,
}
// ANCHOR_END: connection

/// `bytes[start..end]` holds the bytes received and not used yet.
struct Buffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

/// When a parked connection is closed if nothing completes what it waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deadline {
    /// Not waiting: a worker is serving it.
    None,
    /// Between requests: closed quietly at this instant.
    Idle(Instant),
    /// A head is due: answered 408 at this instant if part of it has come.
    Head(Instant),
    /// A body is arriving (chapter 7): answered 408 once, past `grace`, it has come more
    /// slowly than `min_rate` bytes a second since its head was read.
    Body { since: Instant, min_rate: u64, grace: Duration },
    /// A response waits for its client to read (chapter 7): closed once, past `grace`, the
    /// client has taken less than `min_rate` bytes a second since the response first waited,
    /// when it had taken `from` bytes. `held`: it waits for its first write (chapter 9).
    Send { since: Instant, from: u64, min_rate: u64, grace: Duration, held: bool },
}

impl Connection {
    pub fn new(stream: TcpStream) -> Connection {
        let endpoints = Endpoints::of(&stream);
        Connection::with_endpoints(stream, endpoints)
    }

    /// A connection whose ends are known already.
    pub fn with_endpoints(stream: TcpStream, endpoints: Endpoints) -> Connection {
        Connection {
            stream,
            // Made by the first read, on the thread that serves the connection: a buffer
            // allocated by the reactor's accept loop and freed by a worker passes between
            // the allocator's per-thread arenas, and a connection that never sends a byte
            // never costs one.
            buffer: Buffer::empty(),
            endpoints,
            deadline: Deadline::None,
            waiting: None,
            unsent: None,
            nonblocking: false,
            parked_at: Instant::now(),
            filled_buffer: false,
            peer_closed: false,
            read_before: false,
            io_timeout: None,
            hold_replies: false,
        }
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Makes reads and writes return at once instead of waiting (chapter 7): a read with
    /// nothing to read, or a write the socket has no room for, fails with `WouldBlock`.
    pub fn make_nonblocking(&mut self) {
        if !self.nonblocking {
            self.nonblocking = self.stream.set_nonblocking(true).is_ok();
        }
    }

    /// Whether [`Connection::make_nonblocking`] made it so.
    pub fn is_nonblocking(&self) -> bool {
        self.nonblocking
    }

    /// Whether the responses made from now on are to be held back, parked as if the socket
    /// were full, instead of sent at once (chapter 9): readiness reports room at once, and
    /// the worker that takes the report sends them.
    pub fn hold_replies(&mut self, hold: bool) {
        self.hold_replies = hold;
    }

    /// Whether a response is to be held back: asked for, and possible, since only a socket
    /// that never blocks is parked to wait for room.
    pub fn holds_replies(&self) -> bool {
        self.hold_replies && self.nonblocking
    }

    /// Parks a response until the client has read some of it (chapter 7).
    pub fn pause(&mut self, unsent: Unsent) {
        self.unsent = Some(unsent);
    }

    /// The response that waited for the client to read, if there is one.
    pub fn take_unsent(&mut self) -> Option<Unsent> {
        self.unsent.take()
    }

    /// What the reactor should wait for: bytes from the client, or, while a response waits,
    /// room to send it.
    pub fn interest(&self) -> Interest {
        match self.unsent {
            Some(_) => Interest::Write,
            None => Interest::Read,
        }
    }

    /// The bytes received and not used yet.
    pub fn unread(&self) -> &[u8] {
        self.buffer.unread()
    }

    /// Reads once from the socket into the buffer. Returns how many bytes came (0: the client
    /// closed). Called once per "readable" event, this never blocks.
    pub fn receive(&mut self) -> io::Result<usize> {
        if let Some(timeout) = self.io_timeout.take().filter(|_| !self.nonblocking) {
            let _ = self.stream.set_read_timeout(Some(timeout));
            let _ = self.stream.set_write_timeout(Some(timeout));
        }
        (self.filled_buffer, self.read_before) = (false, true);
        let (received, room) = self.buffer.read_from(&self.stream)?;
        self.filled_buffer = received == room;
        Ok(received)
    }

    /// Notes that readiness reported the client's close (chapter 6). It reports that once,
    /// and the read that finds it may be some requests away.
    pub fn note_peer_closed(&mut self) {
        self.peer_closed = true;
    }

    /// Whether the socket may hold input that edge-triggered readiness will not report again
    /// (chapter 6): bytes beyond a read that filled the buffer, or the client's close. Not
    /// while a response waits for room: nothing is read until it is sent.
    pub fn has_unreported_input(&self) -> bool {
        (self.filled_buffer || self.peer_closed) && self.unsent.is_none()
    }

    /// Whether a worker may serve the connection now without waiting for the client: always
    /// when nothing blocks (chapter 7), or before the first read, since a report of a socket
    /// nothing has read cannot be stale; otherwise (chapter 6) only if bytes are waiting, since
    /// the first read would wait for them.
    pub fn can_serve_without_blocking(&self) -> bool {
        self.nonblocking || !self.read_before || self.has_bytes_waiting()
    }

    // ANCHOR: take_request
    /// Parses the next request head, if all of it has arrived. `Ok(None)`: not yet.
    pub fn take_request(&mut self, limits: &Limits) -> Result<Option<Request>, RequestError> {
        let Some((request, length)) = parse_head(self.unread(), limits)? else {
            return Ok(None);
        };
        self.buffer.start += length;
        self.deadline = Deadline::None;
        Ok(Some(request))
    }
    // ANCHOR_END: take_request

    /// The connection as a reader of the body that follows a head (the buffered bytes
    /// first, then the socket), beside the stream the response is written to.
    pub fn split(&mut self) -> (BodyReader<'_>, &TcpStream) {
        (BodyReader { stream: &self.stream, buffer: &mut self.buffer }, &self.stream)
    }

    /// Waits, parked, for the body of a request whose head has been taken (chapter 7).
    pub fn wait_for_body(&mut self, waiting: Waiting) {
        self.waiting = Some(waiting);
    }

    /// Whether a request's body is being gathered.
    pub fn is_gathering(&self) -> bool {
        self.waiting.is_some()
    }

    /// The request whose body is being gathered.
    pub fn waiting_request(&mut self) -> Option<&mut Request> {
        self.waiting.as_mut().map(|waiting| &mut waiting.request)
    }

    /// The request being gathered, once its body has arrived, with the part of the body that
    /// was spilled to disk (the rest is in the buffer). Until then, keeps at most `in_memory`
    /// bytes of the body in memory.
    pub fn gathered(&mut self, in_memory: usize) -> io::Result<Option<(Request, Spilled)>> {
        let Some(waiting) = &mut self.waiting else { return Ok(None) };
        if waiting.look(self.buffer.unread()) == Gathered::Enough {
            let waiting = self.waiting.take().expect("checked above");
            return waiting.into_parts().map(Some);
        }
        let seen = waiting.seen();
        if seen > in_memory {
            waiting.spill(self.buffer.unread())?;
            self.buffer.start += seen;
        }
        Ok(None)
    }

    /// Like [`Connection::split`], for a body that was gathered: what was spilled, then the
    /// buffer.
    pub fn split_gathered(
        &mut self,
        spilled: Spilled,
    ) -> (Chain<Spilled, BodyReader<'_>>, &TcpStream) {
        let (buffered, out) = self.split();
        (spilled.chain(buffered), out)
    }

    /// Bounds how long a read or a write may wait, should the socket still block when it is
    /// first read (chapter 6's reactor).
    pub fn block_at_most(&mut self, timeout: Duration) {
        self.io_timeout = Some(timeout);
    }

    // ANCHOR: deadlines
    /// Gives the first request `timeout` to arrive, counted from now (the connection's start).
    pub fn expect_head_within(&mut self, timeout: Duration) {
        self.deadline = Deadline::Head(Instant::now() + timeout);
    }

    /// Sets the deadline the connection now waits under: the idle timeout between requests;
    /// while a head is arriving, the head timeout from its first byte (a head already on the
    /// clock keeps it); while a body is arriving or a response waits, the minimum rate (a
    /// response already on the clock keeps its start).
    pub fn wait_for_more(&mut self, config: &ReactorConfig) {
        let now = Instant::now();
        self.parked_at = now;
        let (min_rate, grace) = (config.min_rate, config.rate_grace);
        self.deadline = match (&self.unsent, &self.waiting, self.deadline) {
            (Some(_), _, Deadline::Send { since, from, held: false, .. }) => {
                Deadline::Send { since, from, min_rate, grace, held: false }
            }
            // A response held back (chapter 9) waits for its reader only once a write of it
            // finds the socket full: the clock starts again then, or the bytes its first
            // write put in the socket's buffers would count as the client's reading.
            (Some(unsent), _, _) => {
                let (from, held) = (unsent.taken(), unsent.is_held());
                Deadline::Send { since: now, from, min_rate, grace, held }
            }
            (None, Some(waiting), _) => Deadline::Body { since: waiting.since, min_rate, grace },
            (None, None, Deadline::Head(due)) => Deadline::Head(due),
            _ if self.is_mid_request() => Deadline::Head(now + config.head_timeout),
            _ => Deadline::Idle(now + config.idle_timeout),
        };
    }

    /// Frees the read buffer of a connection that has been idle, with nothing buffered, for
    /// [`SHED_AFTER`]; the next read makes a new one. An idle connection then costs a few
    /// hundred bytes instead of the buffer's 16 KiB.
    pub fn shed_buffer_if_idle(&mut self, now: Instant) {
        let idle = matches!(self.deadline, Deadline::Idle(_)) && self.unread().is_empty();
        if idle && now.saturating_duration_since(self.parked_at) >= SHED_AFTER {
            self.buffer = Buffer::empty();
        }
    }

    /// Whether the connection has waited past its deadline.
    pub fn is_overdue(&self, now: Instant) -> bool {
        match self.deadline {
            Deadline::None => false,
            Deadline::Idle(due) | Deadline::Head(due) => now >= due,
            Deadline::Body { since, min_rate, grace } => {
                let received = self.waiting.as_ref().map_or(0, Waiting::received);
                is_too_slow(received, now.saturating_duration_since(since), min_rate, grace)
            }
            Deadline::Send { since, from, min_rate, grace, .. } => {
                let taken = self.unsent.as_ref().map_or(from, Unsent::taken) - from;
                is_too_slow(taken, now.saturating_duration_since(since), min_rate, grace)
            }
        }
    }

    /// Whether the client has sent something no worker has read yet (or closed its side, which
    /// a worker will read as 0), looking without blocking.
    pub fn has_bytes_waiting(&self) -> bool {
        if !self.nonblocking && self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let waiting = self.stream.peek(&mut [0]);
        if !self.nonblocking {
            let _ = self.stream.set_nonblocking(false);
        }
        !matches!(waiting, Err(error) if error.kind() == io::ErrorKind::WouldBlock)
    }

    /// Whether a response waits for its client to read: closing now means cutting it short.
    pub fn is_sending(&self) -> bool {
        self.unsent.is_some()
    }

    /// Whether part of a request has come: closing now means answering 408, not just closing.
    pub fn is_mid_request(&self) -> bool {
        self.waiting.is_some() || !self.unread().is_empty()
    }
    // ANCHOR_END: deadlines
}

/// Whether `bytes` in `elapsed` is below `min_rate` bytes a second, once `grace` has passed.
fn is_too_slow(bytes: u64, elapsed: Duration, min_rate: u64, grace: Duration) -> bool {
    elapsed > grace && (bytes as f64) < min_rate as f64 * elapsed.as_secs_f64()
}

impl Buffer {
    /// No memory at all; [`Buffer::make_room`] allocates before the next read.
    fn empty() -> Buffer {
        Buffer { bytes: Vec::new(), start: 0, end: 0 }
    }

    fn unread(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// Reads once from `stream` after what is buffered. Returns how many bytes came, and how
    /// many there was room for.
    fn read_from(&mut self, mut stream: &TcpStream) -> io::Result<(usize, usize)> {
        self.make_room();
        let room = self.bytes.len() - self.end;
        let received = stream.read(&mut self.bytes[self.end..])?;
        self.end += received;
        Ok((received, room))
    }

    /// Makes room for one more read: moves what is left to the front, and grows only if
    /// that is not enough.
    fn make_room(&mut self) {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.bytes.len() - self.end < READ_SIZE {
            self.bytes.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
            if self.bytes.len() - self.end < READ_SIZE {
                self.bytes.resize(self.end + READ_SIZE, 0);
            }
        }
    }
}

/// Reads a body: first what is already buffered, then the socket.
pub struct BodyReader<'a> {
    stream: &'a TcpStream,
    buffer: &'a mut Buffer,
}

impl Read for BodyReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buffer.unread().is_empty() {
            // Nothing buffered: read straight into the caller's buffer, saving a copy.
            return (&mut &*self.stream).read(out);
        }
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for BodyReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.buffer.unread().is_empty() {
            self.buffer.read_from(self.stream)?;
        }
        Ok(self.buffer.unread())
    }

    fn consume(&mut self, amount: usize) {
        self.buffer.start = (self.buffer.start + amount).min(self.buffer.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::io::Write;
    use std::net::TcpListener;

    fn connected() -> (Connection, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (Connection::new(listener.accept().unwrap().0), client)
    }

    #[test]
    fn accepted_endpoints_are_what_the_kernel_would_say() {
        for host in ["127.0.0.1", "0.0.0.0"] {
            let listener = TcpListener::bind((host, 0)).unwrap();
            let port = listener.local_addr().unwrap().port();
            let _client = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let (stream, peer) = listener.accept().unwrap();
            let accepted = Endpoints::accepted(listener.local_addr().ok(), &stream, peer);
            assert_eq!(accepted, Endpoints::of(&stream), "listening on {host}");
        }
    }

    #[test]
    fn a_head_is_taken_only_once_complete_and_the_rest_is_kept() {
        let (mut connection, mut client) = connected();
        client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        while connection.unread().len() < 25 {
            connection.receive().unwrap();
        }
        assert_eq!(connection.take_request(&Limits::default()).unwrap(), None);
        client.write_all(b"\r\nGET /next").unwrap();
        while !connection.unread().ends_with(b"/next") {
            connection.receive().unwrap();
        }
        let request = connection.take_request(&Limits::default()).unwrap().unwrap();
        assert_eq!(request.target, "/");
        assert_eq!(connection.unread(), b"GET /next");
    }

    #[test]
    fn an_idle_connection_gives_its_buffer_back_and_reads_on_afterwards() {
        let (mut connection, mut client) = connected();
        assert_eq!(connection.buffer.bytes.capacity(), 0, "no buffer before the first read");
        client.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
        while connection.take_request(&crate::http::Limits::default()).unwrap().is_none() {
            connection.receive().unwrap();
        }
        connection.wait_for_more(&ReactorConfig::default());
        connection.shed_buffer_if_idle(Instant::now());
        assert_eq!(connection.buffer.bytes.len(), READ_SIZE, "idle only just now: kept");
        connection.shed_buffer_if_idle(Instant::now() + SHED_AFTER);
        assert_eq!(connection.buffer.bytes.capacity(), 0, "idle a while: given back");
        client.write_all(b"GET / HTTP/1.1\r\n").unwrap();
        while connection.unread().is_empty() {
            connection.receive().unwrap();
        }
        assert_eq!(connection.unread(), b"GET / HTTP/1.1\r\n");
    }

    #[test]
    fn a_blocking_connection_is_served_only_with_bytes_waiting() {
        let (mut connection, mut client) = connected();
        assert!(connection.can_serve_without_blocking(), "never read: the report is news");
        client.write_all(b"GE").unwrap();
        assert_eq!(connection.receive().unwrap(), 2);
        assert!(!connection.can_serve_without_blocking(), "nothing more sent: a read would wait");
        client.write_all(b"GET").unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !connection.can_serve_without_blocking() {
            assert!(Instant::now() < deadline, "bytes sent 5 s ago are still not seen");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(connection.receive().unwrap(), 3);
        assert!(!connection.can_serve_without_blocking(), "all read: a read would wait again");
        assert!(!connection.is_nonblocking(), "and the socket still blocks");
        drop(client);
        while !connection.can_serve_without_blocking() {
            assert!(Instant::now() < deadline, "a close is not seen within 5 s");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(connection.receive().unwrap(), 0, "the close, read at once");
        connection.make_nonblocking();
        assert!(connection.can_serve_without_blocking(), "a non-blocking read never waits");
    }

    #[test]
    fn a_read_that_fills_the_buffer_leaves_input_unreported() {
        let (mut connection, mut client) = connected();
        client.write_all(&[b'x'; READ_SIZE + 10]).unwrap();
        let mut peeked = vec![0; READ_SIZE + 10];
        while connection.stream().peek(&mut peeked).unwrap() < READ_SIZE + 10 {} // all here
        assert_eq!(connection.receive().unwrap(), READ_SIZE);
        assert!(connection.has_unreported_input(), "the buffer filled: more may be waiting");
        assert_eq!(connection.receive().unwrap(), 10);
        assert!(!connection.has_unreported_input(), "a short read took the rest");
        connection.note_peer_closed();
        assert!(connection.has_unreported_input(), "a close not read yet");
    }

    #[test]
    fn deadlines_follow_what_the_connection_waits_for() {
        let (mut connection, _client) = connected();
        let config = ReactorConfig::default();
        connection.expect_head_within(Duration::ZERO);
        assert!(connection.is_overdue(Instant::now()), "the first head counts from the start");
        connection.deadline = Deadline::None;
        connection.wait_for_more(&config);
        assert!(matches!(connection.deadline, Deadline::Idle(_)));
        assert!(!connection.is_overdue(Instant::now()));
        assert!(!connection.is_mid_request());
    }
}
