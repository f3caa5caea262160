//! Chapter 8: a small framework on the interface, and this book served by the tutorial's own
//! server. Chapter 7's server, unchanged, runs an application built with the framework:
//! the built book at `/`, a demo under `/demo/`.
//!
//! Try it: `mdbook build book`, then `cargo run --release` (this is the default binary) and
//! open http://127.0.0.1:8888/ in a browser; `curl http://127.0.0.1:8888/demo/hello/ferris`.

use socket_to_wsgi::cli::{self, Command, Pool};
use socket_to_wsgi::server::Shutdown;
use socket_to_wsgi::site;

const COMMAND: Command = Command {
    name: "08-framework",
    about: "Chapter 8: this book at / (built with `mdbook build book`) and the framework demo\n\
            under /demo/: /demo/hello/NAME, /demo/environ, POST /demo/echo, /demo/sleep?ms=N,\n\
            /demo/api/greeting?name=NAME (JSON), /demo/visits (a cookie). Chapter 7's server,\n\
            with all its limits and timeouts; behind a proxy, --forwarded-allow-ips and\n\
            --script-name (chapter 10). Ctrl-C stops it gracefully.",
    threads: true,
    spawn: false,
    quiet: true,
    timeouts: true,
    limits: true,
    book: true,
    proxy: true,
    processes: false,
    pool: Pool::Grows,
};

// ANCHOR: main
fn main() {
    let options = COMMAND.parse_or_exit();
    let listener = cli::listen_or_exit(&options);
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    cli::stop_on_ctrl_c(&shutdown);
    site::serve(&options, listener, &shutdown);
}
// ANCHOR_END: main
