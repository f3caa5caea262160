//! Exercise 6.1: an echo server for many clients on one thread. The task is in the book,
//! chapter 6, "Exercises".

use std::io;
use std::net::TcpListener;

use socket_to_wsgi::server::Shutdown;

/// Echoes every client's bytes back to that client, serving all of them at once on the
/// calling thread, with no other thread: one `polling::Poller` says which socket is ready.
///
/// - Make the listener and every accepted stream non-blocking (on Linux an accepted stream
///   is blocking even when the listener is not), and register each with the poller under a
///   key of its own. `usize::MAX` is the poller's own key: never use it.
/// - Interest is one-shot: a socket is reported once, then not again until it is re-armed
///   with `poller.modify`. Re-arm after every event, for what the connection waits for
///   next: readable when it has nothing left to send back, writable when it has. One read
///   per event is enough: a socket re-armed with bytes still waiting is reported again.
/// - A socket reported ready may still not be (a spurious wake-up): a `WouldBlock` error
///   means "not now", never "failed".
/// - A client that closes its side (a read returns 0) or whose socket fails (a reset) is
///   removed: deleted from the poller, then dropped, which closes the connection. One
///   client's error never ends the server.
/// - Nothing waits on one client: a client that sends nothing, or that does not read its
///   echo, must not delay the others.
/// - Wait with a timeout (100 ms, say), and return `Ok(())` soon after `shutdown` is
///   requested, closing every connection still open. Return an error only if the poller
///   itself fails.
pub fn serve_echo(listener: TcpListener, shutdown: &Shutdown) -> io::Result<()> {
    todo!("exercise 6.1: see the book, chapter 6's exercises (book/src/exercises/ch06.md)")
}
