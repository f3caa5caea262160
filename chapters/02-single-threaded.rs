//! Chapter 2: a single-threaded HTTP server, the article's section 02 with its mistakes fixed.
//!
//! Try it: `cargo run --bin 02-single-threaded`, then open http://127.0.0.1:8888/ or
//! `curl -i http://127.0.0.1:8888/`.

use socket_to_wsgi::cli::{self, Command, Pool};
use socket_to_wsgi::http::{self, Config};
use socket_to_wsgi::pages;
use socket_to_wsgi::server::{self, Shutdown};

const COMMAND: Command = Command {
    name: "02-single-threaded",
    about: "Chapter 2: an HTTP server that answers one request at a time.\n\
            GET / is a small HTML page; any other path is a 404.",
    threads: false,
    spawn: false,
    quiet: false,
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
    let config = Config::default();
    server::serve_one_at_a_time(listener, &shutdown, |stream| {
        http::respond(stream, pages::home, &config);
    });
}
// ANCHOR_END: main
