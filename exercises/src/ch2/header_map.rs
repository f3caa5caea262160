//! Exercise 2.2: headers in a case-insensitive map. The task is in the book, chapter 2,
//! "Exercises".

/// Header fields, looked up without regard to case (RFC 9110 §5.1).
#[derive(Debug, Default)]
pub struct HeaderMap {
    // Choose how to keep the fields, and add them here.
}

impl HeaderMap {
    /// Parses header lines, each `Name: value` and ending in `\r\n`, as they come between a
    /// request line and the empty line: `"Host: example.com\r\nAccept: */*\r\n"`.
    ///
    /// - The value is trimmed of spaces and tabs on both sides.
    /// - A line with no colon, an empty name, or whitespace in the name (`Host : x`) is an
    ///   error (RFC 9112 §5.1); the error says which line.
    /// - A field sent more than once keeps every value, joined with `", "` in the order they
    ///   came (RFC 9110 §5.3).
    pub fn parse(lines: &str) -> Result<HeaderMap, String> {
        todo!("exercise 2.2: see the book, chapter 2's exercises (book/src/exercises/ch02.md)")
    }

    /// The value of the field `name`, whatever the case of either: `get("content-type")`
    /// finds `Content-Type`.
    pub fn get(&self, name: &str) -> Option<&str> {
        todo!("exercise 2.2: see the book, chapter 2's exercises (book/src/exercises/ch02.md)")
    }
}
