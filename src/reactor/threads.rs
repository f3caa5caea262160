//! How many workers the reactor runs: a fixed number (chapter 6), or a pool that grows while
//! every worker is busy and shrinks back when they idle (chapter 7).
//!
//! A fixed pool is sized for the work it expects. An application that waits (on a database,
//! another service, `/sleep?ms=20`) holds its worker while it waits, so four workers answer
//! four such requests at a time however idle the CPU is. Puma's and Tomcat's pools grow
//! instead, between a minimum and a maximum, and give threads back when the rush is over.
//! This one keeps one worker waiting for readiness whenever it can: as the last waiting
//! worker takes a connection, another is started, up to the maximum. A worker that has had
//! nothing to do for [`IDLE_THREAD`] leaves, down to the minimum.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How long a worker above the minimum may sit with nothing to do before it leaves.
pub const IDLE_THREAD: Duration = Duration::from_secs(10);

// ANCHOR: threads
/// The reactor's workers: how many there are, how many are busy, and their threads.
pub struct Threads {
    min: usize,
    max: usize,
    /// Workers started and not yet gone, counting one about to start.
    alive: AtomicUsize,
    busy: AtomicUsize,
    started: Mutex<Vec<JoinHandle<()>>>,
    named: AtomicUsize,
}

impl Threads {
    /// Between `min` and `max` workers (a fixed pool when `max <= min`).
    pub fn new(min: usize, max: usize) -> Threads {
        Threads {
            min,
            max: max.max(min),
            alive: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            started: Mutex::new(Vec::new()),
            named: AtomicUsize::new(0),
        }
    }

    /// The minimum: the workers to start with.
    pub fn min(&self) -> usize {
        self.min
    }

    /// A worker took a connection. `true` when it was the last one waiting and another may
    /// be started: the place is then taken, and the caller must start it.
    pub fn now_busy(&self) -> bool {
        let busy = self.busy.fetch_add(1, Ordering::SeqCst) + 1;
        busy >= self.alive.load(Ordering::SeqCst) && self.claim_place()
    }

    /// A worker is done with its connection.
    pub fn now_idle(&self) {
        self.busy.fetch_sub(1, Ordering::SeqCst);
    }

    /// Whether an idle worker may leave (then it must), keeping at least the minimum.
    pub fn may_leave(&self) -> bool {
        let fewer = |alive: usize| (alive > self.min).then(|| alive - 1);
        self.alive.fetch_update(Ordering::SeqCst, Ordering::SeqCst, fewer).is_ok()
    }
    // ANCHOR_END: threads

    /// Takes a place for one more worker, if the maximum allows.
    pub fn claim_place(&self) -> bool {
        let more = |alive: usize| (alive < self.max).then_some(alive + 1);
        self.alive.fetch_update(Ordering::SeqCst, Ordering::SeqCst, more).is_ok()
    }

    /// Starts a worker in a place taken with [`Threads::claim_place`] or
    /// [`Threads::now_busy`]. If the operating system refuses a thread, the place is given
    /// back and the workers already running carry on.
    pub fn start(&self, life: impl FnOnce() + Send + 'static) {
        let name = format!("worker-{}", self.named.fetch_add(1, Ordering::SeqCst));
        match thread::Builder::new().name(name).spawn(life) {
            Ok(thread) => {
                let mut started =
                    self.started.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                started.retain(|thread| !thread.is_finished()); // those that left
                started.push(thread);
            }
            Err(error) => {
                self.alive.fetch_sub(1, Ordering::SeqCst);
                eprintln!("could not start one more worker thread: {error}");
            }
        }
    }

    /// Waits for every worker to finish, however many were started meanwhile.
    pub fn join_all(&self) {
        loop {
            let thread = self.started.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
            let Some(thread) = thread else { return };
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn with_alive(min: usize, max: usize, alive: usize) -> Threads {
        let threads = Threads::new(min, max);
        threads.alive.store(alive, Ordering::SeqCst);
        threads
    }

    #[test]
    fn the_last_waiting_worker_to_get_busy_asks_for_another_up_to_the_maximum() {
        let threads = with_alive(2, 3, 2);
        assert!(!threads.now_busy(), "one of two busy: the other still waits");
        assert!(threads.now_busy(), "both busy: start a third");
        assert_eq!(threads.alive.load(Ordering::SeqCst), 3, "its place is taken at once");
        assert!(!threads.now_busy(), "three busy, and three is the maximum");
    }

    #[test]
    fn a_fixed_pool_never_grows() {
        let threads = with_alive(4, 0, 4);
        for _ in 0..4 {
            assert!(!threads.now_busy());
        }
    }

    #[test]
    fn idle_workers_leave_down_to_the_minimum() {
        let threads = with_alive(1, 8, 3);
        assert!(threads.may_leave());
        assert!(threads.may_leave());
        assert!(!threads.may_leave(), "the minimum stays");
        assert_eq!(threads.alive.load(Ordering::SeqCst), 1);
    }
}
