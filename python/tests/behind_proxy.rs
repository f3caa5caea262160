//! Chapter 10, from the Python side: what `--forwarded-allow-ips` and `--script-name` do to
//! the environ reaches a PEP 3333 application (`apps/dump.py`) as it reaches a Rust one.

mod support;

use pretty_assertions::assert_eq;
use support::Server;

const DUMP: &str = "dump:application";

/// `"KEY": "value"` as `apps/dump.py` writes it (`json.dumps(..., indent=1)`).
fn entry(key: &str, value: &str) -> String {
    format!("\"{key}\": \"{value}\"")
}

#[test]
fn a_trusted_proxys_headers_reach_the_python_environ() {
    support::virtualenv();
    let server = Server::start(&[DUMP, "--forwarded-allow-ips", "127.0.0.1"]);
    let headers = "X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\
                   X-Forwarded-Host: example.com\r\n";
    let seen = server.request("GET", "/page", headers, "").text();
    let expected = [
        entry("REMOTE_ADDR", "203.0.113.7"),
        entry("wsgi.url_scheme", "https"),
        entry("HTTP_HOST", "example.com"),
        entry("SERVER_NAME", "example.com"),
        entry("SERVER_PORT", "443"),
    ];
    for line in expected {
        assert!(seen.contains(&line), "no {line} in\n{seen}");
    }
}

#[test]
fn an_untrusted_peers_forwarded_headers_do_not_reach_python() {
    support::virtualenv();
    let server = Server::start(&[DUMP]);
    let plain = server.request("GET", "/page", "", "").text();
    let spoofed = "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n";
    assert_eq!(server.request("GET", "/page", spoofed, "").text(), plain);
    assert!(plain.contains(&entry("REMOTE_ADDR", "127.0.0.1")), "{plain}");
}

#[test]
fn mounted_under_a_prefix_python_sees_script_name() {
    support::virtualenv();
    let server = Server::start(&[DUMP, "--script-name", "/app"]);
    let seen = server.request("GET", "/app/page", "", "").text();
    assert!(seen.contains(&entry("SCRIPT_NAME", "/app")), "{seen}");
    assert!(seen.contains(&entry("PATH_INFO", "/page")), "{seen}");
    assert_eq!(server.get("/page").status(), 404, "outside the prefix");
}
