//! The signals a production server answers (chapter 10): SIGTERM, which is how systemd, a
//! container runtime or the master asks a process to stop, Ctrl-C's SIGINT, and the master's
//! SIGHUP, "reload".
//!
//! A signal handler interrupts whatever the process was doing, so it may do almost nothing
//! itself. `signal-hook` records the signal in the handler and hands it to ordinary code:
//! a thread that waits for it, or the master's loop, which asks what has arrived.

use std::io::{self, Write};
use std::thread;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::server::Shutdown;

/// A signal's usual name, for log lines.
fn name(signal: i32) -> &'static str {
    match signal {
        SIGHUP => "SIGHUP",
        SIGINT => "Ctrl-C (SIGINT)",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// Makes SIGTERM and Ctrl-C request a graceful shutdown: the requests in flight are finished,
/// then the server stops.
pub fn stop_on_signals(shutdown: &Shutdown) {
    let mut signals = match Signals::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        Err(error) => {
            return eprintln!("SIGTERM and Ctrl-C will stop the server abruptly: {error}");
        }
    };
    let shutdown = shutdown.clone();
    // In a log that several processes share, a worker's lines say which one it is.
    let who = match crate::listen::master() {
        Some(_) => format!("worker {}: ", std::process::id()),
        None => String::new(),
    };
    let waiter = thread::Builder::new().name("signals".into()).spawn(move || {
        for signal in signals.forever() {
            // Not `eprintln!`: it panics when stderr is a closed pipe, and the stop must not.
            let stopping =
                format!("{who}{}: finishing the requests in flight, then stopping", name(signal));
            let _ = writeln!(io::stderr(), "{stopping}");
            shutdown.request();
        }
    });
    if let Err(error) = waiter {
        eprintln!("SIGTERM and Ctrl-C will stop the server abruptly: {error}");
    }
}

/// What the master is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// SIGHUP: start new workers, then let the old ones finish and stop.
    Reload,
    /// SIGTERM or Ctrl-C, by name: stop every worker gracefully, then exit.
    Stop(&'static str),
}

/// The master's signals, asked for in its loop rather than waited for.
pub struct Orders(Signals);

impl Orders {
    /// Takes over SIGHUP, SIGINT and SIGTERM for this process.
    pub fn new() -> io::Result<Orders> {
        Signals::new([SIGHUP, SIGINT, SIGTERM]).map(Orders)
    }

    /// The orders that arrived since the last call, without waiting.
    pub fn pending(&mut self) -> Vec<Order> {
        let order = |signal| match signal {
            SIGHUP => Order::Reload,
            other => Order::Stop(name(other)),
        };
        self.0.pending().map(order).collect()
    }
}
