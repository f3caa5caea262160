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

use super::{is_field_char, is_token_byte};

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
pub(super) const MAX_LINE: usize = 4096;

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
    /// Whether a read failed; every later one fails too.
    broken: bool,
}

impl<R: BufRead> ChunkedReader<R> {
    pub fn new(source: R, limit: u64) -> ChunkedReader<R> {
        ChunkedReader {
            source,
            left_in_chunk: None,
            budget: limit,
            finished: false,
            over_limit: false,
            broken: false,
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

    /// Reads a chunk-size line and returns the size (RFC 9112 §7.1).
    fn read_size(&mut self) -> io::Result<u64> {
        let line = read_framing_line(&mut self.source)?;
        parse_size_line(&line).map_err(invalid)
    }

    /// Reads the trailer section up to its empty line, and drops it: a trailer must never
    /// be merged into the headers, where a `Content-Length` or `Host` arriving after the
    /// body could change what the request meant (RFC 9110 §6.5.1). Each line must still be
    /// a well-formed field, since a proxy in front reads them as fields too.
    fn skip_trailers(&mut self) -> io::Result<()> {
        for _ in 0..64 {
            let line = read_framing_line(&mut self.source)?;
            if line.is_empty() {
                return Ok(());
            }
            if !is_field_line(&line) {
                return Err(invalid("a trailer line is not a header field"));
            }
        }
        Err(invalid("too many trailer lines"))
    }

    /// Reads the CRLF that ends every chunk's data: exactly those two bytes. One at a time, so
    /// that a wrong first byte is refused as such even if no second one comes (as
    /// `ChunkScanner` does).
    fn read_chunk_end(&mut self) -> io::Result<()> {
        for expected in *b"\r\n" {
            let mut byte = [0];
            self.source.read_exact(&mut byte)?;
            if byte[0] != expected {
                return Err(invalid("chunk data must be followed by CRLF, and only by CRLF"));
            }
        }
        Ok(())
    }
}

// ANCHOR: chunked_read
impl<R: BufRead> Read for ChunkedReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.broken {
            // Past a framing error, where the body ends is unknown: reading on would take
            // whatever bytes follow the error for chunk sizes.
            return Err(invalid("the chunked body's framing is broken"));
        }
        let result = self.read_chunks(buffer);
        self.broken = result.is_err();
        result
    }
}

impl<R: BufRead> ChunkedReader<R> {
    fn read_chunks(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
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

// ANCHOR: framing_line
/// One line of chunked framing, without its CRLF.
///
/// Stricter than a head's lines: RFC 9112 §2.2 lets a recipient accept a bare LF as the
/// end of the start line and of fields, but chunk framing has no such leniency. If a proxy
/// in front ends a chunk line at a bare LF and this server did not (or the other way round),
/// the two would disagree on where the body ends, and the bytes one of them takes for body
/// the other takes for the next request: chunked request smuggling.
fn read_framing_line(source: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    source.take(MAX_LINE as u64).read_until(b'\n', &mut line)?;
    if line.last() != Some(&b'\n') {
        return Err(if line.len() >= MAX_LINE {
            invalid("a chunk line is too long")
        } else {
            io::ErrorKind::UnexpectedEof.into()
        });
    }
    Ok(framing_line(&line)?.to_vec())
}

/// A whole line, LF included, without its CRLF: an error if it does not end in CRLF, or
/// holds another CR.
pub(super) fn framing_line(line: &[u8]) -> io::Result<&[u8]> {
    let Some(line) = line.strip_suffix(b"\r\n") else {
        return Err(invalid("a chunk line must end with CRLF, not a bare LF"));
    };
    if line.contains(&b'\r') {
        return Err(invalid("a chunk line may not contain a bare CR"));
    }
    Ok(line)
}
// ANCHOR_END: framing_line

/// `chunk-size [ chunk-ext ]` (RFC 9112 §7.1): hexadecimal digits, then nothing but
/// extensions, each `;name` or `;name=value`, with optional whitespace only around the `;`
/// and the `=`. So `5`, `5;a` and `5 ; a = "b"` are sizes; `5 `, `5;` and `5x` are not.
pub(super) fn parse_size_line(line: &[u8]) -> Result<u64, &'static str> {
    let digits = line.iter().take_while(|byte| byte.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 15 {
        return Err("a chunk size must be 1 to 15 hexadecimal digits");
    }
    check_extensions(&line[digits..])?;
    let text = std::str::from_utf8(&line[..digits]).unwrap_or_default();
    u64::from_str_radix(text, 16).map_err(|_| "a chunk size must be hexadecimal")
}

fn check_extensions(mut rest: &[u8]) -> Result<(), &'static str> {
    while !rest.is_empty() {
        rest = skip_whitespace(rest)
            .strip_prefix(b";")
            .ok_or("after a chunk size, only `;` and an extension may follow")?;
        let name = skip_whitespace(rest);
        let name_length = token_length(name);
        if name_length == 0 {
            return Err("a chunk extension needs a name after its `;`");
        }
        rest = &name[name_length..];
        if let Some(value) = skip_whitespace(rest).strip_prefix(b"=") {
            rest = skip_extension_value(skip_whitespace(value))?;
        }
    }
    Ok(())
}

/// What follows a token or a quoted string at the start of `bytes`.
fn skip_extension_value(bytes: &[u8]) -> Result<&[u8], &'static str> {
    let Some(mut quoted) = bytes.strip_prefix(b"\"") else {
        return match token_length(bytes) {
            0 => Err("a chunk extension's `=` needs a value"),
            length => Ok(&bytes[length..]),
        };
    };
    // quoted-string (RFC 9110 §5.6.4): text, with `\` escaping the next character.
    loop {
        match quoted {
            [b'"', after @ ..] => return Ok(after),
            [b'\\', escaped, after @ ..] if is_field_char(char::from(*escaped)) => quoted = after,
            [byte, after @ ..] if *byte != b'\\' && is_field_char(char::from(*byte)) => {
                quoted = after
            }
            _ => return Err("a chunk extension's quoted value is not closed"),
        }
    }
}

/// Spaces and tabs: the only optional whitespace HTTP has (RFC 9110 §5.6.3).
fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let blanks = bytes.iter().take_while(|&&byte| byte == b' ' || byte == b'\t').count();
    &bytes[blanks..]
}

fn token_length(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|&&byte| is_token_byte(byte)).count()
}

/// `name: value`, with a token for a name and field text for a value.
pub(super) fn is_field_line(line: &[u8]) -> bool {
    let name = token_length(line);
    name > 0
        && line[name..].first() == Some(&b':')
        && line[name + 1..].iter().all(|&byte| is_field_char(char::from(byte)))
}

pub(super) fn invalid(why: &'static str) -> io::Error {
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
    fn chunk_lines_follow_the_grammar_to_the_letter() {
        let body = |size_line: &str| format!("{size_line}\r\nhello\r\n0\r\n\r\n");
        for good in ["5", "05", "5;a", "5;a=b", "5 ;a", "5; a = b", "5;a=\"q \\\" ;\";b"] {
            let decoded = decode(body(good).as_bytes(), 100);
            assert_eq!(decoded.map(|(body, _)| body).ok(), Some(b"hello".to_vec()), "{good:?}");
        }
        for bad in ["5 ", "a ", "0 ", "5;", "5; ", "5;a=", "5;a b", "5;a=\"open", "5x", "5;a=b "] {
            let decoded = decode(body(bad).as_bytes(), 100);
            let kind = decoded.map(|_| ()).map_err(|error| error.kind());
            assert_eq!(kind, Err(io::ErrorKind::InvalidData), "accepted {bad:?}");
        }
    }

    #[test]
    fn only_crlf_ends_a_chunk_line_or_chunk_data() {
        for wire in [
            &b"5\nhello\r\n0\r\n\r\n"[..],
            b"5\r\nhello\n0\r\n\r\n",
            b"5\r\nhello\r\n0\n\r\n",
            b"5\r\nhello\r\n0\r\n\n",
            b"5\r\nhello\r\n0\r\nX-T: 1\n\r\n",
            b"5;ext=val\rue\r\nhello\r\n0\r\n\r\n",
            b"5\r\r;ABCD\r\nhello\r\n0\r\n\r\n",
            b"5\r\nhello\r\r\n0\r\n\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"5\r\nhelloX", // wrong at once, though the input ends before a second byte
            b"5\r\nhello\r\n0\r\nnot a field\r\n\r\n",
        ] {
            let decoded = decode(wire, 100).map(|_| ()).map_err(|error| error.kind());
            let shown = String::from_utf8_lossy(wire);
            assert_eq!(decoded, Err(io::ErrorKind::InvalidData), "accepted {shown:?}");
        }
    }

    #[test]
    fn after_a_framing_error_every_read_fails() {
        // Read on after the bad size line, the next line would pass for a huge chunk size.
        let wire = b"a \r\n0123456789\r\n0\r\n\r\n";
        let mut reader = ChunkedReader::new(&wire[..], 100);
        for _ in 0..3 {
            let error = reader.read(&mut [0; 64]).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        }
        assert!(!reader.is_over_limit(), "a malformed body is not a large one");
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
