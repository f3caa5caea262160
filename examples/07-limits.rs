//! Chapter 7's first program: a server that cannot be held hostage. A thread per connection but
//! four at most (503), and a head of 8 KiB at most (431) that must arrive within 5 s (408).
//!
//! Try it: `cargo run --example 07-limits`, then `nc 127.0.0.1 8888` and type nothing.

use std::io::{self, ErrorKind::TimedOut, ErrorKind::WouldBlock, Read, Write};
use std::time::{Duration, Instant, SystemTime};
use std::{env, net::TcpListener, net::TcpStream, sync::Arc, thread};

const MAX_THREADS: usize = 4;
const MAX_HEAD: usize = 8 * 1024;
const HEAD_TIME: Duration = Duration::from_secs(5);

fn main() -> io::Result<()> {
    let address = env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let listener = TcpListener::bind(&address)?;
    println!("listening on http://{}/", listener.local_addr()?);
    io::stdout().flush()?;
    // Each thread holds a clone of `busy`, its ticket, until it ends (or if it cannot start).
    let busy = Arc::new(());
    for stream in listener.incoming().filter_map(Result::ok) {
        let ticket = Arc::clone(&busy); // the count is now 1 + the threads, this one included
        if Arc::strong_count(&busy) <= MAX_THREADS + 1 {
            let _ = thread::Builder::new().spawn(move || serve(&stream, ticket));
        } else {
            answer(&stream, "503 Service Unavailable", "Retry-After: 1\r\n"); // no thread for it
        }
    }
    Ok(())
}

fn serve(mut stream: &TcpStream, _ticket: Arc<()>) {
    // The clock starts once, at the connection: bytes that trickle in do not restart it.
    let (deadline, mut head, mut buffer) = (Instant::now() + HEAD_TIME, Vec::new(), [0; 1024]);
    let status = loop {
        if head.len() > MAX_HEAD {
            break "431 Request Header Fields Too Large";
        } else if head.windows(4).any(|four| four == b"\r\n\r\n") {
            break "200 OK";
        }
        // Each read waits only for what is left of the head's time (std refuses a zero).
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = stream.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match stream.read(&mut buffer) {
            Ok(count @ 1..) => head.extend_from_slice(&buffer[..count]),
            Err(e) if matches!(e.kind(), WouldBlock | TimedOut) => break "408 Request Timeout",
            _ => return, // the client left (a read of 0), or the connection broke
        }
    };
    answer(stream, status, "");
}

fn answer(mut stream: &TcpStream, status: &str, extra_headers: &str) {
    let (date, length) = (httpdate::fmt_http_date(SystemTime::now()), status.len() + 1);
    let response = format!(
        "HTTP/1.1 {status}\r\nDate: {date}\r\nContent-Type: text/plain\r\n{extra_headers}\
         Content-Length: {length}\r\nConnection: close\r\n\r\n{status}\n"
    );
    let _ = stream.write_all(response.as_bytes());
}
