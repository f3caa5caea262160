//! Exercise 9.1: `wsgi.input.readline(size)`, over a request body. The task is in the book,
//! chapter 9, "Exercises".

use std::io::{self, BufRead};

/// Reads one line of `body` as PEP 3333's `readline(size)` does: the bytes up to and
/// including the next `b'\n'`, but at most `limit` bytes when a limit is given. At the end
/// of the body the last line comes without its `\n`, and after that every call returns an
/// empty line.
///
/// Never read past what it returns: the bytes after the line belong to the next call (and,
/// on a keep-alive connection, perhaps to the next request). An error from `body` is
/// returned as it is.
pub fn read_line(body: &mut impl BufRead, limit: Option<usize>) -> io::Result<Vec<u8>> {
    todo!("exercise 9.1: see the book, chapter 9's exercises (book/src/exercises/ch09.md)")
}
