//! SPOILER: reference solution of exercise 4.1 (a greeting application). Try it yourself
//! first.

use socket_to_wsgi::http::{percent_decode, query_param};
use socket_to_wsgi::wsgi::{Body, Environ, StartResponse};

/// Greets by the `name` in the query string.
pub fn greeting(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    let name = match query_param(environ.query_string(), "name").map(form_decode) {
        Some(name) if !name.is_empty() => name,
        _ => "world".to_string(),
    };
    start_response.call("200 OK", [("Content-Type", "text/plain; charset=utf-8")]);
    Body::from(format!("Hello, {name}!\n"))
}

/// Form decoding: `+` is a space, then `%XX` escapes become bytes. In that order, so that an
/// encoded plus (`%2B`) stays a plus.
fn form_decode(text: &str) -> String {
    String::from_utf8_lossy(&percent_decode(&text.replace('+', " "))).into_owned()
}
