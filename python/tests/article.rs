//! Chapter 9: `09-python` itself: the article's application by default, the startup line,
//! keep-alive, one-line startup errors, and a graceful stop on SIGTERM.

mod support;

use pretty_assertions::assert_eq;
use support::common::run_to_end;
use support::{BINARY, Client, Server, plain_and_validated};

#[test]
fn the_default_is_the_articles_application_and_says_which_python_runs_it() {
    let server = Server::start(&[]);
    assert!(
        server.lines[1].starts_with("serving the article's application with Python 3."),
        "{:?}",
        server.lines
    );
    assert!(server.lines[1].contains(" from /"), "the prefix is named: {:?}", server.lines);
    let page = server.get("/");
    assert_eq!(page.status_line, "HTTP/1.1 200 OK");
    assert_eq!(page.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert!(page.text().contains("Hello, WSGI"), "{}", page.text());
}

#[test]
fn the_article_application_sees_a_full_environ_over_keep_alive() {
    plain_and_validated(&["article:application"], |server, validated| {
        let mut client = Client::connect(server.address);
        let environ = client.get("/environ?x=1");
        assert_eq!(environ.status(), 200);
        let text = environ.text();
        for line in [
            "REQUEST_METHOD = 'GET'",
            "SCRIPT_NAME = ''",
            "PATH_INFO = '/environ'",
            "QUERY_STRING = 'x=1'",
            "SERVER_PROTOCOL = 'HTTP/1.1'",
            "HTTP_HOST = 'test'",
            "wsgi.version = (1, 0)",
            "wsgi.url_scheme = 'http'",
            "wsgi.multithread = True",
            "wsgi.multiprocess = False",
            "wsgi.run_once = False",
        ] {
            assert!(text.lines().any(|got| got == line), "no {line:?} in\n{text}");
        }
        assert_eq!(client.get("/sleep?ms=1").text(), "slept 1 ms\n");
        let missing = client.get("/nowhere");
        assert_eq!(missing.status(), 404);
        assert_eq!(missing.text(), "404: nothing at /nowhere\n");
        let head = {
            client.send(b"HEAD / HTTP/1.1\r\nHost: test\r\n\r\n");
            client.response_to_head()
        };
        // The validator hides the one-element list behind its own iterator, so only the
        // plain run knows the length.
        let length = if validated { None } else { Some("59") };
        assert_eq!(head.header("Content-Length"), length);
        assert_eq!(client.get("/").status(), 200, "the same connection, a fourth time");
    });
}

#[test]
fn the_current_directory_is_on_sys_path() {
    // `article` here is apps/article.py, imported from the directory the server runs in.
    let server = Server::start(&["article"]);
    assert_eq!(server.lines[1].split(" with ").next(), Some("serving article"));
    assert_eq!(server.get("/").status(), 200);
}

#[test]
fn startup_mistakes_are_one_line_and_exit_2() {
    let apps = support::apps();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let output = std::process::Command::new(BINARY)
            .args(args)
            .args(["--port", "0"])
            .current_dir(&apps)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.code(), stderr)
    };
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        (&["no_such_module:app"], &[], "09-python: no module named `no_such_module` on sys.path"),
        (&["article:app"], &[], "09-python: article:app: the module has no attribute `app`"),
        (&["probe:TEXT"], &[], "09-python: probe:TEXT: `TEXT` is not callable"),
        (&[], &[("PYTHONHOME", "/nonexistent")], "09-python: Python (built for 3."),
    ];
    for (args, env, start) in cases {
        let (code, stderr) = run(args, env);
        assert_eq!(code, Some(2), "{args:?} {env:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?} {env:?}: one line, not\n{stderr}");
        assert!(stderr.starts_with(start), "{args:?} {env:?}: {stderr}");
    }
}

#[test]
fn help_names_the_application_and_the_python_flags() {
    let (code, stdout, _) = run_to_end(BINARY, &["--help"]);
    assert_eq!(code, 0);
    for expected in ["MODULE:CALLABLE", "--validate", "--threads N", "--max-body BYTES"] {
        assert!(stdout.contains(expected), "{expected} in\n{stdout}");
    }
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let server = Server::start(&["--threads", "2"]);
    assert_eq!(server.get("/").status(), 200);
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0), "stopped by SIGTERM, cleanly:\n{stderr}");
    assert!(stderr.ends_with("stopped\n"), "{stderr}");
}

#[test]
fn attaching_per_request_serves_the_same_responses() {
    let server = Server::start(&["--attach-per-request", "--threads", "2"]);
    let mut client = Client::connect(server.address);
    for _ in 0..3 {
        assert_eq!(client.get("/").status(), 200);
    }
}
