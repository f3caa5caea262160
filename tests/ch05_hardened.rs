//! Chapter 5: persistent connections, limits and timeouts, hostile input, failing
//! applications and graceful shutdown, all over real loopback sockets.
//!
//! Every server here runs the demo application behind the validator, on the reactor, with
//! small timeouts so that nothing is slow. Only the tests of application failures use small
//! applications of their own, since they break the contract on purpose.

mod common;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use common::{HttpResponse, PATIENCE, TestServer, connect, finish_sending, fixed_clock};
use pretty_assertions::assert_eq;
use socket_to_wsgi::http::{Config, Limits};
use socket_to_wsgi::reactor::{self, ReactorConfig};
use socket_to_wsgi::wsgi::demo::demo_app;
use socket_to_wsgi::wsgi::{Application, Body, Environ, Gateway, StartResponse, Validator};

// ---------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------

/// Timeouts small enough that a test waiting for one stays fast.
fn quick() -> ReactorConfig {
    ReactorConfig {
        idle_timeout: Duration::from_millis(300),
        head_timeout: Duration::from_millis(500),
        io_timeout: Duration::from_secs(2),
        max_connections: 200,
    }
}

/// Limits small enough to reach with a few kilobytes.
fn small_limits() -> Limits {
    Limits { request_line: 1024, head: 4096, body: 1024 }
}

/// Serves `app` on the reactor with `threads` workers, a fixed clock and no access log.
fn serve_app(
    app: impl Application,
    threads: usize,
    reactor: ReactorConfig,
    limits: Limits,
) -> TestServer {
    let config = Config { clock: fixed_clock(), limits, access_log: false };
    let gateway = Gateway::new(app, config).multithreaded(true);
    let threads = NonZeroUsize::new(threads).expect("at least one worker");
    TestServer::start(move |listener, shutdown| {
        reactor::serve_with_reactor(listener, &shutdown, threads, reactor, move |connection| {
            gateway.serve_ready(connection)
        });
    })
}

/// The demo application, checked by the validator, served as [`serve_app`] does.
fn serve_demo(threads: usize, reactor: ReactorConfig, limits: Limits) -> TestServer {
    serve_app(Validator::new(demo_app), threads, reactor, limits)
}

/// The demo application, checked by the validator, with quick timeouts and default limits.
fn serve_quick(threads: usize) -> TestServer {
    serve_demo(threads, quick(), Limits::default())
}

/// The demo application, still behind the validator, which also reports the path of each
/// request as it starts: a way to know a request is in flight without guessing at timing.
fn announcing_demo() -> (impl Application, mpsc::Receiver<String>) {
    let (started, requests) = mpsc::channel::<String>();
    let started = Mutex::new(started);
    let validated = Validator::new(demo_app);
    let app = move |environ: &mut Environ<'_>, start_response: &mut StartResponse| {
        let _ = started.lock().unwrap().send(environ.path_info().to_string());
        validated.invoke(environ, start_response)
    };
    (app, requests)
}

// ---------------------------------------------------------------------------------------
// A keep-alive client
// ---------------------------------------------------------------------------------------

/// A client that keeps its connection: it sends requests and reads exactly one response at
/// a time, using the response's own framing (Content-Length, chunked, or until close).
struct Client {
    stream: TcpStream,
    /// Bytes received and not yet used: the start of the next response, if any.
    received: Vec<u8>,
    /// Whether the server has closed (or reset) the connection.
    closed: bool,
}

impl Client {
    fn connect(address: SocketAddr) -> Client {
        Client { stream: connect(address), received: Vec::new(), closed: false }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send to the server");
    }

    /// Sends `GET path` over HTTP/1.1 and reads the response.
    fn get(&mut self, path: &str) -> HttpResponse {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        self.response()
    }

    /// Sends `POST path` with `body` (framed by Content-Length) and reads the response.
    fn post(&mut self, path: &str, body: &[u8]) -> HttpResponse {
        let head =
            format!("POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n", body.len());
        self.send(&[head.as_bytes(), body].concat());
        self.response()
    }

    /// Reads one whole response; panics, showing what arrived, if the connection ends first.
    fn response(&mut self) -> HttpResponse {
        self.try_response(false).unwrap_or_else(|cut| panic!("{cut}"))
    }

    /// Reads one response to a `HEAD` request: a head and no body, whatever it announces.
    fn response_to_head(&mut self) -> HttpResponse {
        self.try_response(true).unwrap_or_else(|cut| panic!("{cut}"))
    }

    /// Reads one response, or says how it was cut short.
    fn try_response(&mut self, to_head: bool) -> Result<HttpResponse, String> {
        let head_end = loop {
            if let Some(end) = find(&self.received, b"\r\n\r\n") {
                break end + 4;
            }
            if self.fill() == 0 {
                return Err(self.cut("the connection ended before the end of a response head"));
            }
        };
        let head: Vec<u8> = self.received.drain(..head_end).collect();
        let mut response = HttpResponse::parse(&head);
        let status = response.status();
        let chunked = response
            .header("Transfer-Encoding")
            .is_some_and(|coding| coding.eq_ignore_ascii_case("chunked"));
        if to_head || status < 200 || status == 204 || status == 304 {
            // No body, whatever the headers say (RFC 9112 §6.3).
        } else if chunked {
            response.body = self.chunked_body()?;
        } else if let Some(length) = response.header("Content-Length") {
            let length: usize = length.parse().expect("a numeric Content-Length");
            response.body = self.exactly(length)?;
        } else {
            while self.fill() > 0 {}
            response.body = std::mem::take(&mut self.received);
        }
        Ok(response)
    }

    /// Decodes a chunked body (RFC 9112 §7.1), trailers dropped.
    fn chunked_body(&mut self) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        loop {
            let line = self.line()?;
            let size = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16)
                .unwrap_or_else(|_| panic!("a bad chunk size line {line:?}"));
            if size == 0 {
                while !self.line()?.is_empty() {} // the trailer section, then an empty line
                return Ok(body);
            }
            body.extend(self.exactly(size).map_err(|cut| format!("{cut}; body so far {body:?}"))?);
            let end = self.line()?;
            assert!(end.is_empty(), "chunk data longer than its size: {end:?}");
        }
    }

    /// The next line, without its CRLF.
    fn line(&mut self) -> Result<String, String> {
        loop {
            if let Some(end) = find(&self.received, b"\r\n") {
                let line: Vec<u8> = self.received.drain(..end + 2).collect();
                return Ok(String::from_utf8_lossy(&line[..end]).into_owned());
            }
            if self.fill() == 0 {
                return Err(self.cut("the connection ended in the middle of a chunked body"));
            }
        }
    }

    fn exactly(&mut self, length: usize) -> Result<Vec<u8>, String> {
        while self.received.len() < length {
            if self.fill() == 0 {
                let got = self.received.len();
                return Err(
                    self.cut(&format!("the connection ended after {got} of {length} bytes"))
                );
            }
        }
        Ok(self.received.drain(..length).collect())
    }

    /// Reads once more from the socket. Returns how many bytes came; 0 once the server has
    /// closed the connection (a reset counts as closing).
    fn fill(&mut self) -> usize {
        if self.closed {
            return 0;
        }
        let mut buffer = [0; 8192];
        match self.stream.read(&mut buffer) {
            Ok(0) => {
                self.closed = true;
                0
            }
            Ok(n) => {
                self.received.extend_from_slice(&buffer[..n]);
                n
            }
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => {
                self.closed = true;
                0
            }
            Err(error) => {
                panic!("reading from the server failed (no answer in {PATIENCE:?}?): {error}")
            }
        }
    }

    fn cut(&self, what: &str) -> String {
        format!("{what}; unused bytes: {:?}", String::from_utf8_lossy(&self.received))
    }

    /// Waits until the server closes the connection, and returns whatever it sent before.
    fn rest_until_closed(&mut self) -> Vec<u8> {
        while self.fill() > 0 {}
        std::mem::take(&mut self.received)
    }

    /// Asserts that the server closes the connection without sending another byte.
    fn assert_closed(&mut self, context: &str) {
        let extra = self.rest_until_closed();
        assert_eq!(
            String::from_utf8_lossy(&extra),
            "",
            "{context}: the server must close the connection and send nothing more"
        );
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// `GET path` on a fresh connection.
fn get_fresh(address: SocketAddr, path: &str) -> HttpResponse {
    Client::connect(address).get(path)
}

fn environ_value(response: &HttpResponse, key: &str) -> Option<String> {
    response.environ_lines().into_iter().find(|(k, _)| k == key).map(|(_, value)| value)
}

// ---------------------------------------------------------------------------------------
// 1. Persistent connections
// ---------------------------------------------------------------------------------------

#[test]
fn http_1_1_keeps_the_connection_open_by_default() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    let first = client.get("/");
    assert_eq!(first.status(), 200);
    assert_eq!(first.header("Connection"), None, "HTTP/1.1 keeps the connection unless told");
    assert!(first.text().contains("WSGI demo"), "{}", first.text());
    let second = client.get("/environ?second=yes");
    assert_eq!(second.status(), 200, "the second request on the same socket is answered");
    assert_eq!(environ_value(&second, "QUERY_STRING").as_deref(), Some("second=yes"));
    assert_eq!(environ_value(&second, "REMOTE_ADDR").as_deref(), Some("127.0.0.1"));
}

#[test]
fn connection_close_is_honoured() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    client.send(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    let response = client.response();
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("Connection"), Some("close"));
    client.assert_closed("after `Connection: close`");
}

#[test]
fn http_1_0_closes_unless_asked_to_keep_alive() {
    let server = serve_quick(2);

    let mut client = Client::connect(server.address);
    client.send(b"GET / HTTP/1.0\r\n\r\n");
    let response = client.response();
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("Connection"), Some("close"));
    client.assert_closed("HTTP/1.0 without keep-alive");

    let mut client = Client::connect(server.address);
    client.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let response = client.response();
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("Connection"), Some("keep-alive"), "the server agrees to keep it");
    assert!(response.header("Content-Length").is_some(), "a kept response needs a length");
    // HTTP/1.0 has no chunked coding: a body of unknown length can only end with the
    // connection, so the server says it closes this time.
    client.send(b"GET /environ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let response = client.response();
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("Transfer-Encoding"), None);
    assert_eq!(response.header("Connection"), Some("close"));
    assert_eq!(environ_value(&response, "SERVER_PROTOCOL").as_deref(), Some("HTTP/1.0"));
    assert!(client.closed, "the body ended with the connection");
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    // Four requests in a single write, before any answer.
    client.send(
        b"GET /environ?n=1 HTTP/1.1\r\nHost: test\r\n\r\n\
          POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello\
          GET /nowhere HTTP/1.1\r\nHost: test\r\n\r\n\
          HEAD / HTTP/1.1\r\nHost: test\r\n\r\n\
          GET /environ?n=5 HTTP/1.1\r\nHost: test\r\n\r\n",
    );
    let first = client.response();
    let second = client.response();
    let third = client.response();
    let fourth = client.response_to_head();
    let fifth = client.response();
    assert_eq!(
        [first.status(), second.status(), third.status(), fourth.status(), fifth.status()],
        [200, 200, 404, 200, 200]
    );
    assert_eq!(environ_value(&first, "QUERY_STRING").as_deref(), Some("n=1"));
    assert_eq!(second.text(), "hello");
    assert!(third.text().contains("/nowhere"), "{}", third.text());
    assert_eq!(fourth.body, b"");
    assert_eq!(environ_value(&fifth, "QUERY_STRING").as_deref(), Some("n=5"));
    // And the connection is still usable.
    assert_eq!(client.get("/").status(), 200);
}

#[test]
fn a_chunked_request_body_reaches_wsgi_input_decoded() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    client.send(
        b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\n\
          Transfer-Encoding: chunked\r\n\r\n\
          5\r\nhello\r\n7;note=ext\r\n, world\r\nA\r\n, 01234567\r\n0\r\nX-Trailer: t\r\n\r\n",
    );
    let response = client.response();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "hello, world, 01234567");
    assert_eq!(response.header("Content-Length"), Some("22"));
    assert_eq!(response.header("Content-Type"), Some("text/plain"));

    // The body is sent in pieces, after the head, split inside a size line and inside data.
    client.send(b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n1");
    client.send(b"0\r\n0123456789ab");
    client.send(b"cdef\r\n0\r\n\r\n");
    assert_eq!(client.response().text(), "0123456789abcdef");
    // The whole body was consumed: the next request on the connection is found.
    assert_eq!(client.get("/").status(), 200);
}

#[test]
fn a_body_without_content_length_is_sent_chunked_on_http_1_1() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    client.send(b"GET /environ?chunked=1 HTTP/1.1\r\nHost: test\r\n\r\n");
    let response = client.response(); // the client decodes the chunks
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(response.header("Content-Length"), None);
    let lines = response.environ_lines();
    assert!(lines.len() > 15, "one line per environ entry: {lines:?}");
    assert_eq!(environ_value(&response, "PATH_INFO").as_deref(), Some("/environ"));
    assert_eq!(environ_value(&response, "QUERY_STRING").as_deref(), Some("chunked=1"));

    // The same, read byte for byte: each environ line is one chunk, then the last chunk.
    let mut raw = connect(server.address);
    raw.write_all(b"GET /environ HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    let mut wire = Vec::new();
    while !wire.ends_with(b"\r\n0\r\n\r\n") {
        let mut piece = [0; 4096];
        let read = raw.read(&mut piece).unwrap();
        assert!(read > 0, "closed before the last chunk: {:?}", String::from_utf8_lossy(&wire));
        wire.extend_from_slice(&piece[..read]);
    }
    let body_start = find(&wire, b"\r\n\r\n").unwrap() + 4;
    let body = &wire[body_start..];
    assert!(body.ends_with(b"\r\n0\r\n\r\n"), "ends with the last chunk: {body:?}");
    let first_chunk = format!("{} = {}\n", lines[0].0, lines[0].1);
    let expected_start = format!("{:x}\r\n{first_chunk}\r\n", first_chunk.len());
    assert_eq!(
        String::from_utf8_lossy(&body[..expected_start.len()]),
        expected_start,
        "the size line is hexadecimal and the chunk is one environ line"
    );
    // And the connection after a chunked response is still usable.
    assert_eq!(client.get("/").status(), 200);
}

#[test]
fn head_has_no_body_and_the_connection_goes_on() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    let get = client.get("/");
    client.send(b"HEAD / HTTP/1.1\r\nHost: test\r\n\r\n");
    let head = client.response_to_head();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.header("Content-Length"),
        Some(get.body.len().to_string().as_str()),
        "HEAD announces the length a GET would get"
    );
    assert_eq!(head.header("Content-Type"), get.header("Content-Type"));
    // If any body byte had followed the head, it would corrupt the next response.
    let next = client.get("/environ");
    assert_eq!(next.status(), 200, "after HEAD the connection still works");
    assert_eq!(environ_value(&next, "REQUEST_METHOD").as_deref(), Some("GET"));

    // HEAD of a body with no length: no chunked framing either, and still kept.
    client.send(b"HEAD /environ HTTP/1.1\r\nHost: test\r\n\r\n");
    let head = client.response_to_head();
    assert_eq!(head.header("Transfer-Encoding"), None);
    assert_eq!(client.get("/").body, get.body);
}

#[test]
fn expect_100_continue_gets_an_interim_response_before_the_body_is_sent() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    client.send(
        b"POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n",
    );
    // Nothing of the body has been sent: the only thing the server can answer is 100.
    let interim = client.response();
    assert_eq!(interim.status_line, "HTTP/1.1 100 Continue");
    assert_eq!(interim.body, b"");
    client.send(b"hello there");
    let response = client.response();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "hello there");
    assert_eq!(client.get("/").status(), 200, "the connection goes on");

    // Any other expectation is refused (RFC 9110 §10.1.1).
    client
        .send(b"POST /echo HTTP/1.1\r\nHost: test\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\n");
    assert_eq!(client.response().status(), 417);
    client.assert_closed("after 417");
}

// ---------------------------------------------------------------------------------------
// 2. No starvation
// ---------------------------------------------------------------------------------------

#[test]
fn eight_times_as_many_keep_alive_clients_as_workers_are_all_served() {
    const WORKERS: usize = 2;
    const CLIENTS: usize = 8 * WORKERS;
    // Long timeouts: a worker stuck on an idle connection must not be freed by a timeout.
    let long = Duration::from_secs(30);
    let reactor =
        ReactorConfig { idle_timeout: long, head_timeout: long, io_timeout: long, ..quick() };
    let server = serve_demo(WORKERS, reactor, Limits::default());
    let address = server.address;
    let answered_once = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|id| {
            let answered_once = Arc::clone(&answered_once);
            thread::spawn(move || {
                let mut client = Client::connect(address);
                assert_eq!(client.get(&format!("/environ?client={id}")).status(), 200);
                answered_once.fetch_add(1, Ordering::SeqCst);
                // Hold the connection open, idle, until every client has had its first
                // answer. A server that parked a worker on each open connection would
                // answer only WORKERS clients, and this wait would never end.
                let deadline = Instant::now() + Duration::from_secs(5);
                while answered_once.load(Ordering::SeqCst) < CLIENTS {
                    if Instant::now() > deadline {
                        return Err(answered_once.load(Ordering::SeqCst));
                    }
                    thread::sleep(Duration::from_millis(10));
                }
                let mut bodies = Vec::new();
                for round in 0..3 {
                    thread::sleep(Duration::from_millis(30)); // idle between requests
                    let body = format!("client {id}, round {round}");
                    let response = client.post("/echo", body.as_bytes());
                    bodies.push(response.text());
                }
                Ok(bodies)
            })
        })
        .collect();
    for (id, client) in clients.into_iter().enumerate() {
        match client.join().expect("a client thread panicked") {
            Ok(bodies) => assert_eq!(
                bodies,
                (0..3).map(|round| format!("client {id}, round {round}")).collect::<Vec<_>>()
            ),
            Err(answered) => panic!(
                "only {answered} of {CLIENTS} keep-alive clients got a first answer from \
                 {WORKERS} workers: idle connections are holding the workers"
            ),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

/// A request that arrived whole, in time, must not be dropped because every worker was busy
/// when its head timeout ran out: the time it waited was the server's, not the client's.
#[test]
fn a_request_waiting_for_a_busy_worker_is_not_dropped() {
    let (app, requests) = announcing_demo();
    let reactor = ReactorConfig { head_timeout: Duration::from_millis(300), ..quick() };
    let server = serve_app(app, 1, reactor, Limits::default());
    let mut busy = Client::connect(server.address);
    busy.send(b"GET /sleep?ms=1000 HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(requests.recv_timeout(PATIENCE).unwrap(), "/sleep", "the only worker is busy");
    let mut waiting = Client::connect(server.address);
    waiting.send(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\nsent");
    assert_eq!(busy.response().text(), "slept 1000 ms\n");
    let response = waiting.try_response(false);
    assert_eq!(response.map(|response| response.text()), Ok("sent".to_string()));
}

/// The same for a keep-alive connection that sends its next request while the worker is busy
/// for longer than the idle timeout: the connection was not idle, the server was slow.
#[test]
fn a_kept_connection_whose_request_waits_for_a_busy_worker_is_not_dropped() {
    let (app, requests) = announcing_demo();
    let server = serve_app(app, 1, quick(), Limits::default()); // idle timeout: 300 ms
    let mut kept = Client::connect(server.address);
    assert_eq!(kept.get("/").status(), 200);
    assert_eq!(requests.recv_timeout(PATIENCE).unwrap(), "/");
    let mut busy = Client::connect(server.address);
    busy.send(b"GET /sleep?ms=1000 HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(requests.recv_timeout(PATIENCE).unwrap(), "/sleep", "the only worker is busy");
    kept.send(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\nsent");
    assert_eq!(busy.response().text(), "slept 1000 ms\n");
    let response = kept.try_response(false);
    assert_eq!(response.map(|response| response.text()), Ok("sent".to_string()));
}

// ---------------------------------------------------------------------------------------
// 3. Limits and timeouts
// ---------------------------------------------------------------------------------------

#[test]
fn a_header_block_too_big_gets_431() {
    let server = serve_demo(2, quick(), small_limits());
    let mut client = Client::connect(server.address);
    let filler =
        "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(80);
    client.send(format!("GET / HTTP/1.1\r\nHost: test\r\n{filler}\r\n").as_bytes());
    assert_eq!(client.response().status(), 431);
    client.assert_closed("after 431");
    // Just under the limit is fine.
    let mut client = Client::connect(server.address);
    let filler =
        "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(50);
    client.send(format!("GET / HTTP/1.1\r\nHost: test\r\n{filler}\r\n").as_bytes());
    assert_eq!(client.response().status(), 200);
}

#[test]
fn a_request_line_too_long_gets_414() {
    let server = serve_demo(2, quick(), small_limits());
    let mut client = Client::connect(server.address);
    let path = format!("/{}", "a".repeat(2000));
    client.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
    assert_eq!(client.response().status(), 414);
    client.assert_closed("after 414");
    // Even before the line ends: the server does not wait for the rest of it.
    let mut client = Client::connect(server.address);
    client.send(format!("GET {path}").as_bytes());
    assert_eq!(client.response().status(), 414);
    client.assert_closed("after 414 on a partial line");
}

#[test]
fn a_body_too_big_gets_413() {
    let server = serve_demo(2, quick(), small_limits());
    let mut client = Client::connect(server.address);
    client.send(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1025\r\n\r\n");
    assert_eq!(client.response().status(), 413, "announced over 1024 bytes, not even read");
    client.assert_closed("after 413");
    // Exactly at the limit is accepted.
    let mut client = Client::connect(server.address);
    let body = vec![b'x'; 1024];
    let response = client.post("/echo", &body);
    assert_eq!((response.status(), response.body.len()), (200, 1024));
}

#[test]
fn a_chunked_body_too_big_gets_413() {
    let server = serve_demo(2, quick(), small_limits());
    let mut client = Client::connect(server.address);
    let chunk = format!("800\r\n{}\r\n", "x".repeat(0x800));
    client.send(
        format!(
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
             {chunk}0\r\n\r\n"
        )
        .as_bytes(),
    );
    assert_eq!(client.response().status(), 413, "2048 bytes in chunks, over the 1024 limit");
    client.assert_closed("after 413");
}

#[test]
fn a_head_that_arrives_too_slowly_gets_408() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    client.send(b"GET / HTTP/1.1\r\nHost: te");
    let started = Instant::now();
    let response = client.response();
    assert_eq!(response.status(), 408);
    client.assert_closed("after 408");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = serve_quick(2); // idle timeout: 300 ms
    let mut client = Client::connect(server.address);
    assert_eq!(client.get("/").status(), 200);
    let answered = Instant::now();
    client.assert_closed("an idle keep-alive connection");
    let idle = answered.elapsed();
    assert!(idle >= Duration::from_millis(250), "closed after only {idle:?}, before the timeout");
    assert!(idle < Duration::from_secs(10), "closed only after {idle:?}");

    // A connection that never sends anything is closed too, silently.
    let mut silent = Client::connect(server.address);
    silent.assert_closed("a connection that never sent a byte");
    assert_eq!(get_fresh(server.address, "/").status(), 200);
}

#[test]
fn connections_past_the_cap_get_503() {
    let reactor =
        ReactorConfig { max_connections: 3, idle_timeout: Duration::from_secs(10), ..quick() };
    let server = serve_demo(2, reactor, Limits::default());
    let mut admitted: Vec<Client> = (0..3).map(|_| Client::connect(server.address)).collect();
    for client in &mut admitted {
        assert_eq!(client.get("/").status(), 200, "the first three are admitted");
    }
    let mut fourth = Client::connect(server.address);
    let refused = fourth.response();
    assert_eq!(refused.status(), 503, "the fourth connection is one too many");
    assert_eq!(refused.header("Retry-After"), Some("1"));
    assert_eq!(refused.header("Connection"), Some("close"));
    fourth.assert_closed("after 503");
    // The three still work.
    for client in &mut admitted {
        assert_eq!(client.get("/").status(), 200, "the admitted ones are still served");
    }
    // When one leaves, its place is free again (once the server has noticed it left).
    drop(admitted.remove(0));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut client = Client::connect(server.address);
        client.send(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n");
        match client.response().status() {
            200 => break,
            503 if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            status => panic!("after a client left, a new one got {status}"),
        }
    }
}

#[test]
fn slowloris_clients_do_not_hold_up_a_normal_client() {
    const SLOW: usize = 50;
    let reactor = ReactorConfig { head_timeout: Duration::from_millis(1500), ..quick() };
    let server = serve_demo(2, reactor, Limits::default());
    let head = b"GET /environ HTTP/1.1\r\nHost: test\r\nX-Slow: one byte at a time\r\n\r\n";
    let mut slow: Vec<TcpStream> = (0..SLOW).map(|_| connect(server.address)).collect();
    let started = Instant::now();
    // Trickle one byte every 100 ms on every slow connection, for 600 ms: well inside the
    // head timeout, so that no byte is ever written to a connection the server has closed.
    let trickler = thread::spawn(move || {
        let mut sent = 0;
        while started.elapsed() < Duration::from_millis(600) && sent < head.len() {
            for stream in &mut slow {
                stream.write_all(&head[sent..=sent]).expect("trickle a byte");
            }
            sent += 1;
            thread::sleep(Duration::from_millis(100));
        }
        assert!(sent < head.len(), "the slow heads must stay incomplete");
        slow
    });
    let mut times = Vec::new();
    for _ in 0..3 {
        thread::sleep(Duration::from_millis(100));
        let asked = Instant::now();
        let response = get_fresh(server.address, "/");
        times.push(asked.elapsed());
        assert_eq!(response.status(), 200);
    }
    let slow = trickler.join().unwrap();
    for elapsed in &times {
        assert!(
            *elapsed < Duration::from_secs(1),
            "a normal request took {elapsed:?} while {SLOW} clients trickled: {times:?}"
        );
    }
    // Every slow client is eventually told its head took too long.
    for stream in slow {
        let mut client = Client { stream, received: Vec::new(), closed: false };
        assert_eq!(client.response().status(), 408);
        client.assert_closed("after 408");
    }
    assert_eq!(get_fresh(server.address, "/").status(), 200);
}

// ---------------------------------------------------------------------------------------
// 4. Bad input, judged by RFC 9112
// ---------------------------------------------------------------------------------------

/// What the server must do with one request of the corpus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Answer with this status and keep the connection: a request on it is answered too.
    Answered(u16),
    /// Answer with this status, then close without answering anything that followed.
    Refused(u16),
    /// An incomplete message (RFC 9112 §8): an error status then close, or just close; never
    /// a success, since the request never arrived whole.
    Incomplete,
    /// Close without a word.
    Dropped,
}
use Outcome::{Answered, Dropped, Incomplete, Refused};

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    outcome: Outcome,
    /// Whether the client half-closes after sending ("I will send nothing more").
    half_close: bool,
}

fn case(name: &'static str, bytes: impl AsRef<[u8]>, outcome: Outcome) -> Case {
    Case { name, bytes: bytes.as_ref().to_vec(), outcome, half_close: false }
}

/// A case where the client stops sending after its bytes.
fn then_leaves(name: &'static str, bytes: impl AsRef<[u8]>, outcome: Outcome) -> Case {
    Case { half_close: true, ..case(name, bytes, outcome) }
}

/// A request that would be answered 200 if it were read on its own: sent after a request
/// that must close the connection, it must never be answered.
const SMUGGLED: &str = "GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n";

fn corpus() -> Vec<Case> {
    let host = "Host: test\r\n";
    let post = |headers: &str, body: &str| {
        format!("POST /echo HTTP/1.1\r\n{host}{headers}\r\n{body}").into_bytes()
    };
    let chunked = |body: &str| post("Transfer-Encoding: chunked\r\n", body);
    let get_with = |header_lines: &str| format!("GET / HTTP/1.1\r\n{host}{header_lines}\r\n");
    vec![
        // Request lines (RFC 9112 §3).
        case("empty method", format!(" / HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case("no version", format!("GET /\r\n{host}\r\n"), Refused(400)),
        case("no target", format!("GET HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case("two spaces", format!("GET  / HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case("trailing space", format!("GET / HTTP/1.1 \r\n{host}\r\n"), Refused(400)),
        case("tabs as separators", format!("GET\t/\tHTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case("lowercase protocol", format!("GET / http/1.1\r\n{host}\r\n"), Refused(400)),
        case("version without minor", format!("GET / HTTP/1\r\n{host}\r\n"), Refused(400)),
        case("two-digit major", format!("GET / HTTP/11.1\r\n{host}\r\n"), Refused(400)),
        case("HTTP/2.0 in HTTP/1 syntax", format!("GET / HTTP/2.0\r\n{host}\r\n"), Refused(505)),
        case("HTTP/3.0", format!("GET / HTTP/3.0\r\n{host}\r\n"), Refused(505)),
        case("not a token method", format!("GE(T / HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case("NUL in the method", format!("G\0T / HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case("NUL in the target", format!("GET /a\0b HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case("DEL in the target", format!("GET /a\x7fb HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case("escape in the target", format!("GET /a\x1bb HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case(
            "non-ASCII bytes in the target",
            [&b"GET /caf\xc3\xa9 HTTP/1.1\r\n"[..], host.as_bytes(), b"\r\n"].concat(),
            Refused(400),
        ),
        case("bare CR ends nothing", format!("GET / HTTP/1.1\r{host}\r\n"), Refused(400)),
        case(
            "smuggled request after a malformed line",
            format!("GET / HTTP/1.1 extra\r\n{host}\r\n{SMUGGLED}"),
            Refused(400),
        ),
        case(
            "empty lines before the request line are tolerated",
            format!("\r\n\r\nGET / HTTP/1.1\r\n{host}\r\n"),
            Answered(200),
        ),
        case("bare LF line endings", "GET / HTTP/1.1\nHost: test\n\n", Answered(200)),
        case("absolute form", format!("GET http://test/ HTTP/1.1\r\n{host}\r\n"), Answered(200)),
        then_leaves("only empty lines, then leaves", "\r\n\r\n", Dropped),
        then_leaves("connects and leaves", "", Dropped),
        then_leaves("a partial request line, then leaves", "GET / HT", Dropped),
        case(
            "a TLS handshake, then silence",
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
            Refused(408),
        ),
        // Header fields (RFC 9112 §5).
        case("space before the colon", get_with("X-Name : value\r\n"), Refused(400)),
        case("tab before the colon", get_with("X-Name\t: value\r\n"), Refused(400)),
        case("obs-fold", get_with("X-Name: value\r\n folded\r\n"), Refused(400)),
        case("obs-fold with a tab", get_with("X-Name: value\r\n\tfolded\r\n"), Refused(400)),
        case("no colon", get_with("X-Name value\r\n"), Refused(400)),
        case("empty name", get_with(": value\r\n"), Refused(400)),
        case("not a token name", get_with("X(Name): value\r\n"), Refused(400)),
        case(
            "non-ASCII name",
            b"GET / HTTP/1.1\r\nHost: test\r\nX-N\xc3\xa4me: v\r\n\r\n",
            Refused(400),
        ),
        case("NUL in a value", get_with("X-Name: a\0b\r\n"), Refused(400)),
        case("SOH in a value", get_with("X-Name: a\x01b\r\n"), Refused(400)),
        case("bare CR in a value", get_with("X-Name: a\rb\r\n"), Refused(400)),
        case("DEL in a value", get_with("X-Name: a\x7fb\r\n"), Refused(400)),
        case(
            "obs-text (Latin-1) in a value is allowed",
            b"GET / HTTP/1.1\r\nHost: test\r\nX-Name: caf\xe9\r\n\r\n",
            Answered(200),
        ),
        case("an empty value is allowed", get_with("X-Empty:\r\n"), Answered(200)),
        case("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", Refused(400)),
        case("two Host headers", get_with("Host: other\r\n"), Refused(400)),
        case("two identical Host headers", get_with("Host: test\r\n"), Refused(400)),
        case(
            "HTTP/1.0 without Host",
            "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            Answered(200),
        ),
        case(
            "huge headers",
            get_with(
                &"X-Huge: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(100),
            ),
            Refused(431),
        ),
        case(
            "one huge header",
            get_with(&format!("X-Huge: {}\r\n", "a".repeat(5000))),
            Refused(431),
        ),
        case(
            "huge request line",
            format!("GET /{} HTTP/1.1\r\n{host}\r\n", "a".repeat(2000)),
            Refused(414),
        ),
        case(
            "unknown expectation",
            post("Expect: teapot\r\nContent-Length: 0\r\n", ""),
            Refused(417),
        ),
        // Content-Length (RFC 9112 §6.3, RFC 9110 §8.6).
        case("Content-Length not a number", post("Content-Length: abc\r\n", ""), Refused(400)),
        case("Content-Length negative", post("Content-Length: -1\r\n", ""), Refused(400)),
        case("Content-Length with a plus", post("Content-Length: +5\r\n", "hello"), Refused(400)),
        case("Content-Length in hex", post("Content-Length: 0x5\r\n", "hello"), Refused(400)),
        case(
            "Content-Length with a space inside",
            post("Content-Length: 1 0\r\n", "0123456789"),
            Refused(400),
        ),
        case(
            "Content-Length too big for u64",
            post("Content-Length: 99999999999999999999999\r\n", ""),
            Refused(400),
        ),
        case(
            "Content-Length over the body limit",
            post("Content-Length: 4096\r\n", ""),
            Refused(413),
        ),
        case(
            "two different Content-Lengths, with a smuggled request",
            post("Content-Length: 5\r\nContent-Length: 6\r\n", &format!("hello!{SMUGGLED}")),
            Refused(400),
        ),
        case(
            "a Content-Length list that disagrees",
            post("Content-Length: 5, 6\r\n", "hello!"),
            Refused(400),
        ),
        case(
            "two equal Content-Lengths are one",
            post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
            Answered(200),
        ),
        case(
            "Content-Length and Transfer-Encoding, with a smuggled request",
            post(
                "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                &format!("0\r\n\r\n{SMUGGLED}"),
            ),
            Refused(400),
        ),
        case(
            "Transfer-Encoding and Content-Length, with a smuggled request",
            post(
                "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n",
                &format!("0\r\n\r\n{SMUGGLED}"),
            ),
            Refused(400),
        ),
        // Transfer-Encoding (RFC 9112 §6.1, §7).
        case(
            "Transfer-Encoding in HTTP/1.0",
            format!("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{SMUGGLED}"),
            Refused(400),
        ),
        case(
            "chunked not last, with a smuggled request",
            post("Transfer-Encoding: chunked, identity\r\n", &format!("0\r\n\r\n{SMUGGLED}")),
            Refused(400),
        ),
        case(
            "an unknown coding alone",
            post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"),
            Refused(400),
        ),
        case(
            "an unknown coding before chunked",
            post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"),
            Refused(501),
        ),
        case("a chunk size that is not hex", chunked("zz\r\nhello\r\n0\r\n\r\n"), Refused(400)),
        case("a negative chunk size", chunked("-5\r\nhello\r\n0\r\n\r\n"), Refused(400)),
        case("a chunk size with a space first", chunked(" 5\r\nhello\r\n0\r\n\r\n"), Refused(400)),
        case(
            "a chunk size that overflows",
            chunked("10000000000000000\r\nhello\r\n0\r\n\r\n"),
            Refused(400),
        ),
        case(
            "chunk data longer than its size, with a smuggled request",
            chunked(&format!("5\r\nhello, world\r\n0\r\n\r\n{SMUGGLED}")),
            Refused(400),
        ),
        case("no CRLF after chunk data", chunked("5\r\nhello0\r\n\r\n"), Refused(400)),
        case(
            "a chunk extension is allowed",
            chunked("5;name=value\r\nhello\r\n0\r\n\r\n"),
            Answered(200),
        ),
        case(
            "trailer fields are allowed",
            chunked("5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"),
            Answered(200),
        ),
        then_leaves("a chunked body without its last chunk", chunked("5\r\nhello\r\n"), Incomplete),
        then_leaves("a chunked body cut inside a chunk", chunked("a\r\nhello"), Incomplete),
        // Targets.
        case(
            "a percent-encoded path",
            format!("GET /environ/%41%42 HTTP/1.1\r\n{host}\r\n"),
            Answered(200),
        ),
        case("an encoded slash", format!("GET /environ%2Fx HTTP/1.1\r\n{host}\r\n"), Answered(200)),
        case("a bad percent escape", format!("GET /%zz HTTP/1.1\r\n{host}\r\n"), Answered(404)),
        case("an encoded NUL", format!("GET /%00 HTTP/1.1\r\n{host}\r\n"), Answered(404)),
        case("encoded UTF-8", format!("GET /caf%C3%A9 HTTP/1.1\r\n{host}\r\n"), Answered(404)),
    ]
}

/// Sends one case and checks what came back; returns a description of any failure.
fn check_case(address: SocketAddr, case: &Case) -> Result<(), String> {
    let mut client = Client::connect(address);
    client.send(&case.bytes);
    if case.half_close {
        finish_sending(&client.stream);
    }
    let first = client.try_response(false);
    let status = first.as_ref().map(|response| response.status());
    match (case.outcome, status) {
        (Answered(expected), Ok(status)) if status == expected => {
            if !client.closed {
                let next = client.get("/");
                if next.status() != 200 {
                    return Err(format!(
                        "the next request on the connection got {}",
                        next.status()
                    ));
                }
            }
            Ok(())
        }
        (Refused(expected), Ok(status)) if status == expected => {
            let extra = client.rest_until_closed();
            if extra.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "after {status}, the connection must close with nothing more, but got {:?}",
                    String::from_utf8_lossy(&extra)
                ))
            }
        }
        (Incomplete, Ok(status)) if status >= 400 => {
            let extra = client.rest_until_closed();
            if extra.is_empty() {
                Ok(())
            } else {
                Err(format!("after {status}, more came: {:?}", String::from_utf8_lossy(&extra)))
            }
        }
        (Incomplete | Dropped, Err(_)) if client.received.is_empty() => Ok(()),
        (expected, got) => Err(format!("expected {expected:?}, got {got:?}")),
    }
}

#[test]
fn the_bad_input_corpus() {
    let reactor = ReactorConfig { idle_timeout: Duration::from_secs(30), ..quick() };
    let server = serve_demo(2, reactor, small_limits());
    let corpus = corpus();
    assert!(corpus.len() >= 40, "{} cases", corpus.len());
    // A well-behaved client with a connection open through it all: nothing may disturb it.
    let mut bystander = Client::connect(server.address);
    let mut failures = Vec::new();
    for case in &corpus {
        if let Err(failure) = check_case(server.address, case) {
            failures.push(format!("{}: {failure}", case.name));
        }
        // After each case the server still serves, on a fresh connection and a kept one.
        let fresh = get_fresh(server.address, "/");
        assert_eq!(fresh.status(), 200, "a fresh connection after {:?}", case.name);
        let kept = bystander.get("/environ");
        assert_eq!(kept.status(), 200, "the bystander's connection after {:?}", case.name);
    }
    assert_eq!(failures, Vec::<String>::new(), "{} cases, these failed", corpus.len());
}

/// Bodies cut short by the client: shorter than their Content-Length, then a half-close.
/// RFC 9112 §8: the server must consider such a message incomplete. It may answer with an
/// error before closing, or just close, but must not hand the application a partial body
/// as if it were the whole one.
#[test]
fn a_body_shorter_than_its_content_length_is_incomplete() {
    let server = serve_demo(2, quick(), small_limits());
    for (name, body) in [("three of ten bytes", "abc"), ("no body at all", "")] {
        let request =
            format!("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\n{body}");
        let case = then_leaves(name, request, Incomplete);
        assert_eq!(check_case(server.address, &case), Ok(()), "{name}");
        assert_eq!(get_fresh(server.address, "/").status(), 200, "after {name}");
    }
}

/// RFC 9112 §3.2.4: `OPTIONS * HTTP/1.1` (the asterisk form) is a valid request about the
/// server as a whole. Whatever the answer, it is not the server's own failure (5xx).
#[test]
fn the_asterisk_form_is_not_a_server_error() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    client.send(b"OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\n");
    let response = client.response();
    assert!(response.status() < 500, "OPTIONS * got {}", response.status_line);
    assert_eq!(client.get("/").status(), 200, "and the connection goes on");
}

/// RFC 9110 §2.5: a recipient of a higher minor version than it implements, within a major
/// version it speaks, SHOULD process the message as the highest minor version it knows.
/// 505 means the *major* version is not supported (RFC 9110 §15.6.6).
#[test]
fn a_higher_minor_version_is_treated_as_http_1_1() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    client.send(b"GET / HTTP/1.2\r\nHost: test\r\n\r\n");
    assert_eq!(client.response().status(), 200);
}

#[test]
fn smuggling_with_content_length_and_transfer_encoding_is_refused_and_closed() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    // A proxy trusting Content-Length sees one request; a server trusting the chunked
    // coding would see two. Neither: 400, and the second is never answered.
    client.send(
        format!(
            "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 44\r\n\
             Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n{SMUGGLED}"
        )
        .as_bytes(),
    );
    let response = client.response();
    assert_eq!(response.status(), 400);
    assert_eq!(response.header("Connection"), Some("close"));
    client.assert_closed("the smuggled GET /smuggled must not be answered");
}

#[test]
fn the_corpus_cases_that_are_answered_show_the_right_environ() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    let response = client.get("/environ/%41%42%2Fc%C3%A9?q=%41");
    assert_eq!(environ_value(&response, "PATH_INFO").as_deref(), Some("/environ/AB/cÃ©"));
    assert_eq!(environ_value(&response, "QUERY_STRING").as_deref(), Some("q=%41"));
    client.send(b"GET http://test/environ?abs=1 HTTP/1.1\r\nHost: test\r\n\r\n");
    let response = client.response();
    assert_eq!(environ_value(&response, "PATH_INFO").as_deref(), Some("/environ"));
    assert_eq!(environ_value(&response, "QUERY_STRING").as_deref(), Some("abs=1"));
    client.send(b"GET /environ HTTP/1.1\r\nHost: test\r\nX-Latin: caf\xe9\r\n\r\n");
    let response = client.response();
    assert_eq!(environ_value(&response, "HTTP_X_LATIN").as_deref(), Some("café"));
}

#[test]
fn header_names_with_underscores_do_not_reach_the_environ() {
    let server = serve_quick(2);
    let mut client = Client::connect(server.address);
    client.send(
        b"GET /environ HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 10.0.0.1\r\n\
          X_Forwarded_For: 6.6.6.6\r\nX_Only_Underscores: yes\r\n\r\n",
    );
    let response = client.response();
    assert_eq!(response.status(), 200);
    assert_eq!(
        environ_value(&response, "HTTP_X_FORWARDED_FOR").as_deref(),
        Some("10.0.0.1"),
        "only the header spelled with hyphens"
    );
    assert_eq!(environ_value(&response, "HTTP_X_ONLY_UNDERSCORES"), None);
    assert!(!response.text().contains("6.6.6.6"), "{}", response.text());
}

// ---------------------------------------------------------------------------------------
// 5. Failures in the application
// ---------------------------------------------------------------------------------------

/// An application that fails on purpose in different places (so not behind the validator).
fn fragile(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    let text = ("Content-Type", "text/plain");
    match environ.path_info() {
        "/panic" => panic!("the application fails on purpose, before its body"),
        "/cut-chunked" => {
            start_response.call("200 OK", [text]);
            let mut produced = 0;
            Body::from_chunks(std::iter::from_fn(move || {
                produced += 1;
                assert!(produced < 3, "the body fails on purpose, after its head went out");
                Some(b"part ".to_vec())
            }))
        }
        "/cut-length" => {
            start_response.call("200 OK", [text, ("Content-Length", "100")]);
            let mut produced = 0;
            Body::from_chunks(std::iter::from_fn(move || {
                produced += 1;
                assert!(produced < 3, "the body fails on purpose, after its head went out");
                Some(b"part ".to_vec())
            }))
        }
        _ => {
            start_response.call("200 OK", [text, ("Content-Length", "4")]);
            Body::from("fine")
        }
    }
}

#[test]
fn a_panic_before_the_body_gets_500_and_the_worker_lives_on() {
    // One worker: if the panic killed it, nothing would ever be answered again.
    let server = serve_app(fragile, 1, quick(), Limits::default());
    let mut client = Client::connect(server.address);
    let response = client.get("/panic");
    assert_eq!(response.status(), 500);
    assert_eq!(response.header("Connection"), None, "the request was read whole: kept");
    assert_eq!(client.get("/").text(), "fine", "on the same connection");

    // With a body the application never read: the server reads past it, and goes on.
    let response = client.post("/panic", b"an unread body");
    assert_eq!(response.status(), 500);
    assert_eq!(client.get("/").text(), "fine", "after a panic with a body unread");
    assert_eq!(get_fresh(server.address, "/").text(), "fine", "and on a fresh connection");
}

#[test]
fn a_panic_in_the_body_cuts_the_connection_and_the_client_can_tell() {
    let server = serve_app(fragile, 1, quick(), Limits::default());

    // Chunked: the last chunk never comes.
    let mut client = Client::connect(server.address);
    client.send(b"GET /cut-chunked HTTP/1.1\r\nHost: test\r\n\r\n");
    let cut = client.try_response(false).expect_err("a complete response");
    assert!(cut.starts_with("the connection ended in the middle of a chunked body"), "{cut}");
    assert!(client.closed);

    // With a length: fewer bytes than announced, then the connection ends.
    let mut client = Client::connect(server.address);
    client.send(b"GET /cut-length HTTP/1.1\r\nHost: test\r\n\r\n");
    let cut = client.try_response(false).expect_err("a complete response");
    assert!(cut.starts_with("the connection ended after 10 of 100 bytes"), "{cut}");

    // The only worker lives on.
    assert_eq!(get_fresh(server.address, "/").text(), "fine");
}

// ---------------------------------------------------------------------------------------
// 6. Graceful shutdown
// ---------------------------------------------------------------------------------------

#[test]
fn shutdown_finishes_requests_in_flight_and_closes_idle_connections() {
    let (app, requests) = announcing_demo();
    let reactor = ReactorConfig { idle_timeout: Duration::from_secs(30), ..quick() };
    let server = serve_app(app, 2, reactor, Limits::default());
    let address = server.address;

    let mut idle = Client::connect(address);
    assert_eq!(idle.get("/").status(), 200);
    assert_eq!(requests.recv_timeout(PATIENCE).unwrap(), "/");

    let mut busy = Client::connect(address);
    busy.send(b"GET /sleep?ms=300 HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(requests.recv_timeout(PATIENCE).unwrap(), "/sleep", "the request is in flight");
    let stopping = thread::spawn(move || server.stop());

    let response = busy.response();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "slept 300 ms\n", "the request in flight finishes");
    busy.assert_closed("the finished connection on shutdown");
    idle.assert_closed("the idle keep-alive connection on shutdown");
    stopping.join().expect("the server stopped cleanly");
    assert!(TcpStream::connect(address).is_err(), "nothing listens after shutdown");
}

// ---------------------------------------------------------------------------------------
// 7. The binary
// ---------------------------------------------------------------------------------------

const BINARY: &str = env!("CARGO_BIN_EXE_05-hardened");

#[test]
fn the_binary_serves_keep_alive_connections() {
    let binary = common::Binary::start(BINARY, &["--threads", "2"]);
    assert_eq!(binary.first_line, format!("listening on http://{}/\n", binary.address));
    let mut client = Client::connect(binary.address);
    assert!(client.get("/").text().contains("/environ"));
    let environ = client.get("/environ");
    assert_eq!(environ.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(environ_value(&environ, "wsgi.multithread").as_deref(), Some("true"));
    assert_eq!(client.post("/echo", b"ping").text(), "ping", "three requests, one connection");
}

#[test]
fn the_binary_lists_its_limits_in_help() {
    let (code, stdout, _) = common::run_to_end(BINARY, &["--help"]);
    assert_eq!(code, 0);
    for flag in ["--max-connections", "--idle-timeout", "--head-timeout", "--max-body", "--quiet"] {
        assert!(stdout.contains(flag), "--help does not mention {flag}:\n{stdout}");
    }
}
