//! The accept loop, and how to stop it (chapter 1; grown in chapter 3).
//!
//! Every chapter's server is the same loop: accept a connection, hand it to a function that
//! deals with one connection. What changes from chapter to chapter is that function (echo
//! bytes, answer HTTP, call an application) and *who runs it*: the loop itself (chapters 1
//! and 2), a new thread per connection, or a pool of threads (chapter 3).

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::pool::ThreadPool;

// ANCHOR: shutdown
/// A handle that asks a running server to stop. Clone it freely: any clone can ask.
///
/// `accept` blocks until a client connects, so setting a flag alone would not wake the loop.
/// `request` therefore also connects to the listener once, which makes `accept` return and
/// the loop see the flag.
#[derive(Clone, Debug)]
pub struct Shutdown {
    requested: Arc<AtomicBool>,
    wake_address: SocketAddr,
}

impl Shutdown {
    /// A handle for the server that will run on `listener`.
    pub fn new(listener: &TcpListener) -> io::Result<Shutdown> {
        let mut wake_address = listener.local_addr()?;
        // A server bound to 0.0.0.0 (every interface) is reachable on loopback.
        if wake_address.ip().is_unspecified() {
            wake_address.set_ip(match wake_address {
                SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
            });
        }
        Ok(Shutdown { requested: Arc::new(AtomicBool::new(false)), wake_address })
    }

    /// Asks the server to stop accepting. Connections already accepted are finished.
    pub fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
        // If this fails the loop is not blocked in accept (or is gone): nothing to wake.
        let _ = TcpStream::connect_timeout(&self.wake_address, Duration::from_secs(1));
    }

    /// Whether a stop has been asked for.
    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
}
// ANCHOR_END: shutdown

// ANCHOR: connections
/// The connections a listener accepts, until `shutdown` is requested.
///
/// A failed `accept` (a client that reset before we got to it, or running out of file
/// descriptors) is logged and skipped: one bad connection must not stop the server. The stop
/// is looked at before each `accept`, never after, so a connection that was accepted is
/// always handed on, and served.
pub fn connections<'a>(
    listener: &'a TcpListener,
    shutdown: &'a Shutdown,
) -> impl Iterator<Item = TcpStream> + 'a {
    connections_with_peers(listener, shutdown).map(|(stream, _)| stream)
}

/// [`connections`], each with the client's address, which `accept` returns anyway: chapter
/// 7's reactor keeps it, instead of asking the kernel for it again.
pub fn connections_with_peers<'a>(
    listener: &'a TcpListener,
    shutdown: &'a Shutdown,
) -> impl Iterator<Item = (TcpStream, SocketAddr)> + 'a {
    let accepted = std::iter::from_fn(|| (!shutdown.is_requested()).then(|| listener.accept()));
    accepted.filter_map(|accepted| match accepted {
        Ok(accepted) => Some(accepted),
        // A listener shared by worker processes has a timeout on `accept` (chapter 10): the
        // loop comes round to look at the stop.
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => None,
        Err(error) => {
            eprintln!("accept failed: {error}");
            // Errors such as "too many open files" repeat at once; do not spin on them.
            thread::sleep(Duration::from_millis(10));
            None
        }
    })
}
// ANCHOR_END: connections

// ANCHOR: one_at_a_time
/// Serves each connection to the end before accepting the next (chapters 1 and 2).
pub fn serve_one_at_a_time(listener: TcpListener, shutdown: &Shutdown, handle: impl Fn(TcpStream)) {
    for stream in connections(&listener, shutdown) {
        handle(stream);
    }
}
// ANCHOR_END: one_at_a_time

// ANCHOR: thread_per_connection
/// Serves each connection on a new thread, as the article's threaded server does (chapter 3).
///
/// Nothing bounds the number of threads: a burst of clients is a burst of threads. On
/// shutdown it waits for the threads still running.
pub fn serve_thread_per_connection(
    listener: TcpListener,
    shutdown: &Shutdown,
    handle: impl Fn(TcpStream) + Send + Sync + 'static,
) {
    let handle = Arc::new(handle);
    let mut running: Vec<JoinHandle<()>> = Vec::new();
    for stream in connections(&listener, shutdown) {
        running.retain(|thread| !thread.is_finished());
        let handle = Arc::clone(&handle);
        // `thread::spawn` would panic, and end the server, when the system refuses one more
        // thread; `Builder::spawn` says so, and only this client is lost.
        match thread::Builder::new().spawn(move || handle(stream)) {
            Ok(thread) => running.push(thread),
            Err(error) => eprintln!("could not start a thread for a connection: {error}"),
        }
    }
    for thread in running {
        let _ = thread.join();
    }
}
// ANCHOR_END: thread_per_connection

// ANCHOR: pooled
/// Serves connections on a fixed pool of worker threads (chapter 3).
///
/// When shutdown is requested the loop stops accepting and the pool is dropped, which lets
/// the workers finish every connection already handed to them and then joins them.
pub fn serve_pooled(
    listener: TcpListener,
    shutdown: &Shutdown,
    pool: ThreadPool,
    handle: impl Fn(TcpStream) + Send + Sync + 'static,
) {
    let handle = Arc::new(handle);
    for stream in connections(&listener, shutdown) {
        let handle = Arc::clone(&handle);
        pool.execute(move || handle(stream));
    }
    drop(pool);
}
// ANCHOR_END: pooled
