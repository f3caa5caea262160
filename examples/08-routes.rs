//! Chapter 8's first program: a framework in miniature. The routes are a table of method,
//! pattern and handler, and one chapter 4 application looks each request up in it.
//!
//! Try it: `cargo run --example 08-routes`, then `curl -i http://127.0.0.1:8888/hello/ferris`.

use std::{env, io, net::TcpListener};

use socket_to_wsgi::http::Config;
use socket_to_wsgi::wsgi::{Body, Environ, Gateway, StartResponse};

/// A handler gets the path segments that filled the pattern's `<...>`, in order.
type Handler = fn(&[&str]) -> String;

const ROUTES: [(&str, &str, Handler); 3] = [
    ("GET", "/", |_| "try /hello/NAME or /add/A/B\n".to_string()),
    ("GET", "/hello/<name>", |params| format!("Hello, {}!\n", params[0])),
    ("GET", "/add/<a>/<b>", |params| format!("{}\n", params.join(" + "))),
];

/// The segments of `path` that fill the pattern's `<...>`, if the path fits the pattern.
fn fit<'p>(pattern: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let (patterns, segments): (Vec<_>, Vec<_>) =
        (pattern.split('/').collect(), path.split('/').collect());
    let mut params = Vec::new();
    for (wanted, given) in patterns.iter().zip(&segments) {
        match wanted.starts_with('<') {
            true if !given.is_empty() => params.push(*given),
            false if wanted == given => {}
            _ => return None,
        }
    }
    (patterns.len() == segments.len()).then_some(params) // `zip` stops at the shorter
}

/// An ordinary chapter 4 application: 404 if no pattern fits, 405 if only the method is wrong.
fn app(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    let path = String::from_utf8_lossy(&environ.path_bytes()).into_owned();
    let mut fits = Vec::new();
    for (method, pattern, handler) in ROUTES {
        fits.extend(fit(pattern, &path).map(|params| (method, handler, params)));
    }
    let (status, text) = match fits.iter().find(|(method, ..)| *method == environ.method()) {
        Some((_, handler, params)) => ("200 OK", handler(params)),
        None if fits.is_empty() => ("404 Not Found", format!("nothing lives at {path}\n")),
        None => ("405 Method Not Allowed", "this path takes GET\n".to_string()),
    };
    start_response.call(status, [("Content-Type", "text/plain; charset=utf-8")]);
    Body::from(text)
}

fn main() -> io::Result<()> {
    let address = env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let listener = TcpListener::bind(&address)?;
    println!("listening on http://{}/", listener.local_addr()?);
    let gateway = Gateway::new(app, Config::default());
    for stream in listener.incoming().flatten() {
        gateway.handle(stream); // one request per connection, as in chapter 4
    }
    Ok(())
}
