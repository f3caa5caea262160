//! Chapter 4: the WSGI-style interface, called directly and over real loopback sockets.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::num::NonZeroUsize;

use common::{
    FIXED_DATE, HttpResponse, TestServer, connect, exchange, fixed_clock, get, read_until_closed,
};
use pretty_assertions::assert_eq;
use socket_to_wsgi::http::Config;
use socket_to_wsgi::pool::ThreadPool;
use socket_to_wsgi::server::{serve_one_at_a_time, serve_pooled};
use socket_to_wsgi::wsgi::demo::demo_app;
use socket_to_wsgi::wsgi::{
    Application, Body, Environ, Gateway, REQUIRED_KEYS, StartResponse, Validator,
};

/// Serves `app` on a pool of `threads` workers (or one at a time with `None`), fixed clock.
fn serve(app: impl Application, threads: Option<usize>) -> TestServer {
    let config = Config { clock: fixed_clock(), ..Config::default() };
    let gateway = Gateway::new(app, config).multithreaded(threads.is_some());
    TestServer::start(move |listener, shutdown| match threads {
        Some(threads) => {
            let pool = ThreadPool::new(NonZeroUsize::new(threads).unwrap());
            serve_pooled(listener, &shutdown, pool, move |stream| gateway.handle(stream));
        }
        None => serve_one_at_a_time(listener, &shutdown, |stream| gateway.handle(stream)),
    })
}

fn value<'a>(lines: &'a [(String, String)], key: &str) -> Option<&'a str> {
    lines.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[test]
fn an_application_is_called_directly_without_a_socket() {
    // As the article's section 03 does: build an environ by hand, call, look at the result.
    let mut environ = Environ::for_request("GET", "/environ?x=1");
    let mut start_response = StartResponse::default();
    let body: Vec<u8> = demo_app(&mut environ, &mut start_response).flatten().collect();

    assert_eq!(start_response.status(), Some("200 OK"));
    assert_eq!(start_response.header("content-type"), Some("text/plain; charset=utf-8"));
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("REQUEST_METHOD = GET\n"), "{text}");
    assert!(text.contains("QUERY_STRING = x=1\n"), "{text}");

    // Closures are applications too, and may capture what they need.
    let greeting = String::from("hello");
    let app = move |environ: &mut Environ, start_response: &mut StartResponse| {
        start_response.call("200 OK", [("Content-Type", "text/plain")]);
        Body::from(format!("{greeting} from {}", environ.path_info()))
    };
    let mut environ = Environ::for_request("GET", "/there");
    let mut start_response = StartResponse::default();
    let body: Vec<u8> = app.invoke(&mut environ, &mut start_response).flatten().collect();
    assert_eq!(body, b"hello from /there");
}

#[test]
fn the_environ_has_every_pep_3333_key() {
    // The demo application runs behind the validator (chapter 7) in every test here, so a
    // response that passes also shows that the gateway's environ, and the demo application's
    // status, headers and body, keep PEP 3333's rules.
    let server = serve(Validator::new(demo_app), Some(2));
    let request = format!(
        "GET /environ/caf%C3%A9%2Fx?q=a%20b&r HTTP/1.1\r\nHost: {}\r\nX-Repeated: one\r\n\
         x-repeated: two\r\nUser-Agent: test\r\nX_Spoofed: yes\r\n\r\n",
        server.address
    );
    let response = HttpResponse::parse(&exchange(server.address, request.as_bytes()));
    assert_eq!(response.status(), 200);
    let lines = response.environ_lines();
    let keys: Vec<&str> = lines.iter().map(|(key, _)| key.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "one line per entry, sorted by key");
    let wsgi_keys = [
        "wsgi.version",
        "wsgi.url_scheme",
        "wsgi.input",
        "wsgi.errors",
        "wsgi.multithread",
        "wsgi.multiprocess",
        "wsgi.run_once",
    ];
    for key in REQUIRED_KEYS.into_iter().chain(wsgi_keys) {
        assert!(keys.contains(&key), "{key} is missing from {keys:?}");
    }
    // PATH_INFO is decoded (é's two UTF-8 bytes shown as two Latin-1 characters, %2F as /);
    // QUERY_STRING is left as sent.
    assert_eq!(value(&lines, "PATH_INFO"), Some("/environ/cafÃ©/x"));
    assert_eq!(value(&lines, "QUERY_STRING"), Some("q=a%20b&r"));
    assert_eq!(value(&lines, "HTTP_X_REPEATED"), Some("one,two"));
    assert_eq!(value(&lines, "HTTP_USER_AGENT"), Some("test"));
    assert_eq!(value(&lines, "HTTP_X_SPOOFED"), None, "names with _ are dropped");
    assert_eq!(value(&lines, "SERVER_PORT"), Some(server.address.port().to_string().as_str()));
    assert_eq!(value(&lines, "SERVER_PROTOCOL"), Some("HTTP/1.1"));
    assert_eq!(value(&lines, "wsgi.multithread"), Some("true"));
    assert_eq!(value(&lines, "wsgi.version"), Some("(1, 0)"));
}

#[test]
fn every_method_and_every_path_under_environ_is_shown() {
    let server = serve(Validator::new(demo_app), None);
    let request = b"DELETE /environ/a/b HTTP/1.0\r\n\r\n";
    let lines = HttpResponse::parse(&exchange(server.address, request)).environ_lines();
    assert_eq!(value(&lines, "REQUEST_METHOD"), Some("DELETE"));
    assert_eq!(value(&lines, "SERVER_PROTOCOL"), Some("HTTP/1.0"));
    assert_eq!(value(&lines, "wsgi.multithread"), Some("false"));
}

#[test]
fn echo_reads_no_more_than_content_length() {
    let server = serve(Validator::new(demo_app), Some(2));
    let request = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\
                    Content-Length: 13\r\n\r\nhello, \xe4\xbd\xa0\xe5\xa5\xbd and more bytes";
    let response = HttpResponse::parse(&exchange(server.address, request));
    assert_eq!(response.status(), 200);
    assert_eq!(response.text(), "hello, 你好", "exactly CONTENT_LENGTH bytes, not a byte more");
    assert_eq!(response.header("Content-Type"), Some("text/plain"));

    // A body sent in pieces, after the head, is waited for.
    let mut stream = connect(server.address);
    stream.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    stream.write_all(b"def").unwrap();
    assert_eq!(HttpResponse::parse(&read_until_closed(&mut stream)).text(), "abcdef");

    assert_eq!(get(server.address, "/echo").status(), 405, "echo wants POST");
}

#[test]
fn the_same_application_runs_on_both_servers() {
    fn hello(environ: &mut Environ, start_response: &mut StartResponse) -> Body {
        start_response.call("200 OK", [("Content-Type", "text/plain; charset=utf-8")]);
        Body::from(format!(
            "hello, {}; multithread = {}\n",
            environ.path_info(),
            environ.multithread
        ))
    }
    let single = serve(hello, None);
    let pooled = serve(hello, Some(4));
    assert_eq!(get(single.address, "/a").text(), "hello, /a; multithread = false\n");
    assert_eq!(get(pooled.address, "/a").text(), "hello, /a; multithread = true\n");
    // And the demo application, unchanged, on both.
    let single = serve(Validator::new(demo_app), None);
    let pooled = serve(Validator::new(demo_app), Some(4));
    for path in ["/", "/sleep?ms=5", "/nowhere"] {
        let (one, many) = (get(single.address, path), get(pooled.address, path));
        assert_eq!((one.status(), one.body), (many.status(), many.body), "{path}");
    }
}

#[test]
fn no_header_bytes_before_the_first_non_empty_chunk() {
    // Empty chunks, then a panic: if the server had sent the head already, the client would
    // see "200 OK". It must see a clean 500 instead.
    let app =
        |_: &mut Environ, start_response: &mut StartResponse| {
            start_response.call("200 OK", [("Content-Type", "text/plain")]);
            let chunks = [Vec::new(), Vec::new(), b"never sent".to_vec()].into_iter().enumerate();
            Body::from_chunks(chunks.map(|(i, chunk)| {
                if i == 2 { panic!("failed while making the body") } else { chunk }
            }))
        };
    let server = serve(app, Some(1));
    let response = get(server.address, "/");
    assert_eq!(response.status(), 500);

    // Empty chunks before real ones are simply skipped.
    let app = |_: &mut Environ, start_response: &mut StartResponse| {
        start_response.call("200 OK", [("Content-Type", "text/plain")]);
        Body::from_chunks([Vec::new(), b"x".to_vec(), Vec::new(), b"y".to_vec()])
    };
    let server = serve(app, Some(1));
    assert_eq!(get(server.address, "/").text(), "xy");
}

#[test]
fn a_body_without_content_length_is_framed_by_close() {
    let app = |_: &mut Environ, start_response: &mut StartResponse| {
        start_response.call("200 OK", [("Content-Type", "text/plain")]);
        Body::from_chunks((1..=3).map(|i| format!("chunk {i}\n").into_bytes()))
    };
    let server = serve(app, Some(2));
    let response = get(server.address, "/");
    assert_eq!(response.header("Content-Length"), None);
    assert_eq!(response.header("Connection"), Some("close"));
    assert_eq!(response.text(), "chunk 1\nchunk 2\nchunk 3\n");
}

#[test]
fn a_panicking_application_gets_500_and_the_server_goes_on() {
    let app = |environ: &mut Environ, start_response: &mut StartResponse| match environ.path_info()
    {
        "/panic" => panic!("the application fails on purpose"),
        "/silent" => Body::from("forgot to call start_response"),
        "/bad-header" => {
            start_response.call("200 OK", [("X-Evil", "a\r\nSet-Cookie: stolen=1")]);
            Body::empty()
        }
        "/cut" => {
            start_response
                .call("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "100")]);
            let mut chunks = 0;
            Body::from_chunks(std::iter::from_fn(move || {
                chunks += 1;
                assert!(chunks < 3, "failed halfway through the body");
                Some(b"part ".to_vec())
            }))
        }
        _ => {
            start_response.call("200 OK", [("Content-Type", "text/plain")]);
            Body::from("fine")
        }
    };
    // One worker: if any failure killed it, the next request would never be answered.
    let server = serve(app, Some(1));
    for path in ["/panic", "/silent", "/bad-header"] {
        let response = get(server.address, path);
        assert_eq!(response.status(), 500, "{path}");
        assert!(response.header("Set-Cookie").is_none());
        assert_eq!(get(server.address, "/").text(), "fine", "after {path}");
    }
    // Headers already sent: the connection is closed early, and the client can tell the body
    // is short of its Content-Length.
    let cut = get(server.address, "/cut");
    assert_eq!(cut.header("Content-Length"), Some("100"));
    assert_eq!(cut.text(), "part part ");
    assert_eq!(get(server.address, "/").text(), "fine");
}

#[test]
fn request_bodies_the_server_cannot_take_are_refused() {
    let server = serve(Validator::new(demo_app), Some(1));
    for (request, status) in [
        (&b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"[..], 400),
        (
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            400,
        ),
        (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n", 413),
        (b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
    ] {
        assert_eq!(HttpResponse::parse(&exchange(server.address, request)).status(), status);
    }
    assert_eq!(get(server.address, "/sleep?ms=0").text(), "slept 0 ms\n");
}

#[test]
fn one_request_path_serves_chapter_4_too_chunked_bodies_and_100_continue_included() {
    // Chapter 4's gateway closes after every answer, but it hands each request to the same
    // `exchange` as chapter 5's: a chunked body reaches the application decoded, and a
    // client that waits for `100 Continue` gets it before it sends its body.
    let server = serve(Validator::new(demo_app), Some(1));
    let chunked = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
                    5\r\nhello\r\n7\r\n, 4 you\r\n0\r\n\r\n";
    let response = HttpResponse::parse(&exchange(server.address, chunked));
    assert_eq!((response.status(), response.text().as_str()), (200, "hello, 4 you"));
    assert_eq!(response.header("Connection"), Some("close"));

    let mut client = common::connect(server.address);
    let head =
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n";
    client.write_all(head).unwrap();
    let mut interim = [0; 25];
    client.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    client.write_all(b"ok").unwrap();
    let response = HttpResponse::parse(&common::read_until_closed(&mut client));
    assert_eq!((response.status(), response.text().as_str()), (200, "ok"));
}

#[test]
fn a_whole_wsgi_response_byte_for_byte() {
    let app = |_: &mut Environ, start_response: &mut StartResponse| {
        start_response.call(
            "201 Created",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "6")],
        );
        Body::from("你好")
    };
    let server = serve(app, None);
    let received = exchange(server.address, b"PUT /thing HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
    let expected = format!(
        "HTTP/1.1 201 Created\r\n\
         Date: {FIXED_DATE}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: 6\r\n\
         Connection: close\r\n\
         \r\n\
         你好"
    );
    assert_eq!(String::from_utf8(received).unwrap(), expected);
}

#[test]
fn the_binary_serves_the_demo_application() {
    let binary = common::Binary::start(env!("CARGO_BIN_EXE_04-wsgi"), &["--threads", "2"]);
    assert_eq!(binary.first_line, format!("listening on http://{}/\n", binary.address));
    let home = get(binary.address, "/");
    assert_eq!(home.status(), 200);
    assert!(home.text().contains("/environ"));
    let mut stream = TcpStream::connect(binary.address).unwrap();
    stream.write_all(b"POST /echo HTTP/1.0\r\nContent-Length: 4\r\n\r\nping").unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    assert_eq!(HttpResponse::parse(&reply).text(), "ping");
}

/// `/hello` is the page benchmarks ask of every server (chapter 7's figures), so it must be
/// exactly the 40 bytes hyper's hello world sends.
#[test]
fn the_hello_page_is_the_benchmarks_forty_bytes() {
    let mut environ = Environ::for_request("GET", "/hello");
    let mut start_response = StartResponse::default();
    let body: Vec<u8> = demo_app(&mut environ, &mut start_response).flatten().collect();
    assert_eq!(String::from_utf8(body).unwrap(), "<html><body>Hello, World!</body></html>\n");
    assert_eq!(start_response.header("content-length"), Some("40"));
    assert_eq!(start_response.header("content-type"), Some("text/html"));
}
