//! Exercise 10.3, a reference solution: the wait before restarting a worker that keeps dying.

use std::time::Duration;

pub const FIRST: Duration = Duration::from_millis(100);
pub const LONGEST: Duration = Duration::from_secs(10);
pub const HEALTHY: Duration = Duration::from_secs(10);

/// The wait chosen last time, zero at first.
#[derive(Debug, Default)]
pub struct Backoff {
    delay: Duration,
}

impl Backoff {
    pub fn new() -> Backoff {
        Backoff::default()
    }

    /// A worker died after living `lived`: how long to wait before starting the next one.
    pub fn after_death(&mut self, lived: Duration) -> Duration {
        self.delay = match lived >= HEALTHY {
            true => Duration::ZERO,
            false if self.delay.is_zero() => FIRST,
            false => (self.delay * 2).min(LONGEST),
        };
        self.delay
    }
}
