//! The programs the chapters open with, run for real.
//!
//! Each chapter starts with a small program in `examples/` that the reader types first and runs
//! with `cargo run --example NN-name`. These tests start each compiled example the same way,
//! with `127.0.0.1:0` as its one argument so that it picks a free port, read its first line
//! (`listening on http://127.0.0.1:PORT/`) to learn the port, and talk to it over a real
//! loopback socket. Every example is killed when its test ends, pass or fail.
//!
//! `cargo test` builds the examples but does not run them, so these tests look for the
//! compiled programs in `target/debug/examples/`, beside the `deps/` folder this test runs
//! from. If one is missing or older than its source (say, after `cargo test --test examples`
//! alone, which does not build them), build them with `cargo build --examples`.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use pretty_assertions::assert_eq;

/// Long enough that only a hung example hits it; a passing test never waits this long.
const PATIENCE: Duration = Duration::from_secs(10);

/// Where `cargo` put the compiled example `name`, checked to exist and to be newer than its
/// source.
fn compiled(name: &str) -> PathBuf {
    let test = std::env::current_exe().expect("the path of this test binary");
    // target/debug/deps/examples-… → target/debug/examples/NAME
    let folder = test.parent().and_then(Path::parent).expect("the test runs from target/…/deps");
    let binary = folder.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(format!("{name}.rs"));
    let modified = |path: &Path| path.metadata().and_then(|meta| meta.modified()).ok();
    match (modified(&binary), modified(&source)) {
        (None, _) => panic!(
            "{} is missing. `cargo test` builds the examples; to run this test on its own, \
             build them first with `cargo build --examples`",
            binary.display()
        ),
        (Some(built), Some(written)) if built < written => panic!(
            "{} is older than examples/{name}.rs. Rebuild it with `cargo build --examples`",
            binary.display()
        ),
        _ => binary,
    }
}

/// A running example; dropping it kills the process, so no test leaves one behind.
struct Example {
    child: Child,
    address: SocketAddr,
}

impl Example {
    /// Starts the example `name` on a free loopback port and waits for its first line.
    fn start(name: &str) -> Example {
        let mut child = Command::new(compiled(name))
            .arg("127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("start the example {name}: {error}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        // The guard exists before anything can fail, so a failure below still kills the child.
        let mut example = Example { child, address: SocketAddr::from(([127, 0, 0, 1], 0)) };
        // Read the first line on a thread of its own, so that a silent example fails the test
        // after a while instead of hanging it.
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            panic!("{name} printed no first line within {PATIENCE:?}");
        });
        example.address = line
            .strip_prefix("listening on http://")
            .and_then(|rest| rest.trim_end().strip_suffix('/'))
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| {
                panic!("{name}'s first line should be `listening on http://ADDR/`, not {line:?}")
            });
        example
    }

    /// A new connection, with timeouts so that a stuck example fails the test.
    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.address).expect("connect to the example");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        stream
    }

    /// Sends `request` on a new connection and returns everything until the example closes it.
    fn exchange(&self, request: &[u8]) -> Vec<u8> {
        let mut stream = self.connect();
        stream.write_all(request).unwrap();
        read_to_close(&mut stream)
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until the other side closes; fails the test if that takes longer than [`PATIENCE`].
fn read_to_close(stream: &mut impl Read) -> Vec<u8> {
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => received,
        Err(error) => panic!(
            "the example did not close the connection ({error}); it had sent {:?}",
            String::from_utf8_lossy(&received)
        ),
    }
}

/// One HTTP response, split for assertions.
#[derive(Debug)]
struct Response {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    /// Reads one response: the head line by line, then `Content-Length` bytes of body, or, with
    /// no `Content-Length`, everything until the connection closes.
    fn read_from(reader: &mut impl BufRead) -> Response {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let count = reader.read_line(&mut line).expect("read a line of the response head");
            assert!(count > 0, "the connection closed in the middle of a response head");
            if line == "\r\n" {
                break;
            }
            let line = line.strip_suffix("\r\n").expect("head lines end with CRLF");
            lines.push(line.to_string());
        }
        let status_line = lines.remove(0);
        let headers: Vec<(String, String)> = lines
            .iter()
            .map(|line| {
                let (name, value) = line.split_once(": ").expect("a header line has `: `");
                (name.to_string(), value.to_string())
            })
            .collect();
        let mut response = Response { status_line, headers, body: Vec::new() };
        match response.header("Content-Length") {
            Some(length) => {
                let length = length.parse().expect("Content-Length is a number");
                response.body = vec![0; length];
                reader.read_exact(&mut response.body).expect("read the body Content-Length says");
            }
            None => response.body = read_to_close(reader),
        }
        response
    }

    fn parse(bytes: &[u8]) -> Response {
        let mut bytes = bytes;
        let response = Response::read_from(&mut bytes);
        let rest = String::from_utf8_lossy(bytes);
        assert!(rest.is_empty(), "bytes after the end Content-Length gave the body: {rest:?}");
        response
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("the body is UTF-8")
    }

    /// Checks `Date` is an IMF-fixdate within a minute of now.
    fn assert_current_date(&self) {
        let date = self.header("Date").expect("a Date header");
        let sent = httpdate::parse_http_date(date).expect("Date is an HTTP date (IMF-fixdate)");
        let now = SystemTime::now();
        let apart = now.duration_since(sent).or_else(|_| sent.duration_since(now)).unwrap();
        assert!(apart < Duration::from_secs(60), "Date {date:?} is not the current time");
    }
}

/// True if nothing arrives on `stream` for a short while (and it is still open).
fn stays_quiet(stream: &mut TcpStream) -> bool {
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let quiet = matches!(
        stream.read(&mut [0; 64]),
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
    );
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    quiet
}

#[test]
fn echo_loop_sends_back_every_byte_until_the_client_closes() {
    let example = Example::start("01-echo-loop");
    let mut sent = "hello, echo\n你好\n".as_bytes().to_vec();
    sent.extend((0..=255u8).cycle().take(10_000));

    let mut stream = example.connect();
    stream.write_all(&sent).unwrap();
    // "That was everything": the example sees the end of the stream, stops and closes.
    stream.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_to_close(&mut stream), sent);

    // One client at a time, and the loop goes on after each: the next client is served too.
    let mut next = example.connect();
    next.write_all("第二个 client".as_bytes()).unwrap();
    next.shutdown(Shutdown::Write).unwrap();
    assert_eq!(String::from_utf8(read_to_close(&mut next)).unwrap(), "第二个 client");
}

#[test]
fn one_response_is_a_correct_http_response() {
    let example = Example::start("02-one-response");
    let address = example.address;
    let bytes = example.exchange(format!("GET / HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes());
    let response = Response::parse(&bytes);

    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
    assert_eq!(response.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(response.header("Connection"), Some("close"));
    response.assert_current_date();
    let page = response.text();
    assert!(page.starts_with("<!DOCTYPE html>"), "not an HTML page: {page:?}");
    assert!(page.contains("<h1>My first web page</h1>"), "the heading is not closed: {page:?}");
    assert!(page.contains("你好"), "the page should have Chinese in it: {page:?}");
    assert!(page.trim_end().ends_with("</html>"), "the page is cut short: {page:?}");
    // Parsing by Content-Length took exactly the bytes that came; check it counts bytes.
    let length: usize = response.header("Content-Length").unwrap().parse().unwrap();
    assert_eq!(length, response.body.len());
    assert!(length > page.chars().count(), "Content-Length must count bytes, not characters");
}

#[test]
fn one_response_waits_for_the_exact_end_of_the_head_and_outlives_clients_that_leave() {
    let example = Example::start("02-one-response");

    // Blank-looking line ends that are not `\r\n\r\n`, and a head cut in the middle of it.
    let mut stream = example.connect();
    stream.write_all(b"GET / HTTP/1.1\n\nHost: x\r\n\r").unwrap();
    assert!(stays_quiet(&mut stream), "answered before the head's final \\r\\n\\r\\n arrived");
    stream.write_all(b"\n").unwrap();
    assert_eq!(Response::parse(&read_to_close(&mut stream)).status_line, "HTTP/1.1 200 OK");

    // Clients that connect and leave, with nothing sent or half a head.
    drop(example.connect());
    let mut half = example.connect();
    half.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    drop(half);
    let bytes = example.exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(Response::parse(&bytes).status_line, "HTTP/1.1 200 OK");
}

#[test]
fn thread_per_connection_serves_two_sleeps_at_once() {
    let example = Example::start("03-thread-per-connection");
    let address = example.address;
    let started = Instant::now();
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let mut stream = example.connect();
            thread::spawn(move || {
                let request = format!("GET /sleep?ms=600 HTTP/1.1\r\nHost: {address}\r\n\r\n");
                stream.write_all(request.as_bytes()).unwrap();
                Response::parse(&read_to_close(&mut stream))
            })
        })
        .collect();
    for client in clients {
        let response = client.join().expect("the client thread");
        assert_eq!(response.status_line, "HTTP/1.1 200 OK");
        assert_eq!(response.text(), "slept 600 ms\n");
        response.assert_current_date();
    }
    let elapsed = started.elapsed();
    // One after the other would take 1.2 s; at the same time, a little over 0.6 s.
    assert!(elapsed >= Duration::from_millis(600), "the sleeps were too short: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1100), "the sleeps did not overlap: {elapsed:?}");

    // Not a number, or too long a sleep: refused at once, so nobody can park a thread for long.
    for ms in ["forever", "3600000"] {
        let request = format!("GET /sleep?ms={ms} HTTP/1.1\r\nHost: {address}\r\n\r\n");
        let refused = Response::parse(&example.exchange(request.as_bytes()));
        assert_eq!(refused.status_line, "HTTP/1.1 400 Bad Request", "for ms={ms}");
        assert_eq!(refused.header("Content-Length"), Some(refused.body.len().to_string().as_str()));
    }
    let home = Response::parse(&example.exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_eq!(home.status_line, "HTTP/1.1 200 OK");
}

#[test]
fn the_application_answers_from_the_environ_the_server_built() {
    let example = Example::start("04-application");
    let request = "GET /hello/world?name=ferris&x=1 HTTP/1.1\r\nHost: example.test\r\n\
                   X-Trace-Id: abc-123\r\n\r\n";
    let response = Response::parse(&example.exchange(request.as_bytes()));

    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
    assert_eq!(response.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(response.header("Connection"), Some("close"));
    // The application set no Content-Length, so the body ends where the connection does.
    assert_eq!(response.header("Content-Length"), None);
    response.assert_current_date();
    assert_eq!(
        response.text(),
        "HTTP_HOST = example.test\n\
         HTTP_X_TRACE_ID = abc-123\n\
         PATH_INFO = /hello/world\n\
         QUERY_STRING = name=ferris&x=1\n\
         REQUEST_METHOD = GET\n\
         SERVER_PROTOCOL = HTTP/1.1\n"
    );

    // A request line that is not three words gets no application call, and the loop goes on.
    assert_eq!(example.exchange(b"NONSENSE\r\n\r\n"), b"");
    let again = Response::parse(&example.exchange(b"POST /again HTTP/1.0\r\n\r\n"));
    assert!(again.text().contains("REQUEST_METHOD = POST\n"), "{:?}", again.text());
    assert!(again.text().contains("SERVER_PROTOCOL = HTTP/1.0\n"), "{:?}", again.text());
}

#[test]
fn keep_alive_loop_answers_two_requests_on_one_connection() {
    let example = Example::start("05-keep-alive-loop");
    let stream = example.connect();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;

    writer.write_all(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let first = Response::read_from(&mut reader);
    assert_eq!(first.status_line, "HTTP/1.1 200 OK");
    assert_eq!(first.text(), "request 1 on this connection\n");
    assert_eq!(first.header("Content-Length"), Some(first.body.len().to_string().as_str()));
    assert_eq!(first.header("Connection"), None, "an HTTP/1.1 connection stays open by default");
    first.assert_current_date();

    writer.write_all(b"GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let second = Response::read_from(&mut reader);
    assert_eq!(second.text(), "request 2 on this connection\n");
    assert_eq!(second.header("Connection"), Some("close"));
    assert_eq!(read_to_close(&mut reader), b"", "the connection should close after `close`");

    // Two requests in one write: the bytes after the first head are the second request.
    let bytes = example.exchange(
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let mut rest = &bytes[..];
    assert_eq!(Response::read_from(&mut rest).text(), "request 1 on this connection\n");
    assert_eq!(Response::read_from(&mut rest).text(), "request 2 on this connection\n");
    assert_eq!(rest, b"");

    // A client that closes between requests ends its connection, and the next one is served.
    let mut polite = example.connect();
    polite.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    polite.shutdown(Shutdown::Write).unwrap();
    let answer = Response::parse(&read_to_close(&mut polite));
    assert_eq!(answer.text(), "request 1 on this connection\n");
}

#[test]
fn readiness_loop_serves_clients_while_one_sits_idle() {
    let example = Example::start("06-readiness-loop");
    // Connected and silent: with chapter 1's loop, nobody else would be served now.
    let mut idle = example.connect();
    // A client that sent something and then went quiet, its connection still open.
    let mut paused = example.connect();
    paused.write_all(b"first half, ").unwrap();
    let mut echoed = [0; 12];
    paused.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"first half, ");

    let clients: Vec<_> = (0..5)
        .map(|number| {
            let mut stream = example.connect();
            thread::spawn(move || {
                let message = format!("client {number}: {}\n", "x".repeat(number * 1000));
                stream.write_all(message.as_bytes()).unwrap();
                stream.shutdown(Shutdown::Write).unwrap();
                assert_eq!(String::from_utf8(read_to_close(&mut stream)).unwrap(), message);
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client was not echoed while another sat idle");
    }

    // The quiet ones were kept, not dropped, and are served when they speak.
    paused.write_all(b"second half\n").unwrap();
    let mut echoed = [0; 12];
    paused.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"second half\n");
    assert!(stays_quiet(&mut idle), "the idle client was sent something or closed");
    idle.write_all(b"awake\n").unwrap();
    idle.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_to_close(&mut idle), b"awake\n");
}

/// Sends `request` on a new connection and reads one response, by its `Content-Length`. Unlike
/// `exchange` it does not read on until the close: `07-limits` hangs up on a refused client
/// without reading what it sent, and the kernel then resets the connection, which would fail
/// `read_to_close` after the response had arrived whole.
fn ask(example: &Example, request: &[u8]) -> Response {
    let mut stream = example.connect();
    stream.write_all(request).unwrap();
    Response::read_from(&mut BufReader::new(stream))
}

#[test]
fn limits_example_answers_431_and_408_and_keeps_serving() {
    let example = Example::start("07-limits");
    let ok = Response::parse(&example.exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_eq!(ok.status_line, "HTTP/1.1 200 OK");
    assert_eq!(ok.header("Connection"), Some("close"));
    ok.assert_current_date();

    // Just over 8 KiB of a head that never ends: refused with 431, not read forever.
    let big = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}", "a".repeat(8300));
    let too_big = ask(&example, big.as_bytes());
    assert_eq!(too_big.status_line, "HTTP/1.1 431 Request Header Fields Too Large");

    // A head dripped a byte at a time, for longer than the 5 s the whole head may take. Each
    // byte comes well within any per-read timeout, so only a deadline for the whole head stops
    // it; a server that restarted the clock with every byte would answer long after PATIENCE.
    let mut slow = example.connect();
    let mut dripper = slow.try_clone().unwrap();
    let started = Instant::now();
    let drip = thread::spawn(move || {
        // 24 bytes, one every 200 ms: 4.8 s, just short of the deadline, so the client never
        // writes to a connection the server has closed (that would reset it, and the reset
        // could lose the 408). A clock restarted by each byte would answer near 9.8 s.
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\n".iter().cycle().take(24) {
            if dripper.write_all(&[*byte]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(200));
        }
    });
    // Meanwhile the dripping client holds one thread, not the server: others are served.
    thread::sleep(Duration::from_millis(500));
    let meanwhile = Response::parse(&example.exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_eq!(meanwhile.status_line, "HTTP/1.1 200 OK");
    let timed_out = Response::parse(&read_to_close(&mut slow));
    let elapsed = started.elapsed();
    assert_eq!(timed_out.status_line, "HTTP/1.1 408 Request Timeout");
    assert_eq!(timed_out.text(), "408 Request Timeout\n");
    assert!(elapsed >= Duration::from_millis(4500), "408 before the 5 s were up: {elapsed:?}");
    assert!(elapsed < Duration::from_millis(7500), "the drip kept the head alive: {elapsed:?}");
    drip.join().expect("the dripping client");
}

#[test]
fn limits_example_turns_a_fifth_client_away_while_four_hold_its_threads() {
    let example = Example::start("07-limits");
    // Four clients that connect and say nothing: each holds one of the four threads.
    let mut silent: Vec<TcpStream> = (0..4).map(|_| example.connect()).collect();
    // Long enough for their threads to be running, so each must still count while it waits.
    thread::sleep(Duration::from_millis(300));
    let refused = Response::parse(&read_to_close(&mut example.connect()));
    assert_eq!(refused.status_line, "HTTP/1.1 503 Service Unavailable");
    assert_eq!(refused.header("Retry-After"), Some("1"));
    assert_eq!(refused.header("Connection"), Some("close"));
    refused.assert_current_date();

    // One leaves; its thread ends and its place is free again, long before the others' 5 s.
    let started = Instant::now();
    drop(silent.remove(0));
    loop {
        match ask(&example, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").status_line.as_str() {
            "HTTP/1.1 200 OK" => break,
            "HTTP/1.1 503 Service Unavailable" if started.elapsed() < Duration::from_secs(2) => {
                thread::sleep(Duration::from_millis(20));
            }
            other => panic!("a place should have come free when a client left, got {other:?}"),
        }
    }
    // The silent ones are let go when their head's time is up.
    let let_go = Response::parse(&read_to_close(&mut silent[0]));
    assert_eq!(let_go.status_line, "HTTP/1.1 408 Request Timeout");
}

#[test]
fn routes_example_fills_parameters_and_answers_404_and_405() {
    let example = Example::start("08-routes");
    let get = |path: &str| {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        Response::parse(&example.exchange(request.as_bytes()))
    };
    let hello = get("/hello/ferris");
    assert_eq!(hello.status_line, "HTTP/1.1 200 OK");
    assert_eq!(hello.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(hello.text(), "Hello, ferris!\n");
    assert_eq!(get("/hello/%E4%BD%A0%E5%A5%BD").text(), "Hello, 你好!\n", "decoded by the server");
    assert_eq!(get("/add/1/2").text(), "1 + 2\n");
    for missing in ["/hello/", "/hello", "/hello/a/b", "/add/1", "/nowhere"] {
        assert_eq!(get(missing).status_line, "HTTP/1.1 404 Not Found", "{missing}");
    }
    let posted = Response::parse(&example.exchange(b"POST /hello/x HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_eq!(posted.status_line, "HTTP/1.1 405 Method Not Allowed");
}
