//! SPOILER: reference solution of exercise 6.1 (an echo server for many clients on one
//! thread). Try it yourself first.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use polling::{Event, Events, Poller};
use socket_to_wsgi::server::Shutdown;

/// The listener's key; connections are numbered from 1.
const LISTENER: usize = 0;

/// How long one wait may last, so that a stop is noticed even if nothing wakes the poller.
const TICK: Duration = Duration::from_millis(100);

/// One connection: its socket, and what was read from it but not yet echoed.
struct Client {
    stream: TcpStream,
    unsent: Vec<u8>,
}

/// Echoes every client's bytes back to it, all of them on this one thread.
pub fn serve_echo(listener: TcpListener, shutdown: &Shutdown) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let poller = Poller::new()?;
    // SAFETY: the listener is deleted from the poller below, before it is dropped.
    unsafe { poller.add(&listener, Event::readable(LISTENER))? };
    let mut clients: HashMap<usize, Client> = HashMap::new();
    let mut next_key = LISTENER + 1;
    let mut events = Events::new();

    while !shutdown.is_requested() {
        events.clear();
        poller.wait(&mut events, Some(TICK))?;
        for event in events.iter() {
            if event.key == LISTENER {
                accept_all(&listener, &poller, &mut clients, &mut next_key);
                poller.modify(&listener, Event::readable(LISTENER))?;
                continue;
            }
            let Some(client) = clients.get_mut(&event.key) else { continue };
            // Re-armed for what it waits for next, or closed: deleted, then dropped.
            let rearmed = serve(client, event.key)
                .is_some_and(|interest| poller.modify(&client.stream, interest).is_ok());
            if !rearmed {
                let gone = clients.remove(&event.key).expect("the client just served");
                let _ = poller.delete(&gone.stream);
            }
        }
    }

    // Stopping: every connection still open is closed, each deleted before it is dropped.
    for (_, client) in clients.drain() {
        let _ = poller.delete(&client.stream);
    }
    poller.delete(&listener)
}

/// Takes in every client waiting to be accepted. A failed `accept` (a client that reset
/// before we got to it) costs that client only.
fn accept_all(
    listener: &TcpListener,
    poller: &Poller,
    clients: &mut HashMap<usize, Client>,
    next_key: &mut usize,
) {
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(error) if error.kind() == ErrorKind::WouldBlock => return,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => {
                eprintln!("accept failed: {error}");
                return;
            }
        };
        // On Linux an accepted socket does not inherit the listener's non-blocking mode;
        // elsewhere it may, but saying so costs nothing.
        if stream.set_nonblocking(true).is_err() {
            continue;
        }
        let key = *next_key;
        *next_key += 1;
        // SAFETY: a client's stream is deleted from the poller before it is dropped, in
        // `serve_echo`, whether the client leaves or the server stops.
        if unsafe { poller.add(&stream, Event::readable(key)) }.is_ok() {
            clients.insert(key, Client { stream, unsent: Vec::new() });
        }
    }
}

/// Does what one event allows: read once if nothing is waiting to be echoed, then write
/// what the socket takes. Returns the interest to re-arm `key` with, or `None` to close.
fn serve(client: &mut Client, key: usize) -> Option<Event> {
    if client.unsent.is_empty() {
        let mut buffer = [0; 16 * 1024];
        match client.stream.read(&mut buffer) {
            Ok(0) => return None, // the client is done
            Ok(n) => client.unsent.extend_from_slice(&buffer[..n]),
            Err(error) if is_not_now(&error) => {}
            Err(_) => return None, // a reset, or worse
        }
    }
    while !client.unsent.is_empty() {
        match client.stream.write(&client.unsent) {
            Ok(0) => return None,
            Ok(n) => {
                client.unsent.drain(..n);
            }
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(_) => return None,
        }
    }
    // Waiting to write stops reading: a client that never reads cannot make us hold more
    // than one read's worth of its bytes.
    Some(if client.unsent.is_empty() { Event::readable(key) } else { Event::writable(key) })
}

/// "Not ready after all": a spurious wake-up, or a signal. Try again at the next event.
fn is_not_now(error: &io::Error) -> bool {
    matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted)
}
