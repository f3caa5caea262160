//! The gateway on persistent connections: many requests per connection (chapter 5).
//!
//! Chapter 4's gateway answered one request and closed, which framed every response for
//! free: the body ended where the connection did. Keeping the connection open means every
//! body, in both directions, must say where it ends, and everything the application left
//! unread must be read past before the next request can be found. Both are the business of
//! [`Gateway::exchange`] and the `http` module; this file only loops over the requests a
//! connection carries. The interface to the application does not change at all: the same
//! `Application` runs on both.

use std::io::{self, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::gateway::CONTINUE;
use super::{Application, Exchanged, Gateway};
use crate::connection::{Connection, Next};
use crate::http::{
    BodyFraming, Persistence, Request, RequestError, Version, close_gracefully, discard_what_comes,
};
use crate::spool::{Spilled, Waiting};

impl<A: Application> Gateway<A> {
    // ANCHOR: serve_connection
    /// Serves request after request on `stream`, on the calling thread, until the client or
    /// the server ends the connection (chapter 5). A client silent for `idle` is let go: it
    /// holds a whole worker while it is connected.
    pub fn serve_connection(&self, stream: TcpStream, idle: Duration) {
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(idle));
        let mut connection = Connection::new(stream);
        while self.serve_ready(&mut connection) == Next::Wait {}
    }
    // ANCHOR_END: serve_connection

    // ANCHOR: serve_ready
    /// Handles a connection that is ready: reads its new bytes once (or, from chapter 7, goes
    /// on with a response its client has made room for), answers every complete request the
    /// buffer holds, and says whether to wait for more or close.
    pub fn serve_ready(&self, connection: &mut Connection) -> Next {
        if self.config().never_block {
            connection.make_nonblocking();
        }
        let stop = match connection.take_unsent() {
            Some(unsent) => {
                let endpoints = connection.endpoints;
                let exchanged = self.resume(unsent, connection.stream(), &endpoints);
                after(connection, exchanged)
            }
            None => receive(connection),
        };
        if let Some(next) = stop {
            return next;
        }
        loop {
            let (request, spilled) = match self.next_request(connection) {
                Ok(Some(ready)) => ready,
                Ok(None) => return Next::Wait, // the rest of the head has not arrived yet
                Err(error) => {
                    self.refuse(connection.stream(), &connection.endpoints, &error);
                    return close_after_response(connection);
                }
            };
            let (endpoints, hold) = (connection.endpoints, connection.holds_replies());
            let (body, out) = connection.split_gathered(spilled);
            let exchanged = self.exchange(&request, body, out, &endpoints, true, hold);
            if let Some(next) = after(connection, exchanged) {
                return next;
            }
        }
    }
    // ANCHOR_END: serve_ready

    // ANCHOR: next_request
    /// The next request to answer, once enough of it has arrived: its head (chapter 5), or,
    /// when bodies are gathered, its head and its body (chapter 7).
    fn next_request(
        &self,
        connection: &mut Connection,
    ) -> Result<Option<(Request, Spilled)>, RequestError> {
        let limits = &self.config().limits;
        if !connection.is_gathering() {
            let Some(request) = connection.take_request(limits)? else { return Ok(None) };
            if !self.config().never_block {
                return Ok(Some((request, Spilled::Nothing)));
            }
            connection.wait_for_body(Waiting::new(request, limits.body));
            let gathered = connection.gathered(limits.body_in_memory)?;
            if gathered.is_none() {
                send_continue_if_asked(connection);
            }
            return Ok(gathered);
        }
        Ok(connection.gathered(limits.body_in_memory)?)
    }
    // ANCHOR_END: next_request
}

/// Reads once. `Some` when there is nothing to answer: the client is done, or not there.
fn receive(connection: &mut Connection) -> Option<Next> {
    match connection.receive() {
        Ok(0) => Some(Next::Close), // the client is done
        Ok(_) => None,
        Err(error) if error.kind() == io::ErrorKind::Interrupted => Some(Next::Wait), // a signal
        // On a non-blocking socket (chapter 7): a wake-up with nothing to read after all. On
        // a blocking one, Linux says the same when the read timeout passed: the client was
        // idle too long (chapter 5), and the connection is closed.
        Err(error) if error.kind() == io::ErrorKind::WouldBlock && connection.is_nonblocking() => {
            Some(Next::Wait)
        }
        Err(_) => Some(Next::Close), // a reset, or the idle timeout
    }
}

// ANCHOR: after
/// What follows an exchange: `None` to answer the next request, already in the buffer.
fn after(connection: &mut Connection, exchanged: Exchanged) -> Option<Next> {
    match exchanged {
        Exchanged::Done(Persistence::KeepAlive(_)) if connection.unread().is_empty() => {
            Some(Next::Wait)
        }
        Exchanged::Done(Persistence::KeepAlive(_)) => None, // pipelined: the next one is here
        Exchanged::Done(Persistence::Close) => Some(close_after_response(connection)),
        // The client is not reading: park until it makes room. Requests pipelined behind
        // this response stay in the buffer, in order, and nothing more is read meanwhile.
        Exchanged::Paused(unsent) => {
            connection.pause(unsent);
            Some(Next::Wait)
        }
    }
}
// ANCHOR_END: after

/// A client that sent `Expect: 100-continue` waits for this before it sends the body: send
/// it now, while the body is awaited, and not again when the application runs.
fn send_continue_if_asked(connection: &mut Connection) {
    let Some(request) = connection.waiting_request() else { return };
    if request.expects_continue && request.body != BodyFraming::None {
        request.expects_continue = false;
        if request.version == Version::Http11 {
            let _ = connection.stream().write_all(CONTINUE);
        }
    }
}

/// Closes after a response without destroying it: see chapter 2's `close_gracefully`. On a
/// socket that never blocks (chapter 7) it reads past only what has already arrived, and
/// no worker waits for the client to finish: the close that follows sends the FIN that
/// `shutdown` would, one system call fewer a connection.
fn close_after_response(connection: &Connection) -> Next {
    if connection.is_nonblocking() {
        discard_what_comes(connection.stream()); // nothing to wait for, so no timeout to set
    } else {
        close_gracefully(connection.stream());
    }
    Next::Close
}
