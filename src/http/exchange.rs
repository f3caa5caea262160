//! One request, one response, then close (chapter 2).
//!
//! This is the article's `connet_operate` done carefully: read the head (with limits), let a
//! handler choose the response, write it with a correct length and date, close.

use std::io::{BufReader, Read};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::{Clock, Limits, Persistence, Proxy, Request, Response, read_request};

/// What the server side needs besides the handler.
#[derive(Clone, Debug)]
pub struct Config {
    pub clock: Clock,
    pub limits: Limits,
    /// Print one line per request on stderr.
    pub access_log: bool,
    /// Never block a worker on a client (chapter 7): each request's body is gathered before
    /// the application is called, and a response the client is slow to read waits, parked,
    /// on a non-blocking socket. Otherwise (chapters 5 and 6) the application reads the body
    /// from the connection as it goes, and a worker waits in each write.
    pub never_block: bool,
    /// Whose `X-Forwarded-*` headers to believe, and the mount prefix (chapter 10). `None`
    /// is chapters 4 to 9's server, which knows nothing of proxies and passes those headers
    /// on like any others, as wsgiref does; the binaries that take `--forwarded-allow-ips`
    /// always give `Some`, whose default believes nobody.
    pub proxy: Option<Proxy>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            clock: Clock::System,
            limits: Limits::default(),
            access_log: true,
            never_block: false,
            proxy: None,
        }
    }
}

// ANCHOR: respond
/// Serves one request on `stream` with `handler`, then closes the connection.
pub fn respond(stream: TcpStream, handler: impl Fn(&Request) -> Response, config: &Config) {
    let peer = peer_name(stream.peer_addr().ok());
    let mut reader = BufReader::new(&stream);
    let (response, include_body) = match read_request(&mut reader, &config.limits) {
        Ok(Some(request)) => {
            let response = handler(&request);
            let include_body = request.method != "HEAD";
            if config.access_log {
                let sent = if include_body { response.body.len() as u64 } else { 0 };
                access_log(&peer, &request_line(&request), response.status.code, sent);
            }
            (response, include_body)
        }
        Ok(None) => return, // connected and left without a word
        Err(error) => match error.status() {
            Some(status) => {
                let response = Response::text(status, format!("{status}: {error}\n"));
                access_log(&peer, "(unreadable request)", status.code, response.body.len() as u64);
                (response, true)
            }
            None => return eprintln!("{peer}: {error}"),
        },
    };
    if let Err(error) =
        response.write_to(&mut &stream, config.clock, include_body, Persistence::Close)
    {
        eprintln!("{peer}: could not send the response: {error}");
    }
    close_gracefully(&stream);
}
// ANCHOR_END: respond

// ANCHOR: close_gracefully
/// Closes a connection without destroying the response we just sent.
///
/// If we close while unread request bytes (say, a body we ignored) sit in our receive
/// buffer, the kernel answers with a TCP reset, and a reset can make the client discard our
/// response before reading it. So: say we are done sending, read and discard what the client
/// still sends for a short while, then close. Apache calls this a "lingering close".
pub fn close_gracefully(stream: &TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.shutdown(Shutdown::Write);
    discard_what_comes(stream);
}

/// Reads and drops what the client sends, until it stops or a read times out. On a socket
/// that never blocks (chapter 7), that is only what has already arrived: with nothing to
/// wait for, there is no need to say first that we are done, and closing says it.
pub fn discard_what_comes(stream: &TcpStream) {
    // Bounded in bytes and in time: a client that keeps trickling must not keep us here.
    let give_up = Instant::now() + Duration::from_secs(1);
    let mut discard = [0; 4096];
    let mut budget: usize = 256 * 1024;
    while let Ok(read @ 1..) = (&mut &*stream).read(&mut discard) {
        budget = budget.saturating_sub(read);
        if budget == 0 || Instant::now() >= give_up {
            break;
        }
    }
}
// ANCHOR_END: close_gracefully

/// A client's address as the logs show it.
pub(crate) fn peer_name(peer: Option<SocketAddr>) -> String {
    peer.map_or_else(|| "unknown peer".to_string(), |address| address.to_string())
}

pub(crate) fn request_line(request: &Request) -> String {
    format!("{} {} {}", request.method, request.target, request.version)
}

/// One line per request on stderr, like a web server's access log.
pub(crate) fn access_log(peer: &str, request_line: &str, status: u16, body_bytes: u64) {
    eprintln!("{peer} \"{request_line}\" {status} {body_bytes}");
}
