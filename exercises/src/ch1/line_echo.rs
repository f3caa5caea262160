//! Exercise 1.3: a line echo with `quit`. The task is in the book, chapter 1, "Exercises".

use std::io;
use std::net::TcpStream;

/// Echoes the client's input line by line, and stops at a line that says `quit`.
///
/// - Each complete line (ending in `\n`) is sent back as it came, `\n` included, as soon as
///   it is complete, however the bytes were split between reads.
/// - A line that is exactly `quit` (also `quit\r\n`, as `telnet` sends it) is not echoed: the
///   answer is `bye\n`, and the function returns at once, without waiting for the client to
///   close. Whatever the client sent after it is ignored.
/// - If the client closes its side in the middle of a line, that last piece is echoed as it
///   is, then the function returns.
pub fn line_echo(stream: &TcpStream) -> io::Result<()> {
    todo!("exercise 1.3: see the book, chapter 1's exercises (book/src/exercises/ch01.md)")
}
