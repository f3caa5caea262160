//! Chapter 9's exercises: `wsgi.input`'s `readline`, and the rules of `start_response` with
//! `exc_info`. Run them with `cargo exercise 9`; one alone with `cargo exercise 9 read_line`.

mod read_line {
    use exercises::ch9::read_line::read_line;
    use pretty_assertions::assert_eq;
    use std::io::{self, BufReader, Read};

    /// A body that arrives three bytes at a time, as a slow socket would deliver it.
    fn body(bytes: &'static [u8]) -> BufReader<&'static [u8]> {
        BufReader::with_capacity(3, bytes)
    }

    fn rest(mut body: impl Read) -> Vec<u8> {
        let mut rest = Vec::new();
        body.read_to_end(&mut rest).unwrap();
        rest
    }

    #[test]
    fn lines_come_one_at_a_time_with_their_newline() {
        let mut body = body(b"first line\nsecond\n");
        assert_eq!(read_line(&mut body, None).unwrap(), b"first line\n");
        assert_eq!(read_line(&mut body, None).unwrap(), b"second\n");
        assert_eq!(read_line(&mut body, None).unwrap(), b"");
        assert_eq!(read_line(&mut body, None).unwrap(), b"", "and empty for ever after");
    }

    #[test]
    fn nothing_past_the_line_is_read() {
        let mut body = body(b"one\nGET /next HTTP/1.1\r\n");
        assert_eq!(read_line(&mut body, None).unwrap(), b"one\n");
        assert_eq!(rest(body), b"GET /next HTTP/1.1\r\n");
    }

    #[test]
    fn the_last_line_may_have_no_newline() {
        let mut body = body(b"a\nno newline");
        assert_eq!(read_line(&mut body, None).unwrap(), b"a\n");
        assert_eq!(read_line(&mut body, None).unwrap(), b"no newline");
        assert_eq!(read_line(&mut body, None).unwrap(), b"");
    }

    #[test]
    fn a_limit_cuts_a_long_line_and_leaves_the_rest() {
        let mut body = body(b"hello, world\nbye\n");
        assert_eq!(read_line(&mut body, Some(5)).unwrap(), b"hello");
        assert_eq!(read_line(&mut body, Some(100)).unwrap(), b", world\n");
        assert_eq!(read_line(&mut body, Some(4)).unwrap(), b"bye\n", "a limit that fits");
        let mut body = BufReader::new(&b"ab\ncd"[..]);
        assert_eq!(read_line(&mut body, Some(0)).unwrap(), b"");
        assert_eq!(rest(body), b"ab\ncd", "a limit of 0 reads nothing");
    }

    /// Fails every read: a client that reset the connection.
    struct Reset;

    impl Read for Reset {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::ConnectionReset.into())
        }
    }

    #[test]
    fn an_error_of_the_body_is_returned() {
        let mut body = BufReader::new(Reset);
        let error = read_line(&mut body, None).expect_err("the body failed");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
    }
}

mod exc_info {
    use exercises::ch9::exc_info::{Chosen, Raised};
    use pretty_assertions::assert_eq;

    const TEXT: &[(&str, &str)] = &[("Content-Type", "text/plain")];

    fn chosen(status: &str, sent: bool) -> Chosen {
        let headers = vec![("Content-Type".to_string(), "text/plain".to_string())];
        Chosen { status: Some(status.to_string()), headers, sent }
    }

    #[test]
    fn the_first_call_records_the_status_and_headers() {
        let mut response = Chosen::default();
        assert_eq!(response.start_response("200 OK", TEXT, None), Ok(()));
        assert_eq!(response, chosen("200 OK", false));
    }

    #[test]
    fn a_second_call_without_exc_info_is_refused_and_changes_nothing() {
        let mut response = chosen("200 OK", false);
        let again = response.start_response("404 Not Found", &[], None);
        assert_eq!(again, Err(Raised::CalledTwice));
        assert_eq!(response, chosen("200 OK", false));
        let mut sent = chosen("200 OK", true);
        assert_eq!(sent.start_response("404 Not Found", &[], None), Err(Raised::CalledTwice));
    }

    #[test]
    fn exc_info_before_the_head_was_sent_replaces_the_response() {
        let mut response = chosen("200 OK", false);
        let replaced = response.start_response("500 Internal Server Error", &[], Some("boom"));
        assert_eq!(replaced, Ok(()));
        assert_eq!(response.status.as_deref(), Some("500 Internal Server Error"));
        assert_eq!(response.headers, Vec::<(String, String)>::new());
        let mut first = Chosen::default();
        assert_eq!(first.start_response("503 Service Unavailable", TEXT, Some("down")), Ok(()));
        assert_eq!(first, chosen("503 Service Unavailable", false), "a first call may have it");
    }

    #[test]
    fn exc_info_after_the_head_was_sent_raises_the_exception_again() {
        let mut response = chosen("200 OK", true);
        let late = response.start_response("500 Internal Server Error", &[], Some("boom"));
        assert_eq!(late, Err(Raised::Again("boom".to_string())));
        assert_eq!(response, chosen("200 OK", true), "the head on its way stays chosen");
    }
}
