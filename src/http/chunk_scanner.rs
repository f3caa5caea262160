//! Finding where a chunked body ends as its bytes arrive, without decoding it (chapter 7).
//!
//! [`ChunkedReader`](super::ChunkedReader) pulls a body from a reader and blocks until each
//! piece comes. A server that gathers a body before it calls the application (so that a
//! client sending it slowly holds no worker) needs the opposite: bytes are pushed to it as
//! they arrive, and it must say when the body is complete. [`ChunkScanner`] does that with the
//! same rules, by the same functions, so that the two can never disagree on where a body
//! ends: the body it says is complete is one `ChunkedReader` reads to its end.

use std::io;

use super::chunked::{MAX_LINE, framing_line, invalid, is_field_line, parse_size_line};

/// Where the scanner is in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    SizeLine,
    /// Inside a chunk's data, with this many bytes to go.
    Data(u64),
    /// After a chunk's data, before its CRLF (of which `line` holds what has come).
    DataEnd,
    Trailers,
    Done,
}

/// Follows a chunked body through the bytes given to [`ChunkScanner::feed`], piece by piece.
pub struct ChunkScanner {
    place: Place,
    /// The part of a framing line that has arrived.
    line: Vec<u8>,
    /// Data bytes the body may still hold.
    budget: u64,
    over_limit: bool,
}

impl ChunkScanner {
    /// A scanner for a body that may hold at most `limit` bytes of data.
    pub fn new(limit: u64) -> ChunkScanner {
        ChunkScanner { place: Place::SizeLine, line: Vec::new(), budget: limit, over_limit: false }
    }

    /// Looks at the next bytes of the body. `Ok(Some(n))`: the body ends after the first `n`
    /// of them; `Ok(None)`: all of them belong to it and more are to come. An error is
    /// malformed framing, or a body past the limit ([`ChunkScanner::is_over_limit`]).
    pub fn feed(&mut self, bytes: &[u8]) -> io::Result<Option<usize>> {
        let mut at = 0;
        while at < bytes.len() {
            match self.place {
                Place::Done => return Ok(Some(at)),
                Place::Data(left) => {
                    let taken = left.min((bytes.len() - at) as u64);
                    at += taken as usize;
                    self.place =
                        if taken == left { Place::DataEnd } else { Place::Data(left - taken) };
                }
                // Only CRLF may follow chunk data. Like the reader, which reads two bytes
                // there, a wrong byte is an error at once, not after a line's worth of them.
                Place::DataEnd => {
                    match (self.line.as_slice(), bytes[at]) {
                        (b"", b'\r') => self.line.push(b'\r'),
                        (b"\r", b'\n') => {
                            self.line.clear();
                            self.place = Place::SizeLine;
                        }
                        _ => return Err(invalid("chunk data must be followed by CRLF")),
                    }
                    at += 1;
                }
                _ => {
                    let rest = &bytes[at..];
                    let Some(newline) = rest.iter().position(|&byte| byte == b'\n') else {
                        self.line.extend_from_slice(rest);
                        self.check_line_length()?;
                        return Ok(None);
                    };
                    self.line.extend_from_slice(&rest[..=newline]);
                    at += newline + 1;
                    self.check_line_length()?;
                    let line = std::mem::take(&mut self.line);
                    self.take_line(framing_line(&line)?)?;
                }
            }
        }
        Ok((self.place == Place::Done).then_some(at))
    }

    /// Whether the body turned out larger than the limit.
    pub fn is_over_limit(&self) -> bool {
        self.over_limit
    }

    fn take_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.place = match self.place {
            Place::SizeLine => match parse_size_line(line).map_err(invalid)? {
                0 => Place::Trailers,
                size if size > self.budget => {
                    self.over_limit = true;
                    return Err(io::Error::other("the chunked body is larger than allowed"));
                }
                size => {
                    self.budget -= size;
                    Place::Data(size)
                }
            },
            Place::Trailers if line.is_empty() => Place::Done,
            Place::Trailers if is_field_line(line) => Place::Trailers,
            Place::Trailers => return Err(invalid("a trailer line is not a header field")),
            Place::Data(_) | Place::DataEnd | Place::Done => {
                unreachable!("only size and trailer lines are taken")
            }
        };
        Ok(())
    }

    fn check_line_length(&self) -> io::Result<()> {
        match self.line.len() > MAX_LINE {
            true => Err(invalid("a chunk line is too long")),
            false => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ChunkedReader;
    use pretty_assertions::assert_eq;
    use std::io::Read;

    /// Where the scanner says the body ends, fed one piece at a time.
    fn end_in_pieces(wire: &[u8], piece: usize) -> io::Result<Option<usize>> {
        let mut scanner = ChunkScanner::new(1000);
        let mut offset = 0;
        for bytes in wire.chunks(piece) {
            if let Some(end) = scanner.feed(bytes)? {
                return Ok(Some(offset + end));
            }
            offset += bytes.len();
        }
        Ok(None)
    }

    /// Where `ChunkedReader` stops reading, or its error.
    fn end_by_reading(wire: &[u8]) -> io::Result<usize> {
        let mut source = wire;
        ChunkedReader::new(&mut source, 1000).read_to_end(&mut Vec::new())?;
        Ok(wire.len() - source.len())
    }

    /// A size larger than the data sent runs the chunk on into what follows. The reader
    /// finds no CRLF after the data at once; the scanner must not wait for a line's end.
    #[test]
    fn data_that_runs_on_into_what_follows_is_refused_at_once() {
        let wire = b"3\r\nhelGET / HTTP/1.1";
        assert_eq!(end_by_reading(wire).unwrap_err().kind(), io::ErrorKind::InvalidData);
        for piece in [1, 2, 5, wire.len()] {
            let scanned = end_in_pieces(wire, piece).map_err(|error| error.kind());
            assert_eq!(scanned, Err(io::ErrorKind::InvalidData), "in pieces of {piece}");
        }
    }

    #[test]
    fn the_scanner_and_the_reader_agree_on_where_a_body_ends() {
        let wires: [&[u8]; 5] = [
            b"5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1",
            b"5;a=\"b\"\r\nhello\r\n7\r\n, world\r\n0\r\nX-T: 1\r\n\r\n",
            b"0\r\n\r\n",
            b"a\r\n0123456789\r\n0\r\n\r\nrest",
            b"1\r\nx\r\n0\r\nA: 1\r\nB: 2\r\n\r\nnext",
        ];
        for wire in wires {
            let expected = end_by_reading(wire).unwrap();
            for piece in [1, 2, 3, 7, wire.len()] {
                let end = end_in_pieces(wire, piece).unwrap();
                assert_eq!(
                    end,
                    Some(expected),
                    "{:?} in pieces of {piece}",
                    String::from_utf8_lossy(wire)
                );
            }
        }
    }

    #[test]
    fn an_unfinished_body_is_not_complete() {
        for wire in [&b"5\r\nhel"[..], b"5\r\nhello\r\n", b"5\r\nhello\r\n0\r\n", b"5"] {
            assert_eq!(end_in_pieces(wire, 1).unwrap(), None);
        }
    }

    #[test]
    fn what_the_reader_refuses_the_scanner_refuses() {
        for wire in [
            &b"5 \r\nhello\r\n0\r\n\r\n"[..],
            b"5\nhello\r\n0\r\n\r\n",
            b"5\r\nhelloXX\r\n0\r\n\r\n",
            b"5\r\nhello\r\r\n0\r\n\r\n",
            b"5\r\nhello\r\n0\r\nnot a field\r\n\r\n",
        ] {
            assert!(end_by_reading(wire).is_err());
            let scanned = end_in_pieces(wire, 1).map_err(|error| error.kind());
            assert_eq!(
                scanned,
                Err(io::ErrorKind::InvalidData),
                "{:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }

    #[test]
    fn the_limit_counts_data_bytes() {
        let mut scanner = ChunkScanner::new(5);
        assert!(scanner.feed(b"5\r\nhello\r\n1\r\n").is_err());
        assert!(scanner.is_over_limit());
    }
}
