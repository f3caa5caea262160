//! Chapter 8: a framework on the interface. Routing (404, 405 with `Allow`, HEAD, decoded
//! parameters, 400 for bytes that are not UTF-8), request and response types (query, JSON,
//! cookies, a body limit), middleware (the log, the error page), static files (types, 304s,
//! large files in chunks, and every way out of the folder a client might try), then the
//! `08-framework` binary with chapter 7's limits and timeouts.
//!
//! Every in-process server here runs the site behind chapter 7's validator, on chapter 7's
//! reactor: whatever the framework answers must keep PEP 3333's contract.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::keep_alive::*;
use common::{Binary, HttpResponse, TestServer, connect, exchange};
use pretty_assertions::assert_eq;
use socket_to_wsgi::framework::{
    self, CHUNK, ErrorPage, HttpError, RequestLog, Response, Router, demo::BUILD_THE_BOOK,
};
use socket_to_wsgi::http::{Config, Limits, Status};
use socket_to_wsgi::pool::ThreadPool;
use socket_to_wsgi::server::serve_pooled;
use socket_to_wsgi::wsgi::{Application, Body, Environ, Gateway, StartResponse, Validator};

// ---------------------------------------------------------------------------------------
// A book to serve: a folder of files, with a secret beside it that must never come out
// ---------------------------------------------------------------------------------------

const SECRET: &str = "the secret beside the served folder";

/// A folder tree made for one test and removed after it:
///
/// ```text
/// ROOT/secret.txt                  must never be served
/// ROOT/outside/secret.txt          the same, in a folder
/// ROOT/public/                     what is served
///     index.html, style.css, notes.txt, big.bin (3 chunks and a bit), sub/index.html
///     .hidden                      a dotfile
///     link-out.txt -> ../secret.txt, linked-dir -> ../outside   symlinks out
///     link-in.txt -> notes.txt     a symlink that stays inside
/// ```
struct Book {
    root: PathBuf,
}

impl Book {
    fn new(name: &str) -> Book {
        let root = std::env::temp_dir().join(format!("ch08-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let public = root.join("public");
        fs::create_dir_all(public.join("sub")).unwrap();
        fs::create_dir_all(root.join("outside")).unwrap();
        fs::write(root.join("secret.txt"), SECRET).unwrap();
        fs::write(root.join("outside/secret.txt"), SECRET).unwrap();
        fs::write(public.join("index.html"), "<h1>the book</h1>\n").unwrap();
        fs::write(public.join("style.css"), "h1 { color: teal }\n").unwrap();
        fs::write(public.join("notes.txt"), "notes, 你好\n").unwrap();
        fs::write(public.join("sub/index.html"), "<h1>a sub page</h1>\n").unwrap();
        fs::write(public.join(".hidden"), SECRET).unwrap();
        fs::write(public.join("big.bin"), big_file()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink("../secret.txt", public.join("link-out.txt")).unwrap();
            symlink("../outside", public.join("linked-dir")).unwrap();
            symlink("notes.txt", public.join("link-in.txt")).unwrap();
        }
        Book { root }
    }

    fn public(&self) -> PathBuf {
        self.root.join("public")
    }
}

impl Drop for Book {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// More than three chunks' worth, every byte telling where it is.
fn big_file() -> Vec<u8> {
    (0..3 * CHUNK + 1000).map(|i| (i % 251) as u8).collect()
}

/// The site of `08-framework` on `folder`, behind the validator, on chapter 7's finished
/// server (the reactor, bodies gathered before the application runs).
fn serve_site(folder: &Path) -> TestServer {
    serve_hardened(Validator::new(framework::site(folder)), 2, quick(), Limits::default())
}

/// Sends `request` as raw bytes on a fresh connection and reads one response.
fn raw(address: std::net::SocketAddr, request: &str) -> HttpResponse {
    let mut client = Client::connect(address);
    client.send(request.as_bytes());
    client.response()
}

fn get_with(address: std::net::SocketAddr, path: &str, header: &str) -> HttpResponse {
    raw(address, &format!("GET {path} HTTP/1.1\r\nHost: test\r\n{header}\r\n\r\n"))
}

// ---------------------------------------------------------------------------------------
// 1. Routing
// ---------------------------------------------------------------------------------------

#[test]
fn a_route_with_a_parameter_greets_by_name_decoded_as_utf8() {
    let book = Book::new("greet");
    let server = serve_site(&book.public());
    let mut client = Client::connect(server.address);
    assert_eq!(client.get("/demo/hello/ferris").text(), "Hello, ferris!\n");
    assert_eq!(client.get("/demo/hello/%E4%BD%A0%E5%A5%BD").text(), "Hello, 你好!\n");
    assert_eq!(client.get("/demo/hello/Ada%20L").text(), "Hello, Ada L!\n");
    let response = client.get("/demo/hello/%FF%FE");
    assert_eq!(response.status(), 400, "not UTF-8: {}", response.text());
    assert!(response.text().contains("<name> is not UTF-8"), "{}", response.text());
    // The connection lives on after a 400 from the application.
    assert_eq!(client.get("/demo/hello/again").text(), "Hello, again!\n");
}

#[test]
fn an_unknown_path_is_404_and_a_wrong_method_405_with_allow() {
    let book = Book::new("statuses");
    let server = serve_site(&book.public());
    let mut client = Client::connect(server.address);
    let response = client.get("/demo/nothing-here");
    assert_eq!(response.status(), 404);
    assert_eq!(response.text(), "404 Not Found: nothing lives at /demo/nothing-here\n");

    client.send(b"DELETE /demo/hello/x HTTP/1.1\r\nHost: test\r\n\r\n");
    let response = client.response();
    assert_eq!(response.status(), 405);
    assert_eq!(response.header("Allow"), Some("GET, HEAD"));

    client.send(b"PUT /demo/api/greeting HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
    let response = client.response();
    assert_eq!((response.status(), response.header("Allow")), (405, Some("GET, HEAD, POST")));
}

#[test]
fn head_is_answered_wherever_get_is_with_the_same_headers_and_no_body() {
    let book = Book::new("head");
    let server = serve_site(&book.public());
    let mut client = Client::connect(server.address);
    for path in ["/demo/hello/ferris", "/style.css", "/big.bin"] {
        let get = client.get(path);
        client.send(format!("HEAD {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        let head = client.response_to_head();
        assert_eq!((head.status(), head.headers.clone()), (200, get.headers.clone()), "{path}");
        assert!(head.body.is_empty());
    }
    // Nothing of the HEAD's body was left on the connection: the next response is whole.
    assert_eq!(client.get("/demo/hello/next").text(), "Hello, next!\n");
}

// ---------------------------------------------------------------------------------------
// 2. Requests and responses
// ---------------------------------------------------------------------------------------

#[test]
fn json_in_and_out_with_400_for_bad_json_and_415_for_another_type() {
    let book = Book::new("json");
    let server = serve_site(&book.public());
    let post = |content_type: &str, body: &str| {
        raw(
            server.address,
            &format!(
                "POST /demo/api/greeting HTTP/1.1\r\nHost: test\r\nContent-Type: {content_type}\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    let response = post("application/json", r#"{"name": "Ada"}"#);
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    assert_eq!(response.text(), r#"{"greeting":"Hello, Ada!"}"#);
    assert_eq!(post("application/json", "{\"name\": ").status(), 400);
    assert_eq!(post("application/json", r#"{"nom": "Ada"}"#).status(), 400);
    assert_eq!(post("text/plain", r#"{"name": "Ada"}"#).status(), 415);

    let response = get_fresh(server.address, "/demo/api/greeting?name=caf%C3%A9");
    assert_eq!(response.text(), r#"{"greeting":"Hello, café!"}"#);
    assert_eq!(get_fresh(server.address, "/demo/api/greeting").status(), 400);
    assert_eq!(get_fresh(server.address, "/demo/api/greeting?name=%FF").status(), 400);
}

#[test]
fn a_cookie_counts_visits() {
    let book = Book::new("cookies");
    let server = serve_site(&book.public());
    let first = get_fresh(server.address, "/demo/visits");
    assert_eq!(first.text(), "visit number 1\n");
    assert_eq!(first.header("Set-Cookie"), Some("visits=1; Path=/demo; SameSite=Lax"));
    let again = get_with(server.address, "/demo/visits", "Cookie: theme=dark; visits=41");
    assert_eq!(again.text(), "visit number 42\n");
}

#[test]
fn the_echo_and_environ_of_chapter_4_live_under_demo() {
    let book = Book::new("echo");
    let server = serve_site(&book.public());
    let mut client = Client::connect(server.address);
    let echoed = client.post("/demo/echo", "hello, 你好".as_bytes());
    assert_eq!(echoed.text(), "hello, 你好");
    let environ = client.get("/demo/environ?x=1");
    assert_eq!(environ_value(&environ, "PATH_INFO").as_deref(), Some("/demo/environ"));
    assert_eq!(environ_value(&environ, "QUERY_STRING").as_deref(), Some("x=1"));
    assert_eq!(client.get("/demo/sleep?ms=1").text(), "slept 1 ms\n");
    assert_eq!(client.get("/demo/sleep?ms=lots").status(), 400);
}

/// Answers `/small` with the body it was sent, at most 10 bytes of it.
fn small_router() -> Router {
    Router::new().body_limit(10).post("/small", |request| {
        let body = request.body()?.to_vec();
        Ok(Response::new(Status::OK).with_content("text/plain", body))
    })
}

#[test]
fn a_body_past_the_routers_limit_is_413_and_the_connection_goes_on() {
    let server = serve_hardened(Validator::new(small_router()), 1, quick(), Limits::default());
    let mut client = Client::connect(server.address);
    assert_eq!(client.post("/small", b"0123456789").text(), "0123456789");
    let refused = client.post("/small", b"0123456789!");
    assert_eq!(refused.status(), 413);
    assert_eq!(
        refused.text(),
        "413 Content Too Large: this application takes at most 10 bytes of body\n"
    );
    assert_eq!(client.post("/small", b"again").text(), "again", "the unread body was skipped");
}

// ---------------------------------------------------------------------------------------
// 3. Middleware
// ---------------------------------------------------------------------------------------

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(bytes)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[test]
fn a_panicking_handler_gets_a_500_page_that_the_log_records_and_the_worker_lives() {
    let router = Router::new()
        .get("/panic", |_| panic!("a handler fails on purpose"))
        .get("/fine", |_| Ok(Response::text("fine")));
    let log = Log::default();
    let app = RequestLog::to(ErrorPage::new(router), log.clone());
    // One worker: if the panic had killed it, nothing more would be answered.
    let server = serve_app(Validator::new(app), 1, quick(), Limits::default());
    let mut client = Client::connect(server.address);
    let failed = client.get("/panic");
    assert_eq!(failed.status(), 500);
    assert!(failed.text().starts_with("500 Internal Server Error: the application failed"));
    assert_eq!(client.get("/fine").text(), "fine");
    drop(client);
    server.stop();
    let log = log.text();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].starts_with("127.0.0.1 \"GET /panic\" 500 "), "{log}");
    assert!(lines[1].starts_with("127.0.0.1 \"GET /fine\" 200 4 bytes in "), "{log}");
}

// ---------------------------------------------------------------------------------------
// 4. Static files
// ---------------------------------------------------------------------------------------

#[test]
fn files_are_served_with_their_type_a_length_a_tag_and_a_date() {
    let book = Book::new("files");
    let server = serve_site(&book.public());
    let mut client = Client::connect(server.address);
    let cases = [
        ("/", "text/html; charset=utf-8", "<h1>the book</h1>\n"),
        ("/index.html", "text/html; charset=utf-8", "<h1>the book</h1>\n"),
        ("/style.css", "text/css; charset=utf-8", "h1 { color: teal }\n"),
        ("/notes.txt", "text/plain; charset=utf-8", "notes, 你好\n"),
        ("/sub/", "text/html; charset=utf-8", "<h1>a sub page</h1>\n"),
    ];
    for (path, content_type, body) in cases {
        let response = client.get(path);
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.header("Content-Type"), Some(content_type), "{path}");
        assert_eq!(response.header("Content-Length"), Some(body.len().to_string().as_str()));
        assert_eq!(response.text(), body, "{path}");
        assert!(response.header("ETag").is_some_and(|tag| tag.starts_with('"')), "{path}");
        let date = response.header("Last-Modified").expect("a Last-Modified");
        assert!(httpdate::parse_http_date(date).is_ok(), "{path}: {date}");
    }
    // A folder without its slash is sent to the slash, where its relative links work.
    let moved = client.get("/sub?x=1");
    assert_eq!((moved.status(), moved.header("Location")), (301, Some("/sub/?x=1")));
}

/// The request log wraps the body to count it; the gateway must still see a body of one
/// chunk for what it is, and give its length rather than chunks.
#[test]
fn the_request_log_keeps_a_known_length_known() {
    let one_chunk = |_: &mut Environ<'_>, start_response: &mut StartResponse| {
        start_response.call("200 OK", [("Content-Type", "text/plain")]);
        Body::from("one chunk, no length\n")
    };
    let app = RequestLog::to(one_chunk, std::io::sink());
    let server = serve_hardened(Validator::new(app), 2, quick(), Limits::default());
    let response = Client::connect(server.address).get("/");
    assert_eq!(response.header("Transfer-Encoding"), None);
    assert_eq!(response.header("Content-Length"), Some("21"));
    // The demo's redirect, which once had no Content-Type, passes the validator.
    let book = Book::new("redirect");
    let site = serve_site(&book.public());
    let moved = get_fresh(site.address, "/demo");
    assert_eq!((moved.status(), moved.header("Location")), (301, Some("/demo/")));
}

#[test]
fn a_current_copy_gets_304_by_tag_or_by_date_and_a_stale_one_the_file() {
    let book = Book::new("conditional");
    let server = serve_site(&book.public());
    let first = get_fresh(server.address, "/style.css");
    let tag = first.header("ETag").unwrap().to_string();
    let date = first.header("Last-Modified").unwrap().to_string();

    for header in [
        format!("If-None-Match: {tag}"),
        format!("If-None-Match: \"something-else\", W/{tag}"),
        "If-None-Match: *".to_string(),
        format!("If-Modified-Since: {date}"),
    ] {
        let response = get_with(server.address, "/style.css", &header);
        assert_eq!(response.status(), 304, "{header}");
        assert_eq!(response.header("ETag"), Some(tag.as_str()), "{header}");
        assert_eq!(response.header("Content-Length"), None, "{header}");
        assert!(response.body.is_empty(), "{header}");
    }
    for header in [
        "If-None-Match: \"something-else\"".to_string(),
        "If-Modified-Since: Sat, 21 Nov 2020 19:00:00 GMT".to_string(),
        // A tag that does not match wins over a date that would.
        format!("If-None-Match: \"something-else\"\r\nIf-Modified-Since: {date}"),
    ] {
        let response = get_with(server.address, "/style.css", &header);
        assert_eq!(response.status(), 200, "{header}");
        assert_eq!(response.text(), "h1 { color: teal }\n", "{header}");
    }
    // A changed file has another tag, so the old one no longer matches.
    thread::sleep(Duration::from_millis(20));
    fs::write(book.public().join("style.css"), "h1 { color: navy }\n").unwrap();
    let changed = get_with(server.address, "/style.css", &format!("If-None-Match: {tag}"));
    assert_eq!((changed.status(), changed.text().as_str()), (200, "h1 { color: navy }\n"));
}

#[test]
fn a_large_file_is_streamed_in_chunks_and_arrives_whole() {
    let book = Book::new("large");
    // Called directly: the body is a series of chunks, none larger than CHUNK.
    let site = framework::site(book.public());
    let mut environ = Environ::for_request("GET", "/big.bin");
    let mut start_response = StartResponse::default();
    let chunks: Vec<Vec<u8>> = site.invoke(&mut environ, &mut start_response).collect();
    let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![CHUNK, CHUNK, CHUNK, 1000]);
    assert_eq!(start_response.header("Content-Type"), Some("application/octet-stream"));

    // Over the network, with keep-alive: every byte, then the connection still works.
    let server = serve_site(&book.public());
    let mut client = Client::connect(server.address);
    let response = client.get("/big.bin");
    assert_eq!(response.header("Content-Length"), Some((3 * CHUNK + 1000).to_string().as_str()));
    assert!(response.body == big_file(), "the file arrived changed");
    assert_eq!(client.get("/notes.txt").text(), "notes, 你好\n");
}

/// Every way out of the folder we know of, as raw request targets. Each must get a 404 or
/// a 400, and none may show the secret.
fn escapes(secret: &Path) -> Vec<(&'static str, String)> {
    let absolute = secret.display().to_string(); // /tmp/ch08-…/secret.txt
    let encoded_absolute = absolute.replace('/', "%2F");
    vec![
        ("dot-dot", "/../secret.txt".to_string()),
        ("dot-dot from a subfolder", "/sub/../../secret.txt".to_string()),
        ("dot-dot, no leading slash", "../secret.txt".to_string()),
        ("encoded dot-dot", "/%2e%2e/secret.txt".to_string()),
        ("encoded dot-dot, upper case", "/%2E%2E/secret.txt".to_string()),
        ("encoded slash", "/..%2fsecret.txt".to_string()),
        ("encoded dot-dot and slash", "/%2e%2e%2fsecret.txt".to_string()),
        ("dot-dot in an absolute-form target", "http://test/../secret.txt".to_string()),
        ("backslash", "/..\\secret.txt".to_string()),
        ("encoded backslash", "/..%5csecret.txt".to_string()),
        ("absolute path", format!("/{absolute}")), // two slashes: an empty first name
        ("absolute path, encoded slashes", format!("/{encoded_absolute}")),
        ("a drive letter", "/C:%5Csecret.txt".to_string()),
        ("NUL byte", "/notes.txt%00.html".to_string()),
        ("NUL byte before dot-dot", "/%00/../secret.txt".to_string()),
        ("symlink to a file outside", "/link-out.txt".to_string()),
        ("symlink to a folder outside", "/linked-dir/secret.txt".to_string()),
        ("a hidden file", "/.hidden".to_string()),
        ("double-encoded dot-dot", "/%252e%252e/secret.txt".to_string()),
    ]
}

#[test]
fn no_request_path_leads_out_of_the_folder() {
    let book = Book::new("escapes");
    let server = serve_site(&book.public());
    let mut failures = Vec::new();
    for (name, target) in escapes(&book.root.join("secret.txt")) {
        let request = format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n");
        let bytes = exchange_one(server.address, &request);
        let text = String::from_utf8_lossy(&bytes);
        let status = text.get(9..12).unwrap_or("???");
        if text.contains(SECRET) || !matches!(status, "404" | "400") {
            failures.push(format!("{name} ({target}): {status}, {:?}", text.lines().last()));
        }
    }
    assert_eq!(failures, Vec::<String>::new(), "ways out of the folder");
    // The same server does serve what is inside, symlinks that stay inside included.
    assert_eq!(get_fresh(server.address, "/link-in.txt").text(), "notes, 你好\n");
}

#[test]
fn a_path_without_its_leading_slash_is_refused_too() {
    // Called directly: over the network the request parser refuses such a target with a
    // 400 (RFC 9112 §3.2), so the static files never see it; another server might pass it.
    let book = Book::new("relative");
    let site = framework::site(book.public());
    let mut environ = Environ::for_request("GET", "../secret.txt");
    let mut start_response = StartResponse::default();
    let body: Vec<u8> = site.invoke(&mut environ, &mut start_response).flatten().collect();
    assert_eq!(start_response.status(), Some("404 Not Found"));
    assert!(!String::from_utf8_lossy(&body).contains(SECRET));
}

/// One request on a fresh connection, its whole response (the connection is closed after it).
fn exchange_one(address: std::net::SocketAddr, request: &str) -> Vec<u8> {
    let with_close = request.replacen("Host: test\r\n", "Host: test\r\nConnection: close\r\n", 1);
    exchange(address, with_close.as_bytes())
}

#[test]
fn before_the_book_is_built_the_home_page_says_how_and_after_it_serves_the_book() {
    let book = Book::new("unbuilt");
    let folder = book.root.join("not-built-yet");
    let server = serve_site(&folder);
    let page = get_fresh(server.address, "/");
    assert_eq!(page.status(), 200);
    assert!(page.text().contains(&BUILD_THE_BOOK.replace("{root}", "")), "{}", page.text());
    assert!(page.text().contains("mdbook build book"));
    assert_eq!(get_fresh(server.address, "/demo/hello/x").text(), "Hello, x!\n");
    // Built while the server runs: the next request finds it, no restart needed.
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("index.html"), "<h1>built</h1>\n").unwrap();
    assert_eq!(get_fresh(server.address, "/").text(), "<h1>built</h1>\n");
}

// ---------------------------------------------------------------------------------------
// 5. The binary: the book, the demo, and chapter 7's limits and timeouts
// ---------------------------------------------------------------------------------------

const BINARY: &str = env!("CARGO_BIN_EXE_08-framework");

#[test]
fn the_binary_serves_the_book_and_the_demo_on_one_connection() {
    let book = Book::new("binary");
    let folder = book.public().display().to_string();
    let binary = Binary::start(BINARY, &["--book", &folder, "--quiet"]);
    assert_eq!(binary.first_line, format!("listening on http://{}/\n", binary.address));
    let mut client = Client::connect(binary.address);
    assert_eq!(client.get("/").text(), "<h1>the book</h1>\n");
    assert_eq!(client.get("/demo/hello/ferris").text(), "Hello, ferris!\n");
    assert!(client.get("/demo/").text().contains("/demo/environ"));
    assert_eq!(client.get("/../secret.txt").status(), 404);
}

#[test]
fn the_binary_finds_the_repositorys_book_or_says_how_to_build_it() {
    let binary = Binary::start(BINARY, &["--quiet"]);
    let home = get_fresh(binary.address, "/");
    assert_eq!(home.status(), 200);
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/book/index.html");
    match fs::read(&built) {
        Ok(index) => assert!(home.body == index, "/ is not {}", built.display()),
        Err(_) => {
            assert!(home.text().contains(&BUILD_THE_BOOK.replace("{root}", "")), "{}", home.text())
        }
    }
}

#[test]
fn the_binary_keeps_chapter_7s_limits_and_timeouts() {
    let args = [
        "--quiet",
        "--max-line",
        "200",
        "--max-head",
        "1024",
        "--max-body",
        "100",
        "--head-timeout",
        "0.5",
        "--max-fields",
        "5",
    ];
    let binary = Binary::start(BINARY, &args);
    let address = binary.address;
    let long_path = format!("/demo/hello/{}", "a".repeat(300));
    assert_eq!(get_fresh(address, &long_path).status(), 414);
    let filler = format!("X-Filler: {}", "x".repeat(2000));
    assert_eq!(get_with(address, "/", &filler).status(), 431);
    let six_fields = (1..=5).map(|i| format!("X-Field-{i}: {i}")).collect::<Vec<_>>().join("\r\n");
    assert_eq!(get_with(address, "/", &six_fields).status(), 431, "Host and five more");
    let five_fields = (1..=4).map(|i| format!("X-Field-{i}: {i}")).collect::<Vec<_>>().join("\r\n");
    assert_eq!(get_with(address, "/demo/hello/x", &five_fields).status(), 200);
    let mut client = Client::connect(address);
    assert_eq!(client.post("/demo/echo", &[b'x'; 101]).status(), 413);

    // Half a head, then nothing: 408 once the head timeout has passed, not a held worker.
    let mut slow = connect(address);
    slow.write_all(b"GET /demo/hello/slow HTTP/1.1\r\nHost: te").unwrap();
    let mut answer = Vec::new();
    slow.read_to_end(&mut answer).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 408 "), "{:?}", String::from_utf8_lossy(&answer));
}

#[test]
fn the_binary_cuts_off_a_body_slower_than_its_minimum_rate() {
    let args = ["--quiet", "--min-rate", "1000", "--min-rate-grace", "0.5"];
    let binary = Binary::start(BINARY, &args);
    let mut slow = Client::connect(binary.address);
    slow.send(
        b"POST /demo/echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\nten bytes.",
    );
    // Ten bytes in all, far below 1000 a second: a 408 once the grace period is over.
    let cut_off = slow.response();
    assert_eq!(cut_off.status(), 408, "{}", cut_off.text());
    // Meanwhile the server answers others.
    assert_eq!(get_fresh(binary.address, "/demo/hello/next").text(), "Hello, next!\n");
}

#[test]
fn the_binary_caps_its_connections() {
    let binary = Binary::start(BINARY, &["--quiet", "--max-connections", "3"]);
    let address = binary.address;
    // Three connections are the cap: the fourth is turned away with a 503.
    let mut held: Vec<Client> = (0..3).map(|_| Client::connect(address)).collect();
    for client in &mut held {
        assert_eq!(client.get("/demo/hello/held").status(), 200);
    }
    let mut fourth = Client::connect(address);
    assert_eq!(fourth.response().status(), 503);
}

#[test]
fn the_binary_explains_its_flags() {
    let (code, stdout, _) = common::run_to_end(BINARY, &["--help"]);
    assert_eq!(code, 0);
    for flag in ["--book DIR", "--max-body", "--head-timeout", "--max-connections", "--quiet"] {
        assert!(stdout.contains(flag), "--help does not mention {flag}:\n{stdout}");
    }
    let (code, _, stderr) = common::run_to_end(BINARY, &["--book"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--book needs a value: --book DIR"), "{stderr}");
}

// ---------------------------------------------------------------------------------------
// 6. A handler's error is a page, whatever the handler
// ---------------------------------------------------------------------------------------

#[test]
fn a_handlers_error_becomes_its_page_with_its_headers() {
    let router = Router::new().get("/teapot", |_| {
        let status = Status { code: 418, reason: "I'm a teapot" };
        Err(HttpError::new(status, "short and stout").with_header("X-Why", "tea"))
    });
    let server = serve_app(Validator::new(router), 1, quick(), Limits::default());
    let response = get_fresh(server.address, "/teapot");
    assert_eq!(response.status_line, "HTTP/1.1 418 I'm a teapot");
    assert_eq!(response.header("X-Why"), Some("tea"));
    assert_eq!(response.text(), "418 I'm a teapot: short and stout\n");
}

// ---------------------------------------------------------------------------------------
// 7. An application like any other: the earlier servers run it unchanged
// ---------------------------------------------------------------------------------------

#[test]
fn the_site_runs_unchanged_on_the_chapter_4_and_chapter_5_servers() {
    let book = Book::new("servers");
    // Chapter 4: one request per connection, on the pool.
    let site = Validator::new(framework::site(book.public()));
    let gateway = Gateway::new(site, Config { access_log: false, ..Config::default() });
    let chapter_4 = TestServer::start(move |listener, shutdown| {
        let pool = ThreadPool::new(NonZeroUsize::new(2).unwrap());
        serve_pooled(listener, &shutdown, pool, move |stream| gateway.handle(stream));
    });
    let hello = get_with(chapter_4.address, "/demo/hello/ferris", "Connection: close");
    assert_eq!(hello.text(), "Hello, ferris!\n");
    let page = get_with(chapter_4.address, "/", "Connection: close");
    assert_eq!(page.text(), "<h1>the book</h1>\n");

    // Chapter 5: keep-alive on the pool, a connection per worker.
    let site = Validator::new(framework::site(book.public()));
    let chapter_5 = serve_app_pooled(site, 2, quick().idle_timeout);
    let mut client = Client::connect(chapter_5.address);
    assert_eq!(client.get("/demo/hello/ferris").text(), "Hello, ferris!\n");
    assert!(client.get("/big.bin").body == big_file(), "on the same connection");
    assert_eq!(client.get("/demo/nowhere").status(), 404);
}
