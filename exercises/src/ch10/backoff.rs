//! Exercise 10.3: how long a master waits before it restarts a worker that keeps dying. The
//! task is in the book, chapter 10, "Exercises".

use std::time::Duration;

/// The wait before the first restart of a worker that died young.
pub const FIRST: Duration = Duration::from_millis(100);
/// The longest wait: a master still tries again every so often.
pub const LONGEST: Duration = Duration::from_secs(10);
/// A worker that lived at least this long was healthy: its death was an accident.
pub const HEALTHY: Duration = Duration::from_secs(10);

/// The master's memory of recent deaths: the wait it chose last time, zero at first.
#[derive(Debug, Default)]
pub struct Backoff {
    delay: Duration,
}

impl Backoff {
    pub fn new() -> Backoff {
        Backoff::default()
    }

    /// A worker died after living `lived`: how long to wait before starting the next one.
    ///
    /// - A worker that lived [`HEALTHY`] or longer is replaced at once (`Duration::ZERO`),
    ///   and the deaths before it are forgotten.
    /// - One that died younger waits [`FIRST`] if the last wait was zero, and twice the last
    ///   wait otherwise, but never longer than [`LONGEST`].
    pub fn after_death(&mut self, lived: Duration) -> Duration {
        todo!("exercise 10.3: see the book, chapter 10's exercises (book/src/exercises/ch10.md)")
    }
}
