//! What `08-framework` serves, the built book at `/` and the demo under `/demo/`, on chapter
//! 7's server (chapter 8). A module of its own since chapter 10, whose `10-production` serves
//! the same site in each of its worker processes.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::cli::Options;
use crate::framework::{self, RequestLog};
use crate::http::Config;
use crate::reactor;
use crate::server::Shutdown;
use crate::wsgi::{Application, Gateway};

// ANCHOR: serve
/// Serves the site on `listener` until `shutdown` is requested: the book from `--book`, or
/// from where `mdbook build book` puts it, logged unless `--quiet`.
pub fn serve(options: &Options, listener: TcpListener, shutdown: &Shutdown) {
    let book = options.book.clone().unwrap_or_else(built_book);
    if !book.join("index.html").is_file() {
        eprintln!(
            "{} has no index.html yet: build the book with `mdbook build book`",
            book.display()
        );
    }
    let site = framework::site(book);
    match options.quiet {
        true => serve_app(site, options, listener, shutdown),
        false => serve_app(RequestLog::new(site), options, listener, shutdown),
    }
}

/// Where `mdbook build book` puts the book: found from the repository, wherever this runs.
pub fn built_book() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book").join("book")
}

/// Chapter 7's `main`, for any application. The request log replaces the gateway's own.
fn serve_app(app: impl Application, options: &Options, listener: TcpListener, shutdown: &Shutdown) {
    let gateway = gateway(app, options, false);
    reactor::serve_with_reactor(
        listener,
        shutdown,
        options.threads,
        options.reactor,
        move |connection| gateway.serve_ready(connection),
    );
    eprintln!("stopped");
}

/// The gateway of the finished servers (chapters 8 to 10), for `app`: chapter 7's limits,
/// never blocking, the proxy flags, and `wsgi.multiprocess` when `--workers` runs several
/// processes. `09-python` builds its own with this too.
pub fn gateway<A: Application>(app: A, options: &Options, access_log: bool) -> Gateway<A> {
    let config = Config {
        limits: options.limits,
        access_log,
        never_block: true,
        proxy: Some(options.proxy.clone()),
        ..Config::default()
    };
    Gateway::new(app, config).multithreaded(true).multiprocess(options.workers.get() > 1)
}
// ANCHOR_END: serve
