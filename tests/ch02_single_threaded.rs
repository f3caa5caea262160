//! Chapter 2: the single-threaded HTTP server, over real loopback sockets.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, SystemTime};

use common::{
    Binary, FIXED_DATE, HttpResponse, TestServer, connect, exchange, fixed_clock, get,
    read_until_closed,
};
use pretty_assertions::assert_eq;
use socket_to_wsgi::http::{self, Clock, Config};
use socket_to_wsgi::pages::{self, HOME_PAGE};
use socket_to_wsgi::server::serve_one_at_a_time;

fn chapter_2_server(clock: Clock) -> TestServer {
    let config = Config { clock, ..Config::default() };
    TestServer::start(move |listener, shutdown| {
        serve_one_at_a_time(listener, &shutdown, |stream| {
            http::respond(stream, pages::home, &config)
        });
    })
}

#[test]
fn the_home_page_response_is_exact_byte_for_byte() {
    let server = chapter_2_server(fixed_clock());
    let received = exchange(server.address, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let expected = format!(
        "HTTP/1.1 200 OK\r\n\
         Date: {FIXED_DATE}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: 253\r\n\
         Connection: close\r\n\
         \r\n\
         {HOME_PAGE}"
    );
    assert_eq!(String::from_utf8(received).unwrap(), expected);
}

#[test]
fn content_length_counts_bytes_of_the_chinese_page() {
    let server = chapter_2_server(Clock::System);
    let response = get(server.address, "/");
    // The article's mistake: counting characters. The page has Chinese in it, so they differ.
    assert!(HOME_PAGE.chars().count() < HOME_PAGE.len());
    assert_eq!(response.header("Content-Length"), Some(HOME_PAGE.len().to_string().as_str()));
    assert_eq!(response.body.len(), HOME_PAGE.len());
    assert!(response.text().contains("你好"));
}

#[test]
fn the_date_header_is_the_current_time() {
    let server = chapter_2_server(Clock::System);
    let response = get(server.address, "/");
    let date = response.header("Date").expect("a Date header");
    let sent = httpdate::parse_http_date(date).expect("an IMF-fixdate (RFC 9110 §5.6.7)");
    let age = SystemTime::now().duration_since(sent).unwrap_or_default();
    assert!(age < Duration::from_secs(60), "the Date header {date:?} is not the current time");
}

#[test]
fn a_request_arriving_in_pieces_is_read_to_the_blank_line() {
    let server = chapter_2_server(fixed_clock());
    let mut stream = connect(server.address);
    // Split everywhere it could hurt, including between \r and \n of the blank line.
    for piece in ["GE", "T / HT", "TP/1.1\r", "\nHost: x\r\n", "\r", "\n"] {
        stream.write_all(piece.as_bytes()).unwrap();
        stream.flush().unwrap();
        thread::sleep(Duration::from_millis(20));
    }
    let response = HttpResponse::parse(&read_until_closed(&mut stream));
    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
}

/// Sends `request`, checks the status, then checks that a normal request is still served.
fn assert_refused_then_served(server: &TestServer, request: &[u8], status: u16) {
    let response = HttpResponse::parse(&exchange(server.address, request));
    assert_eq!(
        response.status(),
        status,
        "for {:?}",
        String::from_utf8_lossy(&request[..request.len().min(60)])
    );
    assert_eq!(response.header("Connection"), Some("close"));
    assert_eq!(get(server.address, "/").status(), 200, "the server must go on serving");
}

#[test]
fn oversized_heads_get_431_and_the_server_goes_on() {
    let server = chapter_2_server(fixed_clock());
    let big =
        format!("GET / HTTP/1.1\r\nHost: x\r\n{}\r\n", "X-Filler: 0123456789\r\n".repeat(1000));
    assert_refused_then_served(&server, big.as_bytes(), 431);
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(10_000));
    assert_refused_then_served(&server, long_target.as_bytes(), 414);
}

#[test]
fn malformed_requests_get_400_and_the_server_goes_on() {
    let server = chapter_2_server(fixed_clock());
    for request in [
        &b"hello\r\n\r\n"[..],
        b"GET /\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n", // HTTP/1.1 needs Host
        b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        b"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        assert_refused_then_served(&server, request, 400);
    }
}

#[test]
fn unknown_versions_get_505() {
    let server = chapter_2_server(fixed_clock());
    assert_refused_then_served(&server, b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
    assert_refused_then_served(&server, b"GET / HTTP/0.9\r\n\r\n", 505);
}

#[test]
fn a_client_that_leaves_early_does_not_stop_the_server() {
    let server = chapter_2_server(fixed_clock());
    drop(connect(server.address));
    let mut half = connect(server.address);
    half.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    drop(half);
    assert_eq!(get(server.address, "/").status(), 200);
}

#[test]
fn unknown_paths_get_404_and_head_gets_no_body() {
    let server = chapter_2_server(fixed_clock());
    let missing = get(server.address, "/missing");
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.text(), "404 Not Found: nothing lives at /missing\n");

    let head =
        HttpResponse::parse(&exchange(server.address, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_eq!(head.status(), 200);
    assert_eq!(head.header("Content-Length"), Some(HOME_PAGE.len().to_string().as_str()));
    assert_eq!(head.body, b"");

    let post = HttpResponse::parse(&exchange(
        server.address,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
    ));
    assert_eq!(post.status(), 405);
    assert_eq!(post.header("Allow"), Some("GET, HEAD"));
}

#[test]
fn a_server_restarts_on_the_same_port_right_away() {
    let server = chapter_2_server(fixed_clock());
    let address = server.address;
    // The server closes first, so its side of this connection lingers in TIME_WAIT.
    assert_eq!(get(address, "/").status(), 200);
    server.stop();
    // Without SO_REUSEADDR (which std's bind sets on Unix) this fails: "address in use".
    TcpListener::bind(address).expect("rebinding the port right after a stop");
}

#[test]
fn the_binary_prints_its_address_first() {
    let binary = Binary::start(env!("CARGO_BIN_EXE_02-single-threaded"), &[]);
    assert_eq!(binary.first_line, format!("listening on http://{}/\n", binary.address));
    let response = get(binary.address, "/");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), HOME_PAGE);
}
