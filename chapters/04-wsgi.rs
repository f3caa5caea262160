//! Chapter 4: the server and the application, separated by a WSGI-style interface.
//!
//! Try it: `cargo run --bin 04-wsgi` (or just `cargo run --release`), then open
//! http://127.0.0.1:8888/environ.

use socket_to_wsgi::cli::{self, Command, Pool};
use socket_to_wsgi::http::Config;
use socket_to_wsgi::pool::ThreadPool;
use socket_to_wsgi::server::{self, Shutdown};
use socket_to_wsgi::wsgi::{Gateway, demo::demo_app};

const COMMAND: Command = Command {
    name: "04-wsgi",
    about: "Chapter 4: a WSGI-style server running the demo application on a thread pool.\n\
            Paths: / (links), /environ (what the application sees), POST /echo,\n\
            /sleep?ms=N. Ctrl-C stops it gracefully.",
    threads: true,
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
    cli::stop_on_ctrl_c(&shutdown);
    let gateway = Gateway::new(demo_app, Config::default()).multithreaded(true);
    let pool = ThreadPool::new(options.threads);
    server::serve_pooled(listener, &shutdown, pool, move |stream| gateway.handle(stream));
    eprintln!("stopped");
}
// ANCHOR_END: main
