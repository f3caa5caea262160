//! The server side of the interface: from a request to an application and back (chapter 4;
//! grown in chapter 5).
//!
//! For each request the gateway builds the environ, calls the application, then sends what
//! it chose. PEP 3333 fixes the order of the last part: no header byte leaves before the
//! body's first non-empty chunk exists, so an application that fails while making its body
//! still gets its client a clean 500 instead of half a page. Chapter 4 serves one request
//! per connection ([`Gateway::handle`]); chapter 5's persistent connections
//! (`persistent.rs`) hand every request they carry to the same [`Gateway::exchange`].

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;

use super::application::catch_panic;
use super::sending::{Progress, Sending};
use super::{Application, Body, Environ, Input, StartResponse, behind_proxy};
use crate::connection::Endpoints;
use crate::http::exchange::{access_log, request_line};
use crate::http::{
    BodyFraming, Config, HOP_BY_HOP, Persistence, Request, RequestBody, RequestError, Response,
    ResponseFraming, Status, Version, close_gracefully, declared_length, is_field_text,
    is_token_byte, plan_response, read_request, status_code, status_has_body, write_head,
};

/// The interim response that tells a client waiting on `Expect: 100-continue` to send its body.
pub(super) const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

// ANCHOR: gateway
/// Runs an application for every request on the connections it is given.
pub struct Gateway<A> {
    app: A,
    config: Config,
    multithread: bool,
    multiprocess: bool,
}

impl<A: Application> Gateway<A> {
    /// A gateway for `app` on a server that calls it from one thread at a time.
    pub fn new(app: A, config: Config) -> Gateway<A> {
        Gateway { app, config, multithread: false, multiprocess: false }
    }

    /// Tells the application (through `wsgi.multithread`) that it runs on a pool.
    pub fn multithreaded(mut self, multithread: bool) -> Gateway<A> {
        self.multithread = multithread;
        self
    }

    /// Tells the application (through `wsgi.multiprocess`) that other processes run it too
    /// (chapter 10's `--workers`).
    pub fn multiprocess(mut self, multiprocess: bool) -> Gateway<A> {
        self.multiprocess = multiprocess;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Serves one request on `stream`, then closes it (chapter 4).
    pub fn handle(&self, stream: TcpStream) {
        // PEP 3333 wants each chunk sent as it is produced, not held back to fill a packet.
        let _ = stream.set_nodelay(true);
        let endpoints = Endpoints::of(&stream);
        let mut reader = BufReader::new(&stream);
        match read_request(&mut reader, &self.config.limits) {
            Ok(Some(request)) => {
                self.exchange(&request, &mut reader, &stream, &endpoints, false, false);
            }
            Ok(None) => return, // connected and left without a word
            Err(error) => self.refuse(&stream, &endpoints, &error),
        }
        close_gracefully(&stream);
    }
    // ANCHOR_END: gateway

    // ANCHOR: exchange
    /// Serves one request whose head has been read: builds the environ, calls the
    /// application, sends its response. `reader` holds the body. `reusable` says whether the
    /// server would read another request from this connection afterwards; what it returns
    /// says whether it can. `hold` (chapter 9): hand the response back unsent, paused.
    pub fn exchange(
        &self,
        request: &Request,
        reader: impl BufRead,
        out: &TcpStream,
        endpoints: &Endpoints,
        reusable: bool,
        hold: bool,
    ) -> Exchanged {
        let mut body = RequestBody::new(reader, request.body, self.config.limits.body);
        if request.expects_continue && request.body != BodyFraming::None {
            // The client waits for this before it sends the body (RFC 9110 §10.1.1).
            if request.version == Version::Http11 && (&mut &*out).write_all(CONTINUE).is_err() {
                return Exchanged::Done(Persistence::Close);
            }
        }
        let mut start_response = StartResponse::default();
        let called = self.call(request, &mut body, endpoints, &mut start_response);
        // Reading past what the application left is only worth it if a request may follow.
        let read_to_end = reusable && body.finish();
        if let Err(error) = body.check_size() {
            self.refuse(out, endpoints, &error);
            return Exchanged::Done(Persistence::Close);
        }
        let reply = self.respond(request, called, start_response, read_to_end);
        if hold {
            return Exchanged::Paused(Unsent { reply, line: request_line(request), held: true });
        }
        self.send(reply, out, endpoints, || request_line(request))
    }
    // ANCHOR_END: exchange

    // ANCHOR: send
    /// Sends a reply as far as the socket takes it. Once it is all sent (or has failed), logs
    /// it and says what becomes of the connection; a reply the socket is too full for is
    /// handed back, paused, when the server never blocks (chapter 7).
    fn send(
        &self,
        mut reply: Reply,
        out: &TcpStream,
        endpoints: &Endpoints,
        line: impl FnOnce() -> String,
    ) -> Exchanged {
        let sent = match reply.sending.send(out) {
            Ok(Progress::Blocked) if self.config.never_block => {
                return Exchanged::Paused(Unsent { reply, line: line(), held: false });
            }
            // A blocking socket is full only once its write timeout has passed.
            Ok(Progress::Blocked) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing for as long as one write may wait (the socket's write timeout)",
            )),
            Ok(Progress::Sent(bytes)) => Ok((reply.persistence, reply.code, bytes)),
            Err(error) => Err(error),
        };
        Exchanged::Done(self.log(line, endpoints, sent))
    }

    /// Goes on with a reply that was paused, once its client has read some (chapter 7).
    pub fn resume(&self, unsent: Unsent, out: &TcpStream, endpoints: &Endpoints) -> Exchanged {
        let Unsent { reply, line, .. } = unsent;
        self.send(reply, out, endpoints, || line)
    }
    // ANCHOR_END: send

    /// Logs how the response went, and says what becomes of the connection.
    fn log(
        &self,
        line: impl FnOnce() -> String,
        endpoints: &Endpoints,
        sent: io::Result<(Persistence, u16, u64)>,
    ) -> Persistence {
        let peer = || endpoints.peer_name();
        match sent {
            Ok((persistence, status, bytes)) => {
                if self.config.access_log {
                    access_log(&peer(), &line(), status, bytes);
                }
                persistence
            }
            // A client that stops reading and closes (`curl ... | head`) is no failure of
            // ours: the access log says so in plain words, and `--quiet` silences it.
            Err(error) if client_left(&error) => {
                if self.config.access_log {
                    let (peer, line) = (peer(), line());
                    eprintln!("{peer} \"{line}\": the client left before the end of the response");
                }
                Persistence::Close
            }
            Err(error) => {
                eprintln!("{} \"{}\": response cut short: {error}", peer(), line());
                Persistence::Close
            }
        }
    }

    // ANCHOR: call
    /// Builds the environ and calls the application with it, catching a panic. The environ,
    /// and with it the application's hold on the request body, ends when this returns.
    fn call(
        &self,
        request: &Request,
        body: &mut RequestBody<impl BufRead>,
        endpoints: &Endpoints,
        start_response: &mut StartResponse,
    ) -> Result<Body, String> {
        let mut environ = Environ::for_connection(request, endpoints);
        if let Some(not_found) = self.believe_proxy(&mut environ, endpoints, start_response) {
            return Ok(not_found); // chapter 10: a path outside `--script-name`
        }
        (environ.multithread, environ.multiprocess) = (self.multithread, self.multiprocess);
        environ.input = match body.length() {
            Some(length) => Input::new(body, length),
            None => Input::until_end(body),
        };
        catch_panic(|| self.app.invoke(&mut environ, start_response))
    }
    // ANCHOR_END: call

    /// Applies what a trusted proxy in front says of the client and the mount prefix
    /// (chapter 10); nothing at all without `--forwarded-allow-ips` or `--script-name`. A
    /// path outside the prefix gets the server's own 404, returned here.
    fn believe_proxy(
        &self,
        environ: &mut Environ<'_>,
        endpoints: &Endpoints,
        start_response: &mut StartResponse,
    ) -> Option<Body> {
        let proxy = self.config.proxy.as_ref()?;
        let peer = endpoints.peer.map(|peer| peer.ip());
        let outside = behind_proxy::apply(environ, peer, proxy).err()?;
        Some(outside.respond(proxy, start_response))
    }

    // ANCHOR: respond
    /// Makes what the application chose into a reply, framed as [`plan_response`] decides:
    /// its status, what becomes of the connection, and the bytes to send.
    fn respond(
        &self,
        request: &Request,
        called: Result<Body, String>,
        start_response: StartResponse,
        reusable: bool,
    ) -> Reply {
        let Chosen { status, code, mut headers, mut body, length } =
            match checked_response(called, start_response) {
                Ok(chosen) => chosen,
                Err(why) => return self.fail(request, &why, reusable),
            };
        // Nothing is sent until the application has produced something to send.
        let first = match catch_panic(|| body.find(|chunk| !chunk.is_empty())) {
            Ok(first) => first,
            Err(why) => return self.fail(request, &why, reusable),
        };
        // A body that had nothing, or nothing after its first chunk, is all here: its length
        // is known, so it can be said, and an HTTP/1.0 client may keep its connection (PEP
        // 3333, "Handling the Content-Length Header").
        let whole = first.is_none() || body.size_hint() == (0, Some(0));
        let first = first.unwrap_or_default();
        let length = length.or_else(|| {
            (whole && status_has_body(code)).then(|| {
                headers.push(("Content-Length".to_string(), first.len().to_string()));
                first.len() as u64
            })
        });
        let (framing, persistence) = plan_response(request, code, length, reusable);
        if framing == ResponseFraming::Chunked {
            headers.push(("Transfer-Encoding".to_string(), "chunked".to_string()));
        }
        if let Some((name, value)) = persistence.header() {
            headers.push((name.to_string(), value.to_string()));
        }
        let mut head = Vec::with_capacity(256);
        write_head(&mut head, &status, self.config.clock, &headers);
        Reply { sending: Sending::new(head, first, body, framing), persistence, code }
    }
    // ANCHOR_END: respond

    /// Answers 500 for a failure of the application, and logs why. The connection may stay
    /// open: the 500 is framed like any response.
    fn fail(&self, request: &Request, why: &str, reusable: bool) -> Reply {
        eprintln!("application error: {why}");
        let status = Status::INTERNAL_SERVER_ERROR;
        let response =
            Response::text(status, "500: the application failed; the server log says why\n");
        let length = response.body.len() as u64;
        let (framing, persistence) = plan_response(request, status.code, Some(length), reusable);
        let head = response.head(self.config.clock, persistence);
        let sending = Sending::new(head, response.body, Body::empty(), framing);
        Reply { sending, persistence, code: status.code }
    }

    /// Answers a request that could not be read (400, 413, 431, ...), or logs why there is
    /// nobody to answer. The connection must close afterwards: where the request ends is
    /// unknown.
    pub fn refuse(&self, out: &TcpStream, endpoints: &Endpoints, error: &RequestError) {
        let Some(status) = error.status() else {
            return eprintln!("{}: {error}", endpoints.peer_name());
        };
        let response = Response::text(status, format!("{status}: {error}\n"));
        let sent = response.write_to(&mut &*out, self.config.clock, true, Persistence::Close);
        if sent.is_ok() && self.config.access_log {
            let bytes = response.body.len() as u64;
            access_log(&endpoints.peer_name(), "(refused request)", status.code, bytes);
        }
    }
}

// ANCHOR: exchanged
/// How an exchange ended.
pub enum Exchanged {
    /// The response is sent, or failed on the way; the connection goes on as this says.
    Done(Persistence),
    /// The socket filled up before the end (chapter 7, where sockets never block): the rest
    /// goes out once the client has read.
    Paused(Unsent),
}

/// A response waiting for its client to read, with what its log line needs.
pub struct Unsent {
    reply: Reply,
    line: String,
    /// Held back before any of it was offered to the socket (chapter 9), rather than
    /// paused because the socket was full.
    held: bool,
}

impl Unsent {
    /// Every byte of it the socket has taken so far: a slow reader is measured by this.
    pub fn taken(&self) -> u64 {
        self.reply.sending.taken()
    }

    /// Whether it was held back unsent: it has not waited for its reader yet.
    pub fn is_held(&self) -> bool {
        self.held
    }
}
// ANCHOR_END: exchanged

/// A response ready to send: its bytes, its status and what becomes of the connection.
struct Reply {
    sending: Sending,
    persistence: Persistence,
    code: u16,
}

/// What the application chose, checked: status line, headers, body, and the body length
/// its `Content-Length` announced.
struct Chosen {
    status: String,
    code: u16,
    headers: Vec<(String, String)>,
    body: Body,
    length: Option<u64>,
}

// ANCHOR: checked_response
/// What the application chose, if it is a response we can send: it returned, it called
/// `start_response`, and the status and headers cannot break the response's framing.
fn checked_response(
    called: Result<Body, String>,
    start_response: StartResponse,
) -> Result<Chosen, String> {
    let body = called?;
    let (status, chosen_headers) = start_response.into_parts();
    let status = status.ok_or("the application returned without calling start_response")?;
    let code = status_code(&status)
        .filter(|_| is_field_text(&status))
        .ok_or_else(|| format!("status {status:?} is not of the form \"200 OK\""))?;
    let mut headers = Vec::with_capacity(chosen_headers.len() + 2);
    for (name, value) in chosen_headers {
        if name.is_empty() || !name.bytes().all(is_token_byte) || !is_field_text(&value) {
            return Err(format!("header {name:?}: {value:?} would corrupt the response"));
        }
        if HOP_BY_HOP.iter().any(|hop| name.eq_ignore_ascii_case(hop)) {
            eprintln!(
                "application set the hop-by-hop header {name:?}; the server decides that, so it was dropped"
            );
            continue;
        }
        headers.push((name, value));
    }
    let length = declared_length(&headers)?;
    Ok(Chosen { status, code, headers, body, length })
}
// ANCHOR_END: checked_response

/// Whether a failed write means only that the client went away.
fn client_left(error: &io::Error) -> bool {
    use io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset};
    matches!(error.kind(), BrokenPipe | ConnectionReset | ConnectionAborted)
}
