//! Chapter 1's first program: an echo server, the smallest server there is. Every byte a
//! client sends comes straight back: bind, accept, read, write, one client at a time.
//!
//! Try it: `cargo run --example 01-echo-loop`, then in a second terminal
//! `printf 'hello, echo\n' | nc -N 127.0.0.1 8888` (`-N` tells the server you are done).

use std::env;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> io::Result<()> {
    // The article's address, unless an argument names another; `127.0.0.1:0` picks a free port.
    let address = env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let listener = TcpListener::bind(&address)?;
    println!("listening on http://{}/", listener.local_addr()?);
    io::stdout().flush()?;

    // While one client is served, the next ones wait in the kernel's queue of connections.
    for stream in listener.incoming() {
        // A failed accept or a broken connection is one client's problem, not the server's.
        match stream.and_then(echo) {
            Ok(count) => eprintln!("echoed {count} bytes"),
            Err(error) => eprintln!("connection failed: {error}"),
        }
    }
    Ok(())
}

fn echo(mut stream: TcpStream) -> io::Result<usize> {
    let mut buffer = [0; 1024];
    let mut total = 0;
    loop {
        // `read` waits for at least one byte, then returns what has arrived, not a message.
        let count = stream.read(&mut buffer)?;
        if count == 0 {
            // The client closed its side: the end of the stream. Reading again would only
            // return 0 again, at once, forever. Dropping `stream` closes our side too.
            return Ok(total);
        }
        // `write` may send only part of the buffer; `write_all` sends all of it.
        stream.write_all(&buffer[..count])?;
        total += count;
    }
}
