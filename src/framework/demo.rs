//! The routes the chapter 8 binary serves beside the book (chapter 8).
//!
//! Chapter 4's demo application again (`/environ`, `/echo`, `/sleep`), now under `/demo/`
//! and written with the framework, and what the framework adds: a parameter in the path,
//! JSON, a cookie. `/` is here too: it is what a reader sees before the book is built,
//! since the static files answer `/` once it is.

use std::thread;

use serde_json::{Value, json};

use super::{HttpError, Request, Response, Router, statuses};
use crate::sleep;

// ANCHOR: routes
/// Every route of the demo.
pub fn routes() -> Router {
    Router::new()
        .get("/", book_not_built)
        .get("/demo", |request| Ok(moved_to(&request.url_for("/demo/"))))
        .get("/demo/", home)
        .get("/demo/environ", environ)
        .post("/demo/echo", echo)
        .get("/demo/sleep", sleep)
        .get("/demo/hello/<name>", hello)
        .get("/demo/api/greeting", greeting_from_query)
        .post("/demo/api/greeting", greeting_from_json)
        .get("/demo/visits", visits)
}

/// `/demo/hello/<name>`: a greeting with the name from the path.
fn hello(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let name = request.param("name").unwrap_or_default();
    Ok(Response::text(format!("Hello, {name}!\n")))
}
// ANCHOR_END: routes

/// The one line a reader sees at `/` until `mdbook build book` has run.
pub const BUILD_THE_BOOK: &str = "The book is not built yet: run <code>mdbook build book</code> \
    in the repository (install mdBook with <code>cargo install mdbook --locked --version 0.5.4</code>), \
    then reload this page. The demo is at <a href=\"{root}/demo/\">{root}/demo/</a>.";

fn book_not_built(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let line = under_mount(BUILD_THE_BOOK, request);
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Build the book</title></head>\n\
         <body><p>{line}</p></body>\n</html>\n"
    );
    Ok(Response::html(page))
}

/// A page's `{root}` replaced with where the application is mounted (chapter 10): its links
/// are absolute paths, and must stay under the prefix.
fn under_mount(page: &str, request: &Request<'_, '_>) -> String {
    page.replace("{root}", &request.url_for(""))
}

fn moved_to(location: &str) -> Response {
    // A 301 may have a body, so it says what it is (the validator insists): a line for
    // whoever follows no redirects.
    Response::text(format!("moved to {location}\n"))
        .with_status(statuses::MOVED_PERMANENTLY)
        .with_header("Location", location)
}

const HOME: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>Framework demo</title></head>
<body>
<h1>The chapter 8 demo</h1>
<p>Routes of a small framework on the WSGI-style interface. <a href=\"{root}/\">The book</a> is served by the same server.</p>
<ul>
<li><a href=\"{root}/demo/hello/%E4%BD%A0%E5%A5%BD\">/demo/hello/&lt;name&gt;</a>: a parameter from the path</li>
<li><a href=\"{root}/demo/environ\">/demo/environ</a>: the environ the server built for your request</li>
<li><a href=\"{root}/demo/sleep?ms=1000\">/demo/sleep?ms=1000</a>: a slow answer</li>
<li><a href=\"{root}/demo/api/greeting?name=Ada\">/demo/api/greeting?name=Ada</a>: JSON (POST it <code>{\"name\": \"Ada\"}</code> too)</li>
<li><a href=\"{root}/demo/visits\">/demo/visits</a>: a cookie that counts</li>
<li><code>curl -d 'hello' http://HOST{root}/demo/echo</code>: your request body, sent back</li>
</ul>
</body>
</html>
";

fn home(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    Ok(Response::html(under_mount(HOME, request)))
}

/// One `KEY = VALUE` line per environ entry, sorted, as chapter 4's `/environ`.
fn environ(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let entries = request.environ().entries();
    let lines: String = entries.iter().map(|(key, value)| format!("{key} = {value}\n")).collect();
    Ok(Response::text(lines))
}

/// The request body, sent back with the type it came with.
fn echo(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let content_type = request.header("Content-Type").unwrap_or("application/octet-stream");
    let content_type = content_type.to_string();
    let body = request.body()?.to_vec();
    Ok(Response::new(crate::http::Status::OK).with_content(&content_type, body))
}

fn sleep(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let duration = sleep::requested_duration(request.environ().query_string())
        .map_err(HttpError::bad_request)?;
    thread::sleep(duration);
    Ok(Response::text(format!("slept {} ms\n", duration.as_millis())))
}

// ANCHOR: json
/// `GET /demo/api/greeting?name=Ada`: `{"greeting":"Hello, Ada!"}`.
fn greeting_from_query(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let query = request.query()?;
    let name = query.get("name").ok_or_else(|| HttpError::bad_request("say who: ?name=Ada"))?;
    Ok(greeting(name))
}

/// `POST /demo/api/greeting` with `{"name": "Ada"}`: the same, from JSON.
fn greeting_from_json(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let sent: Value = request.json()?;
    let name = sent["name"].as_str();
    let name = name.ok_or_else(|| HttpError::bad_request(r#"send {"name": "Ada"}"#))?;
    Ok(greeting(name))
}

fn greeting(name: &str) -> Response {
    Response::json(&json!({ "greeting": format!("Hello, {name}!") }))
}
// ANCHOR_END: json

/// Counts the visits of one browser in a cookie.
fn visits(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let seen = request.cookies().get("visits").and_then(|count| count.parse::<u64>().ok());
    let visits = seen.unwrap_or(0) + 1;
    // The cookie goes back only to the demo's paths, wherever the demo is mounted.
    let cookie = format!("visits={visits}; Path={}; SameSite=Lax", request.url_for("/demo"));
    Ok(Response::text(format!("visit number {visits}\n")).with_header("Set-Cookie", cookie))
}
