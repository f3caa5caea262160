//! Chapter 7's exercises: a middleware served by the chapter's server, and the rules that
//! stop request smuggling, checked decision by decision. Run them with `cargo exercise 7`;
//! one exercise alone with `cargo exercise 7 body_framing`.

mod support;

mod access_log {
    use super::support::{self, Server, connect, read_until_closed, text};
    use exercises::ch7::access_log::AccessLog;
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
        // Chapter 7's server: the gateway on the reactor. The middleware's lines go to the
        // server's stderr (its wsgi.errors); the gateway's own access log is off.
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
    use super::support::{describe, request};
    use exercises::ch7::body_framing::body_framing;
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
