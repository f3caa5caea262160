//! Chapter 9: the same requests to gunicorn and to `09-python`, both running
//! `apps/dump.py`, which answers with the environ it was given and the body it read. Status,
//! body and the application-visible environ must agree, up to the differences in
//! [`ALLOWED`], each explained. gunicorn comes from the virtualenv in `VIRTUAL_ENV`; without
//! it this test fails.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use pretty_assertions::assert_eq;
use support::{Client, HttpResponse, Server, apps, virtualenv};

/// The requests both servers get, byte for byte, named for the report. The Host header is
/// the same for both, though they listen on different ports.
const CORPUS: &[(&str, &str)] = &[
    ("plain GET", "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a query", "GET /search?q=a%20b+c&tag=&tag=x HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("a UTF-8 path", "GET /%E4%BD%A0/caf%C3%A9 HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    ("an encoded slash", "GET /a%2Fb HTTP/1.1\r\nHost: example.test\r\n\r\n"),
    (
        "repeated headers",
        "GET / HTTP/1.1\r\nHost: example.test\r\nX-Tag: a\r\nX-Tag: b\r\nAccept: */*\r\n\r\n",
    ),
    ("a header with an underscore", "GET / HTTP/1.1\r\nHost: example.test\r\nX_Forged: 1\r\n\r\n"),
    (
        "a form POST",
        "POST /form HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 13\r\n\r\nname=Ada&x=%2",
    ),
    (
        "a chunked POST",
        "POST /upload HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n",
    ),
    ("HTTP/1.0", "GET /old HTTP/1.0\r\nHost: example.test\r\n\r\n"),
];

/// What gunicorn does differently, and why each is allowed: (key, explains, reason).
/// `explains(ours, gunicorn's)` is the exact check: a row excuses only the values it
/// describes.
type Row = (&'static str, fn(Option<&str>, Option<&str>) -> bool, &'static str);

const ALLOWED: &[Row] = &[
    (
        "SERVER_SOFTWARE",
        |ours, theirs| ours.is_none() && theirs.is_some_and(|v| v.starts_with("\"gunicorn/")),
        "gunicorn names itself; PEP 3333 does not ask for the key (CGI's RFC 3875 §4.1.17 does)",
    ),
    (
        "RAW_URI",
        |ours, theirs| ours.is_none() && theirs.is_some(),
        "gunicorn's own: the request target as sent. Not in PEP 3333",
    ),
    (
        "REMOTE_PORT",
        |ours, theirs| {
            ours.is_none() && theirs.is_some_and(|v| v.trim_matches('"').parse::<u16>().is_ok())
        },
        "gunicorn's own: the client's port, different for every connection anyway",
    ),
    (
        "gunicorn.socket",
        |ours, theirs| ours.is_none() && theirs == Some("\"<object>\""),
        "gunicorn's own: its socket object",
    ),
    (
        "wsgi.early_hints",
        |ours, theirs| ours.is_none() && theirs == Some("\"<object>\""),
        "gunicorn's callable for 103 Early Hints (RFC 8297); not in PEP 3333",
    ),
    (
        "SERVER_PORT",
        |ours, theirs| ours.is_some() && theirs.is_some(),
        "each server's own listening port",
    ),
    (
        "CONTENT_TYPE",
        |ours, theirs| ours == Some("\"\"") && theirs.is_none(),
        "PEP 3333: CONTENT_TYPE \"may be empty or absent\"; we always set the required keys",
    ),
    (
        "CONTENT_LENGTH",
        |ours, theirs| ours == Some("\"\"") && theirs.is_none(),
        "the same for CONTENT_LENGTH, when the request has no body length",
    ),
    (
        "wsgi.multithread",
        |ours, theirs| ours == Some("\"True\"") && theirs == Some("\"False\""),
        "both tell the truth: our workers are threads, gunicorn's sync workers are processes",
    ),
    (
        "wsgi.input_terminated",
        |ours, theirs| ours.is_none() && theirs == Some("\"True\""),
        "gunicorn sets it always; we only for chunked bodies, where it is needed (chapter 9)",
    ),
];

/// gunicorn, one sync worker, serving `apps/dump.py`; killed when dropped.
struct Gunicorn {
    child: Child,
    address: SocketAddr,
}

impl Gunicorn {
    fn start(venv: &str) -> Gunicorn {
        let mut child = Command::new(format!("{venv}/bin/gunicorn"))
            .args(["--bind", "127.0.0.1:0", "--workers", "1", "--no-control-socket"])
            .arg("dump:application")
            .current_dir(apps())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start gunicorn from the virtualenv (pip install gunicorn)");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut log = String::new();
        let address = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("gunicorn stopped before listening:\n{log}");
            }
            log.push_str(&line);
            if let Some((_, rest)) = line.split_once("Listening at: http://") {
                break rest.split_whitespace().next().unwrap().parse().unwrap();
            }
        };
        // Keep reading its log, so that a full pipe never blocks it.
        std::thread::spawn(move || for _ in stderr.lines() {});
        Gunicorn { child, address }
    }
}

impl Drop for Gunicorn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `request` on a fresh connection and reads one response.
fn ask(address: SocketAddr, request: &str) -> HttpResponse {
    let mut client = Client::connect(address);
    client.send(request.as_bytes());
    client.response()
}

/// The JSON object `dump.py` answers with, as key and value pairs, each still JSON-quoted
/// (the same text on both sides compares equal). Python splits it, one pair per line with a
/// tab between: `json.dumps` never writes a raw tab.
fn environ_of(response: &HttpResponse) -> BTreeMap<String, String> {
    let split = "import json, sys\n\
                 for key, value in json.load(sys.stdin).items():\n\
                 \x20   print(json.dumps(key) + '\\t' + json.dumps(value))";
    let mut child = Command::new(format!("{}/bin/python", virtualenv()))
        .args(["-c", split])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&response.body).unwrap();
    let output = child.wait_with_output().unwrap();
    let lines = String::from_utf8(output.stdout).unwrap();
    let pairs = lines.lines().map(|line| line.split_once('\t').expect("a key, a tab, a value"));
    pairs.map(|(key, value)| (key.trim_matches('"').to_string(), value.to_string())).collect()
}

#[test]
fn gunicorn_and_09_python_agree_up_to_the_allowed_differences() {
    let venv = virtualenv();
    let gunicorn = Gunicorn::start(&venv);
    let ours = Server::start(&["dump:application", "--quiet"]);
    let mut used = BTreeSet::new();
    let mut problems = Vec::new();
    for (name, request) in CORPUS {
        let (mine, theirs) = (ask(ours.address, request), ask(gunicorn.address, request));
        // The status, not the version: gunicorn answers HTTP/1.0 in kind, we with the highest
        // version we speak, HTTP/1.1, as RFC 9110 §2.5 asks of a server.
        assert_eq!(mine.status_line[9..], theirs.status_line[9..], "{name}: the status");
        let (mine, theirs) = (environ_of(&mine), environ_of(&theirs));
        let keys: BTreeSet<&String> = mine.keys().chain(theirs.keys()).collect();
        for key in keys {
            let (a, b) = (mine.get(key).map(String::as_str), theirs.get(key).map(String::as_str));
            if a == b {
                continue;
            }
            match ALLOWED.iter().find(|(row, explains, _)| row == key && explains(a, b)) {
                Some((row, _, _)) => {
                    used.insert(*row);
                }
                None => problems.push(format!("{name}: {key}: ours {a:?}, gunicorn's {b:?}")),
            }
        }
    }
    assert_eq!(problems, Vec::<String>::new(), "differences no row of ALLOWED explains");
    let stale: Vec<&str> =
        ALLOWED.iter().map(|(row, _, _)| *row).filter(|row| !used.contains(row)).collect();
    assert_eq!(stale, Vec::<&str>::new(), "rows of ALLOWED that no request needs any more");
}
