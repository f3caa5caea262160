//! Chapter 6's first program: chapter 1's echo server, now serving every client at once on one
//! thread by asking the kernel which socket is ready. A silent client no longer blocks the rest.
//!
//! Try it: `cargo run --example 06-readiness-loop`, then `nc 127.0.0.1 8888` in two terminals.

use std::collections::HashMap;
use std::io::{self, ErrorKind::WouldBlock, Read, Write};
use std::net::{TcpListener, TcpStream};

use polling::{Event, Events, Poller};

fn main() -> io::Result<()> {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let listener = TcpListener::bind(&address)?;
    println!("listening on http://{}/", listener.local_addr()?);
    io::stdout().flush()?;
    // Non-blocking sockets say WouldBlock instead of waiting: only `poller.wait` may block.
    listener.set_nonblocking(true)?;
    let mut connections = HashMap::new();
    let (poller, mut events, mut next_key) = (Poller::new()?, Events::new(), 1);
    // SAFETY, here and at the second `add`: a socket must leave the poller before it is dropped.
    // Each connection is deleted first; the listener outlives the poller, which is made after it.
    unsafe { poller.add(&listener, Event::readable(0))? };
    loop {
        events.clear();
        poller.wait(&mut events, None)?;
        for key in events.iter().map(|event| event.key) {
            // Interest is one-shot: a socket is armed again each time, to be heard of again.
            if key == 0 {
                poller.modify(&listener, Event::readable(0))?;
                let accepted = listener.accept().inspect_err(|error| eprintln!("accept: {error}"));
                let Ok((stream, _)) = accepted else { continue };
                stream.set_nonblocking(true)?;
                unsafe { poller.add(&stream, Event::readable(next_key))? };
                connections.insert(next_key, stream);
                next_key += 1;
            } else if let Some(stream) = connections.get_mut(&key) {
                match echo(stream).inspect_err(|error| eprintln!("connection failed: {error}")) {
                    Ok(true) => poller.modify(&*stream, Event::readable(key))?,
                    _ => {
                        poller.delete(&*stream)?;
                        connections.remove(&key);
                    }
                }
            }
        }
    }
}

/// Echoes what has arrived, without waiting for more. `Ok(false)`: the client has gone.
fn echo(stream: &mut TcpStream) -> io::Result<bool> {
    let mut buffer = [0; 1024];
    match stream.read(&mut buffer) {
        Ok(0) => Ok(false),
        // Fails with WouldBlock if the client never reads its echoes; then it is dropped.
        Ok(count) => stream.write_all(&buffer[..count]).map(|()| true),
        Err(error) if error.kind() == WouldBlock => Ok(true),
        Err(error) => Err(error),
    }
}
