//! Chapter 5's exercises: the framing rules of a persistent connection, checked byte by byte
//! and decision by decision. Run them with `cargo exercise 5`; one exercise alone with
//! `cargo exercise 5 keep_alive`.

mod support;

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
    use super::support::{describe, request};
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
