//! Chapter 3's first program: chapter 2's server, each connection on a thread of its own, as
//! the article's §02 does next. `/sleep?ms=N` waits N ms first, so slow requests can overlap.
//!
//! Try it: `cargo run --example 03-thread-per-connection`, then send two slow requests at once:
//! `time (for i in 1 2; do curl -s "http://127.0.0.1:8888/sleep?ms=1000" & done; wait)`.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, SystemTime};
use std::{env, thread};

fn main() -> io::Result<()> {
    let address = env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let listener = TcpListener::bind(&address)?;
    println!("listening on http://{}/", listener.local_addr()?);
    io::stdout().flush()?;
    for stream in listener.incoming() {
        // A thread per client, with no bound; a failed accept or spawn costs just that client.
        let spawned = stream.and_then(|stream| {
            thread::Builder::new().spawn(move || {
                if let Err(error) = respond(stream) {
                    eprintln!("connection failed: {error}");
                }
            })
        });
        if let Err(error) = spawned {
            eprintln!("connection dropped: {error}");
        }
    }
    Ok(())
}

fn respond(mut stream: TcpStream) -> io::Result<()> {
    let (mut head, mut buffer) = (Vec::new(), [0; 1024]);
    while !head.windows(4).any(|four| four == b"\r\n\r\n") {
        match stream.read(&mut buffer)? {
            0 => return Ok(()),
            _ if head.len() > 16 * 1024 => return Err(io::Error::other("head over 16 KiB")),
            count => head.extend_from_slice(&buffer[..count]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or(""); // as in `GET /sleep?ms=500 HTTP/1.1`
    let (status, body) = match target.strip_prefix("/sleep?ms=").map(str::parse::<u64>) {
        // Capped, so that nobody can park a thread for an hour.
        Some(Ok(ms)) if ms <= 10_000 => {
            thread::sleep(Duration::from_millis(ms));
            ("200 OK", format!("slept {ms} ms\n"))
        }
        Some(_) => ("400 Bad Request", "ms must be a whole number up to 10000\n".to_string()),
        None => ("200 OK", "hello from a thread of its own\n".to_string()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nDate: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        httpdate::fmt_http_date(SystemTime::now()),
        body.len(),
    );
    stream.write_all(response.as_bytes())
}
