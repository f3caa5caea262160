//! Chapter 8: a small framework on the interface, and this book served by the tutorial's own
//! server. Chapter 7's server, unchanged, runs an application built with the framework:
//! the built book at `/`, a demo under `/demo/`.
//!
//! Try it: `mdbook build book`, then `cargo run --release` (this is the default binary) and
//! open http://127.0.0.1:8888/ in a browser; `curl http://127.0.0.1:8888/demo/hello/ferris`.

use std::path::{Path, PathBuf};

use socket_to_wsgi::cli::{self, Command, Options};
use socket_to_wsgi::framework::{self, RequestLog};
use socket_to_wsgi::http::Config;
use socket_to_wsgi::reactor;
use socket_to_wsgi::server::Shutdown;
use socket_to_wsgi::wsgi::{Application, Gateway};

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
};

// ANCHOR: main
fn main() {
    let options = COMMAND.parse_or_exit();
    let listener = cli::listen_or_exit(&options);
    let book = options.book.clone().unwrap_or_else(built_book);
    if !book.join("index.html").is_file() {
        eprintln!(
            "{} has no index.html yet: build the book with `mdbook build book`",
            book.display()
        );
    }
    let site = framework::site(book);
    match options.quiet {
        true => serve(site, &options, listener),
        false => serve(RequestLog::new(site), &options, listener),
    }
}

/// Where `mdbook build book` puts the book: found from the repository, wherever this runs.
fn built_book() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book").join("book")
}

/// Chapter 7's `main`, for any application. The request log replaces the gateway's own.
fn serve(app: impl Application, options: &Options, listener: std::net::TcpListener) {
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    cli::stop_on_ctrl_c(&shutdown);
    let config = Config {
        limits: options.limits,
        access_log: false,
        never_block: true,
        proxy: Some(options.proxy.clone()),
        ..Config::default()
    };
    let gateway = Gateway::new(app, config).multithreaded(true);
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
