//! What the exercise tests share: a server on a free loopback port, a plain client, request
//! heads for the exercises that judge one, and failure messages that say what to look at.
#![allow(dead_code)] // each chapter's tests use a different part of this module

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown as Direction, SocketAddr, TcpListener, TcpStream};
use std::num::NonZeroUsize;
use std::thread;
use std::time::Duration;

use socket_to_wsgi::http::{Headers, Version};
use socket_to_wsgi::pool::ThreadPool;
use socket_to_wsgi::server::{self, Shutdown};

/// Long enough that only a server that is stuck hits it; a passing test never waits this long.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// What a learner sees when the server dropped the connection without a byte: most often
/// the function under test panicked on its `todo!()` (the panic is printed above the test's
/// failure).
pub const NO_ANSWER: &str = "the server closed the connection without answering: is the function still todo!()? \
     (if it panicked, its message is printed above)";

/// A server running on its own thread, on 127.0.0.1 and a port the system picked.
pub struct Server {
    pub address: SocketAddr,
    shutdown: Shutdown,
}

impl Server {
    /// Runs `serve` with a bound listener on a new thread.
    pub fn start(serve: impl FnOnce(TcpListener, Shutdown) + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let address = listener.local_addr().unwrap();
        let shutdown = Shutdown::new(&listener).unwrap();
        let for_server = shutdown.clone();
        thread::spawn(move || serve(listener, for_server));
        Server { address, shutdown }
    }

    /// Serves each connection with `handle` on a pool of two workers. A handler that panics
    /// (a `todo!()`, say) closes its connection and leaves the server running.
    pub fn pooled(handle: impl Fn(TcpStream) + Send + Sync + 'static) -> Server {
        Server::start(move |listener, shutdown| {
            let pool = ThreadPool::new(NonZeroUsize::new(2).unwrap());
            server::serve_pooled(listener, &shutdown, pool, handle);
        })
    }
}

impl Drop for Server {
    /// Asks the server to stop. It is not waited for: a handler stuck in a loop must not
    /// hang the test run, and the process ends after the tests anyway.
    fn drop(&mut self) {
        self.shutdown.request();
    }
}

/// Connects with generous timeouts, so a stuck server fails the test instead of hanging it.
pub fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(address).expect("connect to the test server");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// Says "I will send nothing more": the server's next `read` returns 0.
pub fn finish_sending(stream: &TcpStream) {
    stream.shutdown(Direction::Write).expect("half-close the connection");
}

/// Every byte the server sends until it closes the connection.
pub fn read_until_closed(mut stream: &TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            // A reset is how a closed connection looks when the server left input unread.
            Err(error) if error.kind() == ErrorKind::ConnectionReset => return received,
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!(
                    "the server neither answered nor closed the connection within {} s; \
                     so far it sent {:?}. Is it waiting for input that will never come?",
                    PATIENCE.as_secs(),
                    String::from_utf8_lossy(&received)
                )
            }
            Err(error) => panic!("reading from the server failed: {error}"),
        }
    }
}

/// Sends `pieces` one `write` at a time (a short pause between them, so they tend to arrive
/// as separate reads), says it has finished sending, and returns the whole answer.
pub fn talk(address: SocketAddr, pieces: &[&[u8]]) -> Vec<u8> {
    let mut stream = connect(address);
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            thread::sleep(Duration::from_millis(20));
        }
        // The server may legitimately stop listening (after `quit`, say); the answer tells.
        if stream.write_all(piece).is_err() {
            break;
        }
    }
    let _ = stream.shutdown(Direction::Write);
    read_until_closed(&stream)
}

/// Bytes as text for a readable comparison (invalid UTF-8 shows as �).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails with [`NO_ANSWER`] when the server sent nothing although something was expected.
#[track_caller]
pub fn expect_some_answer(received: &[u8]) {
    assert!(!received.is_empty(), "{NO_ANSWER}");
}

/// A response as the client received it, split into its parts.
#[derive(Debug)]
pub struct Reply {
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// Splits a whole response; a helpful panic when it is not one.
    #[track_caller]
    pub fn parse(bytes: &[u8]) -> Reply {
        expect_some_answer(bytes);
        let Some(end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") else {
            panic!(
                "the answer has no empty line (\\r\\n\\r\\n) ending its head:\n{:?}",
                text(bytes)
            );
        };
        let head = text(&bytes[..end]);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_string();
        let headers = lines
            .map(|line| match line.split_once(':') {
                Some((name, value)) => (name.to_string(), value.trim().to_string()),
                None => panic!("the header line {line:?} has no colon"),
            })
            .collect();
        Reply { status_line, headers, body: bytes[end + 4..].to_vec() }
    }

    /// The status code, from a status line such as `HTTP/1.1 404 Not Found`.
    pub fn status(&self) -> u16 {
        self.status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("{:?} is not a status line", self.status_line))
    }

    /// The first value of the header `name`, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn text(&self) -> String {
        text(&self.body)
    }
}

/// Sends one HTTP request as it is and parses the answer.
#[track_caller]
pub fn http(address: SocketAddr, request: &str) -> Reply {
    let mut stream = connect(address);
    stream.write_all(request.as_bytes()).expect("send the request");
    Reply::parse(&read_until_closed(&stream))
}

/// `GET target` over HTTP/1.1.
#[track_caller]
pub fn get(address: SocketAddr, target: &str) -> Reply {
    http(address, &format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n"))
}

/// What the exercises that judge a request head (5.2, 7.2) look at: its version and its
/// header lines.
pub struct Head {
    pub version: Version,
    pub headers: Headers,
}

/// A request head with these header lines, in this order.
pub fn request(version: Version, headers: &[(&str, &str)]) -> Head {
    Head { version, headers: headers.iter().copied().collect() }
}

/// The request as it looks on the wire, for messages: `HTTP/1.1 with Connection: close`.
pub fn describe(request: &Head) -> String {
    let fields: Vec<String> =
        request.headers.iter().map(|(name, value)| format!("`{name}: {value}`")).collect();
    match fields.as_slice() {
        [] => format!("{} with no headers", request.version),
        _ => format!("{} with {}", request.version, fields.join(" and ")),
    }
}
