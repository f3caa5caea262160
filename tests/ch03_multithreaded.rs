//! Chapter 3: serving many clients at once, over real loopback sockets.
//!
//! Concurrency is shown two ways: with slow requests and generous time bounds (a pool of 8
//! answering 8 requests of 300 ms each must beat half the serial time, while the serial
//! server can never beat the serial time), and with synchronisation that does not depend on
//! the machine's speed at all.

mod common;

use std::net::TcpStream;
use std::num::NonZeroUsize;
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Binary, HttpResponse, PATIENCE, TestServer, connect, get, read_until_closed};
use pretty_assertions::assert_eq;
use socket_to_wsgi::http::{self, Config, Request, Response, Status};
use socket_to_wsgi::pages;
use socket_to_wsgi::pool::ThreadPool;
use socket_to_wsgi::server::{serve_one_at_a_time, serve_pooled, serve_thread_per_connection};

const SLEEP_MS: u64 = 300;
const CLIENTS: usize = 8;

fn respond(stream: TcpStream) {
    http::respond(stream, pages::home_and_sleep, &Config::default());
}

fn pool(threads: usize) -> ThreadPool {
    ThreadPool::new(NonZeroUsize::new(threads).unwrap())
}

/// Sends `CLIENTS` requests for /sleep at once; returns how long until all were answered.
fn time_concurrent_sleeps(server: &TestServer) -> Duration {
    let start = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let address = server.address;
            thread::spawn(move || get(address, &format!("/sleep?ms={SLEEP_MS}")))
        })
        .collect();
    for client in clients {
        let response = client.join().unwrap();
        assert_eq!(response.text(), format!("slept {SLEEP_MS} ms\n"));
    }
    start.elapsed()
}

fn serial_time() -> Duration {
    Duration::from_millis(SLEEP_MS * CLIENTS as u64)
}

#[test]
fn eight_sleeps_on_eight_workers_finish_together() {
    let server =
        TestServer::start(|listener, shutdown| serve_pooled(listener, &shutdown, pool(8), respond));
    let elapsed = time_concurrent_sleeps(&server);
    assert!(
        elapsed < serial_time() / 2,
        "8 workers took {elapsed:?} for 8 × {SLEEP_MS} ms; they should overlap (serial: {:?})",
        serial_time()
    );
}

#[test]
fn the_single_threaded_server_serialises_sleeps() {
    let server =
        TestServer::start(|listener, shutdown| serve_one_at_a_time(listener, &shutdown, respond));
    let elapsed = time_concurrent_sleeps(&server);
    // A lower bound cannot be flaky: one at a time, 8 sleeps take at least 8 × 300 ms.
    assert!(elapsed >= serial_time(), "one at a time, yet done in {elapsed:?}");
}

#[test]
fn spawn_per_connection_also_serves_concurrently() {
    let server = TestServer::start(|listener, shutdown| {
        serve_thread_per_connection(listener, &shutdown, respond)
    });
    let elapsed = time_concurrent_sleeps(&server);
    assert!(elapsed < serial_time() / 2, "thread per connection took {elapsed:?}");
}

/// A handler that waits until `expected` requests are inside it at the same time, so it only
/// finishes if the server really runs them concurrently (or after `PATIENCE`, failing).
#[test]
fn a_pool_of_four_has_four_requests_in_flight_at_once() {
    let (arrived, arrivals) = mpsc::channel::<mpsc::Sender<()>>();
    let handler = move |stream: TcpStream| {
        let (release, released) = mpsc::channel();
        if arrived.send(release).is_err() {
            return; // the shutdown's wake-up connection, after the test stopped listening
        }
        let answer = released.recv_timeout(PATIENCE).is_ok();
        http::respond(
            stream,
            move |_: &Request| {
                Response::text(Status::OK, if answer { "together\n" } else { "alone\n" })
            },
            &Config::default(),
        );
    };
    let server = TestServer::start(move |listener, shutdown| {
        serve_pooled(listener, &shutdown, pool(4), handler)
    });
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let address = server.address;
            thread::spawn(move || get(address, "/"))
        })
        .collect();
    // All four handlers must be running at once before any of them is released.
    let releases: Vec<_> =
        (0..4).map(|_| arrivals.recv_timeout(PATIENCE).expect("4 in flight")).collect();
    for release in releases {
        release.send(()).unwrap();
    }
    for client in clients {
        assert_eq!(client.join().unwrap().text(), "together\n");
    }
    // Before the server stops: else its wake-up connection would wait for a release.
    drop(arrivals);
}

#[test]
fn shutdown_finishes_in_flight_requests() {
    let (started, has_started) = mpsc::channel();
    let server = TestServer::start(move |listener, shutdown| {
        serve_pooled(listener, &shutdown, pool(2), move |stream| {
            started.send(()).unwrap();
            respond(stream);
        })
    });
    let address = server.address;
    let client = thread::spawn(move || get(address, "/sleep?ms=500"));
    has_started.recv_timeout(PATIENCE).expect("the request reached a worker");
    // Stop while the request sleeps: stop() returns only when the pool has joined its workers.
    server.stop();
    assert_eq!(
        client.join().unwrap().text(),
        "slept 500 ms\n",
        "the in-flight request was finished"
    );
    assert!(TcpStream::connect(address).is_err(), "after shutdown nobody listens");
}

#[test]
fn a_panicking_handler_does_not_kill_the_pool() {
    let server = TestServer::start(|listener, shutdown| {
        serve_pooled(listener, &shutdown, pool(1), |stream| {
            http::respond(
                stream,
                |request: &Request| match request.target.as_str() {
                    "/panic" => panic!("this handler fails on purpose"),
                    _ => Response::text(Status::OK, "alive\n"),
                },
                &Config::default(),
            )
        })
    });
    for _ in 0..3 {
        // The panic unwinds through the connection, so the client just sees it closed.
        let mut stream = connect(server.address);
        std::io::Write::write_all(&mut stream, b"GET /panic HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(read_until_closed(&mut stream), b"");
        // The single worker survived: it answers the next request.
        assert_eq!(get(server.address, "/").text(), "alive\n");
    }
}

#[test]
fn ctrl_c_stops_the_binary_gracefully() {
    let mut binary = Binary::start(env!("CARGO_BIN_EXE_03-multithreaded"), &["--threads", "2"]);
    // Connect and send here, so the request is on its way before the signal is.
    let mut stream = connect(binary.address);
    let request = format!("GET /sleep?ms=700 HTTP/1.1\r\nHost: {}\r\n\r\n", binary.address);
    std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
    thread::sleep(Duration::from_millis(200)); // let the accept loop hand it to a worker
    let interrupted = Command::new("kill").args(["-INT", &binary.child.id().to_string()]).status();
    assert!(interrupted.expect("run kill").success());
    let status = binary.child.wait().expect("the server exits");
    assert!(status.success(), "Ctrl-C should stop the server cleanly, got {status}");
    let response = HttpResponse::parse(&read_until_closed(&mut stream));
    assert_eq!(response.text(), "slept 700 ms\n", "the request in flight was answered first");
}

#[test]
fn the_binary_serves_with_a_pool_or_a_thread_per_connection() {
    for args in [&["--threads", "3"][..], &["--spawn"]] {
        let binary = Binary::start(env!("CARGO_BIN_EXE_03-multithreaded"), args);
        assert_eq!(binary.first_line, format!("listening on http://{}/\n", binary.address));
        assert_eq!(get(binary.address, "/sleep?ms=1").text(), "slept 1 ms\n");
        assert_eq!(get(binary.address, "/sleep?ms=nope").status(), 400);
    }
}
