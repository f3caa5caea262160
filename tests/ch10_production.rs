//! Chapter 10: in production. The real `10-production` binary, started as a reader would:
//! worker processes under a master, a loop of requests through a reload (none may fail) and
//! through a `kill -9` of a worker (only what it was serving may), SIGTERM stopping the whole
//! process tree, a worker stopping when its master is killed, `--workers 1` behaving as
//! chapter 8, and a socket handed over as systemd's socket activation does.
//!
//! Every server listens on loopback, and every loop is bounded in count and time.

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::keep_alive::Client;
use common::{Binary, HttpResponse, PATIENCE};
use pretty_assertions::assert_eq;
use rustix::process::{Pid, Signal, kill_process};

const BINARY: &str = env!("CARGO_BIN_EXE_10-production");

// ---------------------------------------------------------------------------------------
// The binary, its log, and its processes
// ---------------------------------------------------------------------------------------

/// A running `10-production`: its first line, and its stderr gathered line by line. Dropping
/// it kills the master and every worker it reported.
struct Production {
    master: Child,
    address: SocketAddr,
    first_line: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Production {
    /// Starts `10-production --port 0 --quiet ARGS`.
    fn start(args: &[&str]) -> Production {
        let mut command = Command::new(BINARY);
        command.args(["--port", "0", "--quiet"]).args(args);
        Production::spawn(command)
    }

    fn spawn(mut command: Command) -> Production {
        let mut master = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start 10-production");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = BufReader::new(master.stderr.take().unwrap());
        let gathered = Arc::clone(&log);
        thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                gathered.lock().unwrap().push(line);
            }
        });
        let mut stdout = BufReader::new(master.stdout.take().unwrap());
        let mut first_line = String::new();
        stdout.read_line(&mut first_line).unwrap();
        // The workers write their own first lines here too; keep the pipe from filling.
        thread::spawn(move || for _ in stdout.lines() {});
        let address = address_in(&first_line);
        Production { master, address, first_line, log }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits, boundedly, until the log holds a line for which `wanted` is true.
    fn wait_for_line(&self, about: &str, wanted: impl Fn(&str) -> bool) -> String {
        let give_up = Instant::now() + PATIENCE;
        while Instant::now() < give_up {
            if let Some(line) = self.log().into_iter().find(|line| wanted(line)) {
                return line;
            }
            thread::sleep(Duration::from_millis(20));
        }
        panic!("no log line {about} within {PATIENCE:?}; the log:\n{}", self.log().join("\n"));
    }

    /// The pids of the workers the master said it started, in order.
    fn workers(&self) -> Vec<u32> {
        let started = |line: &String| {
            let rest = line.split_once(": worker ")?.1;
            rest.strip_suffix(" started")?.parse().ok()
        };
        self.log().iter().filter_map(started).collect()
    }

    /// Waits until the master has reported `count` workers started, and returns them all.
    fn wait_for_workers(&self, count: usize) -> Vec<u32> {
        self.wait_for_line(&format!("for worker {count}"), |_| self.workers().len() >= count);
        self.workers()
    }

    fn signal(&self, signal: Signal) {
        send(self.master.id(), signal);
    }

    /// Waits for the master to exit, at most `PATIENCE`.
    fn wait_for_exit(&mut self) -> ExitStatus {
        let give_up = Instant::now() + PATIENCE;
        while Instant::now() < give_up {
            if let Some(status) = self.master.try_wait().unwrap() {
                return status;
            }
            thread::sleep(Duration::from_millis(20));
        }
        panic!("still running {PATIENCE:?} after the signal; log:\n{}", self.log().join("\n"));
    }
}

impl Drop for Production {
    fn drop(&mut self) {
        for pid in self.workers() {
            send(pid, Signal::KILL);
        }
        let _ = self.master.kill();
        let _ = self.master.wait();
    }
}

fn send(pid: u32, signal: Signal) {
    let pid = Pid::from_raw(pid as i32).expect("a pid is positive");
    let _ = kill_process(pid, signal);
}

/// The address in a `listening on http://ADDRESS/…` line.
fn address_in(line: &str) -> SocketAddr {
    let rest = line.strip_prefix("listening on http://");
    let address = rest.and_then(|rest| rest.split_once('/')).map(|(address, _)| address);
    address.unwrap_or_else(|| panic!("unexpected first line {line:?}")).parse().unwrap()
}

/// Whether a process has exited: gone, or a zombie nobody has reaped yet.
fn has_exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        }
    }
}

/// Waits, boundedly, until every process in `pids` has exited.
fn assert_all_exit(pids: &[u32], context: &str) {
    let give_up = Instant::now() + PATIENCE;
    while Instant::now() < give_up && !pids.iter().all(|&pid| has_exited(pid)) {
        thread::sleep(Duration::from_millis(20));
    }
    let running: Vec<u32> = pids.iter().copied().filter(|&pid| !has_exited(pid)).collect();
    assert_eq!(running, Vec::<u32>::new(), "{context}: still running after {PATIENCE:?}");
}

// ---------------------------------------------------------------------------------------
// A bounded loop of requests
// ---------------------------------------------------------------------------------------

const HELLO: &str = "/demo/hello/production";

/// Whether a response is the demo's greeting.
fn is_greeting(response: &HttpResponse) -> Result<(), String> {
    match response.status() == 200 && response.text().contains("Hello, production!") {
        true => Ok(()),
        false => Err(format!("unexpected response {response:?}")),
    }
}

fn connect(address: SocketAddr) -> Result<Client, String> {
    let stream = TcpStream::connect(address).map_err(|error| format!("connect: {error}"))?;
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    Ok(Client { stream, received: Vec::new(), closed: false })
}

/// Sends one GET on `client` and reads its response.
fn get_on(client: &mut Client, close: bool) -> Result<HttpResponse, String> {
    let connection = if close { "Connection: close\r\n" } else { "" };
    let request = format!("GET {HELLO} HTTP/1.1\r\nHost: test\r\n{connection}\r\n");
    client.stream.write_all(request.as_bytes()).map_err(|error| format!("send: {error}"))?;
    client.try_response(false)
}

/// One request on a connection of its own.
fn fresh_request(address: SocketAddr) -> Result<(), String> {
    is_greeting(&get_on(&mut connect(address)?, true)?)
}

/// A keep-alive client, as browsers and HTTP libraries are: it reuses its connection, and when
/// the server has closed a reused connection before answering anything, it sends the request
/// again on a new one (RFC 9112 §9.3.1 allows this for idempotent requests). A server may close
/// an idle keep-alive connection at any moment (§9.5), as a stopping worker does.
struct KeepAlive {
    address: SocketAddr,
    client: Option<Client>,
    retries: usize,
}

impl KeepAlive {
    fn request(&mut self) -> Result<(), String> {
        let reused = self.client.is_some();
        let mut client = match self.client.take() {
            Some(client) => client,
            None => connect(self.address)?,
        };
        match get_on(&mut client, false) {
            Ok(response) => {
                let closing = response.header("Connection") == Some("close");
                if !closing {
                    self.client = Some(client);
                }
                is_greeting(&response)
            }
            Err(_) if reused && client.received.is_empty() => {
                self.retries += 1;
                self.request()
            }
            Err(why) => Err(why),
        }
    }
}

/// What a loop of requests saw.
#[derive(Debug, Default)]
struct Tally {
    /// Before the event, and while it happened.
    served: usize,
    failures: Vec<String>,
    retries: usize,
    served_after_the_event: usize,
}

/// Runs two clients in a loop, one with a new connection per request and one with keep-alive,
/// and calls `event` once each has been served a few times. The loop goes on until each client
/// has been served `AFTER` more requests after `event` returned, bounded in count and time.
fn load_through(address: SocketAddr, event: impl FnOnce()) -> Tally {
    const BEFORE: usize = 20;
    const AFTER: usize = 100;
    // Far more than a reload takes (a fast worker answers 5,000 in a second or two), so that
    // only the time bound can end a loop before the event is over.
    const MOST: usize = 100_000;
    let event_done = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicUsize::new(0));
    let give_up = Instant::now() + Duration::from_secs(60);
    let clients: Vec<_> = [false, true]
        .into_iter()
        .map(|keep_alive| {
            let (event_done, started) = (Arc::clone(&event_done), Arc::clone(&started));
            thread::spawn(move || {
                let mut tally = Tally::default();
                let mut keeper = KeepAlive { address, client: None, retries: 0 };
                while tally.served + tally.failures.len() < MOST && Instant::now() < give_up {
                    let after = event_done.load(Ordering::SeqCst);
                    let outcome = match keep_alive {
                        true => keeper.request(),
                        false => fresh_request(address),
                    };
                    match outcome {
                        Ok(()) if after => tally.served_after_the_event += 1,
                        Ok(()) => tally.served += 1,
                        Err(why) => tally.failures.push(why),
                    }
                    if tally.served == BEFORE && !after {
                        started.fetch_add(1, Ordering::SeqCst);
                    }
                    if tally.served_after_the_event >= AFTER {
                        break;
                    }
                }
                tally.retries = keeper.retries;
                tally
            })
        })
        .collect();
    let bound = Instant::now() + PATIENCE;
    while started.load(Ordering::SeqCst) < 2 && Instant::now() < bound {
        thread::sleep(Duration::from_millis(5));
    }
    event();
    event_done.store(true, Ordering::SeqCst);
    let mut total = Tally::default();
    for client in clients {
        let tally = client.join().expect("a client thread must not panic");
        total.served += tally.served;
        total.failures.extend(tally.failures);
        total.retries += tally.retries;
        total.served_after_the_event += tally.served_after_the_event;
    }
    total
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[test]
fn a_reload_replaces_every_worker_and_no_request_fails() {
    let server = Production::start(&["--workers", "2"]);
    let old = server.wait_for_workers(2);
    let tally = load_through(server.address, || {
        server.signal(Signal::HUP);
        let new = server.wait_for_workers(4);
        for pid in &old {
            server.wait_for_line("saying the old worker finished", |line| {
                line.contains(&format!("old worker {pid} finished"))
            });
        }
        assert_eq!(new.len(), 4, "two new workers: {new:?}");
    });
    eprintln!("through the reload: {tally:?}");
    assert_eq!(tally.failures, Vec::<String>::new(), "{tally:?}");
    assert!(tally.served_after_the_event >= 200, "{tally:?}");
    assert_all_exit(&old, "the old workers after the reload");
}

#[test]
fn a_killed_worker_is_replaced_and_only_its_requests_may_fail() {
    let server = Production::start(&["--workers", "2"]);
    let first = server.wait_for_workers(2);
    let victim = first[0];
    let tally = load_through(server.address, || {
        send(victim, Signal::KILL);
        server.wait_for_line("saying the killed worker is replaced", |line| {
            line.contains(&format!("worker {victim} exited (killed by signal 9)"))
        });
        server.wait_for_workers(3);
    });
    // Each client has one request in flight at a time, so the worker was serving at most
    // one from each when it was killed.
    eprintln!("through the kill: {tally:?}");
    assert!(tally.failures.len() <= 2, "{tally:?}");
    assert!(tally.served_after_the_event >= 200, "requests go on being served: {tally:?}");
    let replacement = server.workers()[2];
    assert!(!first.contains(&replacement) && !has_exited(replacement));
}

#[test]
fn sigterm_finishes_what_is_in_flight_and_stops_the_whole_tree() {
    let mut server = Production::start(&["--workers", "2"]);
    let workers = server.wait_for_workers(2);
    let address = server.address;
    let slow = thread::spawn(move || {
        let mut client = connect(address).unwrap();
        let request = "GET /demo/sleep?ms=1500 HTTP/1.1\r\nHost: test\r\n\r\n";
        client.stream.write_all(request.as_bytes()).unwrap();
        client.try_response(false).map(|response| response.status())
    });
    // Time for a worker to accept the connection. (One still waiting in the socket's queue
    // when every worker has stopped is closed unanswered: nobody is left to accept it.)
    thread::sleep(Duration::from_millis(500));
    server.signal(Signal::TERM);
    let status = server.wait_for_exit();
    assert!(status.success(), "{status}; log:\n{}", server.log().join("\n"));
    assert_eq!(slow.join().unwrap(), Ok(200), "the request in flight is finished");
    assert_all_exit(&workers, "the workers after SIGTERM to the master");
    assert!(server.log().iter().any(|line| line.ends_with(": stopped")));
}

#[test]
fn workers_stop_when_their_master_is_killed() {
    let server = Production::start(&["--workers", "2"]);
    let workers = server.wait_for_workers(2);
    server.signal(Signal::KILL);
    assert_all_exit(&workers, "the workers of a master killed with kill -9");
}

/// A log read through a pipe that is then closed (`10-production 2>&1 | head`): writing to it
/// fails from then on, and neither the master nor a worker may die of that with the tree
/// half stopped, as `eprintln!`'s panic once made the master do, leaving both workers behind.
#[test]
fn a_closed_log_pipe_does_not_keep_the_tree_from_stopping() {
    let mut master = Command::new(BINARY)
        .args(["--port", "0", "--workers", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start 10-production");
    let mut workers = Vec::new();
    for line in BufReader::new(master.stderr.take().unwrap()).lines().map_while(Result::ok) {
        let started =
            line.split_once(": worker ").and_then(|(_, rest)| rest.strip_suffix(" started"));
        workers.extend(started.and_then(|pid| pid.parse::<u32>().ok()));
        if workers.len() == 2 {
            break; // dropping the reader closes the pipe
        }
    }
    assert_eq!(workers.len(), 2, "the master never reported two workers");
    send(master.id(), Signal::TERM);
    let give_up = Instant::now() + PATIENCE;
    while master.try_wait().unwrap().is_none() && Instant::now() < give_up {
        thread::sleep(Duration::from_millis(20));
    }
    let exited = master.try_wait().unwrap().is_some();
    for &pid in &workers {
        if !exited {
            send(pid, Signal::KILL);
        }
    }
    let _ = master.kill();
    assert!(exited, "the master still ran {PATIENCE:?} after SIGTERM");
    assert_all_exit(&workers, "the workers after SIGTERM, with the log's pipe closed");
}

#[test]
fn one_worker_is_chapter_8_in_a_single_process() {
    let mut production = Production::start(&["--workers", "1"]);
    let chapter_8 = Binary::start(env!("CARGO_BIN_EXE_08-framework"), &["--quiet"]);
    assert_eq!(production.first_line, format!("listening on http://{}/\n", production.address));
    let without_date = |address| {
        let mut client = connect(address).unwrap();
        let request = "GET /demo/hello/ferris HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
        client.stream.write_all(request.as_bytes()).unwrap();
        let mut response = client.try_response(false).unwrap();
        response.headers.retain(|(name, _)| name != "Date");
        response
    };
    assert_eq!(without_date(production.address), without_date(chapter_8.address));
    production.signal(Signal::TERM);
    assert!(production.wait_for_exit().success());
    let log = production.log();
    assert!(log.iter().all(|line| !line.contains("master")), "no master: {log:?}");
    assert_eq!(log.last().map(String::as_str), Some("stopped"));
}

/// Starts the binary as systemd would: `listener` as descriptor 3, `LISTEN_FDS=1` and
/// `LISTEN_PID` set to the binary's own pid. A shell does the last step, because the pid is
/// only known in the child: `$$` is the shell's, and `exec` keeps it. The listener goes in as
/// standard input, and the shell moves it to descriptor 3.
fn socket_activated(listener: TcpListener, args: &[&str]) -> Production {
    let mut command = Command::new("sh");
    command
        .args(["-c", r#"LISTEN_PID=$$ exec "$0" "$@" 3<&0 0</dev/null"#, BINARY])
        // A port that could not be bound: the handed-over socket must be used instead.
        .args(["--port", "1", "--quiet"])
        .args(args)
        .env("LISTEN_FDS", "1")
        .stdin(Stdio::from(OwnedFd::from(listener)));
    Production::spawn(command)
}

#[test]
fn a_socket_handed_over_by_systemd_is_served() {
    for args in [&[][..], &["--workers", "2"]] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let mut server = socket_activated(listener, args);
        assert_eq!(
            server.first_line,
            format!(
                "listening on http://{address}/ (socket from systemd; --host and --port not used)\n"
            ),
            "{args:?}"
        );
        for _ in 0..4 {
            assert_eq!(fresh_request(address), Ok(()), "{args:?}");
        }
        server.signal(Signal::TERM);
        assert!(server.wait_for_exit().success(), "{args:?}");
    }
}

#[test]
fn a_claim_for_another_process_is_ignored() {
    let mut command = Command::new(BINARY);
    command.args(["--port", "0", "--quiet"]).env("LISTEN_FDS", "1").env("LISTEN_PID", "1");
    let server = Production::spawn(command);
    assert_eq!(server.first_line, format!("listening on http://{}/\n", server.address));
    assert_eq!(fresh_request(server.address), Ok(()));
}

#[test]
fn a_claim_without_a_socket_behind_it_is_explained() {
    let output = Command::new("sh")
        .args(["-c", r#"LISTEN_PID=$$ exec "$0" "$@""#, BINARY, "--port", "0"])
        .env("LISTEN_FDS", "1")
        .output()
        .expect("start 10-production");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("descriptor 3 is not an open, listening TCP socket"), "{stderr}");
}

/// PEP 3333's `wsgi.multiprocess` tells an application whether other processes run it too
/// (so that, say, an in-memory cache is not shared): true with worker processes, false alone.
#[test]
fn the_environ_says_whether_other_processes_run_the_application() {
    for (workers, expected) in
        [("1", "wsgi.multiprocess = false"), ("2", "wsgi.multiprocess = true")]
    {
        let production = Production::start(&["--workers", workers]);
        let mut client = connect(production.address).unwrap();
        let request = "GET /demo/environ HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
        client.stream.write_all(request.as_bytes()).unwrap();
        let text = client.try_response(false).unwrap().text();
        let line = text.lines().find(|line| line.contains("wsgi.multiprocess")).unwrap_or("");
        assert_eq!(line, expected, "with --workers {workers}");
    }
}
