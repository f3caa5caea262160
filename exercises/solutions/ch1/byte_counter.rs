//! SPOILER: reference solution of exercise 1.2 (an echo that counts). Try it yourself first.

use std::io::{self, Read, Write};

/// Echoes every byte read from `stream`, and once the client has finished sending, writes
/// one more line with the total: `you sent N bytes\n`. Returns N.
pub fn byte_counter(stream: &mut (impl Read + Write)) -> io::Result<u64> {
    let mut buffer = [0; 1024];
    let mut total = 0;
    loop {
        let received = stream.read(&mut buffer)?;
        if received == 0 {
            // End of stream: the client will send nothing more, but it can still read.
            stream.write_all(format!("you sent {total} bytes\n").as_bytes())?;
            return Ok(total);
        }
        stream.write_all(&buffer[..received])?;
        total += received as u64;
    }
}
