//! The book's Python programs (book/python/) next to the Rust chapters: the same requests go
//! to both, and what should agree does (status, body, Content-Type, Content-Length).
//!
//! Needs `python3` on PATH; without it each test says so on stderr and passes.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Binary, HttpResponse, exchange};
use pretty_assertions::assert_eq;
use socket_to_wsgi::wsgi::REQUIRED_KEYS;

/// A Python program from book/python/, started with `--port 0`; killed when dropped, so it
/// never outlives the test, whether the test passes or panics.
struct Python {
    child: Child,
    address: SocketAddr,
}

impl Python {
    /// Starts the program, or returns None when there is no `python3` to start it with.
    fn start(script: &str, args: &[&str]) -> Option<Python> {
        if Command::new("python3").arg("--version").output().is_err() {
            eprintln!("skipped: python3 not found");
            return None;
        }
        let path = format!("{}/book/python/{script}", env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new("python3")
            .arg(&path)
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()) // wsgiref logs every request there
            .spawn()
            .expect("start python3");
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
        let mut python = Python { child, address: "127.0.0.1:0".parse().unwrap() };
        python.address = first_line
            .strip_prefix("listening on http://")
            .and_then(|rest| rest.trim_end().strip_suffix('/'))
            .unwrap_or_else(|| panic!("{script} printed {first_line:?} instead of its address"))
            .parse()
            .unwrap();
        Some(python)
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The parts of a response that the Rust and the Python server should agree on.
#[derive(Debug, PartialEq, Eq)]
struct Comparable {
    status: u16,
    content_type: Option<String>,
    /// Compared only when both servers send it (wsgiref adds one where the Rust gateway
    /// frames the body by closing the connection instead), and the bodies should agree.
    content_length: Option<String>,
    allow: Option<String>,
    /// None when the bodies are meant to differ (for example two different home pages).
    body: Option<String>,
}

fn send(address: SocketAddr, request: &str) -> HttpResponse {
    let request = request.replace("{host}", &address.to_string());
    HttpResponse::parse(&exchange(address, request.as_bytes()))
}

/// Sends `request` to both servers and asserts that they answer alike.
fn both_answer_alike(rust: SocketAddr, python: SocketAddr, request: &str, compare_body: bool) {
    let (from_rust, from_python) = (send(rust, request), send(python, request));
    let both_lengths = compare_body
        && from_rust.header("Content-Length").is_some()
        && from_python.header("Content-Length").is_some();
    let comparable = |response: &HttpResponse| Comparable {
        status: response.status(),
        content_type: response.header("Content-Type").map(str::to_string),
        content_length: response
            .header("Content-Length")
            .filter(|_| both_lengths)
            .map(str::to_string),
        allow: response.header("Allow").map(str::to_string),
        body: compare_body.then(|| String::from_utf8_lossy(&response.body).into_owned()),
    };
    assert_eq!(comparable(&from_rust), comparable(&from_python), "request: {request:?}");
}

const GET: &str = "GET / HTTP/1.1\r\nHost: {host}\r\n\r\n";
const GET_MISSING: &str = "GET /missing HTTP/1.1\r\nHost: {host}\r\n\r\n";
const HEAD: &str = "HEAD / HTTP/1.1\r\nHost: {host}\r\n\r\n";
const POST: &str = "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n";

#[test]
fn chapter_2_in_python_answers_like_the_rust_server() {
    let Some(python) = Python::start("ch02_single_threaded.py", &[]) else { return };
    let rust = Binary::start(env!("CARGO_BIN_EXE_02-single-threaded"), &[]);
    for request in [GET, GET_MISSING, HEAD, POST] {
        both_answer_alike(rust.address, python.address, request, true);
    }
    // HEAD gets the length a GET would get, and no body, from both.
    assert_eq!(send(python.address, HEAD).header("Content-Length"), Some("253"));
}

#[test]
fn chapter_3_in_python_answers_like_the_rust_server() {
    let Some(python) = Python::start("ch03_multithreaded.py", &["--threads", "2"]) else { return };
    let rust = Binary::start(env!("CARGO_BIN_EXE_03-multithreaded"), &["--threads", "2"]);
    let sleep = "GET /sleep?ms=10 HTTP/1.1\r\nHost: {host}\r\n\r\n";
    let bad_sleep = "GET /sleep?ms=soon HTTP/1.1\r\nHost: {host}\r\n\r\n";
    for request in [GET, GET_MISSING, HEAD, POST, sleep, bad_sleep] {
        both_answer_alike(rust.address, python.address, request, true);
    }
    // A lower bound only: both really sleep, and a sleep never ends early.
    for address in [rust.address, python.address] {
        let started = Instant::now();
        assert_eq!(
            send(address, "GET /sleep?ms=50 HTTP/1.1\r\nHost: {host}\r\n\r\n").status(),
            200
        );
        assert!(started.elapsed() >= Duration::from_millis(50), "{address} answered early");
    }
}

#[test]
fn chapter_4_in_python_answers_like_the_rust_server() {
    let Some(python) = Python::start("ch04_wsgi.py", &[]) else { return };
    let rust = Binary::start(env!("CARGO_BIN_EXE_04-wsgi"), &[]);
    let echo = "POST /echo HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain; charset=utf-8\r\n\
                Content-Length: 13\r\n\r\n你好, echo!";
    let echo_with_get = "GET /echo HTTP/1.1\r\nHost: {host}\r\n\r\n";
    let sleep = "GET /sleep?ms=10 HTTP/1.1\r\nHost: {host}\r\n\r\n";
    for request in [GET_MISSING, echo, echo_with_get, sleep] {
        both_answer_alike(rust.address, python.address, request, true);
    }
    // Two different home pages: only the status and the type should agree.
    both_answer_alike(rust.address, python.address, GET, false);
}

/// `/environ` as a map from key to value.
fn environ(address: SocketAddr, request: &str) -> BTreeMap<String, String> {
    let response = send(address, request);
    assert_eq!(response.status(), 200);
    response.environ_lines().into_iter().collect()
}

#[test]
fn both_environs_carry_the_keys_pep_3333_requires() {
    let Some(python) = Python::start("ch04_wsgi.py", &[]) else { return };
    let rust = Binary::start(env!("CARGO_BIN_EXE_04-wsgi"), &[]);
    // A percent-encoded, non-ASCII path: PATH_INFO is decoded, QUERY_STRING is not.
    let request = "GET /environ/caf%C3%A9?q=%20x&n=1 HTTP/1.1\r\nHost: {host}\r\n\
                   X-Book-Chapter: 4\r\n\r\n";
    let (from_rust, from_python) =
        (environ(rust.address, request), environ(python.address, request));
    let required = REQUIRED_KEYS.into_iter().chain([
        "HTTP_HOST",
        "HTTP_X_BOOK_CHAPTER",
        "wsgi.version",
        "wsgi.url_scheme",
        "wsgi.input",
        "wsgi.errors",
        "wsgi.multithread",
        "wsgi.multiprocess",
        "wsgi.run_once",
    ]);
    let required: Vec<&str> = required.collect();
    let missing = |environ: &BTreeMap<String, String>| -> Vec<&str> {
        required.iter().copied().filter(|key| !environ.contains_key(*key)).collect()
    };
    assert_eq!(missing(&from_rust), Vec::<&str>::new(), "missing in the Rust environ");
    assert_eq!(missing(&from_python), Vec::<&str>::new(), "missing in the Python environ");
    for key in [
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "SERVER_PROTOCOL",
        "HTTP_X_BOOK_CHAPTER",
        "wsgi.url_scheme",
        "wsgi.version",
    ] {
        assert_eq!(from_rust[key], from_python[key], "{key}");
    }
    assert_eq!(from_rust["QUERY_STRING"], "q=%20x&n=1");
}
