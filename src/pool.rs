//! A fixed pool of worker threads (chapter 3).
//!
//! The article's threaded server starts a thread for every connection, so a thousand clients
//! at once means a thousand threads. A pool starts N threads once; the accept loop sends each
//! connection down a channel, and whichever worker is free takes it. This is the pool of the
//! Rust Book's chapter 21, with two changes a real server needs: a job that panics does not
//! kill its worker, and dropping the pool finishes the queued work before it joins the
//! threads (graceful shutdown).
//!
//! Every worker takes jobs from the same channel, so the workers must share its `Receiver`.
//! An `Arc` alone is not enough: `Receiver` is not `Sync`, so an `Arc<Receiver<_>>` cannot be
//! sent to another thread, and this does not compile. [`ThreadPool::new`] puts the receiver
//! in a `Mutex`, which is `Sync`.
//!
// ANCHOR: not_sync
//! ```compile_fail,E0277
//! use std::sync::{Arc, mpsc};
//! use std::thread;
//!
//! let (sender, receiver) = mpsc::channel::<String>();
//! let receiver = Arc::new(receiver);
//! for _ in 0..2 {
//!     let receiver = Arc::clone(&receiver);
//!     // error[E0277]: `Receiver<String>` cannot be shared between threads safely
//!     thread::spawn(move || receiver.recv());
//! }
//! sender.send("a job".to_string()).unwrap();
//! ```
// ANCHOR_END: not_sync

use std::num::NonZeroUsize;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

// ANCHOR: types
/// Work for a worker: any closure that can be sent to another thread and run once.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// N worker threads taking jobs from one shared channel.
pub struct ThreadPool {
    workers: Vec<JoinHandle<()>>,
    // An `Option` so that `Drop` can take and drop the sender first: that closes the channel,
    // which is how workers learn there will be no more jobs.
    sender: Option<Sender<Job>>,
}
// ANCHOR_END: types

impl ThreadPool {
    // ANCHOR: new
    /// Starts `size` workers. `NonZeroUsize` makes an empty pool impossible to ask for.
    pub fn new(size: NonZeroUsize) -> ThreadPool {
        let (sender, receiver) = mpsc::channel();
        // `Receiver` may not be shared between threads as it is (it is not `Sync`); a mutex
        // makes taking the next job one worker's business at a time.
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..size.get())
            .map(|id| {
                let receiver = Arc::clone(&receiver);
                thread::Builder::new()
                    .name(format!("worker-{id}"))
                    .spawn(move || work(&receiver))
                    .expect("the operating system refused to start a worker thread")
            })
            .collect();
        ThreadPool { workers, sender: Some(sender) }
    }
    // ANCHOR_END: new

    // ANCHOR: execute
    /// Queues `job` for the next free worker.
    pub fn execute(&self, job: impl FnOnce() + Send + 'static) {
        let sender = self.sender.as_ref().expect("the sender lives until drop");
        sender.send(Box::new(job)).expect("workers live as long as the pool");
    }
    // ANCHOR_END: execute

    /// How many workers the pool has.
    pub fn size(&self) -> usize {
        self.workers.len()
    }
}

// ANCHOR: work
/// A worker's life: take a job, run it, repeat until the channel is closed and empty.
fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        // The lock guard is a temporary of this statement, so the mutex is released before
        // the job runs and the other workers can take jobs meanwhile.
        let next = receiver.lock().expect("no worker panics while holding the lock").recv();
        let Ok(job) = next else {
            return; // the pool was dropped and every queued job is done
        };
        // A panicking job must not take the worker with it; the panic message has already
        // been printed by the panic hook.
        let _ = panic::catch_unwind(AssertUnwindSafe(job));
    }
}
// ANCHOR_END: work

// ANCHOR: drop
impl Drop for ThreadPool {
    /// Graceful shutdown: close the channel, let the workers finish what was queued, join.
    fn drop(&mut self) {
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
// ANCHOR_END: drop

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn pool(size: usize) -> ThreadPool {
        ThreadPool::new(NonZeroUsize::new(size).unwrap())
    }

    #[test]
    fn dropping_the_pool_finishes_every_queued_job() {
        let done = Arc::new(AtomicUsize::new(0));
        let workers = pool(2);
        for _ in 0..50 {
            let done = Arc::clone(&done);
            workers.execute(move || {
                thread::sleep(std::time::Duration::from_millis(1));
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        drop(workers);
        assert_eq!(done.load(Ordering::SeqCst), 50);
    }

    #[test]
    fn a_panicking_job_does_not_kill_its_worker() {
        let workers = pool(1);
        workers.execute(|| panic!("this job fails on purpose"));
        let (sender, receiver) = mpsc::channel();
        workers.execute(move || sender.send("still working").unwrap());
        assert_eq!(receiver.recv().unwrap(), "still working");
        assert_eq!(workers.size(), 1);
    }

    #[test]
    fn jobs_run_at_the_same_time_on_different_workers() {
        // Two jobs that each wait for the other: they only finish if they run concurrently.
        let workers = pool(2);
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let (sender, receiver) = mpsc::channel();
        for _ in 0..2 {
            let (barrier, sender) = (Arc::clone(&barrier), sender.clone());
            workers.execute(move || {
                barrier.wait();
                sender.send(()).unwrap();
            });
        }
        for _ in 0..2 {
            receiver.recv_timeout(std::time::Duration::from_secs(30)).expect("both jobs met");
        }
    }
}
