//! Chapter 7: a server that holds up. The chapter 6 server with every limit a flag: request
//! line, head and body sizes, open connections, how slowly a client may send or read, how
//! far the pool may grow. Bad input gets the status RFC 9112 asks for; a failing
//! application costs one response, and no client holds a worker while it dawdles.
//!
//! Try it: `cargo run --release --bin 07-hardened`, then
//! `curl -v http://127.0.0.1:8888/ http://127.0.0.1:8888/environ` and watch curl reuse the
//! connection.

use socket_to_wsgi::cli::{self, Command, Pool};
use socket_to_wsgi::http::Config;
use socket_to_wsgi::reactor;
use socket_to_wsgi::server::Shutdown;
use socket_to_wsgi::wsgi::{Gateway, demo::demo_app};

const COMMAND: Command = Command {
    name: "07-hardened",
    about: "Chapter 7: the WSGI-style server with keep-alive on a reactor, and every limit and\n\
            timeout a flag. Paths: / (links), /environ, POST /echo, /sleep?ms=N, /hello.\n\
            Ctrl-C stops it gracefully.",
    threads: true,
    spawn: false,
    quiet: true,
    timeouts: true,
    limits: true,
    book: false,
    proxy: false,
    processes: false,
    pool: Pool::Grows,
};

// ANCHOR: main
fn main() {
    let options = COMMAND.parse_or_exit();
    let listener = cli::listen_or_exit(&options);
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    cli::stop_on_ctrl_c(&shutdown);
    let config = Config {
        limits: options.limits,
        access_log: !options.quiet,
        never_block: true,
        ..Config::default()
    };
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
