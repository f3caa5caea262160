//! The chunked transfer coding, both ways (chapter 5).
//!
//! A persistent connection carries one message after another, so every body must say where
//! it ends. `Content-Length` does that when the length is known up front. When it is not
//! (a body produced bit by bit), HTTP/1.1 sends it in chunks, each prefixed with its size in
//! hexadecimal, and a chunk of size zero ends the body (RFC 9112 §7.1):
//!
//! ```text
//! 5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n
//! ```

use std::io::{self, BufRead, Read};

// ANCHOR: encode_chunk
/// The last chunk and the empty trailer section that end every chunked body.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Appends `data` to `out` as one chunk. An empty `data` would mean "the end", so it is skipped.
pub fn encode_chunk(out: &mut Vec<u8>, data: &[u8]) {
    if !data.is_empty() {
        out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
}
// ANCHOR_END: encode_chunk

/// The longest chunk-size line (size, extensions, CRLF) or trailer line accepted.
const MAX_LINE: usize = 4096;

/// Decodes a chunked body from `source`, yielding only the data, and never more than `limit`
/// bytes in all.
///
/// It reads exactly up to the end of the body, so whatever follows (the next request on the
/// connection) is left unread in `source`. Malformed framing is an `InvalidData` error: a
/// server must not guess where a body ends, or a second request can hide inside the first.
pub struct ChunkedReader<R> {
    source: R,
    /// Bytes left in the current chunk; `None` before the next size line.
    left_in_chunk: Option<u64>,
    /// Bytes the body may still yield.
    budget: u64,
    finished: bool,
    over_limit: bool,
}

impl<R: BufRead> ChunkedReader<R> {
    pub fn new(source: R, limit: u64) -> ChunkedReader<R> {
        ChunkedReader {
            source,
            left_in_chunk: None,
            budget: limit,
            finished: false,
            over_limit: false,
        }
    }

    /// Whether the body turned out larger than the limit (its reader then failed).
    pub fn is_over_limit(&self) -> bool {
        self.over_limit
    }

    /// Whether the whole body, last chunk and trailers included, has been read.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Reads a chunk-size line and returns the size (RFC 9112 §7.1: `1*HEXDIG [ chunk-ext ] CRLF`).
    fn read_size(&mut self) -> io::Result<u64> {
        let line = read_line(&mut self.source)?;
        let digits = line.split(|&byte| byte == b';').next().unwrap_or_default().trim_ascii_end();
        if digits.is_empty() || digits.len() > 15 || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(invalid("a chunk size must be 1 to 15 hexadecimal digits"));
        }
        let size = u64::from_str_radix(std::str::from_utf8(digits).unwrap_or_default(), 16)
            .map_err(|_| invalid("a chunk size must be hexadecimal"))?;
        Ok(size)
    }

    /// Reads the trailer section up to its empty line, and drops it (we pass no trailers on).
    fn skip_trailers(&mut self) -> io::Result<()> {
        for _ in 0..64 {
            if read_line(&mut self.source)?.is_empty() {
                return Ok(());
            }
        }
        Err(invalid("too many trailer lines"))
    }

    /// Reads the CRLF that ends every chunk's data.
    fn read_chunk_end(&mut self) -> io::Result<()> {
        if read_line(&mut self.source)?.is_empty() {
            Ok(())
        } else {
            Err(invalid("chunk data is longer than its size said"))
        }
    }
}

// ANCHOR: chunked_read
impl<R: BufRead> Read for ChunkedReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.finished || buffer.is_empty() {
                return Ok(0);
            }
            match self.left_in_chunk {
                None => {
                    let size = self.read_size()?;
                    if size == 0 {
                        self.skip_trailers()?;
                        self.finished = true;
                        return Ok(0);
                    }
                    if size > self.budget {
                        self.over_limit = true;
                        return Err(io::Error::other("the chunked body is larger than allowed"));
                    }
                    self.budget -= size;
                    self.left_in_chunk = Some(size);
                }
                Some(0) => {
                    self.read_chunk_end()?;
                    self.left_in_chunk = None;
                }
                Some(left) => {
                    let wanted = buffer.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let read = self.source.read(&mut buffer[..wanted])?;
                    if read == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                    self.left_in_chunk = Some(left - read as u64);
                    return Ok(read);
                }
            }
        }
    }
}
// ANCHOR_END: chunked_read

/// One CRLF-terminated line without its CRLF; a bare LF is accepted (RFC 9112 §2.2).
fn read_line(source: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    source.take(MAX_LINE as u64).read_until(b'\n', &mut line)?;
    if line.last() != Some(&b'\n') {
        return Err(if line.len() >= MAX_LINE {
            invalid("a chunk line is too long")
        } else {
            io::ErrorKind::UnexpectedEof.into()
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

fn invalid(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn decode(wire: &[u8], limit: u64) -> io::Result<(Vec<u8>, Vec<u8>)> {
        let mut source = wire;
        let mut reader = ChunkedReader::new(&mut source, limit);
        let mut body = Vec::new();
        reader.read_to_end(&mut body)?;
        assert!(reader.is_finished());
        Ok((body, source.to_vec()))
    }

    #[test]
    fn chunks_are_joined_and_what_follows_is_left_alone() {
        let wire =
            b"5\r\nhello\r\n7;name=value\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1";
        let (body, rest) = decode(wire, 100).unwrap();
        assert_eq!(body, b"hello, world");
        assert_eq!(rest, b"GET / HTTP/1.1");
    }

    #[test]
    fn encoding_then_decoding_gives_the_data_back() {
        let mut wire = Vec::new();
        for piece in [&b"a"[..], b"", &[0xff; 300], "你好".as_bytes()] {
            encode_chunk(&mut wire, piece);
        }
        wire.extend_from_slice(LAST_CHUNK);
        let expected: Vec<u8> = [&b"a"[..], &[0xff; 300], "你好".as_bytes()].concat();
        assert_eq!(decode(&wire, 1000).unwrap().0, expected);
        assert!(wire.starts_with(b"1\r\na\r\n12c\r\n"), "sizes are hexadecimal");
    }

    #[test]
    fn bad_framing_is_an_error_not_a_guess() {
        for wire in [
            &b"x\r\nhello\r\n0\r\n\r\n"[..],
            b"-5\r\nhello\r\n0\r\n\r\n",
            b"\r\nhello\r\n0\r\n\r\n",
            b"5\r\nhello, too long\r\n0\r\n\r\n",
            b"1000000000000000\r\n",
            b"5\r\nhel",
            b"5\r\nhello\r\n",
        ] {
            assert!(decode(wire, 1 << 40).is_err(), "accepted {:?}", String::from_utf8_lossy(wire));
        }
    }

    #[test]
    fn the_limit_counts_data_bytes() {
        assert_eq!(decode(b"5\r\nhello\r\n0\r\n\r\n", 5).unwrap().0, b"hello");
        let wire = b"5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n";
        let mut reader = ChunkedReader::new(&wire[..], 5);
        assert!(reader.read_to_end(&mut Vec::new()).is_err());
        assert!(reader.is_over_limit());
    }
}
