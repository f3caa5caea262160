//! SPOILER: reference solution of exercise 4.2 (an application that reads a form). Try it
//! yourself first.

use std::io::Read;

use socket_to_wsgi::http::percent_decode;
use socket_to_wsgi::wsgi::{Body, Environ, StartResponse};

const TEXT: (&str, &str) = ("Content-Type", "text/plain; charset=utf-8");
const FORM: &str = "application/x-www-form-urlencoded";

/// Answers a form sent with `POST` with one `name = value` line per field.
pub fn form_echo(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    if environ.method() != "POST" {
        start_response.call("405 Method Not Allowed", [TEXT, ("Allow", "POST")]);
        return Body::from("405: send the form with POST\n");
    }
    let media_type = environ.get("CONTENT_TYPE").unwrap_or_default();
    let media_type = media_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case(FORM) {
        start_response.call("415 Unsupported Media Type", [TEXT]);
        return Body::from(format!("415: send the form as {FORM}\n"));
    }
    // `wsgi.input` yields at most CONTENT_LENGTH bytes, so reading to its end is safe.
    let mut form = Vec::new();
    if let Err(error) = environ.input.read_to_end(&mut form) {
        start_response.call("400 Bad Request", [TEXT]);
        return Body::from(format!("400: could not read the form: {error}\n"));
    }
    let form = String::from_utf8_lossy(&form);
    let lines: Vec<Vec<u8>> = form
        .split('&')
        .filter(|field| !field.is_empty())
        .map(|field| {
            let (name, value) = field.split_once('=').unwrap_or((field, ""));
            format!("{} = {}\n", form_decode(name), form_decode(value)).into_bytes()
        })
        .collect();
    start_response.call("200 OK", [TEXT]);
    Body::from_chunks(lines)
}

/// Form decoding: `+` is a space, then `%XX` escapes become bytes.
fn form_decode(text: &str) -> String {
    String::from_utf8_lossy(&percent_decode(&text.replace('+', " "))).into_owned()
}
