//! Writing a response (chapter 2).
//!
//! The response head is text lines ending in `\r\n`, then an empty line, then the body. The
//! client learns where the body ends from `Content-Length`, which counts *bytes*: the
//! article's listing counts characters, which is wrong as soon as the page has Chinese in it.

use std::io::{self, Write};

use super::{Clock, Persistence, Status};

// ANCHOR: response
/// A complete response whose body is already in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: Status,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: Status, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
        }
    }

    /// An HTML page, declared as UTF-8 so that browsers show non-ASCII text correctly.
    pub fn html(status: Status, body: impl Into<Vec<u8>>) -> Response {
        Response::new(status, "text/html; charset=utf-8", body)
    }

    /// A plain-text response.
    pub fn text(status: Status, body: impl Into<Vec<u8>>) -> Response {
        Response::new(status, "text/plain; charset=utf-8", body)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    // ANCHOR_END: response

    // ANCHOR: write_response
    /// Writes the whole response, its head saying what happens to the connection next.
    ///
    /// With `include_body` false (the answer to `HEAD`) the headers, `Content-Length`
    /// included, are those a `GET` would get, but no body follows (RFC 9110 §9.3.2).
    pub fn write_to(
        &self,
        out: &mut impl Write,
        clock: Clock,
        include_body: bool,
        persistence: Persistence,
    ) -> io::Result<()> {
        let mut message = self.head(clock, persistence);
        if include_body {
            message.extend_from_slice(&self.body);
        }
        out.write_all(&message)?;
        out.flush()
    }

    /// The head alone, with room for the body after it.
    pub fn head(&self, clock: Clock, persistence: Persistence) -> Vec<u8> {
        let mut headers = self.headers.clone();
        headers.push(("Content-Length".to_string(), self.body.len().to_string()));
        // Say whether the connection stays open, so the client neither waits for more nor
        // sends a request nobody will read.
        if let Some((name, value)) = persistence.header() {
            headers.push((name.to_string(), value.to_string()));
        }
        let mut message = Vec::with_capacity(256 + self.body.len());
        write_head(&mut message, &self.status.to_string(), clock, &headers);
        message
    }
    // ANCHOR_END: write_response
}

// ANCHOR: write_head
/// Appends a status line, the `Date`, the given headers, then the empty line that ends the
/// head, to `head`. `status` is the code and reason, as in `200 OK`.
///
/// The head is gathered in one buffer, to be written with one call: one `write` per line
/// would mean one system call (and perhaps one TCP packet) per line.
pub fn write_head(head: &mut Vec<u8>, status: &str, clock: Clock, headers: &[(String, String)]) {
    for text in ["HTTP/1.1 ", status, "\r\nDate: "] {
        push_latin1(head, text);
    }
    clock.write_http_date(head);
    head.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        for text in [name.as_str(), ": ", value, "\r\n"] {
            push_latin1(head, text);
        }
    }
    head.extend_from_slice(b"\r\n");
}

/// Header text is Latin-1 on the wire (each character one byte), as PEP 3333 carries it,
/// not UTF-8. Anything beyond Latin-1 cannot be sent and becomes `?`.
fn push_latin1(out: &mut Vec<u8>, text: &str) {
    if text.is_ascii() {
        out.extend_from_slice(text.as_bytes()); // the usual case, and then the bytes are the same
    } else {
        out.extend(text.chars().map(|c| u8::try_from(c).unwrap_or(b'?')));
    }
}
// ANCHOR_END: write_head

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::time::SystemTime;

    const CLOCK: Clock = Clock::Fixed(SystemTime::UNIX_EPOCH);

    fn written(response: &Response, include_body: bool) -> String {
        let mut out = Vec::new();
        response.write_to(&mut out, CLOCK, include_body, Persistence::Close).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn content_length_counts_bytes_not_characters() {
        let response = Response::text(Status::OK, "你好");
        assert_eq!(
            written(&response, true),
            "HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\
             Connection: close\r\n\r\n你好"
        );
    }

    #[test]
    fn header_text_goes_out_as_latin_1() {
        let mut out = Vec::new();
        let headers = [("X-Name".to_string(), "caf\u{e9} \u{4f60}".to_string())];
        write_head(&mut out, "200 OK", CLOCK, &headers);
        let expected = b"HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\
                         X-Name: caf\xe9 ?\r\n\r\n";
        assert_eq!(out, expected.to_vec(), "one byte per Latin-1 character; `?` past it");
    }

    #[test]
    fn head_responses_keep_the_length_but_drop_the_body() {
        let response = Response::text(Status::OK, "hello").with_header("X-Extra", "1");
        let text = written(&response, false);
        assert!(
            text.ends_with("X-Extra: 1\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"),
            "{text}"
        );
    }
}
