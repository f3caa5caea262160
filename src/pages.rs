//! The pages chapters 2 and 3 serve: the article's "first web page", done right.
//!
//! Chapter 2 answers `/` with a small HTML page that has Chinese and English in it (so a wrong
//! `Content-Length` would show), 404 for other paths, and 405 for methods other than GET and
//! HEAD. Chapter 3 adds `/sleep?ms=N`.

use std::thread;

use crate::http::{Request, Response, Status, Target};
use crate::sleep;

// ANCHOR: page
/// The page at `/`. Its text is UTF-8: 你好 is six bytes but two characters.
pub const HOME_PAGE: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>My first web page</title></head>
<body>
<h1>My first web page</h1>
<p>你好，世界！Hello, world! This page was served by a Rust server built from a raw socket.</p>
</body>
</html>
";
// ANCHOR_END: page

// ANCHOR: home
/// Chapter 2's site: the home page and nothing else.
pub fn home(request: &Request) -> Response {
    if let Some(refusal) = only_get_or_head(request) {
        return refusal;
    }
    match Target::parse(&request.target).path {
        "/" => Response::html(Status::OK, HOME_PAGE),
        _ => not_found(request),
    }
}
// ANCHOR_END: home

// ANCHOR: home_and_sleep
/// Chapter 3's site: chapter 2's, plus `/sleep?ms=N` to make slow requests on purpose.
pub fn home_and_sleep(request: &Request) -> Response {
    let target = Target::parse(&request.target);
    if target.path != "/sleep" || only_get_or_head(request).is_some() {
        return home(request);
    }
    match sleep::requested_duration(target.query) {
        Ok(duration) => {
            thread::sleep(duration);
            Response::text(Status::OK, format!("slept {} ms\n", duration.as_millis()))
        }
        Err(message) => Response::text(Status::BAD_REQUEST, message),
    }
}
// ANCHOR_END: home_and_sleep

/// 405 for anything but GET and HEAD: these pages only ever send something back.
fn only_get_or_head(request: &Request) -> Option<Response> {
    match request.method.as_str() {
        "GET" | "HEAD" => None,
        method => Some(
            Response::text(
                Status::METHOD_NOT_ALLOWED,
                format!("405: {method} is not allowed here; use GET\n"),
            )
            .with_header("Allow", "GET, HEAD"),
        ),
    }
}

/// A 404 page that says what was asked for.
pub fn not_found(request: &Request) -> Response {
    let path = Target::parse(&request.target).path;
    Response::text(Status::NOT_FOUND, format!("404 Not Found: nothing lives at {path}\n"))
}
