//! Chapter 3: many clients at once, on a bounded pool of threads (or, with `--spawn`, one new
//! thread per connection as the article's threaded server does).
//!
//! Try it: `cargo run --bin 03-multithreaded`, then request /sleep?ms=2000 from two
//! terminals at once; neither waits for the other.

use socket_to_wsgi::cli::{self, Command, Pool};
use socket_to_wsgi::http::{self, Config};
use socket_to_wsgi::pages;
use socket_to_wsgi::pool::ThreadPool;
use socket_to_wsgi::server::{self, Shutdown};

const COMMAND: Command = Command {
    name: "03-multithreaded",
    about: "Chapter 3: the chapter 2 server on a pool of worker threads.\n\
            GET / is the page, /sleep?ms=N answers after N milliseconds. Ctrl-C stops it\n\
            gracefully: requests in flight are finished first.",
    threads: true,
    spawn: true,
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
    cli::stop_on_ctrl_c(&shutdown);
    let config = Config::default();
    let handle = move |stream| http::respond(stream, pages::home_and_sleep, &config);
    if options.spawn {
        server::serve_thread_per_connection(listener, &shutdown, handle);
    } else {
        server::serve_pooled(listener, &shutdown, ThreadPool::new(options.threads), handle);
    }
    eprintln!("stopped");
}
// ANCHOR_END: main
