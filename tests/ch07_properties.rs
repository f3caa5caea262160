//! Chapter 7: the parser's properties, for requests made up at random rather than written
//! by hand. However a request's bytes are cut into reads, it is parsed the same way; a
//! mutated request is parsed or refused, never a panic or a server error; chunked bodies
//! decode to what was encoded; pipelined requests keep their order and their boundaries.
//! Each property runs a bounded number of cases; a failure prints the smallest case found.

mod common;

use std::io::{self, BufRead, Read};

use common::keep_alive::*;
use common::{finish_sending, get};
use proptest::prelude::*;
use socket_to_wsgi::http::{
    BodyFraming, ChunkScanner, ChunkedReader, LAST_CHUNK, Limits, Request, RequestBody,
    RequestError, encode_chunk, parse_head, read_request,
};

// ---------------------------------------------------------------------------------------
// Made-up requests
// ---------------------------------------------------------------------------------------

/// A valid request, and what the parser must find in it.
#[derive(Clone, Debug)]
struct Made {
    method: String,
    target: String,
    body: Vec<u8>,
    bytes: Vec<u8>,
}

fn text_from(alphabet: &'static str, length: std::ops::Range<usize>) -> BoxedStrategy<String> {
    let characters: Vec<char> = alphabet.chars().collect();
    prop::collection::vec(prop::sample::select(characters), length)
        .prop_map(|characters| characters.into_iter().collect())
        .boxed()
}

fn made_request() -> impl Strategy<Value = Made> {
    let method = prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "OPTIONS"]);
    let path = text_from("abcxyz019-._~%/", 0..24);
    let query = prop::option::of(text_from("abc019=&%+", 0..16));
    let fields = prop::collection::vec(
        (text_from("abcdefXYZ-", 1..12), text_from("abc xyz\t019;,=\"", 0..24)),
        0..8,
    );
    let body = prop::option::of((
        prop::collection::vec(any::<u8>(), 0..200),
        any::<bool>(),
        prop::collection::vec(1usize..64, 1..6),
    ));
    (method, path, query, any::<bool>(), fields, body).prop_map(
        |(method, path, query, http_1_0, fields, body)| {
            let target = match query {
                Some(query) => format!("/{path}?{query}"),
                None => format!("/{path}"),
            };
            let version = if http_1_0 { "HTTP/1.0" } else { "HTTP/1.1" };
            let mut head = format!("{method} {target} {version}\r\nHost: example.test\r\n");
            for (name, value) in &fields {
                head.push_str(&format!("X-{name}: {}\r\n", value.trim_matches([' ', '\t'])));
            }
            let (body, tail) = match body {
                None => (Vec::new(), Vec::new()),
                Some((body, chunked, sizes)) if chunked && !http_1_0 => {
                    head.push_str("Transfer-Encoding: chunked\r\n");
                    (body.clone(), chunked_wire(&body, &sizes))
                }
                Some((body, _, _)) => {
                    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
                    (body.clone(), body)
                }
            };
            head.push_str("\r\n");
            let bytes = [head.into_bytes(), tail].concat();
            Made { method: method.to_string(), target, body, bytes }
        },
    )
}

/// `body` in chunks of the given sizes (used in turn), then the last chunk.
fn chunked_wire(body: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut rest = body;
    for size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, after) = rest.split_at((*size).min(rest.len()));
        encode_chunk(&mut wire, chunk);
        rest = after;
    }
    wire.extend_from_slice(LAST_CHUNK);
    wire
}

// ---------------------------------------------------------------------------------------
// Bytes that arrive in pieces
// ---------------------------------------------------------------------------------------

/// A reader that hands out its bytes in pieces of the given sizes (used in turn), as a
/// socket would: never more than one piece per read.
struct Pieces<'a> {
    bytes: &'a [u8],
    sizes: Vec<usize>,
    turn: usize,
    /// How many bytes of the current piece are left.
    left: usize,
}

impl<'a> Pieces<'a> {
    fn new(bytes: &'a [u8], sizes: Vec<usize>) -> Pieces<'a> {
        let left = sizes[0].min(bytes.len());
        Pieces { bytes, sizes, turn: 0, left }
    }
}

impl BufRead for Pieces<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.left == 0 && !self.bytes.is_empty() {
            self.turn += 1;
            self.left = self.sizes[self.turn % self.sizes.len()].min(self.bytes.len());
        }
        Ok(&self.bytes[..self.left])
    }

    fn consume(&mut self, amount: usize) {
        self.bytes = &self.bytes[amount..];
        self.left -= amount;
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let amount = available.len().min(buffer.len());
        buffer[..amount].copy_from_slice(&available[..amount]);
        self.consume(amount);
        Ok(amount)
    }
}

/// What parsing a head came to, in a form that can be compared.
#[derive(Debug, PartialEq)]
enum Parsed {
    Head(Request, usize),
    NotYet,
    Refused(Option<u16>),
}

fn parsed(result: Result<Option<(Request, usize)>, RequestError>) -> Parsed {
    match result {
        Ok(Some((request, length))) => Parsed::Head(request, length),
        Ok(None) => Parsed::NotYet,
        Err(error) => Parsed::Refused(error.status().map(|status| status.code)),
    }
}

/// Parses as the reactor does: the bytes so far, again after every piece, until the head is
/// complete or refused.
fn parse_in_pieces(bytes: &[u8], cuts: &[usize], limits: &Limits) -> Parsed {
    let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (bytes.len() + 1)).collect();
    cuts.push(bytes.len());
    cuts.sort_unstable();
    for cut in cuts {
        match parsed(parse_head(&bytes[..cut], limits)) {
            Parsed::NotYet => continue,
            outcome => return outcome,
        }
    }
    Parsed::NotYet
}

/// Reads as the pooled server does: `read_request` over a reader that gives pieces.
fn read_in_pieces(bytes: &[u8], sizes: Vec<usize>, limits: &Limits) -> Parsed {
    let mut reader = Pieces::new(bytes, sizes);
    match read_request(&mut reader, limits) {
        Ok(Some(request)) => Parsed::Head(request, bytes.len() - reader.bytes.len()),
        Ok(None) => Parsed::NotYet,
        Err(RequestError::Io(_)) => Parsed::NotYet,
        Err(error) => Parsed::Refused(error.status().map(|status| status.code)),
    }
}

// ---------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Mutation {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Repeat(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bytes that matter to a parser are tried more often than any byte.
    let byte =
        prop_oneof![any::<u8>(), prop::sample::select(b"\r\n \t:;,=\"\x00\x0c\x7f0aF-".to_vec()),];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, byte)| Mutation::Replace(at, byte)),
        (any::<usize>(), byte).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), 1usize..16).prop_map(|(at, length)| Mutation::Repeat(at, length)),
    ]
}

fn mutate(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let at = |position: usize, bytes: &Vec<u8>| position % (bytes.len() + 1);
    match *mutation {
        Mutation::Replace(position, byte) if !bytes.is_empty() => {
            let position = position % bytes.len();
            bytes[position] = byte;
        }
        Mutation::Insert(position, byte) => bytes.insert(at(position, bytes), byte),
        Mutation::Delete(position) if !bytes.is_empty() => {
            bytes.remove(position % bytes.len());
        }
        Mutation::Repeat(position, length) => {
            let start = at(position, bytes);
            let end = (start + length).min(bytes.len());
            let copy = bytes[start..end].to_vec();
            bytes.splice(start..start, copy);
        }
        _ => {}
    }
}

/// The statuses a request may be refused with: a client error, or the two the RFCs name
/// for what the server does not do (501 for CONNECT or a coding, 505 for a version).
fn is_a_refusal(code: u16) -> bool {
    (400..500).contains(&code) || code == 501 || code == 505
}

/// Parses a head, then reads its body to the end: the whole path a request's bytes take.
fn parse_and_read_body(bytes: &[u8], limits: &Limits) -> Result<(), String> {
    let mut reader = bytes;
    let request = match read_request(&mut reader, limits) {
        Ok(Some(request)) => request,
        Ok(None) | Err(RequestError::Io(_)) => return Ok(()),
        Err(error) => {
            let code = error.status().map(|status| status.code).unwrap_or_default();
            return match is_a_refusal(code) {
                true => Ok(()),
                false => Err(format!("refused with {code}: {error}")),
            };
        }
    };
    let mut body = RequestBody::new(&mut reader, request.body, limits.body);
    let _ = body.read_to_end(&mut Vec::new());
    let _ = body.finish();
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_head_is_parsed_the_same_however_its_bytes_arrive(
        made in made_request(),
        mutations in prop::collection::vec(mutation(), 0..3),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        sizes in prop::collection::vec(1usize..48, 1..8),
    ) {
        let limits = Limits::default();
        let mut bytes = made.bytes.clone();
        for mutation in &mutations {
            mutate(&mut bytes, mutation);
        }
        let at_once = parsed(parse_head(&bytes, &limits));
        prop_assert_eq!(&parse_in_pieces(&bytes, &cuts, &limits), &at_once, "cut at {:?}", cuts);
        let one_byte_at_a_time = read_in_pieces(&bytes, vec![1], &limits);
        prop_assert_eq!(&one_byte_at_a_time, &at_once);
        prop_assert_eq!(&read_in_pieces(&bytes, sizes, &limits), &at_once);
        if mutations.is_empty() {
            let Parsed::Head(request, _) = at_once else {
                return Err(TestCaseError::fail(format!("a valid request was refused: {at_once:?}")));
            };
            prop_assert_eq!((request.method, request.target), (made.method, made.target));
        }
    }

    #[test]
    fn every_split_point_gives_the_same_head(made in made_request()) {
        let limits = Limits::default();
        let at_once = parsed(parse_head(&made.bytes, &limits));
        for split in 0..=made.bytes.len() {
            let (first, second) = made.bytes.split_at(split);
            let in_two = read_in_pieces(&made.bytes, vec![first.len().max(1), second.len().max(1)], &limits);
            prop_assert_eq!(&in_two, &at_once, "split at {}", split);
        }
    }

    #[test]
    fn a_mutated_request_is_parsed_or_refused_never_a_panic(
        made in made_request(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut bytes = made.bytes;
        for mutation in &mutations {
            mutate(&mut bytes, mutation);
        }
        let small = Limits { body: 100, ..small_limits() };
        for limits in [Limits::default(), small] {
            let outcome = parse_and_read_body(&bytes, &limits);
            prop_assert!(outcome.is_ok(), "{:?}: {:?}", String::from_utf8_lossy(&bytes), outcome);
        }
    }

    #[test]
    fn chunks_decode_to_what_was_encoded(
        body in prop::collection::vec(any::<u8>(), 0..600),
        sizes in prop::collection::vec(1usize..100, 1..8),
        reads in prop::collection::vec(1usize..64, 1..8),
    ) {
        let wire = [chunked_wire(&body, &sizes), b"NEXT".to_vec()].concat();
        let mut source = Pieces::new(&wire, reads);
        let mut reader = ChunkedReader::new(&mut source, 1 << 20);
        let mut decoded = Vec::new();
        reader.read_to_end(&mut decoded).expect("a well-formed chunked body");
        prop_assert!(reader.is_finished());
        prop_assert_eq!(decoded, body);
        prop_assert_eq!(source.bytes, b"NEXT", "what follows the body is left alone");
    }

    #[test]
    fn the_scanner_and_the_reader_agree_on_where_a_chunked_body_ends(
        body in prop::collection::vec(any::<u8>(), 0..300),
        sizes in prop::collection::vec(1usize..100, 1..8),
        mutations in prop::collection::vec(mutation(), 0..3),
        pieces in prop::collection::vec(1usize..64, 1..8),
    ) {
        let mut wire = [chunked_wire(&body, &sizes), b"GET / HTTP/1.1".to_vec()].concat();
        for mutation in &mutations {
            mutate(&mut wire, mutation);
        }
        let mut source = &wire[..];
        let read = ChunkedReader::new(&mut source, 1 << 20).read_to_end(&mut Vec::new());
        let read_end = read.map(|_| wire.len() - source.len()).map_err(|error| error.kind());
        let mut scanner = ChunkScanner::new(1 << 20);
        let (mut offset, mut scanned_end) = (0, Err(io::ErrorKind::UnexpectedEof));
        for piece in pieces.iter().cycle() {
            let bytes = &wire[offset..(offset + piece).min(wire.len())];
            match scanner.feed(bytes) {
                Ok(Some(end)) => { scanned_end = Ok(offset + end); break }
                Ok(None) if offset + bytes.len() == wire.len() => break,
                Ok(None) => offset += bytes.len(),
                Err(error) => { scanned_end = Err(error.kind()); break }
            }
        }
        prop_assert_eq!(scanned_end, read_end);
    }

    #[test]
    fn pipelined_requests_keep_their_order_and_their_boundaries(
        requests in prop::collection::vec(made_request(), 1..6),
        sizes in prop::collection::vec(1usize..300, 1..8),
    ) {
        let wire: Vec<u8> = requests.iter().flat_map(|made| made.bytes.clone()).collect();
        let limits = Limits::default();
        let mut reader = Pieces::new(&wire, sizes);
        for made in &requests {
            let request = read_request(&mut reader, &limits)
                .map_err(|error| TestCaseError::fail(error.to_string()))?
                .expect("a request");
            prop_assert_eq!((&request.method, &request.target), (&made.method, &made.target));
            let mut body = RequestBody::new(&mut reader, request.body, limits.body);
            let mut received = Vec::new();
            body.read_to_end(&mut received).expect("the body");
            prop_assert_eq!(&received, &made.body);
            prop_assert!(body.finish(), "read to its end");
            let framed = request.body != BodyFraming::None || made.body.is_empty();
            prop_assert!(framed, "a body was sent, so the head says where it ends");
        }
        prop_assert!(read_request(&mut reader, &limits).expect("the end").is_none());
    }
}

// Over real sockets, fewer cases: each one is a connection to a real server.
proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_server_sent_mutated_requests_never_answers_with_its_own_failure(
        made in made_request(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let server = shared_server();
        let mut bytes = made.bytes;
        for mutation in &mutations {
            mutate(&mut bytes, mutation);
        }
        let mut client = Client::connect(server);
        client.send(&bytes);
        finish_sending(&client.stream);
        while let Ok(response) = client.try_response(false) {
            prop_assert!(response.status() < 500 || is_a_refusal(response.status()),
                "{:?} got {}", String::from_utf8_lossy(&bytes), response.status_line);
            if client.closed {
                break;
            }
        }
        prop_assert_eq!(get(server, "/").status(), 200, "the server serves on");
    }

    #[test]
    fn a_server_answers_pipelined_requests_in_order(
        bodies in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..6),
        chunked in prop::collection::vec(any::<bool>(), 6),
    ) {
        let server = shared_server();
        let mut wire = Vec::new();
        for (body, chunked) in bodies.iter().zip(&chunked) {
            wire.extend_from_slice(b"POST /echo HTTP/1.1\r\nHost: test\r\n");
            if *chunked {
                wire.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                wire.extend_from_slice(&chunked_wire(body, &[7, 100]));
            } else {
                wire.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
                wire.extend_from_slice(body);
            }
        }
        let mut client = Client::connect(server);
        client.send(&wire);
        for body in &bodies {
            let response = client.response();
            prop_assert_eq!(response.status(), 200);
            prop_assert_eq!(&response.body, body);
        }
    }
}

/// One server for all the socket cases, started once.
fn shared_server() -> std::net::SocketAddr {
    static SERVER: std::sync::OnceLock<common::TestServer> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| serve_demo(2, quick(), Limits::default())).address
}
