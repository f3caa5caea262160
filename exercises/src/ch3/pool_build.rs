//! Exercise 3.2: a pool that refuses zero threads. The task is in the book, chapter 3,
//! "Exercises".
//!
//! `execute`, `size` and `Drop` are written; `ThreadPool::build` is yours: it starts the
//! workers, and each worker takes jobs from the channel until the channel is closed.

use std::fmt;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

/// Work for a worker: a closure that can be sent to another thread and run once.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// N worker threads taking jobs from one shared channel.
pub struct ThreadPool {
    workers: Vec<JoinHandle<()>>,
    sender: Option<Sender<Job>>,
}

/// What `ThreadPool::build(0)` returns: a pool with no thread would accept jobs and never
/// run them.
#[derive(Debug, PartialEq, Eq)]
pub struct PoolCreationError;

impl fmt::Display for PoolCreationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a thread pool needs at least one thread")
    }
}

impl std::error::Error for PoolCreationError {}

impl ThreadPool {
    /// Starts `size` worker threads, or returns `Err(PoolCreationError)` when `size` is 0.
    ///
    /// Every worker loops: take the next job from the channel, run it, repeat. While one
    /// worker runs a job, the others must be able to take the next jobs. When the channel is
    /// closed (see `Drop`) and empty, the worker returns.
    pub fn build(size: usize) -> Result<ThreadPool, PoolCreationError> {
        todo!("exercise 3.2: see the book, chapter 3's exercises (book/src/exercises/ch03.md)")
    }

    /// Queues `job` for the next free worker.
    pub fn execute(&self, job: impl FnOnce() + Send + 'static) {
        let sender = self.sender.as_ref().expect("the sender lives until drop");
        sender.send(Box::new(job)).expect("the workers live as long as the pool");
    }

    /// How many workers the pool has.
    pub fn size(&self) -> usize {
        self.workers.len()
    }
}

impl Drop for ThreadPool {
    /// Closes the channel, so that each worker returns once the queue is empty; joins them.
    fn drop(&mut self) {
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
