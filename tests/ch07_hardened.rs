//! Chapter 7: a server that holds up. Limits and what lies past them (414, 431, 413, 503),
//! slowloris, a corpus of bad input judged by RFC 9112, failing applications. Every server
//! here runs the demo application behind the validator, on the reactor, with small timeouts
//! so that nothing is slow. Only the tests of application failures use small applications
//! of their own, since they break the contract on purpose.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::keep_alive::*;
use common::{connect, finish_sending};
use pretty_assertions::assert_eq;
use socket_to_wsgi::http::Limits;
use socket_to_wsgi::reactor::ReactorConfig;
use socket_to_wsgi::wsgi::{Body, Environ, StartResponse};

// ---------------------------------------------------------------------------------------
// 1. Limits
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
// 2. Bad input, judged by RFC 9112
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
        case("a form feed ending a value", get_with("X-Name: value\x0c\r\n"), Refused(400)),
        case("a form feed before a value", get_with("X-Name:\x0cvalue\r\n"), Refused(400)),
        case("a vertical tab in a value", get_with("X-Name: a\x0bb\r\n"), Refused(400)),
        case("a bare CR ending a value", get_with("X-Name: value\r\r\n"), Refused(400)),
        case("tabs around a value", get_with("X-Name:\tvalue\t\r\n"), Answered(200)),
        case(
            "two Content-Type headers",
            post("Content-Type: a/b\r\nContent-Type: c/d\r\nContent-Length: 0\r\n", ""),
            Refused(400),
        ),
        case(
            "two Authorization headers",
            get_with("Authorization: Basic YTpi\r\nAuthorization: Basic Yzpk\r\n"),
            Refused(400),
        ),
        case(
            "too many header fields",
            get_with(&(0..70).map(|n| format!("X-{n}: {n}\r\n")).collect::<String>()),
            Refused(431),
        ),
        case(
            "one field line over its own limit",
            get_with(&format!("X-Long: {}\r\n", "a".repeat(2100))),
            Refused(431),
        ),
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
        case(
            "an unknown expectation after 100-continue",
            post("Expect: 100-continue\r\nExpect: teapot\r\nContent-Length: 0\r\n", ""),
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
            "a quoted chunk extension is allowed",
            chunked("5 ; name = \"a; b\"\r\nhello\r\n0\r\n\r\n"),
            Answered(200),
        ),
        // Chunk lines to the letter of RFC 9112 §7.1, where proxies and servers that are
        // lenient in different ways disagree on where a body ends.
        case("a space after the last chunk's size", chunked("0 \r\n\r\n"), Refused(400)),
        case("a space after a chunk size", chunked("a \r\n0123456789\r\n0\r\n\r\n"), Refused(400)),
        case("a `;` with no extension name", chunked("5;\r\nhello\r\n0\r\n\r\n"), Refused(400)),
        case(
            "a bare CR inside a chunk extension",
            chunked("5;ext=val\rue\r\nhello\r\n0\r\n\r\n"),
            Refused(400),
        ),
        case(
            "bare CRs after a chunk size",
            chunked("5\r\r;ABCD\r\n34\r\nE\r\n0\r\n\r\n"),
            Refused(400),
        ),
        case(
            "a bare LF ending a chunk size, with a smuggled request",
            chunked(&format!("5\nhello\r\n0\r\n\r\n{SMUGGLED}")),
            Refused(400),
        ),
        case("a bare LF after chunk data", chunked("5\r\nhello\n0\r\n\r\n"), Refused(400)),
        case("CR and a byte after chunk data", chunked("5\r\nhello\rX0\r\n\r\n"), Refused(400)),
        case("a bare LF ending the last chunk", chunked("5\r\nhello\r\n0\n\r\n"), Refused(400)),
        case("a bare LF ending the trailers", chunked("5\r\nhello\r\n0\r\n\n"), Refused(400)),
        case(
            "a trailer line that is not a field",
            chunked("5\r\nhello\r\n0\r\nnot a field\r\n\r\n"),
            Refused(400),
        ),
        case(
            "trailer fields are allowed",
            chunked("5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"),
            Answered(200),
        ),
        then_leaves("a chunked body without its last chunk", chunked("5\r\nhello\r\n"), Incomplete),
        then_leaves("a chunked body cut inside a chunk", chunked("a\r\nhello"), Incomplete),
        // Targets (RFC 9112 §3.2).
        case("a relative target", format!("GET index.html HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case(
            "a fragment in the target",
            format!("GET /environ?q=1#frag HTTP/1.1\r\n{host}\r\n"),
            Refused(400),
        ),
        case("an asterisk with GET", format!("GET * HTTP/1.1\r\n{host}\r\n"), Refused(400)),
        case(
            "the authority form with GET",
            format!("GET test:80 HTTP/1.1\r\n{host}\r\n"),
            Refused(400),
        ),
        case("CONNECT", format!("CONNECT test:443 HTTP/1.1\r\n{host}\r\n"), Refused(501)),
        case("an HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Refused(505)),
        case(
            "the absolute form with user info",
            format!("GET http://user@test/ HTTP/1.1\r\n{host}\r\n"),
            Refused(400),
        ),
        case(
            "the absolute form with another scheme",
            format!("GET ftp://test/ HTTP/1.1\r\n{host}\r\n"),
            Refused(400),
        ),
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
fn bytes_left_unread_after_a_closing_request_do_not_cost_its_response() {
    // Closing a socket with unread bytes in it makes the kernel send a reset, which may
    // destroy a response the client has not read yet: chapter 2's lingering close, which
    // the non-blocking server does without waiting.
    let server = serve_demo_quick(1);
    let mut request = b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec();
    request.extend([b'x'; 20_000]);
    for attempt in 0..20 {
        let mut stream = connect(server.address);
        stream.write_all(&request).unwrap();
        let mut received = Vec::new();
        let read = stream.read_to_end(&mut received);
        let whole = received.ends_with(b"Hello, World!</body></html>\n");
        assert!(read.is_ok() && whole, "attempt {attempt}: {read:?}, {} bytes", received.len());
    }
}

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
    let server = serve_demo_quick(2);
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
    let server = serve_demo_quick(2);
    let mut client = Client::connect(server.address);
    client.send(b"GET / HTTP/1.2\r\nHost: test\r\n\r\n");
    assert_eq!(client.response().status(), 200);
}

#[test]
fn smuggling_with_content_length_and_transfer_encoding_is_refused_and_closed() {
    let server = serve_demo_quick(2);
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
    let server = serve_demo_quick(2);
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

/// RFC 9112 §3.2.2: a server takes the host of an absolute-form target and ignores `Host`;
/// the application sees what it would for the same request in origin form.
#[test]
fn an_absolute_target_gives_the_environ_of_its_origin_form() {
    let server = serve_demo_quick(2);
    let mut client = Client::connect(server.address);
    let absolute = b"GET http://example.com/environ?q=1 HTTP/1.1\r\nHost: test\r\n\r\n";
    let origin = b"GET /environ?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    client.send(absolute);
    let from_absolute = client.response().environ_lines();
    client.send(origin);
    let from_origin = client.response().environ_lines();
    assert_eq!(from_absolute, from_origin);
    assert!(from_origin.contains(&("HTTP_HOST".to_string(), "example.com".to_string())));
}

/// Trailers arrive after the body, when the environ was built long ago; they are read and
/// dropped, so a `Content-Length` or `Host` among them can never change the request.
#[test]
fn trailer_fields_never_reach_the_environ_or_the_framing() {
    let server = serve_demo_quick(2);
    let mut client = Client::connect(server.address);
    client.send(
        b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\nhello\r\n0\r\nContent-Length: 40\r\nHost: evil\r\nX-Late: 1\r\n\r\n",
    );
    assert_eq!(client.response().body, b"hello");
    let environ = client.get("/environ");
    assert_eq!(environ_value(&environ, "HTTP_HOST").as_deref(), Some("test"));
    assert_eq!(environ_value(&environ, "HTTP_X_LATE"), None);
}

#[test]
fn header_names_with_underscores_do_not_reach_the_environ() {
    let server = serve_demo_quick(2);
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
// 3. Failures in the application
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
    let server = serve_hardened(fragile, 1, quick(), Limits::default());
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
    let server = serve_hardened(fragile, 1, quick(), Limits::default());

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
// 4. The binary
// ---------------------------------------------------------------------------------------

const BINARY: &str = env!("CARGO_BIN_EXE_07-hardened");

#[test]
fn the_binary_serves_keep_alive_connections() {
    let binary = common::Binary::start(BINARY, &["--threads", "2"]);
    assert_eq!(binary.first_line, format!("listening on http://{}/\n", binary.address));
    let mut client = Client::connect(binary.address);
    assert!(client.get("/").text().contains("/environ"));
    assert_eq!(client.post("/echo", b"ping").text(), "ping", "two requests, one connection");
}

#[test]
fn the_binary_lists_its_limits_in_help() {
    let (code, stdout, _) = common::run_to_end(BINARY, &["--help"]);
    assert_eq!(code, 0);
    let flags =
        ["--max-connections", "--idle-timeout", "--head-timeout", "--max-field", "--max-fields"];
    for flag in flags.into_iter().chain(["--max-body", "--quiet"]) {
        assert!(stdout.contains(flag), "--help does not mention {flag}:\n{stdout}");
    }
}

// ---------------------------------------------------------------------------------------
// 5. An elastic pool
// ---------------------------------------------------------------------------------------

/// An application that waits (for a database, say) holds its worker while it waits. Four
/// such requests at once, on a pool that starts with one worker: the pool grows, so all four
/// are inside the application together. A fixed pool of one would let them in one at a time,
/// and each would give up waiting for the others.
#[test]
fn the_pool_grows_while_every_worker_is_busy() {
    use std::sync::{Arc, Condvar, Mutex};
    const AT_ONCE: usize = 4;
    let inside = Arc::new((Mutex::new(0_usize), Condvar::new()));
    let app = move |_: &mut Environ<'_>, start_response: &mut StartResponse| {
        let (count, changed) = &*inside;
        let mut count = count.lock().unwrap();
        *count += 1;
        changed.notify_all();
        let patience = Duration::from_secs(10);
        let (_count, waited) =
            changed.wait_timeout_while(count, patience, |count| *count < AT_ONCE).unwrap();
        start_response.call("200 OK", [("Content-Type", "text/plain")]);
        Body::from(if waited.timed_out() { "alone" } else { "together" })
    };
    let reactor = ReactorConfig { max_threads: 8, ..quick() };
    let server = serve_hardened(app, 1, reactor, Limits::default());
    let address = server.address;
    let clients: Vec<_> =
        (0..AT_ONCE).map(|_| thread::spawn(move || get_fresh(address, "/").text())).collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), "together");
    }
}
