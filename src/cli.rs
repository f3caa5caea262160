//! The start and the end of every chapter's server: its flags, its listening socket, Ctrl-C
//! (chapter 1; Ctrl-C in chapter 3; a socket handed over, chapter 10).
//!
//! What the flags are and how they are read is in [`flags`]; what the book shows is here:
//! binding the address the flags name, and stopping gracefully.

mod flags;

use std::net::TcpListener;
use std::process;

pub use self::flags::{CliError, Command, Options, Pool};
use crate::server::Shutdown;

// ANCHOR: listen
/// Binds the listener and prints the line every chapter starts with:
/// `listening on http://HOST:PORT/`, with the real port when `--port 0` picked one.
///
/// Exits with a message that says what to do when the address cannot be used.
pub fn listen_or_exit(options: &Options) -> TcpListener {
    // Chapter 10: a socket handed over by systemd or by a master process comes first.
    #[cfg(unix)]
    if let Some(listener) = inherited_or_exit() {
        return listener;
    }
    let listener = match TcpListener::bind((options.host.as_str(), options.port)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "cannot listen on {}:{}: {error}\n\
                 Is another server (perhaps another chapter's) using this port? \
                 Stop it, or pick another port with --port (0 picks a free one).",
                options.host, options.port
            );
            process::exit(1);
        }
    };
    let address = listener.local_addr().expect("a bound listener has an address");
    println!("listening on http://{address}/");
    listener
}
// ANCHOR_END: listen

/// The socket systemd or a master handed this process, announced like a bound one but saying
/// where it came from, since `--host` and `--port` were not used (chapter 10).
#[cfg(unix)]
fn inherited_or_exit() -> Option<TcpListener> {
    match crate::listen::inherited() {
        Ok(None) => None,
        Ok(Some((listener, origin))) => {
            let address = listener.local_addr().expect("a listening socket has an address");
            println!("listening on http://{address}/ ({origin}; --host and --port not used)");
            Some(listener)
        }
        Err(why) => {
            eprintln!("cannot use the socket handed to this process: {why}");
            process::exit(1);
        }
    }
}

// ANCHOR: ctrl_c
/// Makes Ctrl-C request a graceful shutdown instead of killing the process mid-response.
pub fn stop_on_ctrl_c(shutdown: &Shutdown) {
    let shutdown = shutdown.clone();
    let installed = ctrlc::set_handler(move || {
        eprintln!("Ctrl-C: finishing the requests in flight, then stopping");
        shutdown.request();
    });
    if let Err(error) = installed {
        eprintln!("Ctrl-C will stop the server abruptly: {error}");
    }
}
// ANCHOR_END: ctrl_c
