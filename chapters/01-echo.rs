//! Chapter 1: an echo server. Every byte a client sends comes straight back.
//!
//! Try it: `cargo run --bin 01-echo`, then in another terminal `nc -N 127.0.0.1 8888` and type
//! (`-N` passes on the end of your input, Ctrl-D, as the end of the stream).

use socket_to_wsgi::cli::{self, Command, Pool};
use socket_to_wsgi::echo;
use socket_to_wsgi::server::{self, Shutdown};

const COMMAND: Command = Command {
    name: "01-echo",
    about: "Chapter 1: a TCP echo server. Sends back every byte it receives, one client at a time.",
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
    server::serve_one_at_a_time(listener, &shutdown, echo::handle);
}
// ANCHOR_END: main
