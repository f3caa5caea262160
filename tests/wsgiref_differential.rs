//! Chapter 7, "a server that holds up": the environ our gateway builds, checked against the
//! one Python's reference WSGI server builds for the very same bytes.
//!
//! `wsgiref.simple_server` ships with Python as WSGI's reference implementation. [`CORPUS`]
//! is a list of raw requests: every method, odd query strings, percent-encoded paths,
//! repeated and oddly written headers, bodies of text and of binary bytes, HTTP/1.0 and 1.1.
//! Each one goes, byte for byte, over 127.0.0.1 to `tests/wsgiref/dump_environ.py` (a WSGI
//! application that answers with its environ as JSON, run by wsgiref) and to [`dump_environ`]
//! (the same application in Rust, run by our [`Gateway`]). The two environs are then compared
//! key by key.
//!
//! They are not expected to be identical: PEP 3333 leaves servers some freedom, and wsgiref
//! has habits of its own. Every difference the comparison accepts is in one table,
//! [`ALLOWED`]. Read it row by row:
//!
//! - `key`: the environ key the row is about (or several, or a family such as `HTTP_*`);
//! - `difference`: what wsgiref puts there, and what we put there;
//! - `reason`: why ours is acceptable, with the place it is written: either PEP 3333 leaves
//!   the choice to the server, or wsgiref strays from an RFC and ours is what the RFC asks;
//! - `explains`: the exact check. A row excuses a difference only when the two values are the
//!   ones it describes, for the request at hand, so it cannot hide a new one.
//!
//! Any other difference fails the test, which prints the raw request, the rows it applied,
//! and a diff of the rest of the two environs. A row no request needs fails it too (unless
//! it depends on the machine): it is stale, or the corpus lost the request that showed it.
//!
//! A difference that was a bug of ours is not in the table: it was fixed, and the request
//! that showed it has its own test (a repeated `Content-Length`; a repeated `Content-Type`
//! is now refused with 400, in chapter 7's corpus).
//!
//! Needs `python3` on PATH; without it each test says so on stderr and passes.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};

use common::{PATIENCE, TestServer};
use pretty_assertions::assert_eq;
use socket_to_wsgi::http::Config;
use socket_to_wsgi::server::serve_one_at_a_time;
use socket_to_wsgi::wsgi::{Body, Environ, Gateway, StartResponse};

/// An environ written out as text: key to value.
type Dump = BTreeMap<String, String>;

// --- The corpus -------------------------------------------------------------------------------

/// The requests both servers get, as raw bytes, each with a short name for the report.
///
/// The Host header names no real server, so that the two copies of a request are identical
/// bytes (the two servers listen on different ports).
const CORPUS: &[(&str, &[u8])] = &[
    ("plain GET", b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("HEAD", b"HEAD /page.html HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    (
        "POST with a text body",
        b"POST /form HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain; charset=utf-8\r\n\
          Content-Length: 11\r\n\r\nhello world",
    ),
    (
        "PUT with binary bytes",
        b"PUT /blob HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/octet-stream\r\n\
          Content-Length: 10\r\n\r\n\x00\x01\x7f\x80\xfe\xff\r\n\"\\",
    ),
    ("DELETE", b"DELETE /items/7 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("OPTIONS *", b"OPTIONS * HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("OPTIONS on a path", b"OPTIONS /items HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a method of our own", b"PURGE /cache/x HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a lowercase method", b"get /lower HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a bare ? at the end", b"GET /search? HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a plain query", b"GET /search?q=rust&page=2 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    (
        "a query with %20, + and %2B",
        b"GET /search?q=a%20b+c%2Bd&e=%E4%BD%A0 HTTP/1.1\r\nHost: example.test\r\n\r\n",
    ),
    ("repeated query keys", b"GET /?tag=a&tag=b&tag=&tag HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a ? inside the query", b"GET /a?b?c=d HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a UTF-8 path", b"GET /%E4%BD%A0%E5%A5%BD/caf%C3%A9 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("an encoded slash", b"GET /a%2Fb/c HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("an encoded percent", b"GET /100%25/%2525 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("malformed escapes", b"GET /bad%ZZ/%4/%e4%bd HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a path with ;params", b"GET /file;v=1/x;y?z=1 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a path starting with //", b"GET //double//slash HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    (
        "repeated headers",
        b"GET / HTTP/1.1\r\nHost: example.test\r\nAccept: text/html\r\nX-Trace: 1\r\n\
          Accept: */*\r\nX-Trace: 2\r\nACCEPT: text/plain\r\n\r\n",
    ),
    (
        "header names in every case",
        b"POST /case HTTP/1.1\r\nhOsT: example.test\r\nx-mIxEd-CaSe: a\r\nX-MIXED-CASE: b\r\n\
          content-type: text/plain\r\nCONTENT-LENGTH: 3\r\n\r\nabc",
    ),
    (
        "whitespace around a value",
        b"GET / HTTP/1.1\r\nHost: example.test\r\nX-Padded:  \t spaced  value \t \r\n\
          X-Tight:tight\r\n\r\n",
    ),
    (
        "whitespace around Content-Type and Content-Length",
        b"POST /padded HTTP/1.1\r\nHost: example.test\r\nContent-Type:   text/plain \t\r\n\
          Content-Length:  2  \r\n\r\nab",
    ),
    (
        "empty header values",
        b"GET / HTTP/1.1\r\nHost: example.test\r\nX-Empty:\r\nX-Blank:   \r\n\r\n",
    ),
    (
        "a header name with an underscore",
        b"GET / HTTP/1.1\r\nHost: example.test\r\nX-Forwarded-For: 10.0.0.1\r\n\
          X_Forwarded_For: 6.6.6.6\r\nX_Only_Underscores: yes\r\n\r\n",
    ),
    (
        "a header named like a CGI variable",
        b"GET /real HTTP/1.1\r\nHost: example.test\r\nPath-Info: /forged\r\n\
          Server-Name: forged.example\r\n\r\n",
    ),
    (
        "a header value in UTF-8",
        b"GET / HTTP/1.1\r\nHost: example.test\r\nX-Name: caf\xc3\xa9 \xe4\xbd\xa0\r\n\r\n",
    ),
    (
        "a body but no Content-Type",
        b"POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: 3\r\n\r\nxyz",
    ),
    (
        "Content-Type but no body",
        b"POST /empty HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/json\r\n\
          Content-Length: 0\r\n\r\n",
    ),
    (
        "a UTF-8 body",
        b"POST /text HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain; charset=utf-8\r\n\
          Content-Length: 15\r\n\r\n\xe4\xbd\xa0\xe5\xa5\xbd, w\xc3\xb6rld!",
    ),
    (
        "a Content-Length with leading zeros",
        b"POST /zeros HTTP/1.1\r\nHost: example.test\r\nContent-Length: 004\r\n\r\nfour",
    ),
    ("HTTP/1.0 without Host", b"GET /old?x=1 HTTP/1.0\r\nUser-Agent: old/1.0\r\n\r\n"),
    (
        "HTTP/1.0 POST",
        b"POST /old HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 7\r\n\r\na=1&b=2",
    ),
];

// --- The differences PEP 3333 permits -----------------------------------------------------------

/// A difference between the two environs that is not a bug of ours: either PEP 3333 leaves
/// the choice to the server, or wsgiref strays from an RFC and our value is the one the RFC
/// asks for. `reason` says which, and where it is written.
struct Allowed {
    /// The environ key this row is about; or several, separated by `, `; or a family of
    /// keys, `HTTP_* ...`.
    key: &'static str,
    /// What wsgiref puts there, and what our gateway puts there.
    difference: &'static str,
    /// Why both are acceptable.
    reason: &'static str,
    /// Whether this row explains what was seen; a row never excuses values it does not
    /// describe.
    explains: fn(&Seen<'_>) -> bool,
}

impl Allowed {
    /// Whether this row is about `key`: one of its keys, or any HTTP_ key for an `HTTP_*` row.
    fn covers(&self, key: &str) -> bool {
        if self.key.starts_with("HTTP_*") {
            key.starts_with("HTTP_")
        } else {
            self.key.split(", ").any(|covered| covered == key)
        }
    }
}

/// One key whose values differ, with the request that produced them.
struct Seen<'a> {
    key: &'a str,
    python: Option<&'a str>,
    rust: Option<&'a str>,
    request: &'a Raw,
    /// The ports the two servers listen on: (wsgiref's, ours).
    ports: (u16, u16),
}

/// The one table of accepted differences.
const ALLOWED: &[Allowed] = &[
    Allowed {
        key: "SERVER_PORT",
        difference: "each server's own port",
        reason: "The two servers listen side by side, so on different ports; PEP 3333 asks \
                 each for the port it received the request on, and each gives its own.",
        explains: |seen| {
            let (python, rust) = seen.ports;
            seen.python == Some(python.to_string().as_str())
                && seen.rust == Some(rust.to_string().as_str())
        },
    },
    Allowed {
        key: "SERVER_NAME",
        difference: "wsgiref: the host name of the bound address (socket.getfqdn, \
                     \"localhost\" here); ours: the bound IP address, 127.0.0.1",
        reason: "PEP 3333 requires SERVER_NAME and takes its meaning from CGI, where RFC 3875 \
                 §4.1.14 calls it \"a case-insensitive hostname or network address\". The \
                 address needs no name lookup.",
        explains: |seen| {
            seen.rust == Some("127.0.0.1") && seen.python.is_some_and(|name| !name.is_empty())
        },
    },
    Allowed {
        key: "SERVER_SOFTWARE",
        difference: "wsgiref: \"WSGIServer/0.2\"; ours: absent",
        reason: "Not among the variables PEP 3333 requires; it only says a server \"should \
                 attempt to provide as many other CGI variables as are applicable\". The \
                 Server response header is where HTTP names the software (RFC 9110 §10.2.4).",
        explains: |seen| seen.rust.is_none() && seen.python.is_some(),
    },
    Allowed {
        key: "GATEWAY_INTERFACE",
        difference: "wsgiref: \"CGI/1.1\"; ours: absent",
        reason: "Optional in PEP 3333 (not among its required variables). It names the CGI \
                 revision a CGI script is run under (RFC 3875 §4.1.4), and this is not CGI.",
        explains: |seen| seen.rust.is_none() && seen.python == Some("CGI/1.1"),
    },
    Allowed {
        key: "REMOTE_HOST",
        difference: "wsgiref: \"\" (it does not look the client up); ours: absent",
        reason: "Optional in PEP 3333. RFC 3875 §4.1.9 lets a server leave the client's host \
                 name out when it is not available; REMOTE_ADDR, which both give, carries the \
                 address.",
        explains: |seen| seen.rust.is_none() && seen.python == Some(""),
    },
    Allowed {
        key: "CONTENT_TYPE",
        difference: "request without Content-Type: wsgiref \"text/plain\"; ours \"\"",
        reason: "PEP 3333 on CONTENT_TYPE: \"May be empty or absent.\" wsgiref's text/plain is \
                 the MIME default of Python's email parser (RFC 2045 §5.2), not something the \
                 client said; in HTTP a missing Content-Type leaves the type unknown (RFC 9110 \
                 §8.3).",
        explains: |seen| {
            seen.request.header_values("Content-Type").is_empty()
                && seen.python == Some("text/plain")
                && seen.rust == Some("")
        },
    },
    Allowed {
        key: "CONTENT_TYPE, CONTENT_LENGTH",
        difference: "whitespace after the value: wsgiref keeps it (`Content-Length: 2 ` gives \
                     \"2 \"); ours trims it",
        reason: "RFC 9110 §5.5: the whitespace around a field value is not part of it. wsgiref \
                 trims HTTP_* values but copies these two as its header parser left them, \
                 with trailing spaces. A trailing space in CONTENT_LENGTH even breaks an \
                 application that checks it is all digits.",
        explains: |seen| {
            let (Some(python), Some(rust)) = (seen.python, seen.rust) else { return false };
            python.trim_end_matches([' ', '\t']) == rust && rust == rust.trim_matches([' ', '\t'])
        },
    },
    Allowed {
        key: "PATH_INFO",
        difference: "target starting with //: wsgiref collapses the leading slashes into one; \
                     ours keeps the path as sent",
        reason: "Python's http.server does this (since CPython gh-87389) so that its file \
                 server's redirects cannot lead to another site; it is not part of WSGI. PEP \
                 3333 builds PATH_INFO from the request's path, and in HTTP's origin form an \
                 absolute path is 1*( \"/\" segment ) with segments that may be empty (RFC 9112 \
                 §3.2.1, RFC 9110 §4.1): `//a` is a path of its own, not `/a`.",
        explains: |seen| {
            let (Some(python), Some(rust)) = (seen.python, seen.rust) else { return false };
            seen.request.target.starts_with("//")
                && rust.starts_with("//")
                && python == format!("/{}", rust.trim_start_matches('/'))
        },
    },
    Allowed {
        key: "HTTP_* from a header name with _",
        difference: "wsgiref maps `X_Forwarded_For` to HTTP_X_FORWARDED_FOR, the same key as \
                     `X-Forwarded-For` (and joins the two); ours leaves out every header whose \
                     name has an underscore",
        reason: "RFC 9110 §17.10: turning `-` into `_` makes the two names collide, so a client \
                 could forge a header a proxy sets; dropping such names is what nginx and \
                 gunicorn do by default. PEP 3333 says nothing either way.",
        explains: |seen| {
            let any = |_: &str| true;
            let hyphens_only = |name: &str| !name.contains('_');
            let request = seen.request;
            request.headers.iter().any(|(name, _)| name.contains('_') && http_key(name) == seen.key)
                && seen.python == request.joined(seen.key, any).as_deref()
                && seen.rust == request.joined(seen.key, hyphens_only).as_deref()
        },
    },
    Allowed {
        key: "HTTP_* whose value ends in byte 0xA0",
        difference: "wsgiref strips a trailing 0xA0 (or 0x85) byte from a header value, so \
                     `X-Name: \\xe4\\xbd\\xa0` (the UTF-8 of 你) loses its last byte; ours \
                     keeps it",
        reason: "A wsgiref bug: it trims values with Python's str.strip(), which also removes \
                 the Latin-1 characters U+0085 and U+00A0. RFC 9110 §5.5 trims only spaces and \
                 tabs around a field value; every other byte belongs to the value, and PEP \
                 3333 carries header bytes as Latin-1 precisely so that none is lost.",
        explains: |seen| {
            let (Some(python), Some(rust)) = (seen.python, seen.rust) else { return false };
            rust.ends_with(['\u{85}', '\u{a0}'])
                && rust == rust.trim_matches([' ', '\t'])
                && python == rust.trim_matches(char::is_whitespace)
        },
    },
    Allowed {
        key: "HTTP_* for a header named like a CGI variable",
        difference: "`Path-Info: x`: wsgiref leaves out HTTP_PATH_INFO (the name collides with \
                     PATH_INFO, which it skips as it skips Content-Type); ours has \
                     HTTP_PATH_INFO = x",
        reason: "PEP 3333: HTTP_ variables correspond to \"the client-supplied HTTP request \
                 headers\", and RFC 3875 §4.1.18 prefixes every header's name with HTTP_; only \
                 Content-Type and Content-Length become CONTENT_TYPE and CONTENT_LENGTH. The \
                 real PATH_INFO is unharmed on both sides.",
        explains: |seen| {
            let cgi = seen.key.strip_prefix("HTTP_").unwrap_or_default();
            ["PATH_INFO", "SERVER_NAME", "SERVER_PORT", "REQUEST_METHOD", "QUERY_STRING"]
                .contains(&cgi)
                && seen.python.is_none()
                && seen.rust == seen.request.joined(seen.key, |name| !name.contains('_')).as_deref()
        },
    },
];

/// The environ key of a header other than Content-Type and Content-Length:
/// `X-Forwarded-For` becomes `HTTP_X_FORWARDED_FOR`.
fn http_key(name: &str) -> String {
    format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_"))
}

// --- Comparing ----------------------------------------------------------------------------------

/// Compares the two environs of one request: drops the differences [`ALLOWED`] explains and
/// returns what is left of each, plus the rows that explained something.
fn unexplained(
    python: &Dump,
    rust: &Dump,
    request: &Raw,
    ports: (u16, u16),
) -> (Dump, Dump, Vec<&'static Allowed>) {
    let (mut python_left, mut rust_left) = (python.clone(), rust.clone());
    let mut used = Vec::new();
    let keys: BTreeSet<&String> = python.keys().chain(rust.keys()).collect();
    for key in keys {
        let (in_python, in_rust) = (python.get(key), rust.get(key));
        if in_python == in_rust {
            continue;
        }
        let seen = Seen {
            key,
            python: in_python.map(String::as_str),
            rust: in_rust.map(String::as_str),
            request,
            ports,
        };
        if let Some(row) = ALLOWED.iter().find(|row| row.covers(key) && (row.explains)(&seen)) {
            python_left.remove(key);
            rust_left.remove(key);
            used.push(row);
        }
    }
    (python_left, rust_left, used)
}

/// Sends `request` to both servers and asserts that their environs differ only as allowed.
/// Returns the rows of [`ALLOWED`] it needed.
fn assert_same_environ(
    name: &str,
    request: &[u8],
    python: SocketAddr,
    rust: SocketAddr,
) -> Vec<&'static str> {
    let raw = Raw::parse(request);
    let (from_python, from_rust) = (ask(python, request), ask(rust, request));
    let ports = (python.port(), rust.port());
    let (python_left, rust_left, used) = unexplained(&from_python, &from_rust, &raw, ports);
    let excused: String = used
        .iter()
        .map(|row| {
            format!("    {}: {}\n        because: {}\n", row.key, row.difference, row.reason)
        })
        .collect();
    assert_eq!(
        python_left,
        rust_left,
        "\nrequest {name:?}, as sent:\n{}\nleft out of the diff below as allowed:\n{excused}\n\
         the environs otherwise (< wsgiref, > ours):",
        show(request)
    );
    used.iter().map(|row| row.key).collect()
}

// --- The tests ----------------------------------------------------------------------------------

#[test]
fn every_environ_matches_wsgiref_up_to_the_allowed_differences() {
    let Some(python) = Python::start() else { return };
    let rust = serve_dump_environ();
    let mut used = Vec::new();
    for (name, request) in CORPUS {
        used.extend(assert_same_environ(name, request, python.address, rust.address));
    }
    // A row that excuses nothing over the whole corpus is stale, or hides a gap in the corpus.
    // Two rows depend on the machine, not on the server: whether 127.0.0.1 has a host name,
    // and whether this Python has the gh-87389 change (older releases keep `//`).
    let machine_dependent = ["SERVER_NAME", "PATH_INFO"];
    let unused: Vec<&str> = ALLOWED
        .iter()
        .map(|row| row.key)
        .filter(|key| !used.contains(key) && !machine_dependent.contains(key))
        .collect();
    assert_eq!(unused, Vec::<&str>::new(), "rows of ALLOWED that no request needed");
}

#[test]
fn a_changed_value_is_caught() {
    // The comparison itself can fail: the same environ with one value changed is reported.
    let raw = Raw::parse(CORPUS[0].1);
    let environ: Dump = [("PATH_INFO", "/"), ("SERVER_NAME", "localhost")]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
    let mut changed = environ.clone();
    changed.insert("PATH_INFO".to_string(), "/other".to_string());
    changed.insert("SERVER_NAME".to_string(), "127.0.0.1".to_string());
    let (python_left, rust_left, used) = unexplained(&environ, &changed, &raw, (1, 2));
    assert_ne!(python_left, rust_left, "PATH_INFO differs and no row excuses it");
    assert_eq!(python_left.get("SERVER_NAME"), None, "an allowed difference is removed");
    assert_eq!(used.len(), 1);
}

#[test]
fn a_repeated_content_length_is_one_number() {
    // RFC 9110 §8.6 lets a server accept the same length sent twice, replacing the two with
    // one; joined like a list header, PEP 3333's CONTENT_LENGTH (RFC 3875 §4.1.2: digits
    // only) would no longer be a number.
    let Some(python) = Python::start() else { return };
    let rust = serve_dump_environ();
    let request = b"POST /twice HTTP/1.1\r\nHost: example.test\r\nContent-Length: 3\r\n\
                    Content-Length: 3\r\n\r\nabc";
    assert_same_environ("Content-Length twice", request, python.address, rust.address);
}

// --- Our side: the application and its server -----------------------------------------------------

/// The Rust twin of `tests/wsgiref/dump_environ.py`: answers with its environ as JSON, in the
/// body and in an `X-Environ` header (for HEAD, whose body the gateway does not send).
fn dump_environ(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
    let mut body = Vec::new();
    if let Err(error) = environ.input.read_to_end(&mut body) {
        panic!("reading wsgi.input failed: {error}");
    }
    let mut dumped: Dump =
        environ.vars().iter().map(|(key, value)| (key.to_string(), value.clone())).collect();
    let (major, minor) = Environ::VERSION;
    let wsgi = [
        ("wsgi.version", format!("{major}.{minor}")),
        ("wsgi.url_scheme", environ.url_scheme.clone()),
        ("wsgi.multithread", environ.multithread.to_string()),
        ("wsgi.multiprocess", environ.multiprocess.to_string()),
        ("wsgi.run_once", environ.run_once.to_string()),
        ("wsgi.input", body.iter().map(|&byte| char::from(byte)).collect()),
    ];
    dumped.extend(wsgi.into_iter().map(|(key, value)| (key.to_string(), value)));
    let json = to_json(&dumped);
    start_response.call(
        "200 OK",
        [
            ("Content-Type", "application/json".to_string()),
            ("Content-Length", json.len().to_string()),
            ("X-Environ", json.clone()),
        ],
    );
    Body::from(json)
}

/// `dump_environ` behind our gateway, on a free loopback port, one connection at a time (as
/// wsgiref's simple server serves).
fn serve_dump_environ() -> TestServer {
    let gateway = Gateway::new(dump_environ, Config::default());
    TestServer::start(move |listener, shutdown| {
        serve_one_at_a_time(listener, &shutdown, |stream| gateway.handle(stream));
    })
}

// --- Python's side --------------------------------------------------------------------------------

/// `tests/wsgiref/dump_environ.py`, started with `--port 0`; killed when dropped, so it never
/// outlives the test, whether the test passes or panics.
struct Python {
    child: Child,
    address: SocketAddr,
}

impl Python {
    /// Starts the program, or returns None when there is no `python3` to start it with.
    fn start() -> Option<Python> {
        if Command::new("python3").arg("--version").output().is_err() {
            eprintln!("skipped: python3 not found");
            return None;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wsgiref/dump_environ.py");
        let child = Command::new("python3")
            .args([script, "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3");
        // From here on the guard owns the child: any panic below still kills it.
        let mut python = Python { child, address: SocketAddr::from(([127, 0, 0, 1], 0)) };
        let mut first_line = String::new();
        let stdout = python.child.stdout.take().expect("a piped stdout");
        BufReader::new(stdout).read_line(&mut first_line).expect("read the first line");
        python.address = first_line
            .strip_prefix("listening on http://")
            .and_then(|rest| rest.trim_end().strip_suffix('/'))
            .unwrap_or_else(|| panic!("dump_environ.py printed {first_line:?}, not its address"))
            .parse()
            .expect("an address");
        Some(python)
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --- The client side: raw requests out, environs back ---------------------------------------------

/// What the allowed-difference rules need to know about a request.
struct Raw {
    target: String,
    /// Header names as sent, values with surrounding whitespace removed, as Latin-1 text.
    headers: Vec<(String, String)>,
}

impl Raw {
    fn parse(request: &[u8]) -> Raw {
        let end = find(request, b"\r\n\r\n").expect("a complete head");
        let head: String = request[..end].iter().map(|&byte| char::from(byte)).collect();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap();
        let target = request_line.split(' ').nth(1).expect("a target").to_string();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header line");
                (name.to_string(), value.trim_matches([' ', '\t']).to_string())
            })
            .collect();
        Raw { target, headers }
    }

    fn header_values(&self, name: &str) -> Vec<&str> {
        let found = self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, value)| value.as_str()).collect()
    }

    /// The values of the headers (whose names pass `keep`) that map to the environ key `key`,
    /// joined with commas; None when there are none.
    fn joined(&self, key: &str, keep: fn(&str) -> bool) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(name, _)| keep(name) && http_key(name) == key)
            .map(|(_, value)| value.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }
}

/// Sends `request` and returns the environ the server's application reported.
///
/// The response is read up to its `Content-Length` (or its head, for HEAD), so it does not
/// matter whether the server then closes the connection or keeps it open.
fn ask(address: SocketAddr, request: &[u8]) -> Dump {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(request).expect("send the request");
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    let head_end = loop {
        if let Some(end) = find(&received, b"\r\n\r\n") {
            break end + 4;
        }
        let n =
            stream.read(&mut buffer).unwrap_or_else(|e| panic!("{address}: reading the head: {e}"));
        assert!(n > 0, "{address} closed after {:?}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&buffer[..n]);
    };
    let head = String::from_utf8(received[..head_end].to_vec()).expect("an ASCII head");
    let header = |name: &str| {
        head.split("\r\n").find_map(|line| {
            let (n, value) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| value.trim().to_string())
        })
    };
    assert!(head.starts_with("HTTP/1.") && head[8..].starts_with(" 200 "), "{address}: {head}");
    let json = header("X-Environ").unwrap_or_else(|| panic!("{address}: no X-Environ in {head}"));
    if !request.starts_with(b"HEAD ") {
        // The body repeats the header: check it arrived whole and agrees.
        let length: usize = header("Content-Length").expect("a Content-Length").parse().unwrap();
        while received.len() < head_end + length {
            let n = stream
                .read(&mut buffer)
                .unwrap_or_else(|e| panic!("{address}: reading the body: {e}"));
            assert!(n > 0, "{address} closed before the end of the body");
            received.extend_from_slice(&buffer[..n]);
        }
        assert_eq!(&received[head_end..head_end + length], json.as_bytes(), "{address}");
    }
    parse_json_object(&json)
}

/// A request as a reader can follow it: one line per line, escapes for what is not ASCII.
fn show(request: &[u8]) -> String {
    let text: String = request.iter().map(|&byte| char::from(byte)).collect();
    text.split_inclusive("\r\n").map(|line| format!("    {}\n", line.escape_debug())).collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

// --- Just enough JSON: an object of strings -------------------------------------------------------

/// Writes `map` as a JSON object of strings. Everything outside printable ASCII is written as
/// `\uXXXX`, as Python's `json.dumps(..., ensure_ascii=True)` does, so the text is fit for a
/// header. Environ values are Latin-1 text, so every character fits in one `\uXXXX`.
fn to_json(map: &Dump) -> String {
    fn string(text: &str) -> String {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                ' '..='~' => out.push(c),
                _ => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            }
        }
        out.push('"');
        out
    }
    let pairs: Vec<String> =
        map.iter().map(|(key, value)| format!("{}: {}", string(key), string(value))).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// Reads a JSON object whose values are all strings, such as the ones both servers send.
fn parse_json_object(json: &str) -> Dump {
    let mut chars = json.trim().chars().peekable();
    let mut map = Dump::new();
    let expect = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, wanted: char| {
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        let got = chars.next();
        assert_eq!(got, Some(wanted), "malformed JSON: {json}");
    };
    let string = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        let mut text = String::new();
        loop {
            match chars.next().unwrap_or_else(|| panic!("unterminated string in {json}")) {
                '"' => return text,
                '\\' => match chars.next() {
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).collect();
                        let code = u32::from_str_radix(&hex, 16).expect("four hex digits");
                        text.push(char::from_u32(code).expect("no surrogates in Latin-1 text"));
                    }
                    Some('n') => text.push('\n'),
                    Some('r') => text.push('\r'),
                    Some('t') => text.push('\t'),
                    Some('b') => text.push('\u{8}'),
                    Some('f') => text.push('\u{c}'),
                    Some(c @ ('"' | '\\' | '/')) => text.push(c),
                    other => panic!("bad escape {other:?} in {json}"),
                },
                c => text.push(c),
            }
        }
    };
    expect(&mut chars, '{');
    if chars.next_if_eq(&'}').is_some() {
        return map;
    }
    loop {
        expect(&mut chars, '"');
        let key = string(&mut chars);
        expect(&mut chars, ':');
        expect(&mut chars, '"');
        let value = string(&mut chars);
        map.insert(key, value);
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        match chars.next() {
            Some(',') => continue,
            Some('}') => return map,
            other => panic!("expected , or }} but found {other:?} in {json}"),
        }
    }
}

#[test]
fn json_round_trips() {
    let map: Dump = [("a\"b\\", "é\u{0}\r\n/ x"), ("empty", "")]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
    assert_eq!(parse_json_object(&to_json(&map)), map);
    assert_eq!(parse_json_object("{}"), Dump::new());
    assert_eq!(
        parse_json_object(r#"{"k": "caf\u00e9 \/ \t"}"#).get("k").map(String::as_str),
        Some("café / \t")
    );
}
