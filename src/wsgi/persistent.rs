//! The gateway on persistent connections: many requests per connection (chapter 5).
//!
//! Chapter 4's gateway answered one request and closed, which framed every response for
//! free: the body ended where the connection did. Keeping the connection open means every
//! body, in both directions, must say where it ends, and everything the application left
//! unread must be read past before the next request can be found. Both are the business of
//! [`Gateway::exchange`] and the `http` module; this file only loops over the requests a
//! connection carries. The interface to the application does not change at all: the same
//! `Application` runs on both.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use super::{Application, Gateway};
use crate::connection::{Connection, Next};
use crate::http::{Persistence, close_gracefully};

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
    /// Handles a connection that has new bytes: reads them once, answers every complete
    /// request they hold, and says whether to wait for more or close.
    pub fn serve_ready(&self, connection: &mut Connection) -> Next {
        match connection.receive() {
            Ok(0) => return Next::Close, // the client is done
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => return Next::Wait,
            Err(_) => return Next::Close, // a reset, or (chapter 5) the idle timeout
        }
        loop {
            let request = match connection.take_request(&self.config().limits) {
                Ok(Some(request)) => request,
                Ok(None) => return Next::Wait, // the rest of the head has not arrived yet
                Err(error) => {
                    self.refuse(connection.stream(), &connection.endpoints, &error);
                    return close_after_response(connection);
                }
            };
            let endpoints = connection.endpoints;
            let (body, out) = connection.split();
            match self.exchange(&request, body, out, &endpoints, true) {
                Persistence::KeepAlive(_) if connection.unread().is_empty() => return Next::Wait,
                Persistence::KeepAlive(_) => continue, // pipelined: the next request is here
                Persistence::Close => return close_after_response(connection),
            }
        }
    }
    // ANCHOR_END: serve_ready
}

/// Closes after a response without destroying it: see chapter 2's `close_gracefully`.
fn close_after_response(connection: &Connection) -> Next {
    close_gracefully(connection.stream());
    Next::Close
}
