//! Chapter 10: behind a reverse proxy, without the proxy. `08-framework` is sent by hand the
//! headers nginx would add: from an untrusted peer they change nothing, from a trusted one
//! they say who the client is; and the application mounted under `--script-name` sees the
//! prefix in `SCRIPT_NAME`, and links inside it. `tests/ch10_nginx.rs` does the same through
//! a real nginx.

mod common;

use std::fs;
use std::net::SocketAddr;
use std::path::PathBuf;

use common::{Binary, HttpResponse, TestServer, exchange, run_to_end};
use pretty_assertions::assert_eq;
use socket_to_wsgi::framework;
use socket_to_wsgi::http::{Config, Proxy};
use socket_to_wsgi::wsgi::{Gateway, Validator};

const SERVER: &str = env!("CARGO_BIN_EXE_08-framework");

/// What a client could type to pass for someone else, behind a proxy or not.
const SPOOFED: [(&str, &str); 6] = [
    ("X-Forwarded-For", "6.6.6.6"),
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Host", "bank.example"),
    ("X-Forwarded-Prefix", "/admin"),
    ("X-Forwarded-Port", "443"),
    ("Forwarded", "for=6.6.6.6;proto=https;host=bank.example"),
];

/// `GET path` with `headers`, on a connection of its own.
fn get(address: SocketAddr, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    HttpResponse::parse(&exchange(address, request.as_bytes()))
}

/// The environ the demo shows for `path` (`/demo/environ` under a prefix or not).
fn environ(address: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Vec<(String, String)> {
    let response = get(address, path, headers);
    assert_eq!(response.status(), 200, "{}", response.text());
    response.environ_lines()
}

fn value<'a>(environ: &'a [(String, String)], key: &str) -> Option<&'a str> {
    environ.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str())
}

fn server(args: &[&str]) -> Binary {
    Binary::start(SERVER, &[&["--quiet"], args].concat())
}

#[test]
fn a_spoofed_header_from_an_untrusted_peer_changes_nothing_in_the_environ() {
    // Trusting nobody (the default), and trusting someone this client is not.
    for args in [&[][..], &["--forwarded-allow-ips", "127.0.0.2,::1"][..]] {
        let server = server(args);
        let plain = environ(server.address, "/demo/environ", &[]);
        let spoofed = environ(server.address, "/demo/environ", &SPOOFED);
        assert_eq!(spoofed, plain, "with {args:?}");
        assert_eq!(value(&plain, "REMOTE_ADDR"), Some("127.0.0.1"));
    }
}

#[test]
fn a_trusted_peers_forwarded_headers_are_applied() {
    let server = server(&["--forwarded-allow-ips", "127.0.0.1"]);
    let headers = [
        // What the client typed, then the address our proxy saw, then the proxy itself.
        ("X-Forwarded-For", "6.6.6.6, 203.0.113.7, 127.0.0.1"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "example.com:8443"),
    ];
    let environ = environ(server.address, "/demo/environ", &headers);
    let keys = ["REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT"];
    let seen = keys.map(|key| value(&environ, key).unwrap_or("(none)"));
    assert_eq!(seen, ["203.0.113.7", "https", "example.com:8443", "example.com", "8443"]);
    // The chain stays in the environ: a trusted proxy's word, for whoever wants it.
    assert_eq!(value(&environ, "HTTP_X_FORWARDED_FOR"), Some("6.6.6.6, 203.0.113.7, 127.0.0.1"));
}

#[test]
fn malformed_values_from_a_trusted_peer_are_ignored_not_fatal() {
    let server = server(&["--forwarded-allow-ips", "127.0.0.1"]);
    let headers = [
        ("X-Forwarded-For", "not-an-ip, 999.1.1.1, , [::1"),
        ("X-Forwarded-Proto", "gopher"),
        ("X-Forwarded-Host", "bad host/with a path"),
        ("X-Forwarded-Prefix", "no-slash"),
    ];
    let environ = environ(server.address, "/demo/environ", &headers);
    let keys = ["REMOTE_ADDR", "wsgi.url_scheme", "SCRIPT_NAME", "PATH_INFO"];
    let seen = keys.map(|key| value(&environ, key).unwrap_or("(none)"));
    assert_eq!(seen, ["127.0.0.1", "http", "", "/demo/environ"]);
    assert_eq!(value(&environ, "HTTP_HOST"), Some(server.address.to_string().as_str()));
    // And the server is still there for the next request.
    assert_eq!(get(server.address, "/demo/hello/x", &[]).text(), "Hello, x!\n");
}

#[test]
fn mounted_under_a_prefix_the_application_sees_it_in_script_name() {
    let server = server(&["--script-name", "/app"]);
    let environ = environ(server.address, "/app/demo/environ?x=1", &[]);
    let keys = ["SCRIPT_NAME", "PATH_INFO", "QUERY_STRING"];
    assert_eq!(keys.map(|key| value(&environ, key).unwrap()), ["/app", "/demo/environ", "x=1"]);
    let hello = get(server.address, "/app/demo/hello/ferris", &[]);
    assert_eq!(hello.text(), "Hello, ferris!\n");
}

#[test]
fn outside_the_prefix_the_server_answers_404() {
    let server = server(&["--script-name", "/app/"]);
    for path in ["/demo/environ", "/", "/application/demo/", "/ap"] {
        let response = get(server.address, path, &[]);
        assert_eq!(response.status(), 404, "{path}");
        let expected = "404 Not Found: this server serves its application under /app/ only\n";
        assert_eq!(response.text(), expected, "{path}");
    }
}

#[test]
fn the_frameworks_links_and_redirects_stay_under_the_prefix() {
    let server = server(&["--script-name", "/app", "--book", "/nonexistent/book"]);
    let moved = get(server.address, "/app/demo", &[]);
    assert_eq!((moved.status(), moved.header("Location")), (301, Some("/app/demo/")));
    let home = get(server.address, "/app/demo/", &[]).text();
    assert!(home.contains("href=\"/app/demo/environ\""), "{home}");
    assert!(home.contains("href=\"/app/\""), "the book's link: {home}");
    assert!(!home.contains("href=\"/demo"), "a link that leaves the mount: {home}");
    let not_built = get(server.address, "/app/", &[]).text();
    assert!(not_built.contains("<a href=\"/app/demo/\">"), "{not_built}");
    let visits = get(server.address, "/app/demo/visits", &[]);
    assert_eq!(visits.header("Set-Cookie"), Some("visits=1; Path=/app/demo; SameSite=Lax"));
}

/// A folder with a book of two pages, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let root = std::env::temp_dir().join(format!("ch10-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("index.html"), "<h1>the book</h1>\n").unwrap();
        fs::write(root.join("sub/index.html"), "<h1>a sub page</h1>\n").unwrap();
        Folder(root)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn static_files_redirect_under_the_prefix_too() {
    let book = Folder::new("static");
    let book_path = book.0.to_str().unwrap();
    let server = server(&["--script-name", "/app", "--book", book_path]);
    let cases = [("/app/sub", "/app/sub/"), ("/app/sub?a=1", "/app/sub/?a=1"), ("/app", "/app/")];
    for (path, location) in cases {
        let moved = get(server.address, path, &[]);
        assert_eq!((moved.status(), moved.header("Location")), (301, Some(location)), "{path}");
    }
    assert_eq!(get(server.address, "/app/sub/", &[]).text(), "<h1>a sub page</h1>\n");
}

#[test]
fn behind_a_trusted_proxy_that_strips_the_prefix_the_environ_is_still_valid() {
    // The proxy took `/outer` off the path and says so; the server adds its own `/app`.
    // PEP 3333's validator checks every environ, and fails the request if one is wrong.
    let site = Validator::new(framework::site("/nonexistent/book"));
    let proxy = Proxy::new(["127.0.0.1".parse().unwrap()], "/app");
    let config = Config { access_log: false, proxy: Some(proxy), ..Config::default() };
    let gateway = Gateway::new(site, config);
    let server = TestServer::start(move |listener, shutdown| {
        socket_to_wsgi::server::serve_one_at_a_time(listener, &shutdown, |stream| {
            gateway.handle(stream)
        });
    });
    let headers = [("X-Forwarded-Prefix", "/outer"), ("X-Forwarded-Proto", "https")];
    let environ = environ(server.address, "/app/demo/environ", &headers);
    let keys = ["SCRIPT_NAME", "PATH_INFO", "wsgi.url_scheme"];
    assert_eq!(
        keys.map(|key| value(&environ, key).unwrap()),
        ["/outer/app", "/demo/environ", "https"]
    );
    let moved = get(server.address, "/app/demo", &headers);
    assert_eq!(moved.header("Location"), Some("/outer/app/demo/"));
}

#[test]
fn bad_proxy_flags_say_what_to_type() {
    let cases = [
        (&["--forwarded-allow-ips", "nginx"][..], "`nginx` is not one"),
        (&["--forwarded-allow-ips", "10.0.0.0/8"][..], "such as 127.0.0.1,::1"),
        (&["--script-name", "app"][..], "such as /app, not `app`"),
    ];
    for (args, message) in cases {
        let (code, _, stderr) = run_to_end(SERVER, args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let (_, help, _) = run_to_end(SERVER, &["--help"]);
    assert!(help.contains("--forwarded-allow-ips IPS"), "{help}");
    assert!(help.contains("--script-name PATH"), "{help}");
}
