//! Chapter 5: persistent connections, over real loopback sockets. Keep-alive and
//! `Connection: close`, HTTP/1.0, pipelining, chunked bodies both ways, `Expect:
//! 100-continue` and `HEAD`.
//!
//! Every test of persistence runs twice: on chapter 5's server (chapter 3's pool, one
//! connection per worker) and on the reactor of chapters 6 and 7, since both hand every
//! request to the same gateway. Then the limit of chapter 5's design: idle clients starve
//! the pool.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::keep_alive::*;
use common::{PATIENCE, TestServer, connect};
use pretty_assertions::assert_eq;
use socket_to_wsgi::wsgi::Validator;
use socket_to_wsgi::wsgi::demo::demo_app;

/// The persistence tests, once for each server: `pooled::name` and `reactor::name`.
macro_rules! on_both_servers {
    ($($tests:item)*) => {
        mod pooled {
            use super::*;
            use pretty_assertions::assert_eq;
            fn serve(threads: usize) -> TestServer {
                serve_pooled_quick(threads)
            }
            $($tests)*
        }
        mod reactor {
            use super::*;
            use pretty_assertions::assert_eq;
            fn serve(threads: usize) -> TestServer {
                serve_quick(threads)
            }
            $($tests)*
        }
    };
}

on_both_servers! {
    #[test]
    fn http_1_1_keeps_the_connection_open_by_default() {
        let server = serve(2);
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
        let server = serve(2);
        let mut client = Client::connect(server.address);
        client.send(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        let response = client.response();
        assert_eq!(response.status(), 200);
        assert_eq!(response.header("Connection"), Some("close"));
        client.assert_closed("after `Connection: close`");
    }

    #[test]
    fn http_1_0_closes_unless_asked_to_keep_alive() {
        let server = serve(2);

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
    fn a_body_of_one_chunk_gets_its_length_and_keeps_an_http_1_0_connection() {
        let server = serve(2);
        let mut client = Client::connect(server.address);
        // The demo's 404 is one chunk without a Content-Length of its own.
        client.send(b"GET /nowhere HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let response = client.response();
        assert_eq!(response.status(), 404);
        let length = response.header("Content-Length").map(str::to_string);
        assert_eq!(length, Some(response.body.len().to_string()));
        assert_eq!(response.header("Connection"), Some("keep-alive"));
        client.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assert_eq!(client.response().status(), 200, "the connection carried another request");
        // HTTP/1.1 says the length too, rather than chunks.
        let response = client.get("/nowhere");
        assert_eq!(response.header("Transfer-Encoding"), None);
        assert_eq!(response.header("Content-Length"), Some(length.unwrap().as_str()));
    }

    #[test]
    fn pipelined_requests_are_answered_in_order() {
        let server = serve(2);
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
        let server = serve(2);
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
        let server = serve(2);
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
        let server = serve(2);
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
        let server = serve(2);
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
}

// ---------------------------------------------------------------------------------------
// The limit of one connection per worker
// ---------------------------------------------------------------------------------------

#[test]
fn two_workers_and_two_idle_clients_starve_a_third() {
    let server = serve_app_pooled(Validator::new(demo_app), 2, PATIENCE);
    // Two clients ask once and then stay connected, saying nothing: each holds a worker.
    let mut idle: Vec<Client> = (0..2).map(|_| Client::connect(server.address)).collect();
    for client in &mut idle {
        assert_eq!(client.get("/").status(), 200);
    }
    // A third client's request is queued behind them, and nothing answers it.
    let mut third = connect(server.address);
    third.write_all(b"GET /sleep?ms=0 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    third.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut byte = [0; 1];
    let waited = third.read(&mut byte);
    assert!(
        matches!(&waited, Err(error) if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "the third client was answered while both workers were held: {waited:?}"
    );
    // One idle client leaves; its worker is free, and the third is served at once.
    drop(idle.pop());
    third.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut answer = Client { stream: third, received: Vec::new(), closed: false };
    assert_eq!(answer.response().text(), "slept 0 ms\n");
}

/// Chapter 5's only defence: the idle timeout, the socket's read timeout. A keep-alive client
/// that says nothing for that long is closed, and its worker serves the next client.
#[test]
fn a_silent_keep_alive_client_is_closed_after_the_idle_timeout() {
    let server = serve_app_pooled(Validator::new(demo_app), 1, Duration::from_millis(200));
    let mut silent = Client::connect(server.address);
    assert_eq!(silent.get("/").status(), 200);
    silent.assert_closed("after 200 ms of silence");
    let mut next = Client::connect(server.address);
    assert_eq!(next.get("/sleep?ms=0").text(), "slept 0 ms\n", "the worker is free again");
}

// ---------------------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------------------

const BINARY: &str = env!("CARGO_BIN_EXE_05-keep-alive");

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
