//! The demo application chapter 4 serves (chapter 4).
//!
//! It is written only against the interface (environ in, start_response, body out), so any
//! server in this crate can run it unchanged. `/environ` is the spirit of wsgiref's
//! `demo_app`: it shows the application exactly what the server handed it.

use std::io::Read;
use std::thread;

use super::{Body, Environ, StartResponse};
use crate::sleep;

const TEXT: (&str, &str) = ("Content-Type", "text/plain; charset=utf-8");
const HTML: (&str, &str) = ("Content-Type", "text/html; charset=utf-8");

// ANCHOR: demo_app
/// The demo application: a home page, `/environ`, `/echo`, `/sleep?ms=N`, and `/hello`, the
/// smallest page, which benchmarks ask of every server alike.
pub fn demo_app(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    match environ.path_info() {
        "/" => home(start_response),
        "/environ" => show_environ(environ, start_response),
        path if path.starts_with("/environ/") => show_environ(environ, start_response),
        "/echo" => echo(environ, start_response),
        "/sleep" => sleep(environ, start_response),
        "/hello" => hello(start_response),
        _ => not_found(environ, start_response),
    }
}
// ANCHOR_END: demo_app

const HOME_PAGE: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>WSGI demo</title></head>
<body>
<h1>A WSGI-style application in Rust</h1>
<p>你好！This page comes from an application that knows nothing about sockets.</p>
<ul>
<li><a href=\"/environ\">/environ</a>: the environ the server built for your request</li>
<li><a href=\"/sleep?ms=1000\">/sleep?ms=1000</a>: a slow answer, to feel the thread pool</li>
<li><code>curl -d 'hello' http://HOST/echo</code>: your request body, sent back</li>
</ul>
</body>
</html>
";

fn home(start_response: &mut StartResponse) -> Body {
    let length = HOME_PAGE.len().to_string();
    start_response.call("200 OK", [HTML, ("Content-Length", &length)]);
    Body::from(HOME_PAGE)
}

/// The page hyper's and every framework's "hello world" benchmark serves, byte for byte, so
/// that a comparison measures the servers and not the size of their pages.
const HELLO: &str = "<html><body>Hello, World!</body></html>\n";

fn hello(start_response: &mut StartResponse) -> Body {
    start_response.call("200 OK", [("Content-Type", "text/html"), ("Content-Length", "40")]);
    Body::from(HELLO)
}

// ANCHOR: show_environ
/// One `KEY = VALUE` line per environ entry, sorted by key, as wsgiref's `demo_app` prints.
fn show_environ(environ: &Environ<'_>, start_response: &mut StartResponse) -> Body {
    let lines: Vec<Vec<u8>> = environ
        .entries()
        .into_iter()
        .map(|(key, value)| format!("{key} = {value}\n").into_bytes())
        .collect();
    start_response.call("200 OK", [TEXT]);
    Body::from_chunks(lines)
}
// ANCHOR_END: show_environ

// ANCHOR: echo
/// Sends the request body back, read through `wsgi.input`.
fn echo(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    if environ.method() != "POST" {
        start_response.call("405 Method Not Allowed", [TEXT, ("Allow", "POST")]);
        return Body::from("405: send the body to echo with POST, e.g. curl -d 'hello' .../echo\n");
    }
    let mut body = Vec::new();
    if let Err(error) = environ.input.read_to_end(&mut body) {
        start_response.call("400 Bad Request", [TEXT]);
        return Body::from(format!("400: could not read the request body: {error}\n"));
    }
    let content_type = match environ.get("CONTENT_TYPE") {
        Some(given) if !given.is_empty() => given.to_string(),
        _ => "application/octet-stream".to_string(),
    };
    let length = body.len().to_string();
    start_response.call("200 OK", [("Content-Type", content_type), ("Content-Length", length)]);
    Body::from(body)
}
// ANCHOR_END: echo

fn sleep(environ: &Environ<'_>, start_response: &mut StartResponse) -> Body {
    match sleep::requested_duration(environ.query_string()) {
        Ok(duration) => {
            thread::sleep(duration);
            start_response.call("200 OK", [TEXT]);
            Body::from(format!("slept {} ms\n", duration.as_millis()))
        }
        Err(message) => {
            start_response.call("400 Bad Request", [TEXT]);
            Body::from(message)
        }
    }
}

fn not_found(environ: &Environ<'_>, start_response: &mut StartResponse) -> Body {
    start_response.call("404 Not Found", [TEXT]);
    Body::from(format!("404 Not Found: nothing lives at {}\n", environ.path_info()))
}
