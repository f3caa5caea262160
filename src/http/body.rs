//! A request body, read the way its head says it is framed (chapter 5).
//!
//! On a connection that carries one request after another, the server must read each body
//! exactly to its end, whatever the application did with it, or it would take the rest of
//! this body for the start of the next request. `RequestBody` reads no further than the
//! framing allows, and afterwards reads past whatever the application left.

use std::io::{self, BufRead, Read, Take};

use super::{BodyFraming, ChunkedReader, RequestError};

/// At most this much of a body the application did not read is read and thrown away to
/// reach the next request; past it, closing the connection is cheaper.
const DRAIN_LIMIT: u64 = 64 * 1024;

// ANCHOR: request_body
/// The body of one request, read from the connection that carries it.
pub struct RequestBody<R> {
    source: Source<R>,
}

enum Source<R> {
    Empty,
    Length(Take<R>),
    Chunked(ChunkedReader<R>),
}

impl<R: BufRead> RequestBody<R> {
    /// The body `framing` describes, read from `reader`; a chunked body may yield at most
    /// `limit` bytes (a declared length was checked against the limit with the head).
    pub fn new(reader: R, framing: BodyFraming, limit: u64) -> RequestBody<R> {
        let source = match framing {
            BodyFraming::None => Source::Empty,
            BodyFraming::Length(length) => Source::Length(reader.take(length)),
            BodyFraming::Chunked => Source::Chunked(ChunkedReader::new(reader, limit)),
        };
        RequestBody { source }
    }

    /// The body's length, when the head announced it (`None` for a chunked body).
    pub fn length(&self) -> Option<u64> {
        match &self.source {
            Source::Empty => Some(0),
            Source::Length(body) => Some(body.limit()),
            Source::Chunked(_) => None,
        }
    }

    /// Reads and discards what the application left of the body. Returns whether the body
    /// was read to its end, so that the next request can be found after it; not when too
    /// much was left, or the client stopped short.
    pub fn finish(&mut self) -> bool {
        if self.is_read_to_end() {
            return true; // the common case: nothing left, so nothing to read past
        }
        let mut left_over = (&mut *self).take(DRAIN_LIMIT + 1);
        let drained =
            matches!(io::copy(&mut left_over, &mut io::sink()), Ok(n) if n <= DRAIN_LIMIT);
        drained && self.is_read_to_end()
    }

    fn is_read_to_end(&self) -> bool {
        match &self.source {
            Source::Empty => true,
            Source::Length(body) => body.limit() == 0,
            Source::Chunked(body) => body.is_finished(),
        }
    }

    /// `Err` when a chunked body turned out larger than the limit: only once it has been
    /// read is a chunked body's size known.
    pub fn check_size(&self) -> Result<(), RequestError> {
        match &self.source {
            Source::Chunked(body) if body.is_over_limit() => Err(RequestError::BodyTooLarge),
            _ => Ok(()),
        }
    }
}
// ANCHOR_END: request_body

impl<R: BufRead> Read for RequestBody<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match &mut self.source {
            Source::Empty => Ok(0),
            Source::Length(body) => body.read(out),
            Source::Chunked(body) => body.read(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn a_body_is_read_to_its_end_and_no_further() {
        let mut connection: &[u8] = b"hello, worldGET /next";
        let mut body = RequestBody::new(&mut connection, BodyFraming::Length(12), 100);
        let mut first = [0; 5];
        body.read_exact(&mut first).unwrap();
        assert!(body.finish(), "the rest was drained");
        assert_eq!(connection, b"GET /next");
    }

    #[test]
    fn a_short_body_means_the_connection_cannot_go_on() {
        let mut body = RequestBody::new(&b"abc"[..], BodyFraming::Length(12), 100);
        assert!(!body.finish());
    }

    #[test]
    fn a_chunked_body_over_the_limit_is_an_error() {
        let chunks = &b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"[..];
        let mut body = RequestBody::new(chunks, BodyFraming::Chunked, 8);
        assert!(!body.finish());
        assert!(matches!(body.check_size(), Err(RequestError::BodyTooLarge)));
        let mut body = RequestBody::new(chunks, BodyFraming::Chunked, 10);
        assert_eq!(body.length(), None);
        assert!(body.finish());
        assert!(body.check_size().is_ok());
    }
}
