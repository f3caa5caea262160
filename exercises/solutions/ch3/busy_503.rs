//! SPOILER: reference solution of exercise 3.3 (a server that says "busy"). Try it yourself
//! first.

use std::net::{TcpListener, TcpStream};
use std::num::NonZeroUsize;
use std::sync::mpsc::{self, Receiver, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use socket_to_wsgi::http::{Clock, Persistence, Response, Status};
use socket_to_wsgi::server::{Shutdown, connections};

/// Serves connections on `workers` threads with a waiting room of `queue` connections;
/// answers 503 at once when both are full.
pub fn serve_or_refuse(
    listener: TcpListener,
    shutdown: &Shutdown,
    workers: NonZeroUsize,
    queue: usize,
    handle: impl Fn(TcpStream) + Send + Sync + 'static,
) {
    // A bounded channel *is* the waiting room: `try_send` fails instead of waiting when it
    // is full. With `queue` 0 it only succeeds when a worker is waiting for work.
    let (sender, receiver) = mpsc::sync_channel::<TcpStream>(queue);
    let receiver = Arc::new(Mutex::new(receiver));
    let handle = Arc::new(handle);
    let threads: Vec<_> = (0..workers.get())
        .map(|_| {
            let (receiver, handle) = (Arc::clone(&receiver), Arc::clone(&handle));
            thread::spawn(move || work(&receiver, &*handle))
        })
        .collect();

    for stream in connections(&listener, shutdown) {
        match sender.try_send(stream) {
            Ok(()) => {}
            Err(TrySendError::Full(stream)) => refuse(&stream),
            Err(TrySendError::Disconnected(_)) => break, // every worker is gone
        }
    }
    drop(sender); // no more connections: workers return once the queue is empty
    for thread in threads {
        let _ = thread.join();
    }
}

fn work(receiver: &Mutex<Receiver<TcpStream>>, handle: &(impl Fn(TcpStream) + ?Sized)) {
    loop {
        let next = receiver.lock().expect("no worker panics holding the lock").recv();
        let Ok(stream) = next else { return };
        handle(stream);
    }
}

/// The answer of a server that has no room: at once, without reading the request, and
/// without lingering. This runs on the accept loop, the one thread that takes every new
/// connection, so whatever it waits for here, every other client waits for too.
fn refuse(stream: &TcpStream) {
    let response =
        Response::text(Status::SERVICE_UNAVAILABLE, "503: every worker is busy; try again\n")
            .with_header("Retry-After", "1");
    // These few bytes fit in a new connection's send buffer, so the write should not wait;
    // the timeout bounds it all the same, even for a client that never reads.
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let _ = response.write_to(&mut &*stream, Clock::System, true, Persistence::Close);
    // Done in both directions, with no lingering read: the client gets the 503 and then the
    // end of the stream, and the socket closes when `stream` is dropped by the caller.
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
