//! What every chapter's tests share: a server started in-process on a free loopback port, a
//! plain HTTP client over a real socket, and a way to run a chapter's binary.
#![allow(dead_code)] // each test file uses a different part of this module

pub mod keep_alive;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown as Direction, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

use socket_to_wsgi::http::Clock;
use socket_to_wsgi::server::Shutdown;

/// Long enough that only a hung server hits it; a test never waits this long when it passes.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A clock stopped at 2020-11-21 19:00:00 UTC, near the article's hard-coded date.
pub fn fixed_clock() -> Clock {
    Clock::Fixed(SystemTime::UNIX_EPOCH + Duration::from_secs(1_605_985_200))
}

/// What [`fixed_clock`] puts in the `Date` header.
pub const FIXED_DATE: &str = "Sat, 21 Nov 2020 19:00:00 GMT";

/// A server running on its own thread; dropping it shuts it down and waits for it.
pub struct TestServer {
    pub address: SocketAddr,
    shutdown: Shutdown,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Binds 127.0.0.1:0 and runs `serve` with the listener on a new thread.
    pub fn start(serve: impl FnOnce(TcpListener, Shutdown) + Send + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let address = listener.local_addr().unwrap();
        let shutdown = Shutdown::new(&listener).unwrap();
        let for_server = shutdown.clone();
        let thread = thread::spawn(move || serve(listener, for_server));
        TestServer { address, shutdown, thread: Some(thread) }
    }

    /// Stops the server gracefully and waits until it has finished.
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.shutdown.request();
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the server thread must not panic");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if !thread::panicking() {
            self.stop_and_join();
        }
    }
}

/// Connects with generous timeouts, so a broken server fails the test instead of hanging it.
pub fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(address).expect("connect to the test server");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// Sends `request` as it is and returns every byte the server sends until it closes.
pub fn exchange(address: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(address);
    stream.write_all(request).unwrap();
    read_until_closed(&mut stream)
}

/// Reads until the server closes. A reset after some bytes arrived counts as the end too.
pub fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => return received,
            Err(error) => panic!("reading the response failed: {error}"),
        }
    }
}

/// `GET path` over HTTP/1.1, parsed.
pub fn get(address: SocketAddr, path: &str) -> HttpResponse {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n");
    HttpResponse::parse(&exchange(address, request.as_bytes()))
}

/// A response split into its parts, for assertions.
#[derive(Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn parse(bytes: &[u8]) -> HttpResponse {
        let end = bytes
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(bytes)));
        let head = std::str::from_utf8(&bytes[..end]).expect("the head is text");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap().to_string();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(": ").expect("a header line has ': '");
                (name.to_string(), value.to_string())
            })
            .collect();
        HttpResponse { status_line, headers, body: bytes[end + 4..].to_vec() }
    }

    pub fn status(&self) -> u16 {
        self.status_line[9..12].parse().unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("the body is UTF-8")
    }

    /// The demo application's `/environ` page: one `KEY = VALUE` line per entry.
    pub fn environ_lines(&self) -> Vec<(String, String)> {
        self.text()
            .lines()
            .map(|line| {
                let (key, value) = line.split_once(" = ").expect("a `KEY = VALUE` line");
                (key.to_string(), value.to_string())
            })
            .collect()
    }
}

/// A chapter's binary, started with `--port 0`; killed when dropped.
pub struct Binary {
    pub child: Child,
    pub address: SocketAddr,
    pub first_line: String,
    stdout: BufReader<ChildStdout>,
}

impl Binary {
    /// Starts `path` (from `env!("CARGO_BIN_EXE_…")`) and reads its first line.
    pub fn start(path: &str, args: &[&str]) -> Binary {
        Binary::try_start(path, args).unwrap_or_else(|why| panic!("{why}"))
    }

    /// [`Binary::start`], or why the binary did not say where it listens (it exited at
    /// once, for example because its port was taken).
    #[allow(dead_code)] // not every test file starts a binary that may fail
    pub fn try_start(path: &str, args: &[&str]) -> Result<Binary, String> {
        let mut child = Command::new(path)
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the chapter binary");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first_line = String::new();
        stdout.read_line(&mut first_line).unwrap();
        let Some(address) = first_line
            .strip_prefix("listening on http://")
            .and_then(|rest| rest.trim_end().strip_suffix('/'))
            .and_then(|address| address.parse().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("unexpected first line {first_line:?} from {path} {args:?}"));
        };
        Ok(Binary { child, address, first_line, stdout })
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a binary with `args` to completion and returns (exit code, stdout, stderr).
pub fn run_to_end(path: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(path).args(args).output().expect("run the chapter binary");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Half-closes our side of `stream`: "I will send nothing more".
pub fn finish_sending(stream: &TcpStream) {
    stream.shutdown(Direction::Write).unwrap();
}
