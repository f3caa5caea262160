//! Chapter 5's exercises: the framing rules of a persistent connection, checked byte by byte
//! and decision by decision, and a middleware served by the chapter's server. Run them with
//! `cargo exercise 5`; one exercise alone with `cargo exercise 5 keep_alive`.

mod support;

use socket_to_wsgi::http::{Headers, Version};

/// What the exercises look at in a request head: its version and its header lines.
struct Head {
    version: Version,
    headers: Headers,
}

/// A request head with these header lines, in this order.
fn request(version: Version, headers: &[(&str, &str)]) -> Head {
    Head { version, headers: headers.iter().copied().collect() }
}

/// The request as it looks on the wire, for messages: `HTTP/1.1 with Connection: close`.
fn describe(request: &Head) -> String {
    let fields: Vec<String> =
        request.headers.iter().map(|(name, value)| format!("`{name}: {value}`")).collect();
    match fields.as_slice() {
        [] => format!("{} with no headers", request.version),
        _ => format!("{} with {}", request.version, fields.join(" and ")),
    }
}

mod chunked_body {
    use super::support::text;
    use exercises::ch5::chunked_body::write_chunked;
    use pretty_assertions::assert_eq;
    use socket_to_wsgi::http::ChunkedReader;
    use socket_to_wsgi::wsgi::Body;
    use std::io::{self, Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn body(chunks: &[&[u8]]) -> Body {
        Body::from_chunks(chunks.iter().map(|chunk| chunk.to_vec()).collect::<Vec<_>>())
    }

    /// What `write_chunked` wrote for `chunks`, as text.
    fn encoded(chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        write_chunked(&mut out, body(chunks)).expect("writing to a Vec cannot fail");
        text(&out)
    }

    #[test]
    fn chunked_body_frames_each_chunk_then_the_last() {
        assert_eq!(
            encoded(&[b"hello", b", world"]),
            "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n",
            "each chunk: size in hex, CRLF, the bytes, CRLF; then the last chunk 0 CRLF CRLF"
        );
    }

    #[test]
    fn chunked_body_sizes_are_hexadecimal() {
        let long = [b'x'; 256];
        let wire = encoded(&[&long]);
        assert!(
            wire.starts_with("100\r\nxxx"),
            "256 bytes is 100 in hexadecimal, not 256; the chunk starts {:?}",
            &wire[..wire.len().min(12)]
        );
        let wire = encoded(&[b"0123456789abcdefXY"]);
        assert_eq!(wire, "12\r\n0123456789abcdefXY\r\n0\r\n\r\n", "18 bytes is 12 in hexadecimal");
    }

    #[test]
    fn chunked_body_skips_empty_chunks() {
        assert_eq!(
            encoded(&[b"", b"abc", b"", b"d"]),
            "3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n",
            "an empty chunk would be 0\\r\\n\\r\\n, which says the body has ended"
        );
        assert_eq!(encoded(&[]), "0\r\n\r\n", "an empty body is the last chunk alone");
    }

    #[test]
    fn chunked_body_decodes_to_the_same_bytes() {
        // Binary data, a CRLF inside a chunk, and sizes from 1 to 300 bytes.
        let chunks: Vec<Vec<u8>> = (1..=300_usize)
            .step_by(37)
            .map(|size| (0..size).map(|i| (i * 7 % 256) as u8).collect())
            .chain([b"line\r\nbreak".to_vec(), "你好".as_bytes().to_vec()])
            .collect();
        let mut wire = Vec::new();
        write_chunked(&mut wire, Body::from_chunks(chunks.clone())).unwrap();
        wire.extend_from_slice(b"GET /next HTTP/1.1\r\n");

        let mut rest = &wire[..];
        let mut reader = ChunkedReader::new(&mut rest, u64::MAX);
        let mut decoded = Vec::new();
        if let Err(error) = reader.read_to_end(&mut decoded) {
            panic!("the library's ChunkedReader could not decode what you wrote: {error}");
        }
        assert!(reader.is_finished(), "the body must end with the last chunk, 0\\r\\n\\r\\n");
        assert!(decoded == chunks.concat(), "the decoded body differs from the chunks sent");
        assert_eq!(
            text(rest),
            "GET /next HTTP/1.1\r\n",
            "after the body, the next request on the connection must be left as it is"
        );
    }

    /// A client that has gone away: every write fails.
    struct Gone;

    impl Write for Gone {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn chunked_body_stops_at_the_first_write_error() {
        let taken = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&taken);
        let chunks = (0..1000).map(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            b"expensive chunk".to_vec()
        });
        let result = write_chunked(&mut Gone, Body::from_chunks(chunks));
        assert_eq!(
            result.map_err(|error| error.kind()),
            Err(io::ErrorKind::BrokenPipe),
            "the writer's error must be returned"
        );
        assert_eq!(
            taken.load(Ordering::SeqCst),
            1,
            "chunks taken from the body: once the client is gone, making more is wasted work"
        );
    }
}

mod keep_alive {
    use super::{describe, request};
    use exercises::ch5::keep_alive::keep_alive;
    use socket_to_wsgi::http::Version::{self, Http10, Http11};

    /// Checks one case and says which when it fails.
    #[track_caller]
    fn expect(version: Version, headers: &[(&str, &str)], open: bool) {
        let request = request(version, headers);
        let answer = keep_alive(request.version, &request.headers);
        assert!(
            answer == open,
            "keep_alive for {}: expected {open} ({}), got {answer}",
            describe(&request),
            if open { "keep it open" } else { "close it" }
        );
    }

    #[test]
    fn keep_alive_follows_the_version_by_default() {
        expect(Http11, &[], true);
        expect(Http10, &[], false);
        expect(Http11, &[("Host", "example.com")], true);
    }

    #[test]
    fn keep_alive_closes_on_close_in_any_case() {
        expect(Http11, &[("Connection", "close")], false);
        expect(Http11, &[("Connection", "Close")], false);
        expect(Http11, &[("connection", "CLOSE")], false);
    }

    #[test]
    fn keep_alive_reads_the_header_as_a_list() {
        expect(Http11, &[("Connection", "Upgrade, close")], false);
        expect(Http11, &[("Connection", "close,Upgrade")], false);
        expect(Http11, &[("Connection", " , close ")], false);
        expect(Http11, &[("Connection", "Upgrade"), ("Connection", "close")], false);
        expect(Http11, &[("Connection", "Upgrade"), ("Connection", "Keep-Alive")], true);
    }

    #[test]
    fn keep_alive_compares_whole_options() {
        expect(Http11, &[("Connection", "closed")], true);
        expect(Http11, &[("Connection", "x-close-notify, keep-alive")], true);
        expect(Http10, &[("Connection", "keep-alive-please")], false);
        expect(Http11, &[("X-Connection", "close")], true);
    }

    #[test]
    fn keep_alive_lets_http_1_0_ask_for_it() {
        expect(Http10, &[("Connection", "keep-alive")], true);
        expect(Http10, &[("Connection", "Keep-Alive")], true);
        expect(Http10, &[("Connection", "TE, Keep-Alive")], true);
        expect(Http10, &[("Connection", "keep-alive, close")], false);
        expect(Http10, &[("Connection", "Keep-Alive"), ("Connection", "close")], false);
    }
}

mod access_log {
    use super::support::{self, Server, connect, read_until_closed, text};
    use exercises::ch5::access_log::AccessLog;
    use pretty_assertions::assert_eq;
    use socket_to_wsgi::http::Config;
    use socket_to_wsgi::reactor::{ReactorConfig, serve_with_reactor};
    use socket_to_wsgi::wsgi::{Application, Body, Environ, Gateway, StartResponse};
    use std::io::{self, Write};
    use std::num::NonZeroUsize;
    use std::sync::{Arc, Mutex};

    /// A `wsgi.errors` whose lines the test can read afterwards.
    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);

    impl Log {
        fn text(&self) -> String {
            text(&self.0.lock().unwrap())
        }
    }

    impl Write for Log {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Answers 201 on `/make`, 404 on any other path, with a body of two chunks.
    fn app(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        let status = if environ.path_info() == "/make" { "201 Created" } else { "404 Not Found" };
        let headers = [("Content-Type", "text/plain"), ("Content-Length", "8"), ("X-App", "inner")];
        start_response.call(status, headers);
        Body::from_chunks([b"one ".to_vec(), b"two\n".to_vec()])
    }

    /// What the application chose: status, headers, body.
    type Answer = (Option<String>, Vec<(String, String)>, String);

    /// Calls `app` directly with `environ`, its errors going to `log`.
    fn call(app: &impl Application, mut environ: Environ<'static>, log: &Log) -> Answer {
        environ.errors = Box::new(log.clone());
        let mut start_response = StartResponse::default();
        let body: Vec<u8> = app.invoke(&mut environ, &mut start_response).flatten().collect();
        (
            start_response.status().map(str::to_string),
            start_response.headers().to_vec(),
            text(&body),
        )
    }

    #[test]
    fn access_log_writes_one_line_per_request() {
        let log = Log::default();
        let logged = AccessLog::new(app);
        call(&logged, Environ::for_request("POST", "/make"), &log);
        call(&logged, Environ::for_request("GET", "/missing"), &log);
        assert_eq!(log.text(), "POST /make 201\nGET /missing 404\n");
    }

    #[test]
    fn access_log_rebuilds_the_whole_path() {
        let log = Log::default();
        let mut environ = Environ::for_request("GET", "/make?name=Ada&lang=Rust");
        environ.set("SCRIPT_NAME", "/app");
        call(&AccessLog::new(app), environ, &log);
        assert_eq!(
            log.text(),
            "GET /app/make?name=Ada&lang=Rust 201\n",
            "SCRIPT_NAME, PATH_INFO, then ? and QUERY_STRING"
        );
    }

    #[test]
    fn access_log_leaves_the_response_alone() {
        for target in ["/make", "/missing"] {
            let unlogged = call(&app, Environ::for_request("GET", target), &Log::default());
            let logged =
                call(&AccessLog::new(app), Environ::for_request("GET", target), &Log::default());
            assert_eq!(logged, unlogged, "status, headers and body, with and without the log");
        }
    }

    #[test]
    fn access_log_says_when_start_response_was_not_called() {
        let silent = |_: &mut Environ<'_>, _: &mut StartResponse| Body::empty();
        let log = Log::default();
        let answer = call(&AccessLog::new(silent), Environ::for_request("GET", "/quiet"), &log);
        assert_eq!(log.text(), "GET /quiet -\n");
        assert_eq!(answer.0, None, "the middleware must not call start_response itself");
    }

    /// A log that cannot be written: a full disk, a closed pipe.
    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("no space left on the log's device"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::other("no space left on the log's device"))
        }
    }

    #[test]
    fn access_log_survives_a_broken_log() {
        let mut environ = Environ::for_request("POST", "/make");
        environ.errors = Box::new(Broken);
        let mut start_response = StartResponse::default();
        let body: Vec<u8> =
            AccessLog::new(app).invoke(&mut environ, &mut start_response).flatten().collect();
        assert_eq!(
            (start_response.status(), text(&body).as_str()),
            (Some("201 Created"), "one two\n"),
            "the client gets its response even when the log cannot be written"
        );
    }

    #[test]
    fn access_log_runs_on_a_persistent_connection() {
        // The chapter's server: the gateway on the reactor. The middleware's lines go to
        // the server's stderr (its wsgi.errors); the gateway's own access log is off.
        let config = Config { access_log: false, ..Config::default() };
        let gateway = Gateway::new(AccessLog::new(app), config).multithreaded(true);
        let server = Server::start(move |listener, shutdown| {
            let threads = NonZeroUsize::new(2).unwrap();
            serve_with_reactor(listener, &shutdown, threads, ReactorConfig::default(), move |c| {
                gateway.serve_ready(c)
            });
        });
        let mut stream = connect(server.address);
        stream
            .write_all(
                b"GET /make HTTP/1.1\r\nHost: test\r\n\r\n\
                  GET /other HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
            )
            .unwrap();
        let answer = text(&read_until_closed(&stream));
        support::expect_some_answer(answer.as_bytes());
        let statuses: Vec<&str> =
            answer.lines().filter(|line| line.starts_with("HTTP/1.1 ")).collect();
        assert_eq!(
            statuses,
            ["HTTP/1.1 201 Created", "HTTP/1.1 404 Not Found"],
            "two requests on one connection, two answers; the whole answer was:\n{answer}"
        );
        assert_eq!(answer.matches("one two\n").count(), 2, "both bodies:\n{answer}");
    }
}

mod body_framing {
    use super::{describe, request};
    use exercises::ch5::body_framing::body_framing;
    use socket_to_wsgi::http::BodyFraming::{self, Chunked, Length};
    use socket_to_wsgi::http::Version::{self, Http10, Http11};

    /// Checks one case and says which when it fails; an error is compared by its code.
    #[track_caller]
    fn expect(version: Version, headers: &[(&str, &str)], expected: Result<BodyFraming, u16>) {
        let request = request(version, headers);
        let answer = body_framing(request.version, &request.headers).map_err(|status| status.code);
        assert!(
            answer == expected,
            "body_framing for {}:\n  expected {}\n       got {}",
            describe(&request),
            shown(expected),
            shown(answer)
        );
    }

    fn shown(result: Result<BodyFraming, u16>) -> String {
        match result {
            Ok(framing) => format!("Ok(BodyFraming::{framing:?})"),
            Err(code) => format!("Err({code}), the status {code}"),
        }
    }

    #[test]
    fn body_framing_without_a_body() {
        expect(Http11, &[], Ok(BodyFraming::None));
        expect(Http10, &[("Host", "example.com")], Ok(BodyFraming::None));
        expect(Http11, &[("Content-Length", "0")], Ok(BodyFraming::None));
    }

    #[test]
    fn body_framing_by_length() {
        expect(Http11, &[("Content-Length", "42")], Ok(Length(42)));
        expect(Http10, &[("content-length", "7")], Ok(Length(7)));
        expect(Http11, &[("Content-Length", "42, 42")], Ok(Length(42)));
        expect(Http11, &[("Content-Length", "42"), ("Content-Length", "42")], Ok(Length(42)));
        expect(Http11, &[("Content-Length", "18446744073709551615")], Ok(Length(u64::MAX)));
    }

    #[test]
    fn body_framing_by_chunks() {
        expect(Http11, &[("Transfer-Encoding", "chunked")], Ok(Chunked));
        expect(Http11, &[("transfer-encoding", "Chunked")], Ok(Chunked));
    }

    #[test]
    fn body_framing_refuses_two_framings_at_once() {
        let both = [("Content-Length", "3"), ("Transfer-Encoding", "chunked")];
        expect(Http11, &both, Err(400));
        expect(Http11, &[both[1], both[0]], Err(400));
        expect(Http11, &[("Content-Length", "0"), ("Transfer-Encoding", "chunked")], Err(400));
        expect(Http11, &[("Content-Length", "3"), ("Transfer-Encoding", "")], Err(400));
    }

    #[test]
    fn body_framing_refuses_lengths_that_disagree() {
        expect(Http11, &[("Content-Length", "3"), ("Content-Length", "4")], Err(400));
        expect(Http11, &[("Content-Length", "3, 4")], Err(400));
    }

    #[test]
    fn body_framing_refuses_lengths_that_are_not_digits() {
        for value in ["+3", "-1", "0x10", "3.0", "1 2", "", " ", "ten", "18446744073709551616"] {
            expect(Http11, &[("Content-Length", value)], Err(400));
        }
    }

    #[test]
    fn body_framing_refuses_codings_it_cannot_end() {
        expect(Http10, &[("Transfer-Encoding", "chunked")], Err(400));
        expect(Http11, &[("Transfer-Encoding", "chunked, gzip")], Err(400));
        expect(Http11, &[("Transfer-Encoding", "gzip")], Err(400));
        expect(
            Http11,
            &[("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "gzip")],
            Err(400),
        );
        expect(Http11, &[("Transfer-Encoding", "")], Err(400));
        expect(Http11, &[("Transfer-Encoding", "chunkedx")], Err(400));
    }

    #[test]
    fn body_framing_does_not_implement_other_codings() {
        expect(Http11, &[("Transfer-Encoding", "gzip, chunked")], Err(501));
        expect(
            Http11,
            &[("Transfer-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
            Err(501),
        );
    }
}
