//! SPOILER: reference solution of exercise 1.1 (an uppercase echo). Try it yourself first.

use std::io::{self, Read, Write};

/// Sends back every byte read from `stream`, with ASCII letters in upper case, until the
/// client stops sending. Returns how many bytes were echoed.
pub fn uppercase_echo(stream: &mut (impl Read + Write)) -> io::Result<u64> {
    let mut buffer = [0; 1024];
    let mut total = 0;
    loop {
        let received = stream.read(&mut buffer)?;
        if received == 0 {
            return Ok(total);
        }
        // Bytes, not text: a read may end in the middle of a UTF-8 character, and changing
        // only ASCII letters never touches the bytes of any other character.
        let piece = &mut buffer[..received];
        piece.make_ascii_uppercase();
        stream.write_all(piece)?;
        total += received as u64;
    }
}
