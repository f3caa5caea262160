//! Exercise 1.1: an uppercase echo. The task is in the book, chapter 1, "Exercises".

use std::io::{self, Read, Write};

/// Sends back every byte read from `stream`, with ASCII letters in upper case, until the
/// client stops sending. Returns how many bytes were echoed.
///
/// `hello, 你好` comes back as `HELLO, 你好`: only the ASCII letters change; every other byte
/// (the UTF-8 of 你好, or bytes that are not UTF-8 at all) goes back as it came.
pub fn uppercase_echo(stream: &mut (impl Read + Write)) -> io::Result<u64> {
    todo!("exercise 1.1: see the book, chapter 1's exercises (book/src/exercises/ch01.md)")
}
