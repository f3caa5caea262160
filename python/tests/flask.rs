//! Chapter 9: a Flask application (`apps/flask_app.py`) on our server: routes, JSON, a form
//! POST, a 404 and an exception, over one keep-alive connection, plain and validated.
//! Flask comes from the virtualenv in `VIRTUAL_ENV`; without it these tests fail.

mod support;

use pretty_assertions::assert_eq;
use support::{Client, plain_and_validated, virtualenv};

#[test]
fn flask_serves_routes_json_forms_and_errors_over_keep_alive() {
    virtualenv();
    plain_and_validated(&["flask_app:app"], |server, _| {
        let mut client = Client::connect(server.address);
        let index = client.get("/");
        assert_eq!(index.status_line, "HTTP/1.1 200 OK");
        assert_eq!(index.text(), "Hello from Flask\n");

        let user = client.get("/users/42");
        assert_eq!(user.header("Content-Type"), Some("application/json"));
        assert_eq!(
            user.text(),
            "{\"id\":42,\"name\":\"user 42\",\"tags\":[\"reader\",\"tester\"]}\n"
        );

        let form = "name=Ada+Lovelace&topic=engines";
        client.send(
            format!(
                "POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: {}\r\n\r\n{form}",
                form.len()
            )
            .as_bytes(),
        );
        assert_eq!(client.response().text(), "thanks, Ada Lovelace; you sent 2 field(s)\n");

        assert_eq!(client.get("/users/not-a-number").status(), 404);
        assert_eq!(client.get("/nowhere").status(), 404);

        let boom = client.get("/boom");
        assert_eq!(boom.status(), 500);
        let log = server.stderr_once_it_has("ZeroDivisionError");
        assert!(log.contains("Exception on /boom [GET]"), "Flask logs through wsgi.errors:\n{log}");
        assert!(log.contains("ZeroDivisionError: integer division or modulo by zero"), "{log}");

        assert_eq!(client.get("/").status(), 200, "the same connection after the 500");
    });
}

#[test]
fn flask_is_found_through_virtual_env() {
    let venv = virtualenv();
    let server = support::Server::start_with(&["flask_app:app"], &[("VIRTUAL_ENV", &venv)]);
    assert_eq!(server.get("/").text(), "Hello from Flask\n");
    // Without VIRTUAL_ENV, and without the virtualenv's bin/ on PATH either: an activated
    // virtualenv puts its python first there, and CPython finds the virtualenv through it.
    let venv_bin = std::path::Path::new(&venv).join("bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(std::env::split_paths(&path).filter(|dir| *dir != venv_bin));
    let mut without = std::process::Command::new(support::BINARY)
        .args(["flask_app:app", "--port", "0"])
        .current_dir(support::apps())
        .env_remove("VIRTUAL_ENV")
        .env("PATH", path.unwrap())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: if Flask is found some other way (installed for the system's Python), the
    // server starts and would serve forever.
    let give_up = std::time::Instant::now() + support::PATIENCE;
    while without.try_wait().unwrap().is_none() && std::time::Instant::now() < give_up {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    if without.try_wait().unwrap().is_none() {
        let _ = without.kill();
        panic!(
            "without VIRTUAL_ENV the server still found Flask and started: is Flask installed for the system's Python?"
        );
    }
    let output = without.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("No module named 'flask'"), "{stderr}");
}
