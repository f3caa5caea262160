//! Exercise 3.3: a server that says "busy" (503). The task is in the book, chapter 3,
//! "Exercises".

use std::net::{TcpListener, TcpStream};
use std::num::NonZeroUsize;

use socket_to_wsgi::server::Shutdown;

/// Serves connections on `workers` threads, with room for at most `queue` connections
/// waiting for a free worker. When every worker is busy and the waiting room is full, the
/// accept loop answers the new connection itself, at once, with
/// `503 Service Unavailable`, a `Retry-After: 1` header and a short text body, and closes it
/// without waiting for anything from that client.
///
/// Accept with `socket_to_wsgi::server::connections(&listener, shutdown)`. When it ends
/// (shutdown was requested), let the workers finish the connections already queued, and
/// return once every worker has finished.
pub fn serve_or_refuse(
    listener: TcpListener,
    shutdown: &Shutdown,
    workers: NonZeroUsize,
    queue: usize,
    handle: impl Fn(TcpStream) + Send + Sync + 'static,
) {
    todo!("exercise 3.3: see the book, chapter 3's exercises (book/src/exercises/ch03.md)")
}
