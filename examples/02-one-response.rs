//! Chapter 2's first program: the article's §02 web server, done right. It reads a request
//! head, sends one page, and closes the connection.
//!
//! Try it: `cargo run --example 02-one-response`, then `curl -i http://127.0.0.1:8888/`.

use std::env;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::SystemTime;

// 你好，世界！ is six characters and 18 bytes of UTF-8: the page has more bytes than characters.
const PAGE: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>My first web page</title></head>
<body><h1>My first web page</h1><p>你好，世界！Hello, world!</p></body></html>
";
// A client that never sends the empty line must not make us buffer forever.
const MAX_HEAD: usize = 16 * 1024;

fn main() -> io::Result<()> {
    let address = env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let listener = TcpListener::bind(&address)?;
    println!("listening on http://{}/", listener.local_addr()?);
    io::stdout().flush()?;
    for stream in listener.incoming() {
        if let Err(error) = stream.and_then(respond) {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}

fn respond(mut stream: TcpStream) -> io::Result<()> {
    let mut head = Vec::new();
    let mut buffer = [0; 1024];
    // A head ends at the first empty line, which is exactly \r\n\r\n.
    while !head.windows(4).any(|four| four == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Err(io::Error::other("request head over 16 KiB; closing"));
        }
        let count = stream.read(&mut buffer)?;
        if count == 0 {
            // The client left before finishing its request: there is nobody to answer.
            return Ok(());
        }
        head.extend_from_slice(&buffer[..count]);
    }
    eprint!("{}", String::from_utf8_lossy(&head));

    // `len()` of a `&str` counts bytes, which is what Content-Length means.
    let response = format!(
        "HTTP/1.1 200 OK\r\nDate: {}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
        httpdate::fmt_http_date(SystemTime::now()),
        PAGE.len(),
    );
    // One write for head and body: one system call, and no small packet held back for the next.
    stream.write_all(response.as_bytes())
}
