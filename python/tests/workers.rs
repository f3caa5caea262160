//! Chapter 10 for Python: `09-python --workers 2` answers from two processes, each with an
//! interpreter of its own, replaces them all on SIGHUP, and stops them all on SIGTERM.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use pretty_assertions::assert_eq;
use support::{Client, Server};

/// The pid in the `workers.py` application's answer.
fn pid_in(text: &str) -> u32 {
    let pid = text.strip_prefix("pid ").and_then(|rest| rest.split(',').next());
    pid.and_then(|pid| pid.parse().ok()).unwrap_or_else(|| panic!("no pid in {text:?}"))
}

#[test]
fn two_workers_answer_from_two_processes() {
    let server = Server::start(&["workers:application", "--workers", "2", "--quiet"]);
    let master = server.child.id();
    let mut pids = BTreeSet::new();
    // The kernel hands new connections to the processes waiting in accept, in turn more or
    // less; a bounded number of tries sees both.
    for _ in 0..200 {
        let response = server.get("/");
        assert_eq!(response.status(), 200, "{response:?}");
        pids.insert(pid_in(&response.text()));
        if pids.len() == 2 {
            break;
        }
    }
    assert_eq!(pids.len(), 2, "two processes answered: {pids:?}; log:\n{}", server.stderr());
    assert!(!pids.contains(&master), "the master serves nothing itself");
    // A keep-alive connection belongs to the worker that accepted it.
    let mut client = Client::connect(server.address);
    let (first, second) = (client.get("/").text(), client.get("/").text());
    assert_eq!(pid_in(&first), pid_in(&second));
    drop(client);
    // SIGHUP: new workers, each with a new interpreter, then the old ones stop.
    Command::new("kill").args(["-HUP", &master.to_string()]).status().unwrap();
    for pid in &pids {
        let log = server.stderr_once_it_has(&format!("old worker {pid} finished"));
        assert!(log.contains(&format!("old worker {pid} finished")), "{log}");
    }
    let pid = pid_in(&server.get("/").text());
    assert!(!pids.contains(&pid), "answered by a new worker, not {pids:?}");
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains(&format!("master {master}: stopped")), "{log}");
}

#[test]
fn workers_that_cannot_start_stop_the_master_with_their_reason() {
    let output = Command::new(support::BINARY)
        .args(["no_such_module:app", "--workers", "2", "--port", "0"])
        .current_dir(support::apps())
        .output()
        .expect("start 09-python");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no module named `no_such_module`"), "{stderr}");
    assert!(stderr.contains("exited at once"), "the master says why it stops: {stderr}");
}
