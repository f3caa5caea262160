//! SPOILER: reference solution of exercise 6.2 (when a parked connection has waited too
//! long). Try it yourself first.

use std::time::{Duration, Instant};

/// The reactor's two clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub idle: Duration,
    pub head: Duration,
}

/// What a parked connection waits for, and until when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    None,
    Idle(Instant),
    Head(Instant),
}

/// What the sweep does with a parked connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    Close,
    RequestTimeout,
}

impl Deadline {
    /// A new connection's first head is due within the head timeout of its start.
    pub fn for_new_connection(now: Instant, timeouts: Timeouts) -> Deadline {
        Deadline::Head(now + timeouts.head)
    }

    /// The deadline a connection is parked under again.
    pub fn rearm(self, unread: usize, now: Instant, timeouts: Timeouts) -> Deadline {
        match (self, unread > 0) {
            // A head on the clock stays on the same clock, however its bytes trickle in;
            // with no bytes at all, it is a new connection that has sent nothing yet.
            (Deadline::Head(due), _) => Deadline::Head(due),
            // The first byte of a head starts its clock.
            (_, true) => Deadline::Head(now + timeouts.head),
            (_, false) => Deadline::Idle(now + timeouts.idle),
        }
    }

    /// What the sweep does with a connection parked under this deadline.
    pub fn verdict(self, unread: usize, waiting: bool, now: Instant) -> Verdict {
        let due = match self {
            Deadline::None => return Verdict::Keep,
            Deadline::Idle(due) | Deadline::Head(due) => due,
        };
        // Bytes in the kernel that no worker has read: the server is behind, not the client.
        if now < due || waiting {
            return Verdict::Keep;
        }
        // RFC 9110 §15.5.9: 408 says the server gave up waiting for a request it had begun to
        // receive. A connection that never began one has nothing to answer: just close it.
        if unread > 0 { Verdict::RequestTimeout } else { Verdict::Close }
    }
}
