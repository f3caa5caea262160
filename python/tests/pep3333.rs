//! Chapter 9: PEP 3333 from the Python side, with `apps/probe.py`: environ, wsgi.input,
//! start_response and exc_info, write(), streamed bodies, close(), and failures. Every test
//! runs twice: plain, and with the application inside `wsgiref.validate.validator`.

mod support;

use std::io::Write;

use pretty_assertions::assert_eq;
use support::{Client, Server, plain_and_validated};

const PROBE: &str = "probe:application";

fn marks(server: &Server) -> String {
    server.get("/marks").text()
}

#[test]
fn environ_is_a_dict_of_native_strings_and_the_wsgi_objects() {
    plain_and_validated(&[PROBE], |server, validated| {
        let seen = server.get("/environ-types?q=%E4%BD%A0").text();
        for line in [
            "CONTENT_LENGTH=str",
            "PATH_INFO=str",
            "QUERY_STRING=str",
            "REMOTE_ADDR=str",
            "SERVER_PORT=str",
            "wsgi.file_wrapper=type",
            "wsgi.multithread=bool",
            "wsgi.version=tuple",
        ] {
            assert!(seen.lines().any(|got| got == line), "no {line} in\n{seen}");
        }
        let (input, errors) = match validated {
            false => ("wsgi.input=WsgiInput", "wsgi.errors=TextIOWrapper"),
            true => ("wsgi.input=InputWrapper", "wsgi.errors=ErrorWrapper"),
        };
        assert!(seen.contains(input) && seen.contains(errors), "{seen}");
    });
}

#[test]
fn the_path_is_decoded_bytes_carried_as_latin_1() {
    let server = Server::start(&["article:application"]);
    assert_eq!(server.get("/caf%C3%A9").text(), "404: nothing at /cafÃ©\n");
}

#[test]
fn wsgi_input_reads_the_body_in_pieces_and_never_past_content_length() {
    plain_and_validated(&[PROBE], |server, _| {
        let echoed = server.request("POST", "/echo", "", "hello, 你好");
        assert_eq!(echoed.text(), "hello, 你好");
        assert_eq!(echoed.header("X-Content-Length"), Some("13"));
        // Asked for a million bytes, the application gets the five of the body, then
        // nothing; the pipelined request after them is the server's, and is answered.
        let mut client = Client::connect(server.address);
        client.send(
            b"POST /read-past HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcdeGET /one-chunk HTTP/1.1\r\nHost: t\r\n\r\n",
        );
        assert_eq!(client.response().text(), "[b'abcde', b'']");
        assert_eq!(client.response().text(), "one chunk, so a Content-Length");
    });
}

#[test]
fn a_chunked_request_body_arrives_de_chunked() {
    plain_and_validated(&[PROBE], |server, _| {
        let mut client = Client::connect(server.address);
        client.send(
            b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
              6\r\nhello,\r\n7\r\n chunks\r\n0\r\n\r\n",
        );
        let echoed = client.response();
        assert_eq!(echoed.text(), "hello, chunks");
        assert_eq!(echoed.header("X-Content-Length"), Some("none"));
        assert_eq!(echoed.header("X-Input-Terminated"), Some("True"));
        let measured = client.post("/echo", b"sized");
        assert_eq!(measured.header("X-Input-Terminated"), Some("None"));
    });
}

#[test]
fn readline_readlines_and_iteration_split_the_body_into_lines() {
    plain_and_validated(&[PROBE], |server, _| {
        let body = "first line\nsecond\nthird\nlast, no newline";
        let lines = server.request("POST", "/lines", "", body).text();
        assert_eq!(
            lines,
            "[b'first line\\n', b'se', [b'cond\\n', b'third\\n', b'last, no newline']]"
        );
        let iterated = server.request("POST", "/iterate", "", "a\nb\n").text();
        assert_eq!(iterated, "[b'a\\n', b'b\\n']");
    });
}

#[test]
fn write_sends_its_bytes_before_the_returned_body() {
    plain_and_validated(&[PROBE], |server, _| {
        assert_eq!(server.get("/write").text(), "written, then returned");
    });
}

#[test]
fn an_exception_after_write_sends_what_was_written_and_cuts_the_connection() {
    plain_and_validated(&[PROBE], |server, _| {
        let raw = server.exchange("GET /write-then-fail HTTP/1.1\r\nHost: t\r\n\r\n");
        let raw = String::from_utf8_lossy(&raw);
        assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "write() committed the status: {raw}");
        assert!(raw.ends_with("\r\nwritten before the failure\r\n"), "then a cut: {raw:?}");
        let log = server.stderr_once_it_has("after write() on purpose");
        assert!(log.contains("RuntimeError: the probe fails after write() on purpose"), "{log}");
    });
}

#[test]
fn exc_info_replaces_the_response_before_anything_was_sent() {
    plain_and_validated(&[PROBE], |server, _| {
        let replaced = server.get("/replace");
        assert_eq!(replaced.status_line, "HTTP/1.1 503 Service Unavailable");
        assert_eq!(replaced.text(), "replaced by the error page");
    });
}

#[test]
fn exc_info_after_the_first_chunk_re_raises_and_the_connection_is_cut() {
    plain_and_validated(&[PROBE], |server, _| {
        // Read to the close: the server ends the connection itself, mid-body.
        let raw = server.exchange("GET /reraise HTTP/1.1\r\nHost: t\r\n\r\n");
        let raw = String::from_utf8_lossy(&raw);
        assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
        assert!(raw.ends_with("\r\nfirst chunk\r\n"), "no last chunk after the first: {raw:?}");
        assert_eq!(marks(server), "re-raised");
        let log = server.stderr_once_it_has("found a problem after the first chunk");
        assert!(log.contains("ValueError: found a problem after the first chunk"), "{log}");
    });
}

#[test]
fn a_second_start_response_without_exc_info_raises() {
    plain_and_validated(&[PROBE], |server, _| {
        let page = server.get("/twice");
        assert_eq!(page.status(), 200);
        assert_eq!(page.text(), "second call refused: RuntimeError");
    });
}

#[test]
fn a_generator_may_call_start_response_in_its_first_iteration() {
    plain_and_validated(&[PROBE], |server, _| {
        let page = server.get("/generator");
        assert_eq!(page.status_line, "HTTP/1.1 201 Created");
        assert_eq!(page.header("X-Started"), Some("in-first-iteration"));
        let mut client = Client::connect(server.address);
        let streamed = client.get("/generator");
        assert_eq!(streamed.header("Transfer-Encoding"), Some("chunked"));
        assert_eq!(streamed.text(), "made lazily");
    });
}

#[test]
fn one_chunk_gets_a_content_length_and_more_are_chunked() {
    let server = Server::start(&[PROBE]);
    let mut client = Client::connect(server.address);
    let one = client.get("/one-chunk");
    assert_eq!(one.header("Content-Length"), Some("30"));
    assert_eq!(one.header("Transfer-Encoding"), None);
    let many = client.get("/many-chunks");
    assert_eq!(many.header("Content-Length"), None);
    assert_eq!(many.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(many.text(), "two chunks, so chunked");
    client.send(b"HEAD /many-chunks HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(client.response_to_head().status(), 200);
    assert_eq!(client.get("/one-chunk").status(), 200, "HEAD left the connection usable");
}

#[test]
fn close_is_called_after_success_failure_and_a_client_that_left() {
    plain_and_validated(&[PROBE], |server, _| {
        assert_eq!(server.get("/close").text(), "xxxxx");
        assert_eq!(marks(server), "closed after-success");
        // Three chunks of five, announced as five: one is sent, and the iterable closed.
        assert_eq!(server.get("/close-sized").text(), "xxxxx");
        assert_eq!(marks(server), "closed after-its-length");

        let mut client = Client::connect(server.address);
        client.send(b"GET /fail-in-body HTTP/1.1\r\nHost: t\r\n\r\n");
        assert!(client.try_response(false).is_err(), "a body that raised is cut short");
        assert_eq!(marks(server), "closed after-failure");

        // 8 MB the client will not read: it reads the head and leaves.
        let mut leaving = Client::connect(server.address);
        leaving.send(b"GET /long-body HTTP/1.1\r\nHost: t\r\n\r\n");
        leaving.fill();
        drop(leaving);
        server.stderr_once_it_has("the client left");
        assert_eq!(marks(server), "closed after-client-left");
    });
}

#[test]
fn an_exception_is_a_500_with_the_traceback_on_stderr_and_the_server_goes_on() {
    let server = Server::start(&[PROBE]);
    let mut client = Client::connect(server.address);
    let failed = client.get("/fail");
    assert_eq!(failed.status_line, "HTTP/1.1 500 Internal Server Error");
    assert!(failed.text().contains("traceback"), "{}", failed.text());
    let log = server.stderr_once_it_has("KeyError");
    assert!(log.contains("Traceback (most recent call last)"), "{log}");
    assert!(log.contains("KeyError: 'the probe fails on purpose'"), "{log}");
    assert_eq!(client.get("/one-chunk").status(), 200, "the same connection goes on");
    let not_started = client.get("/no-start");
    assert_eq!(not_started.status(), 500);
    let log = server.stderr_once_it_has("without calling start_response");
    assert!(log.contains("without calling start_response"), "{log}");
}

#[test]
fn file_wrapper_sends_the_file_in_blocks_and_closes_it() {
    plain_and_validated(&[PROBE], |server, _| {
        assert_eq!(server.get("/file").text(), "from a file, ".repeat(3));
    });
}

#[test]
fn a_client_that_leaves_mid_request_body_never_reaches_the_application() {
    // Bodies are gathered before the application runs (chapter 7): half a body is never
    // handed to Python, and the only worker is free for the next client.
    let server = Server::start(&[PROBE, "--threads", "1"]);
    let mut leaving = Client::connect(server.address);
    leaving.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly part");
    leaving.stream.flush().unwrap();
    drop(leaving);
    assert_eq!(server.request("POST", "/echo", "", "whole").text(), "whole");
    assert_eq!(marks(&server), "echoed 5 bytes", "only the whole body reached the application");
}

#[test]
fn the_pool_starts_with_one_worker_and_grows_while_python_waits() {
    // `/crowd` waits, in Python with the GIL released, until six requests are there at once.
    // The default pool starts with one worker, so only its growing lets the other five in.
    let server = Server::start(&[PROBE, "--quiet"]);
    let address = server.address;
    let crowd: Vec<_> = (0..6)
        .map(|_| std::thread::spawn(move || Client::connect(address).get("/crowd")))
        .collect();
    for member in crowd {
        assert_eq!(member.join().unwrap().text(), "crowded", "{}", server.stderr());
    }
}

#[test]
fn two_workers_run_python_at_once_while_one_waits() {
    // `/meet` waits, in Python, for a second request: it can only come if the waiting worker
    // let go of the GIL and the other worker took it. Without that, both time out with 500s.
    let server = Server::start(&[PROBE, "--threads", "2"]);
    let address = server.address;
    let meetings: Vec<_> =
        (0..2).map(|_| std::thread::spawn(move || Client::connect(address).get("/meet"))).collect();
    for meeting in meetings {
        assert_eq!(meeting.join().unwrap().text(), "met");
    }
}
