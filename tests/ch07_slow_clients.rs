//! Chapter 7: slow clients in both directions. A body that drips in, or a response that is
//! read slowly, holds no worker: the reactor gathers the one and parks the other, and the
//! minimum data rate cuts off a client that is slower than any real network.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::keep_alive::*;
use pretty_assertions::assert_eq;
use socket_to_wsgi::http::Limits;
use socket_to_wsgi::reactor::ReactorConfig;
use socket_to_wsgi::wsgi::{Body, Environ, StartResponse};

// ---------------------------------------------------------------------------------------
// 1. Slow bodies, gathered before the application runs
// ---------------------------------------------------------------------------------------

/// A client that sends its body a byte at a time never makes a read time out, so on chapter
/// 5's server it holds a worker for as long as it likes. Gathered by the reactor, such a body
/// holds no worker, and once the grace period has passed the minimum rate cuts it off.
#[test]
fn slow_bodies_hold_no_worker_and_are_cut_off_by_the_minimum_rate() {
    const DRIPPING: usize = 8;
    let reactor = ReactorConfig { rate_grace: Duration::from_secs(1), ..quick() };
    let server = serve_demo(2, reactor, Limits::default());
    let head = "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n";
    let mut drippers: Vec<Client> =
        (0..DRIPPING).map(|_| Client::connect(server.address)).collect();
    for dripper in &mut drippers {
        dripper.send(head.as_bytes());
    }
    let streams: Vec<TcpStream> =
        drippers.iter().map(|dripper| dripper.stream.try_clone().unwrap()).collect();
    let dripping = thread::spawn(move || {
        // A byte every 100 ms for at most 5 s, until the server closes each connection.
        let mut streams: Vec<Option<TcpStream>> = streams.into_iter().map(Some).collect();
        for _ in 0..50 {
            for slot in &mut streams {
                if slot.as_mut().is_some_and(|stream| stream.write_all(b"x").is_err()) {
                    *slot = None;
                }
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    thread::sleep(Duration::from_millis(200));
    // Both workers would be reading bodies on chapter 5's server, for as long as the drips
    // go on; here they are free. Three seconds is generous for an answer that takes a
    // millisecond, and far less than the drips last.
    let mut normal = Client::connect(server.address);
    normal.stream.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    normal.send(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    let answer = normal.try_response(false).map(|response| response.status());
    assert_eq!(answer, Ok(200), "a normal client is answered while the bodies drip");
    for dripper in &mut drippers {
        let cut_off = dripper.response();
        assert_eq!(cut_off.status(), 408, "{}", cut_off.text());
        dripper.assert_closed("after the 408 for a slow body");
    }
    dripping.join().unwrap();
}

#[test]
fn a_large_upload_arrives_whole_in_memory_or_on_disk() {
    let limits = Limits { body_in_memory: 64 * 1024, ..Limits::default() };
    let server = serve_demo(2, quick(), limits);
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut client = Client::connect(server.address);
    for (name, framing) in [("small, in memory", &body[..1000]), ("large, spilled", &body[..])] {
        let response = client.post("/echo", framing);
        assert_eq!(response.status(), 200, "{name}");
        assert!(response.body == framing, "{name}: the echo differs from what was sent");
    }
    let mut wire =
        b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for piece in body.chunks(70_000) {
        socket_to_wsgi::http::encode_chunk(&mut wire, piece);
    }
    wire.extend_from_slice(socket_to_wsgi::http::LAST_CHUNK);
    client.send(&wire);
    let response = client.response();
    assert!(response.body == body, "the chunked upload came back different");
    let prefix = format!("socket-to-wsgi-body-{}-", std::process::id());
    let left_behind = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .count();
    assert_eq!(left_behind, 0, "every temporary file is deleted with its body");
}

/// RFC 9110 §10.1.1: a client that asked for `100 Continue` may wait for it before sending
/// the body. The gathering server sends it while the body is awaited, and only once.
#[test]
fn continue_is_sent_while_a_gathered_body_is_awaited() {
    let server = serve_demo_quick(2);
    let mut client = Client::connect(server.address);
    client.send(
        b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    );
    assert_eq!(client.response().status(), 100);
    client.send(b"hello");
    let response = client.response();
    assert_eq!((response.status(), response.body.as_slice()), (200, &b"hello"[..]));
    assert_eq!(client.get("/").status(), 200, "no second 100 came in between");
}

/// A client that sent its body right behind `Expect: 100-continue` (as curl does after a
/// second) has nothing left to wait for: the body is gathered, and a 100 would only be noise.
#[test]
fn no_continue_is_sent_once_the_body_has_arrived() {
    let server = serve_demo_quick(2);
    let mut client = Client::connect(server.address);
    client.send(
        b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
    );
    let response = client.response();
    assert_eq!((response.status(), response.body.as_slice()), (200, &b"hello"[..]));
}

// ---------------------------------------------------------------------------------------
// 2. Slow readers: a response the socket cannot take waits, parked, with no worker
// ---------------------------------------------------------------------------------------

/// How much `/download` sends in each chunk.
const CHUNK: usize = 64 * 1024;

/// `GET /download?chunks=N`: N chunks of 64 KiB, chunk `i` filled with the byte `i % 251`,
/// made one at a time as the server asks; any other path, a short page.
fn downloads(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    if environ.path_info() != "/download" {
        start_response.call("200 OK", [("Content-Type", "text/plain")]);
        return Body::from(format!("short answer for {}\n", environ.path_info()));
    }
    let chunks: u32 = environ
        .query_string()
        .strip_prefix("chunks=")
        .and_then(|count| count.parse().ok())
        .unwrap_or(1);
    start_response.call("200 OK", [("Content-Type", "application/octet-stream")]);
    Body::from_chunks((0..chunks).map(|i| vec![(i % 251) as u8; CHUNK]))
}

/// What `/download?chunks=N` must deliver.
fn download_of(chunks: u32) -> Vec<u8> {
    (0..chunks).flat_map(|i| vec![(i % 251) as u8; CHUNK]).collect()
}

/// A client that asks for more than it reads fills its socket and then the server's; on a
/// server that writes with a blocking call, each such client holds a worker until the write
/// timeout. Here the worker parks the response and moves on, and once the grace period has
/// passed the minimum rate closes the connection.
#[test]
fn slow_readers_hold_no_worker_and_are_cut_off_by_the_minimum_rate() {
    slow_readers_are_cut_off(ReactorConfig { hold_under: Duration::ZERO, ..quick() });
}

/// The same when every response is held back first (chapter 9): what its first write puts
/// in the socket's buffers must not count as the client reading.
#[test]
fn slow_readers_are_cut_off_when_their_responses_were_held_back() {
    let hold_always = ReactorConfig {
        hold_after: Duration::ZERO,
        hold_under: Duration::from_secs(3600),
        ..quick()
    };
    slow_readers_are_cut_off(hold_always);
}

fn slow_readers_are_cut_off(reactor: ReactorConfig) {
    const READING_NOTHING: usize = 8;
    const PIPELINED: usize = 16;
    let reactor = ReactorConfig {
        rate_grace: Duration::from_secs(1),
        io_timeout: Duration::from_secs(10),
        ..reactor
    };
    let server = serve_hardened(downloads, 2, reactor, Limits::default());
    let requests = "GET /download?chunks=64 HTTP/1.1\r\nHost: test\r\n\r\n".repeat(PIPELINED);
    let mut attackers: Vec<Client> =
        (0..READING_NOTHING).map(|_| Client::connect(server.address)).collect();
    for attacker in &mut attackers {
        attacker.send(requests.as_bytes()); // 64 MiB of responses asked for, none read
    }
    // Time for the responses to fill the sockets; what follows does not depend on it.
    thread::sleep(Duration::from_millis(500));
    // On a server whose workers wait in `write`, both would be held for 10 s per attacker.
    let mut normal = Client::connect(server.address);
    normal.stream.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    normal.send(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    let answer = normal.try_response(false).map(|response| response.status());
    assert_eq!(answer, Ok(200), "a normal client is answered within a second");
    // 1 s of grace, then 240 bytes a second: a client that read nothing is overdue at once.
    thread::sleep(Duration::from_secs(2));
    for attacker in &mut attackers {
        let asked = PIPELINED * 64 * CHUNK;
        let got = attacker.rest_until_closed().len();
        assert!(attacker.closed && got < asked, "cut off after {got} of {asked} bytes");
    }
}

/// A download much larger than any socket buffer pauses and resumes many times on its way,
/// and must still arrive byte for byte, at full speed or read a little at a time.
#[test]
fn large_downloads_arrive_whole_however_they_are_read() {
    // Checking 20 MiB takes a while in a debug build: longer than `quick`'s idle timeout.
    let reactor = ReactorConfig { idle_timeout: Duration::from_secs(10), ..quick() };
    let server = serve_hardened(downloads, 2, reactor, Limits::default());
    let mut client = Client::connect(server.address);
    let fast = client.get("/download?chunks=320");
    assert!(fast.body == download_of(320), "a 20 MiB download read at full speed differs");
    client.send(b"GET /download?chunks=48 HTTP/1.1\r\nHost: test\r\n\r\n");
    let mut stream = client.stream.try_clone().unwrap();
    let mut wire = Vec::new();
    let mut piece = [0; 16 * 1024];
    let started = Instant::now();
    // A few milliseconds between reads: far above the minimum rate, far below the network's.
    while !wire.ends_with(b"\r\n0\r\n\r\n") && started.elapsed() < Duration::from_secs(20) {
        let read = stream.read(&mut piece).unwrap();
        assert!(read > 0, "the server closed in the middle of a slow download");
        wire.extend_from_slice(&piece[..read]);
        thread::sleep(Duration::from_millis(2));
    }
    client.received = wire;
    let slow = client.try_response(false).unwrap_or_else(|cut| panic!("{cut}"));
    assert!(slow.body == download_of(48), "a 3 MiB download read slowly differs");
}

/// Requests pipelined behind a response that is waiting for its reader wait in the buffer,
/// and are answered after it, in order.
#[test]
fn pipelined_requests_behind_a_paused_response_wait_their_turn() {
    let server = serve_hardened(downloads, 2, quick(), Limits::default());
    let mut client = Client::connect(server.address);
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    let pipelined =
        [get("/download?chunks=160"), get("/first"), get("/download?chunks=3"), get("/last")];
    client.send(pipelined.concat().as_bytes());
    thread::sleep(Duration::from_millis(300)); // the first response fills the socket and waits
    assert!(client.response().body == download_of(160));
    assert_eq!(client.response().text(), "short answer for /first\n");
    assert!(client.response().body == download_of(3));
    assert_eq!(client.response().text(), "short answer for /last\n");
}

// ---------------------------------------------------------------------------------------
// 3. Responses held back while other connections wait (chapter 9)
// ---------------------------------------------------------------------------------------

/// A held response is handed back paused, with nothing written, and goes out whole when it
/// is resumed, as a response that waited for room does.
#[test]
fn a_held_response_goes_out_only_when_resumed() {
    use socket_to_wsgi::connection::Endpoints;
    use socket_to_wsgi::http::{Config, read_request};
    use socket_to_wsgi::wsgi::{Exchanged, Gateway};
    use std::io::BufReader;
    use std::net::TcpListener;

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    server.set_nonblocking(true).unwrap();
    let config = Config { access_log: false, never_block: true, ..Config::default() };
    let gateway = Gateway::new(downloads, config);
    let mut head = BufReader::new(&b"GET /held HTTP/1.1\r\nHost: test\r\n\r\n"[..]);
    let request = read_request(&mut head, &Limits::default()).unwrap().unwrap();
    let endpoints = Endpoints::of(&server);
    let Exchanged::Paused(unsent) =
        gateway.exchange(&request, head, &server, &endpoints, true, true)
    else {
        panic!("a held response must come back paused");
    };
    client.set_nonblocking(true).unwrap();
    let early = client.read(&mut [0; 64]).map_err(|error| error.kind());
    assert_eq!(early, Err(std::io::ErrorKind::WouldBlock), "nothing is sent while it is held");
    assert!(matches!(gateway.resume(unsent, &server, &endpoints), Exchanged::Done(_)));
    client.set_nonblocking(false).unwrap();
    let mut client = Client { stream: client, received: Vec::new(), closed: false };
    assert_eq!(client.response().text(), "short answer for /held\n");
}

/// Slow requests from many clients at once, some pipelined, on one worker: the worker holds
/// its responses while others wait, and every client still gets each of its answers, whole
/// and in order.
#[test]
fn slow_requests_from_many_clients_are_all_answered_in_order() {
    let slow = |environ: &mut Environ<'_>, start_response: &mut StartResponse| {
        thread::sleep(Duration::from_millis(1)); // past the time that makes a worker hold
        downloads(environ, start_response)
    };
    let reactor = ReactorConfig { hold_under: Duration::from_secs(3600), ..quick() };
    let server = serve_hardened(slow, 1, reactor, Limits::default());
    let mut clients: Vec<Client> = (0..8).map(|_| Client::connect(server.address)).collect();
    for round in 0..3 {
        for (number, client) in clients.iter_mut().enumerate() {
            let get =
                |n: usize| format!("GET /c{number}r{round}n{n} HTTP/1.1\r\nHost: test\r\n\r\n");
            client.send((get(0) + &get(1)).as_bytes());
        }
        for (number, client) in clients.iter_mut().enumerate() {
            for n in 0..2 {
                let expected = format!("short answer for /c{number}r{round}n{n}\n");
                assert_eq!(client.response().text(), expected);
            }
        }
    }
}
