//! Chapter 5: persistent connections. The chapter 4 gateway and application, now keeping each
//! connection open for request after request: keep-alive, pipelining, chunked bodies both
//! ways, `Expect: 100-continue`. It runs on chapter 3's pool, and each worker keeps one
//! connection for as long as the connection lasts.
//!
//! Try it: `cargo run --bin 05-keep-alive`, then
//! `curl -v http://127.0.0.1:8888/ http://127.0.0.1:8888/environ` and watch curl reuse the
//! connection.

use socket_to_wsgi::cli::{self, Command, Pool};
use socket_to_wsgi::http::Config;
use socket_to_wsgi::pool::ThreadPool;
use socket_to_wsgi::server::{self, Shutdown};
use socket_to_wsgi::wsgi::{Gateway, demo::demo_app};

const COMMAND: Command = Command {
    name: "05-keep-alive",
    about: "Chapter 5: the WSGI-style server with persistent connections: keep-alive,\n\
            pipelining, chunked bodies. Each worker of the pool serves one connection at a\n\
            time, until the client leaves or is silent for 5 seconds. Paths: / (links),\n\
            /environ, POST /echo, /sleep?ms=N. Ctrl-C stops it gracefully.",
    threads: true,
    spawn: false,
    quiet: true,
    timeouts: false,
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
    let idle = options.reactor.idle_timeout;
    let pool = ThreadPool::new(options.threads);
    server::serve_pooled(listener, &shutdown, pool, move |stream| {
        gateway.serve_connection(stream, idle);
    });
    eprintln!("stopped");
}
// ANCHOR_END: main
