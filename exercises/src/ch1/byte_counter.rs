//! Exercise 1.2: an echo that counts. The task is in the book, chapter 1, "Exercises".

use std::io::{self, Read, Write};

/// Echoes every byte read from `stream`, and once the client has finished sending, writes
/// one more line with the total: `you sent N bytes\n`. Returns N.
///
/// A client that sends `abc` and then `你好` before it closes its side gets back
/// `abc你好you sent 9 bytes\n`: 你好 is two characters but six bytes.
pub fn byte_counter(stream: &mut (impl Read + Write)) -> io::Result<u64> {
    todo!("exercise 1.2: see the book, chapter 1's exercises (book/src/exercises/ch01.md)")
}
