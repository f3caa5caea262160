//! Chapter 6: many idle connections on few threads. The reactor hands a worker only a
//! connection with bytes to read, so keep-alive clients never starve the pool; and it closes
//! connections that idle too long or send their heads too slowly. Over real loopback sockets.

mod common;

use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::keep_alive::*;
use common::{PATIENCE, TestServer};
use pretty_assertions::assert_eq;
use socket_to_wsgi::http::Limits;
use socket_to_wsgi::reactor::ReactorConfig;
use socket_to_wsgi::wsgi::Validator;
use socket_to_wsgi::wsgi::demo::demo_app;

// ---------------------------------------------------------------------------------------
// 1. No starvation
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
// 2. Timeouts
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// 3. News that is reported once
// ---------------------------------------------------------------------------------------
// Edge-triggered readiness reports what is new on a socket, once, and the reactor must miss
// none of it. Each test runs on chapter 6's server (blocking sockets) and chapter 7's.

/// Timeouts too long to end a test that misses its news: only being answered ends it.
fn patient() -> ReactorConfig {
    let long = Duration::from_secs(60);
    ReactorConfig { idle_timeout: long, head_timeout: long, io_timeout: long, ..quick() }
}

fn both_servers(threads: usize) -> [(&'static str, TestServer); 2] {
    let chapter_6 = serve_app(Validator::new(demo_app), threads, patient(), Limits::default());
    [("chapter 6", chapter_6), ("chapter 7", serve_demo(threads, patient(), Limits::default()))]
}

const HELLO: &[u8] = b"GET /hello HTTP/1.1\r\nHost: test\r\n\r\n";

/// More bytes than one read takes, sent at once: a single report covers them all.
#[test]
fn more_pipelined_requests_than_one_read_takes_are_all_answered() {
    const REQUESTS: usize = 1000; // about 37 KB, over two reads of 16 KiB
    for (server_name, server) in both_servers(1) {
        let mut client = Client::connect(server.address);
        client.send(&HELLO.repeat(REQUESTS));
        for number in 1..=REQUESTS {
            let response = client.try_response(false);
            let status = response.map(|response| response.status());
            assert_eq!(status, Ok(200), "{server_name}: response {number} of {REQUESTS}");
        }
    }
}

/// A client that sends its request and its close together (`printf ... | nc -N`): epoll
/// reports both at once, and the close must not wait for the idle timeout.
#[test]
fn a_close_sent_with_the_request_is_noticed_after_the_answer() {
    for (server_name, server) in both_servers(1) {
        let mut client = Client::connect(server.address);
        client.send(HELLO);
        client.stream.shutdown(std::net::Shutdown::Write).unwrap();
        assert_eq!(client.response().status(), 200, "{server_name}");
        client.assert_closed(&format!("{server_name}: the client had closed its side"));
    }
}

/// The next request arrives while a worker still serves the connection: another worker hears
/// of it, and must not lose it.
#[test]
fn a_request_that_arrives_while_its_connection_is_served_is_answered() {
    for (server_name, server) in both_servers(2) {
        let mut client = Client::connect(server.address);
        client.send(b"GET /sleep?ms=300 HTTP/1.1\r\nHost: test\r\n\r\n");
        thread::sleep(Duration::from_millis(100)); // well inside the sleep
        client.send(HELLO);
        assert_eq!(client.response().text(), "slept 300 ms\n", "{server_name}");
        assert_eq!(client.response().status(), 200, "{server_name}: the request sent meanwhile");
    }
}

/// The rest of a body arrives while the application reads it. Its report may come later, for
/// bytes already read (epoll drops most such reports itself, so this cannot force one). A
/// worker that acted on it with a blocking read (chapter 6) would wait there for the client's
/// next request; `connection::tests::a_blocking_connection_is_served_only_with_bytes_waiting`
/// checks the guard against that.
#[test]
fn a_body_that_arrives_in_two_parts_leaves_the_worker_free() {
    for (server_name, server) in both_servers(1) {
        let mut uploader = Client::connect(server.address);
        uploader.send(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhello");
        thread::sleep(Duration::from_millis(100)); // the worker is reading the body
        uploader.send(b"world");
        assert_eq!(uploader.response().text(), "helloworld", "{server_name}");
        // With the only worker held, this gets no answer within the client's patience.
        assert_eq!(get_fresh(server.address, "/").status(), 200, "{server_name}: another client");
        assert_eq!(uploader.get("/hello").status(), 200, "{server_name}: the uploader goes on");
    }
}

#[test]
fn a_body_that_stops_arriving_holds_a_blocking_worker_only_for_the_io_timeout() {
    // Chapter 6's sockets block, so the worker reading a body waits for the rest of it; the
    // read timeout, put on the socket before its first read, ends the wait.
    let reactor = ReactorConfig { io_timeout: Duration::from_millis(300), ..patient() };
    let server = serve_app(demo_app, 1, reactor, Limits::default());
    let mut stalled = Client::connect(server.address);
    stalled.send(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhello");
    thread::sleep(Duration::from_millis(100)); // the only worker is reading the body
    let started = Instant::now();
    // Without the timeout the worker waits for the client, and this for PATIENCE.
    assert_eq!(get_fresh(server.address, "/").status(), 200, "another client is answered");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// 4. Graceful shutdown
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
// 5. The binary
// ---------------------------------------------------------------------------------------

const BINARY: &str = env!("CARGO_BIN_EXE_06-readiness");

#[test]
fn the_binary_serves_keep_alive_connections_on_the_reactor() {
    let binary = common::Binary::start(BINARY, &["--threads", "1", "--idle-timeout", "30"]);
    assert_eq!(binary.first_line, format!("listening on http://{}/\n", binary.address));
    // Three idle keep-alive clients and one worker: all are served.
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(binary.address)).collect();
    for client in &mut clients {
        assert_eq!(client.get("/").status(), 200);
    }
    for client in &mut clients {
        assert_eq!(client.get("/sleep?ms=0").text(), "slept 0 ms\n");
    }
}

#[test]
fn the_binary_lists_its_timeouts_in_help() {
    let (code, stdout, _) = common::run_to_end(BINARY, &["--help"]);
    assert_eq!(code, 0);
    for flag in ["--threads", "--idle-timeout", "--head-timeout", "--quiet"] {
        assert!(stdout.contains(flag), "--help does not mention {flag}:\n{stdout}");
    }
    assert!(!stdout.contains("--max-body"), "limits are chapter 7's:\n{stdout}");
}
