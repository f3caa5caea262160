//! Chapter 6: many idle connections, few threads. The chapter 5 server, with every
//! connection parked with the operating system (epoll) between requests, so that a worker
//! only ever handles a connection that has bytes to read. Idle connections and slow heads
//! are timed out.
//!
//! Try it: `cargo run --bin 06-readiness -- --threads 2`, then hold three keep-alive
//! connections open at once; all three are served.

use socket_to_wsgi::cli::{self, Command, Pool};
use socket_to_wsgi::http::Config;
use socket_to_wsgi::reactor;
use socket_to_wsgi::server::Shutdown;
use socket_to_wsgi::wsgi::{Gateway, demo::demo_app};

const COMMAND: Command = Command {
    name: "06-readiness",
    about: "Chapter 6: the keep-alive server on a reactor: idle connections wait in the\n\
            kernel, not on a worker. Paths: / (links), /environ, POST /echo, /sleep?ms=N.\n\
            Ctrl-C stops it gracefully.",
    threads: true,
    spawn: false,
    quiet: true,
    timeouts: true,
    limits: false,
    book: false,
    proxy: false,
    processes: false,
    pool: Pool::Fixed,
};

// ANCHOR: main
fn main() {
    let options = COMMAND.parse_or_exit();
    let listener = cli::listen_or_exit(&options);
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    cli::stop_on_ctrl_c(&shutdown);
    let config = Config { access_log: !options.quiet, ..Config::default() };
    let gateway = Gateway::new(demo_app, config).multithreaded(true);
    reactor::serve_with_reactor(
        listener,
        &shutdown,
        options.threads,
        options.reactor,
        move |connection| gateway.serve_ready(connection),
    );
    eprintln!("stopped");
}
// ANCHOR_END: main
