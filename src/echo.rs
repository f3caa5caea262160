//! The echo server's connection handler (chapter 1).
//!
//! Before any HTTP, the plainest thing a server can do with a connection: send every byte
//! back. It shows the three facts every later chapter relies on: `read` returns whatever
//! has arrived (not a message, not a line), `write_all` may take several system calls, and a
//! `read` that returns 0 means the client will send nothing more.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

// ANCHOR: echo
/// Sends every byte read from `stream` back to it, until the client stops sending.
///
/// Returns how many bytes were echoed.
pub fn echo(stream: &mut (impl Read + Write)) -> io::Result<u64> {
    let mut buffer = [0; 1024];
    let mut total = 0;
    loop {
        let received = stream.read(&mut buffer)?;
        if received == 0 {
            // End of stream: the client closed (or half-closed) its side.
            return Ok(total);
        }
        stream.write_all(&buffer[..received])?;
        total += received as u64;
    }
}
// ANCHOR_END: echo

// ANCHOR: handle
/// Echoes one connection, then tells the client we are done too and logs what happened.
pub fn handle(mut stream: TcpStream) {
    let peer = stream.peer_addr().map_or_else(|_| "a client".to_string(), |a| a.to_string());
    match echo(&mut stream) {
        Ok(bytes) => {
            // The client may have closed only its sending side; close ours so it sees EOF.
            let _ = stream.shutdown(Shutdown::Write);
            eprintln!("{peer}: echoed {bytes} bytes");
        }
        Err(error) => eprintln!("{peer}: {error}"),
    }
}
// ANCHOR_END: handle
