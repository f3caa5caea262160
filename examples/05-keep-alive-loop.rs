//! Chapter 5's first program: one connection, request after request. Each answer says how long
//! its body is, so the connection can stay open for the next request instead of closing.
//!
//! Try it: `cargo run --example 05-keep-alive-loop`, then
//! `curl -v http://127.0.0.1:8888/one http://127.0.0.1:8888/two` ("Re-using existing connection").

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::SystemTime;

fn main() -> io::Result<()> {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let listener = TcpListener::bind(&address)?;
    println!("listening on http://{}/", listener.local_addr()?);
    io::stdout().flush()?;
    for stream in listener.incoming() {
        if let Err(error) = stream.and_then(serve) {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}

fn serve(mut stream: TcpStream) -> io::Result<()> {
    // Bytes after one head are the start of the next request: the buffer outlives each request.
    let (mut buffer, mut piece) = (Vec::new(), [0; 1024]);
    for number in 1.. {
        let end = loop {
            if let Some(at) = buffer.windows(4).position(|four| four == b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut piece)? {
                0 => return Ok(()), // closed: between requests, the normal end of a connection
                _ if buffer.len() > 16 * 1024 => return Err(io::Error::other("head over 16 KiB")),
                count => buffer.extend_from_slice(&piece[..count]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        buffer.drain(..end);
        // This loop cannot tell where a request body ends, so a request with one is the last.
        let close = head.lines().filter_map(|line| line.split_once(':')).any(|(name, value)| {
            let name = name.to_ascii_lowercase();
            let closing = name == "connection" && value.trim().eq_ignore_ascii_case("close");
            closing || name == "content-length" || name == "transfer-encoding"
        });
        let body = format!("request {number} on this connection\n");
        let response = format!(
            "HTTP/1.1 200 OK\r\nDate: {}\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\n{}\r\n{body}",
            httpdate::fmt_http_date(SystemTime::now()),
            body.len(),
            if close { "Connection: close\r\n" } else { "" },
        );
        stream.write_all(response.as_bytes())?;
        if close {
            return Ok(());
        }
    }
    Ok(())
}
