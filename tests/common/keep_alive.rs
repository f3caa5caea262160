//! What the tests of chapters 5 to 7 share: the servers (chapter 5's pool, the reactor of
//! chapters 6 and 7) with small timeouts, and a keep-alive client that reads one response at
//! a time from a connection it keeps.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::num::NonZeroUsize;
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use super::{HttpResponse, PATIENCE, TestServer, connect, fixed_clock};
use socket_to_wsgi::http::{Config, Limits};
use socket_to_wsgi::pool::ThreadPool;
use socket_to_wsgi::reactor::{self, ReactorConfig};
use socket_to_wsgi::server;
use socket_to_wsgi::wsgi::demo::demo_app;
use socket_to_wsgi::wsgi::{Application, Environ, Gateway, StartResponse, Validator};

// ---------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------

/// Timeouts small enough that a test waiting for one stays fast.
pub fn quick() -> ReactorConfig {
    ReactorConfig {
        idle_timeout: Duration::from_millis(300),
        head_timeout: Duration::from_millis(500),
        io_timeout: Duration::from_secs(2),
        max_connections: 200,
        min_rate: 240,
        rate_grace: Duration::from_secs(2),
        max_threads: 0, // a fixed pool, so that tests can count on its size
        ..ReactorConfig::default()
    }
}

/// Limits small enough to reach with a few kilobytes.
pub fn small_limits() -> Limits {
    Limits {
        request_line: 1024,
        field_line: 2048,
        fields: 64,
        head: 4096,
        body: 1024,
        ..Limits::default()
    }
}

/// Serves `app` as chapter 6 does: on the reactor with `threads` workers, a fixed clock and
/// no access log.
pub fn serve_app(
    app: impl Application,
    threads: usize,
    reactor: ReactorConfig,
    limits: Limits,
) -> TestServer {
    serve_on_reactor(app, threads, reactor, limits, false)
}

/// Serves `app` as the finished server of chapter 7 does: [`serve_app`], with each request's
/// body gathered before the application is called.
pub fn serve_hardened(
    app: impl Application,
    threads: usize,
    reactor: ReactorConfig,
    limits: Limits,
) -> TestServer {
    serve_on_reactor(app, threads, reactor, limits, true)
}

fn serve_on_reactor(
    app: impl Application,
    threads: usize,
    reactor: ReactorConfig,
    limits: Limits,
    never_block: bool,
) -> TestServer {
    let config = Config {
        clock: fixed_clock(),
        limits,
        access_log: false,
        never_block,
        ..Config::default()
    };
    let gateway = Gateway::new(app, config).multithreaded(true);
    let threads = NonZeroUsize::new(threads).expect("at least one worker");
    TestServer::start(move |listener, shutdown| {
        reactor::serve_with_reactor(listener, &shutdown, threads, reactor, move |connection| {
            gateway.serve_ready(connection)
        });
    })
}

/// The demo application, checked by the validator, served as [`serve_hardened`] does.
pub fn serve_demo(threads: usize, reactor: ReactorConfig, limits: Limits) -> TestServer {
    serve_hardened(Validator::new(demo_app), threads, reactor, limits)
}

/// [`serve_demo`] with quick timeouts and default limits.
pub fn serve_demo_quick(threads: usize) -> TestServer {
    serve_demo(threads, quick(), Limits::default())
}

/// The demo application, checked by the validator, on chapter 6's server (the body read as
/// the application asks), with quick timeouts and default limits.
pub fn serve_quick(threads: usize) -> TestServer {
    serve_app(Validator::new(demo_app), threads, quick(), Limits::default())
}

/// The demo application, still behind the validator, which also reports the path of each
/// request as it starts: a way to know a request is in flight without guessing at timing.
pub fn announcing_demo() -> (impl Application, mpsc::Receiver<String>) {
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
pub struct Client {
    pub stream: TcpStream,
    /// Bytes received and not yet used: the start of the next response, if any.
    pub received: Vec<u8>,
    /// Whether the server has closed (or reset) the connection.
    pub closed: bool,
}

impl Client {
    pub fn connect(address: SocketAddr) -> Client {
        Client { stream: connect(address), received: Vec::new(), closed: false }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send to the server");
    }

    /// Sends `GET path` over HTTP/1.1 and reads the response.
    pub fn get(&mut self, path: &str) -> HttpResponse {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        self.response()
    }

    /// Sends `POST path` with `body` (framed by Content-Length) and reads the response.
    pub fn post(&mut self, path: &str, body: &[u8]) -> HttpResponse {
        let head =
            format!("POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n", body.len());
        self.send(&[head.as_bytes(), body].concat());
        self.response()
    }

    /// Reads one whole response; panics, showing what arrived, if the connection ends first.
    pub fn response(&mut self) -> HttpResponse {
        self.try_response(false).unwrap_or_else(|cut| panic!("{cut}"))
    }

    /// Reads one response to a `HEAD` request: a head and no body, whatever it announces.
    pub fn response_to_head(&mut self) -> HttpResponse {
        self.try_response(true).unwrap_or_else(|cut| panic!("{cut}"))
    }

    /// Reads one response, or says how it was cut short.
    pub fn try_response(&mut self, to_head: bool) -> Result<HttpResponse, String> {
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
    pub fn chunked_body(&mut self) -> Result<Vec<u8>, String> {
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
    pub fn line(&mut self) -> Result<String, String> {
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

    pub fn exactly(&mut self, length: usize) -> Result<Vec<u8>, String> {
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
    pub fn fill(&mut self) -> usize {
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

    pub fn cut(&self, what: &str) -> String {
        format!("{what}; unused bytes: {:?}", String::from_utf8_lossy(&self.received))
    }

    /// Waits until the server closes the connection, and returns whatever it sent before.
    pub fn rest_until_closed(&mut self) -> Vec<u8> {
        while self.fill() > 0 {}
        std::mem::take(&mut self.received)
    }

    /// Asserts that the server closes the connection without sending another byte.
    pub fn assert_closed(&mut self, context: &str) {
        let extra = self.rest_until_closed();
        assert_eq!(
            String::from_utf8_lossy(&extra),
            "",
            "{context}: the server must close the connection and send nothing more"
        );
    }
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// `GET path` on a fresh connection.
pub fn get_fresh(address: SocketAddr, path: &str) -> HttpResponse {
    Client::connect(address).get(path)
}

pub fn environ_value(response: &HttpResponse, key: &str) -> Option<String> {
    response.environ_lines().into_iter().find(|(k, _)| k == key).map(|(_, value)| value)
}

/// Serves `app` as chapter 5 does: on chapter 3's pool, one connection per worker for as
/// long as it lasts, with a fixed clock and no access log.
pub fn serve_app_pooled(app: impl Application, threads: usize, idle: Duration) -> TestServer {
    let config = Config { clock: fixed_clock(), access_log: false, ..Config::default() };
    let gateway = Gateway::new(app, config).multithreaded(true);
    let pool = ThreadPool::new(NonZeroUsize::new(threads).expect("at least one worker"));
    TestServer::start(move |listener, shutdown| {
        server::serve_pooled(listener, &shutdown, pool, move |stream| {
            gateway.serve_connection(stream, idle)
        });
    })
}

/// The demo application behind the validator, served as chapter 5 does.
pub fn serve_pooled_quick(threads: usize) -> TestServer {
    serve_app_pooled(Validator::new(demo_app), threads, quick().idle_timeout)
}
