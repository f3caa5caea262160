//! A "hello, world" HTTP server on hyper 1 and tokio: the yardstick for the benchmarks.
//!
//! hyper is the HTTP library under most production Rust web servers (axum and warp are
//! built on it). It keeps connections alive and runs on tokio's multi-threaded runtime: one
//! worker thread per core, each juggling many connections on non-blocking sockets. The
//! chapter 2-4 servers block a thread per request and close every connection after one
//! answer. Loading both the same way shows what those choices cost, and how close the later
//! chapters come to a production stack.
//!
//! It follows the chapter binaries' conventions: `--host` (default 127.0.0.1), `--port`
//! (default 8888; 0 picks a free one), and the first line on stdout is
//! `listening on http://HOST:PORT/` with the real port. Every path answers 200 with a short
//! text body; the benchmarks only ask for `/`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const USAGE: &str = "usage: hyper-hello [--host HOST] [--port PORT]\n\
    A hello-world server on hyper and tokio, the yardstick for bench/run.sh.\n  \
    --host HOST    address to listen on (default 127.0.0.1)\n  \
    --port PORT    port to listen on; 0 picks a free one (default 8888)";

/// The whole application: the same short page to every request, the 40 bytes that chapter 7's
/// demo serves at `/hello`, so that both servers send the same body.
async fn hello(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let page = Bytes::from_static(b"<html><body>Hello, World!</body></html>\n");
    let mut response = Response::new(Full::new(page));
    response.headers_mut().insert("content-type", "text/html".parse().expect("a valid value"));
    Ok(response)
}

/// Reads `--host` and `--port`; `Err` carries the message for stderr.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(String, u16), String> {
    let (mut host, mut port) = ("127.0.0.1".to_string(), 8888);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--host" => host = value()?,
            "--port" => {
                let text = value()?;
                port = text.parse().map_err(|_| format!("--port: `{text}` is not a port"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ => return Err(format!("unknown argument `{flag}`\n{USAGE}")),
        }
    }
    Ok((host, port))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (host, port) = match parse_args(std::env::args().skip(1)) {
        Ok(address) => address,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind((host.as_str(), port)).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {host}:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let address: SocketAddr = listener.local_addr().expect("a bound listener has an address");
    println!("listening on http://{address}/");

    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            // Out of file descriptors, for example: say so and keep accepting.
            Err(error) => {
                eprintln!("accept failed: {error}");
                continue;
            }
        };
        // Small responses go out at once instead of waiting for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        // One lightweight task per connection; tokio spreads them over its worker threads.
        // hyper keeps the connection open for the next request (HTTP/1.1 keep-alive) unless
        // the client asked for `Connection: close`.
        tokio::spawn(async move {
            let io = TokioIo::new(stream);
            if let Err(error) = http1::Builder::new().serve_connection(io, service_fn(hello)).await
            {
                eprintln!("connection error: {error}");
            }
        });
    }
}
