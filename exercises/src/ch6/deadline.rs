//! Exercise 6.2: when a parked connection has waited too long. The task is in the book,
//! chapter 6, "Exercises".

use std::time::{Duration, Instant};

/// The reactor's two clocks (`ReactorConfig::idle_timeout` and `head_timeout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// How long a connection may wait between requests.
    pub idle: Duration,
    /// How long a request head may take to arrive.
    pub head: Duration,
}

/// What a parked connection waits for, and until when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    /// No clock runs: a request was just taken from the connection.
    None,
    /// Between requests, with nothing of the next one yet: closed without a word at this
    /// instant.
    Idle(Instant),
    /// A head is due by this instant: the first one of a new connection, or one that has
    /// begun to arrive.
    Head(Instant),
}

/// What the sweep does with a parked connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Leave it parked.
    Keep,
    /// Close it without a word: nothing of a request had come.
    Close,
    /// Answer `408 Request Timeout`, then close: part of a request came, too slowly.
    RequestTimeout,
}

impl Deadline {
    /// The deadline of a connection accepted at `now`: its first head is due within
    /// `timeouts.head`, counted from the connection's start.
    pub fn for_new_connection(now: Instant, timeouts: Timeouts) -> Deadline {
        todo!("exercise 6.2: see the book, chapter 6's exercises (book/src/exercises/ch06.md)")
    }

    /// The deadline a connection is parked under again at `now`, after a worker has read what
    /// arrived and served every complete request in it. `self` is the deadline it had
    /// (`Deadline::None` if a request was taken); `unread` is how many bytes of an
    /// unfinished head it holds.
    ///
    /// - Some bytes of a head (`unread > 0`): a `Head` deadline is kept as it is, so that a
    ///   head arriving a byte at a time never earns more time; any other deadline becomes
    ///   `Head(now + timeouts.head)`: the head's clock starts at its first byte.
    /// - No bytes: a `Head` deadline is kept as it is (a new connection that has sent nothing
    ///   yet); any other deadline becomes `Idle(now + timeouts.idle)`.
    pub fn rearm(self, unread: usize, now: Instant, timeouts: Timeouts) -> Deadline {
        todo!("exercise 6.2: see the book, chapter 6's exercises (book/src/exercises/ch06.md)")
    }

    /// What the sweep does at `now` with a connection parked under this deadline, holding
    /// `unread` bytes of an unfinished head; `waiting` says whether bytes that no worker has
    /// read yet are waiting in the kernel.
    ///
    /// - `Keep` when no clock runs (`Deadline::None`), when `now` is before the deadline,
    ///   and when bytes are `waiting`: then the workers were slow, not the client.
    /// - Otherwise (the deadline has come: `now` is at it or after it), `RequestTimeout` if
    ///   part of a head has come (`unread > 0`), and `Close` if nothing has, whichever the
    ///   clock was.
    pub fn verdict(self, unread: usize, waiting: bool, now: Instant) -> Verdict {
        todo!("exercise 6.2: see the book, chapter 6's exercises (book/src/exercises/ch06.md)")
    }
}
