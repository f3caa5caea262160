//! What chapter 9's tests share: `09-python` started on a free port in `python/apps`, its
//! stderr kept for the assertions, and the root package's plain HTTP client.
#![allow(dead_code, unused_imports)] // each test file uses a different part of this module

#[path = "../../../tests/common/mod.rs"]
pub mod common;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use common::keep_alive::Client;
pub use common::{HttpResponse, PATIENCE, exchange};

pub const BINARY: &str = env!("CARGO_BIN_EXE_09-python");

/// `python/apps`, where the test applications live.
pub fn apps() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("apps")
}

/// The virtualenv with Flask and gunicorn that `.ci/run` makes. Missing is a failure, not a
/// skip: these tests exist to prove the server runs them.
pub fn virtualenv() -> String {
    let venv = std::env::var("VIRTUAL_ENV").unwrap_or_else(|_| {
        panic!(
            "VIRTUAL_ENV is not set. Make a virtualenv with Flask and gunicorn and activate it \
             (README.md, \"Chapter 9: Python applications\", says how; bash .ci/run does it \
             for you), then run again"
        )
    });
    assert!(Path::new(&venv).join("bin/python").exists(), "VIRTUAL_ENV={venv} has no bin/python");
    venv
}

/// A running `09-python`; killed when dropped.
pub struct Server {
    pub child: Child,
    pub address: SocketAddr,
    pub lines: Vec<String>,
    stderr: PathBuf,
}

impl Server {
    /// Starts `09-python ARGS --port 0` in `python/apps`, and reads its first two lines.
    pub fn start(args: &[&str]) -> Server {
        Server::start_with(args, &[])
    }

    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Server {
        let stderr = std::env::temp_dir().join(format!(
            "09-python-{}-{:?}.log",
            std::process::id(),
            Instant::now()
        ));
        let mut command = Command::new(BINARY);
        command.args(args).args(["--port", "0"]).current_dir(apps());
        if let Ok(venv) = std::env::var("VIRTUAL_ENV") {
            command.env("VIRTUAL_ENV", venv);
        }
        let mut child = command
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr).unwrap())
            .spawn()
            .expect("start 09-python");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        for _ in 0..2 {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            lines.push(line.trim_end().to_string());
        }
        // Worker processes (chapter 10) print their own lines later: keep reading, so that
        // none of them finds the pipe closed.
        std::thread::spawn(move || for _ in stdout.lines() {});
        let address = lines[0]
            .strip_prefix("listening on http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(&stderr).unwrap_or_default();
                panic!("unexpected first line {:?}; stderr: {log}", lines[0])
            })
            .parse()
            .unwrap();
        Server { child, address, lines, stderr }
    }

    /// Everything the server wrote on stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits (boundedly) until stderr contains `text`, and returns it.
    pub fn stderr_once_it_has(&self, text: &str) -> String {
        let give_up = Instant::now() + PATIENCE;
        loop {
            let log = self.stderr();
            if log.contains(text) || Instant::now() > give_up {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `request` on a new connection and reads until the server closes it.
    pub fn exchange(&self, request: &str) -> Vec<u8> {
        exchange(self.address, request.as_bytes())
    }

    /// One request with `Connection: close`, parsed.
    pub fn request(&self, method: &str, path: &str, headers: &str, body: &str) -> HttpResponse {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{headers}\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        HttpResponse::parse(&self.exchange(&request))
    }

    pub fn get(&self, path: &str) -> HttpResponse {
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        HttpResponse::parse(&self.exchange(&request))
    }

    /// Asks the server to stop as a service manager would; returns its exit code (`None`
    /// if it did not stop in time) and its stderr.
    pub fn terminate(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let give_up = Instant::now() + PATIENCE;
        while Instant::now() < give_up {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        (None, self.stderr())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.stderr);
    }
}

/// What `wsgiref.validate.validator` reports when it finds a fault, on either side.
pub fn assert_validator_silent(log: &str) {
    for fault in ["AssertionError", "WSGIWarning", "garbage collected without being closed"] {
        assert!(!log.contains(fault), "the validator found a fault ({fault}):\n{log}");
    }
}

/// Runs `check` against a plain server and one that wraps the application in wsgiref's
/// validator (`check` is told which), and checks that the validator raised nothing.
pub fn plain_and_validated(args: &[&str], check: impl Fn(&Server, bool)) {
    for validate in [false, true] {
        let mut args = args.to_vec();
        if validate {
            args.push("--validate");
        }
        let server = Server::start(&args);
        check(&server, validate);
        if validate {
            assert_validator_silent(&server.stderr());
        }
    }
}
