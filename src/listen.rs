//! A listening socket that is handed over instead of bound: by systemd's socket activation,
//! or by this server's master process to its workers (chapter 10).
//!
//! A socket is a file descriptor, and a descriptor stays open across `exec` unless it is
//! marked close-on-exec. That is all socket activation needs. systemd binds the address
//! itself, starts the server with the socket as descriptor 3, and says so in two environment
//! variables: `LISTEN_FDS`, how many descriptors it passed (from 3 up), and `LISTEN_PID`, the
//! process they are meant for. The pid is there because the environment is inherited: a
//! program the server starts in turn sees the same variables, and must know they are not
//! about it.
//!
//! The master hands the socket to each worker the same way, descriptor 3 and `LISTEN_FDS=1`,
//! with one difference. A worker's pid is only known in the child between `fork` and `exec`,
//! where a Rust program must not set environment variables (that allocates and takes locks
//! another thread may have held at the fork). So the master leaves `LISTEN_PID` out and
//! names itself in `SOCKET_TO_WSGI_MASTER`; a worker believes the claim only if that is its
//! parent, which a program it starts in turn cannot mistake either.

use std::io;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::process::{self, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustix::io::{FdFlags, fcntl_dupfd_cloexec, fcntl_setfd};
use rustix::net::sockopt;

/// The descriptor a handed-over socket arrives on, in systemd's convention.
pub const SOCKET_FD: RawFd = 3;

/// The variable in which the master names itself to its workers.
pub const MASTER_VARIABLE: &str = "SOCKET_TO_WSGI_MASTER";

/// Who handed the socket over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Systemd,
    /// The master process, by its pid.
    Master(u32),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Systemd => f.write_str("socket from systemd"),
            Origin::Master(pid) => write!(f, "socket from master {pid}"),
        }
    }
}

/// Set once descriptor 3 has been made a listener: two owners of one descriptor would close
/// it twice.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// The master this process serves for, once [`inherited`] has found one.
static MASTER: OnceLock<u32> = OnceLock::new();

// ANCHOR: inherited
/// The socket this process was handed, if it was handed one and the claim is about this
/// process; `None` when the server should bind its own.
///
/// The variables are removed either way, so that nothing this process starts inherits them.
/// It must be called before the process starts threads, as the chapter binaries do, first
/// thing (see `cli::listen_or_exit`). An error is a sentence saying what to fix.
pub fn inherited() -> Result<Option<(TcpListener, Origin)>, String> {
    let variable = |name| std::env::var(name).ok();
    let (fds, pid, master) =
        (variable("LISTEN_FDS"), variable("LISTEN_PID"), variable(MASTER_VARIABLE));
    let Some(fds) = fds else { return Ok(None) };
    forget_variables();
    let origin = match (pid, master) {
        (Some(pid), _) if pid == process::id().to_string() => Origin::Systemd,
        (None, Some(master)) if master == std::os::unix::process::parent_id().to_string() => {
            Origin::Master(std::os::unix::process::parent_id())
        }
        _ => return Ok(None), // meant for another process
    };
    if fds != "1" {
        return Err(format!(
            "{origin}: LISTEN_FDS={fds}, but this server listens on exactly one socket; \
             give the .socket unit a single ListenStream= line"
        ));
    }
    if TAKEN.swap(true, Ordering::SeqCst) {
        return Ok(None);
    }
    // SAFETY: a borrow for the checks only. If descriptor 3 is not open after all, they fail
    // (EBADF) and nothing is closed.
    let borrowed = unsafe { BorrowedFd::borrow_raw(SOCKET_FD) };
    is_listening(borrowed).map_err(|why| format!("{origin}: {why}"))?;
    // SAFETY: descriptor 3 is open and a listening socket, left to this process by the one
    // that started it; `TAKEN` makes this the only place in the process that takes ownership.
    let descriptor = unsafe { OwnedFd::from_raw_fd(SOCKET_FD) };
    // Close-on-exec, so that no program this process starts holds the socket by accident.
    fcntl_setfd(&descriptor, FdFlags::CLOEXEC).map_err(|error| error.to_string())?;
    let listener = TcpListener::from(descriptor);
    if let Origin::Master(pid) = origin {
        let _ = MASTER.set(pid);
    }
    Ok(Some((listener, origin)))
}
// ANCHOR_END: inherited

/// The master's pid when this process is one of its workers.
pub fn master() -> Option<u32> {
    MASTER.get().copied()
}

/// Whether the environment says this process is a worker started by a master (looked at
/// before [`inherited`] takes the socket and forgets the variables).
pub fn is_worker() -> bool {
    std::env::var_os(MASTER_VARIABLE).is_some()
}

fn forget_variables() {
    for name in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", MASTER_VARIABLE] {
        // SAFETY: only the binaries call this, at startup, before any thread of theirs runs
        // (the documented condition of `inherited`), so no other thread reads the
        // environment meanwhile.
        unsafe { std::env::remove_var(name) };
    }
}

/// Makes sure a descriptor someone handed us is open and a listening stream socket.
fn is_listening(descriptor: BorrowedFd<'_>) -> Result<(), String> {
    let listening = sockopt::socket_acceptconn(descriptor).unwrap_or(false);
    let stream = sockopt::socket_type(descriptor).ok() == Some(rustix::net::SocketType::STREAM);
    match listening && stream {
        true => Ok(()),
        false => Err(format!(
            "descriptor {SOCKET_FD} is not an open, listening TCP socket; check the .socket \
             unit (one ListenStream=), or whatever started this server with LISTEN_FDS set"
        )),
    }
}

/// How long a worker's `accept` waits before it looks at its stop flag again.
pub const ACCEPT_TICK: Duration = Duration::from_millis(200);

// ANCHOR: share
/// Prepares the master's listener for sharing: moved to descriptor 3, where every worker will
/// find it, and with a timeout on `accept`.
///
/// The timeout is how a worker stops. `Shutdown::request` wakes its own `accept` by
/// connecting to the listener, but with one socket shared by several processes that
/// connection may be accepted by *another* worker. With the timeout, a worker's `accept`
/// returns at least every [`ACCEPT_TICK`], and the loop sees the flag. (Shutting the
/// listening socket down instead would stop every process sharing it.)
pub fn share(listener: TcpListener) -> io::Result<TcpListener> {
    sockopt::set_socket_timeout(&listener, sockopt::Timeout::Recv, Some(ACCEPT_TICK))?;
    if listener.as_raw_fd() == SOCKET_FD {
        return Ok(listener);
    }
    // Keeping the socket at 3 in the master too means that nothing else sits there when a
    // worker is started (the standard library's own pipe to the child, say).
    let moved = fcntl_dupfd_cloexec(&listener, SOCKET_FD)?;
    if moved.as_raw_fd() != SOCKET_FD {
        let why = "descriptor 3 is already in use, so workers could not find the socket there";
        return Err(io::Error::other(why));
    }
    Ok(TcpListener::from(moved))
}
// ANCHOR_END: share

// ANCHOR: hand_over
/// Sets up `command` to start a worker that inherits `listener` (already [`share`]d) as
/// descriptor 3, with the variables [`inherited`] looks for.
pub fn hand_over(command: &mut Command, listener: &Arc<TcpListener>) {
    command
        .env("LISTEN_FDS", "1")
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDNAMES")
        .env(MASTER_VARIABLE, process::id().to_string());
    let listener = Arc::clone(listener);
    let keep_open = move || fcntl_setfd(&*listener, FdFlags::empty()).map_err(io::Error::from);
    // SAFETY: the closure runs in the child between fork and exec, where only
    // async-signal-safe calls are allowed. It makes one `fcntl` system call on a descriptor
    // that is open in the child (the fork copied it), allocates nothing and takes no lock.
    // Clearing close-on-exec there changes the child's descriptor table, not the master's.
    unsafe { std::os::unix::process::CommandExt::pre_exec(command, keep_open) };
}
// ANCHOR_END: hand_over
