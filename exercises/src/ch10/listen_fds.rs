//! Exercise 10.2: reading systemd's socket-activation variables. The task is in the book,
//! chapter 10, "Exercises".

/// What a server should do with the variables systemd sets when it hands over sockets.
#[derive(Debug, PartialEq, Eq)]
pub enum Activation {
    /// Nothing was handed to this process: bind a socket of its own.
    NotForMe,
    /// The one listening socket is descriptor 3: serve it.
    UseFd3,
    /// The variables are meant for this process but cannot be served as they are: stop, and
    /// print this sentence, which says what to fix.
    Refuse(String),
}

/// Decides from `LISTEN_PID` and `LISTEN_FDS` (each `None` when unset) what a server whose
/// pid is `my_pid`, and which listens on exactly one socket, should do.
///
/// - Without `LISTEN_FDS`, or without `LISTEN_PID`, nothing was handed over.
/// - A `LISTEN_PID` that is not a number is a mistake to report.
/// - A `LISTEN_PID` that is another process's pid is about that process, not this one: the
///   variables were inherited from a parent.
/// - For this process, `LISTEN_FDS` must be exactly one socket; a count that is not a
///   number, or any other count, is a mistake to report (name the variable, and say what
///   the `.socket` unit should have).
pub fn activation(listen_pid: Option<&str>, listen_fds: Option<&str>, my_pid: u32) -> Activation {
    todo!("exercise 10.2: see the book, chapter 10's exercises (book/src/exercises/ch10.md)")
}
