//! Chapter 4's first program, after the article's §03: a WSGI-style application is a plain
//! function of `environ` and `start_response` returning body chunks; a tiny server calls it.
//!
//! Try it: `cargo run --example 04-application`, then `curl -i http://127.0.0.1:8888/hi?x=1`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::{collections::HashMap, env, time::SystemTime};

type Environ = HashMap<String, String>;
type Headers = Vec<(String, String)>;

/// Knows nothing of sockets: it reads `environ` and answers through `start_response`.
fn application(environ: &Environ, start_response: &mut dyn FnMut(&str, Headers)) -> Vec<Vec<u8>> {
    let mut lines: Vec<String> = environ.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
    lines.sort();
    start_response("200 OK", vec![("Content-Type".into(), "text/plain; charset=utf-8".into())]);
    lines.into_iter().map(String::into_bytes).collect()
}

fn main() -> io::Result<()> {
    let address = env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8888".to_string());
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
    // Line by line up to the empty line, at most 16 KiB; a head cut short gets no answer.
    let (mut reader, mut head) = (BufReader::new(&stream).take(16 * 1024), String::new());
    while reader.read_line(&mut head)? > 0 && !head.ends_with("\r\n\r\n") {}
    let Some(head) = head.strip_suffix("\r\n\r\n") else { return Ok(()) };
    let mut lines = head.split("\r\n");
    let words: Vec<&str> = lines.next().unwrap_or("").split(' ').collect();
    let [method, target, protocol] = words[..] else { return Err(io::Error::other("bad request")) };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let cgi = [("REQUEST_METHOD", method), ("PATH_INFO", path), ("QUERY_STRING", query)];
    let mut environ: Environ = cgi.map(|(key, value)| (key.to_string(), value.to_string())).into();
    environ.insert("SERVER_PROTOCOL".to_string(), protocol.to_string());
    // Each header becomes a CGI-style variable: `User-Agent` is `HTTP_USER_AGENT`.
    for (name, value) in lines.filter_map(|line| line.split_once(':')) {
        let key = format!("HTTP_{}", name.to_uppercase().replace('-', "_"));
        environ.insert(key, value.trim().to_string());
    }
    let mut started = None;
    let body = application(&environ, &mut |s, h| started = Some((s.to_string(), h)));
    let (status, headers) = started.unwrap_or_else(|| ("500 Internal Server Error".into(), vec![]));
    let fields: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    let date = httpdate::fmt_http_date(SystemTime::now());
    // No Content-Length: the body ends where the connection does.
    let head = format!("HTTP/1.1 {status}\r\nDate: {date}\r\n{fields}Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    body.iter().try_for_each(|chunk| stream.write_all(chunk))
}
