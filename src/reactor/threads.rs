//! How many workers the reactor runs: a fixed number (chapter 6), or a pool that grows while
//! every worker is stuck in a request and shrinks back when they idle (chapter 7).
//!
//! A fixed pool is sized for the work it expects. An application that waits (on a database,
//! another service, `/sleep?ms=20`) holds its worker while it waits, so four workers answer
//! four such requests at a time however idle the CPUs are. Puma's and Tomcat's pools grow
//! instead, between a minimum and a maximum, and give threads back when the rush is over.
//! Growing is only right for work that waits: quick requests that keep every worker busy
//! want no more threads than there are cores, since more would only take turns. So the pool
//! grows when every worker has been inside its request for [`STUCK`], no worker has started
//! one since, and none of them is [runnable](super::runnable): then connections with bytes
//! are waiting, nobody is taking them, and the workers are waiting for the world rather than
//! for a CPU. A worker that has had nothing to do for [`IDLE_THREAD`] leaves, down to the
//! minimum.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::lock;
use super::runnable::KernelThread;

/// How long every worker must have been in its request, with none started since, before
/// the pool grows. Far above a quick request's time; far below a database call's.
pub const STUCK: Duration = Duration::from_millis(5);

/// How long a worker above the minimum may sit with nothing to do before it leaves.
pub const IDLE_THREAD: Duration = Duration::from_secs(10);

// ANCHOR: threads
/// The reactor's workers: how many there are, how many are busy, and their threads.
pub struct Threads {
    min: usize,
    max: usize,
    /// Workers started and not yet gone, counting those about to start.
    alive: AtomicUsize,
    busy: AtomicUsize,
    /// When a worker last took a connection, in nanoseconds since `epoch`.
    last_start: AtomicU64,
    epoch: Instant,
    started: Mutex<Vec<JoinHandle<()>>>,
    named: AtomicUsize,
    /// The workers whose lives have begun and not ended, as the kernel names them.
    running: Arc<Mutex<Vec<KernelThread>>>,
}

impl Threads {
    /// Between `min` and `max` workers (a fixed pool when `max <= min`).
    pub fn new(min: usize, max: usize) -> Threads {
        Threads {
            min,
            max: max.max(min),
            alive: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            last_start: AtomicU64::new(0),
            epoch: Instant::now(),
            started: Mutex::new(Vec::new()),
            named: AtomicUsize::new(0),
            running: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// A worker took a connection, at `now`.
    pub fn now_busy(&self, now: Instant) {
        self.busy.fetch_add(1, Ordering::SeqCst);
        self.last_start.store(self.since_epoch(now), Ordering::SeqCst);
    }

    /// A worker is done with its connection.
    pub fn now_idle(&self) {
        self.busy.fetch_sub(1, Ordering::SeqCst);
    }

    /// How many workers to start now: as many again as there are (up to the maximum) when
    /// every one has been stuck in its request for [`STUCK`], waiting for something other
    /// than a CPU; else none. Their places are taken; the caller must start them.
    pub fn more_needed(&self, now: Instant) -> usize {
        let alive = self.alive.load(Ordering::SeqCst);
        let last_start = Duration::from_nanos(self.last_start.load(Ordering::SeqCst));
        let stuck = now.saturating_duration_since(self.epoch + last_start) >= STUCK;
        if self.busy.load(Ordering::SeqCst) < alive || !stuck || self.any_runnable() {
            return 0;
        }
        (0..alive).take_while(|_| self.claim_place()).count()
    }

    /// Whether a worker is computing, or ready to and waiting for a core: then the cores are
    /// what the requests wait for, and another thread would only take turns on them.
    fn any_runnable(&self) -> bool {
        lock(&self.running).iter().any(|worker| worker.is_runnable())
    }

    /// Takes a place for one more worker (one more `alive`), if the maximum allows.
    pub fn claim_place(&self) -> bool {
        let more = |alive: usize| (alive < self.max).then_some(alive + 1);
        self.alive.fetch_update(Ordering::SeqCst, Ordering::SeqCst, more).is_ok()
    }

    /// Whether an idle worker may leave (then it must), keeping at least the minimum.
    pub fn may_leave(&self) -> bool {
        let fewer = |alive: usize| (alive > self.min).then(|| alive - 1);
        self.alive.fetch_update(Ordering::SeqCst, Ordering::SeqCst, fewer).is_ok()
    }
    // ANCHOR_END: threads

    /// The minimum: the workers to start with.
    pub fn min(&self) -> usize {
        self.min
    }

    /// Whether the pool can grow at all.
    pub fn is_elastic(&self) -> bool {
        self.max > self.min
    }

    fn since_epoch(&self, instant: Instant) -> u64 {
        u64::try_from(instant.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Starts a worker in a place taken with [`Threads::claim_place`] or
    /// [`Threads::more_needed`]. If the operating system refuses a thread, the place is given
    /// back and the workers already running carry on.
    pub fn start(&self, life: impl FnOnce() + Send + 'static) {
        let name = format!("worker-{}", self.named.fetch_add(1, Ordering::SeqCst));
        let running = Arc::clone(&self.running);
        let listed_life = move || {
            let _listed = Listed::while_alive(running);
            life();
        };
        match thread::Builder::new().name(name).spawn(listed_life) {
            Ok(thread) => {
                let mut started = lock(&self.started);
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
            let thread = lock(&self.started).pop();
            let Some(thread) = thread else { return };
            let _ = thread.join();
        }
    }
}

/// A worker's entry in [`Threads::running`], taken out when its life ends, even by a panic.
struct Listed {
    running: Arc<Mutex<Vec<KernelThread>>>,
    thread: KernelThread,
}

impl Listed {
    fn while_alive(running: Arc<Mutex<Vec<KernelThread>>>) -> Listed {
        let thread = KernelThread::current();
        lock(&running).push(thread);
        Listed { running, thread }
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        lock(&self.running).retain(|&thread| thread != self.thread);
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
    fn the_pool_doubles_only_once_every_worker_is_stuck() {
        let threads = with_alive(2, 5, 2);
        threads.now_busy(Instant::now());
        let soon = Instant::now() + STUCK * 2;
        assert_eq!(threads.more_needed(soon), 0, "one of two busy: the other still waits");
        threads.now_busy(Instant::now());
        assert_eq!(threads.more_needed(Instant::now()), 0, "both busy, one only just began");
        assert_eq!(threads.more_needed(soon), 2, "both stuck: as many again");
        assert_eq!(threads.alive.load(Ordering::SeqCst), 4, "their places are taken at once");
        threads.busy.store(4, Ordering::SeqCst);
        assert_eq!(threads.more_needed(soon), 1, "no more than the maximum");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn workers_that_wait_for_a_cpu_are_not_stuck() {
        let threads = with_alive(1, 4, 1);
        threads.now_busy(Instant::now());
        lock(&threads.running).push(KernelThread::current()); // on a CPU as it asks
        let soon = Instant::now() + STUCK * 2;
        assert_eq!(threads.more_needed(soon), 0, "a computing worker gains nothing from more");
        let asleep = super::super::runnable::Asleep::start();
        *lock(&threads.running) = vec![asleep.thread];
        assert_eq!(threads.more_needed(soon), 1, "a worker asleep in its request: one more");
    }

    #[test]
    fn a_fixed_pool_never_grows() {
        let threads = with_alive(4, 0, 4);
        (0..4).for_each(|_| threads.now_busy(Instant::now()));
        assert_eq!(threads.more_needed(Instant::now() + STUCK * 2), 0);
        assert!(!threads.is_elastic());
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
