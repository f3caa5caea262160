//! Chapter 10: in production. Chapter 8's site (this book at `/`, the demo under `/demo/`) in
//! one process, or with `--workers N` in N worker processes under a small master that
//! replaces a worker that dies and reloads them all on SIGHUP. Started by systemd, it serves
//! on the socket systemd hands it (see `deploy/systemd/`).
//!
//! Try it: `cargo run --release -- --workers 2` (this is the default binary), then
//! `curl http://127.0.0.1:8888/demo/hello/ferris`, and `kill -HUP PID` with the master's pid
//! from its first log line.

use socket_to_wsgi::cli::{self, Command, Pool};
use socket_to_wsgi::master;
use socket_to_wsgi::server::Shutdown;
use socket_to_wsgi::site;

const COMMAND: Command = Command {
    name: "10-production",
    about: "Chapter 10: chapter 8's site (this book at /, the demo under /demo/) in worker\n\
            processes. With --workers N > 1 a master starts N workers sharing one socket and\n\
            replaces any that dies; SIGHUP reloads them, SIGTERM or Ctrl-C stops everything\n\
            gracefully. Under systemd's socket activation it serves the socket it is handed.",
    threads: true,
    spawn: false,
    quiet: true,
    timeouts: true,
    limits: true,
    book: true,
    proxy: true,
    processes: true,
    pool: Pool::Grows,
};

// ANCHOR: main
fn main() {
    let options = COMMAND.parse_or_exit();
    master::run_if_asked(&options);
    let listener = cli::listen_or_exit(&options);
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    master::stop_when_told(&shutdown);
    site::serve(&options, listener, &shutdown);
}
// ANCHOR_END: main
