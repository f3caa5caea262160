//! SPOILER: reference solution of exercise 3.2 (a pool that refuses zero threads). Try it
//! yourself first.

use std::fmt;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// Work for a worker: a closure that can be sent to another thread and run once.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// N worker threads taking jobs from one shared channel.
pub struct ThreadPool {
    workers: Vec<JoinHandle<()>>,
    sender: Option<Sender<Job>>,
}

/// What `ThreadPool::build(0)` returns.
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
    pub fn build(size: usize) -> Result<ThreadPool, PoolCreationError> {
        if size == 0 {
            return Err(PoolCreationError);
        }
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..size)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                thread::spawn(move || work(&receiver))
            })
            .collect();
        Ok(ThreadPool { workers, sender: Some(sender) })
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

/// A worker's life: take a job, run it, until the channel is closed and empty.
fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        // The guard is a temporary of this statement: the lock is released before the job
        // runs. (`while let Ok(job) = receiver.lock().unwrap().recv()` would hold it for the
        // whole body, and the pool would run one job at a time.)
        let next = receiver.lock().expect("no worker panics holding the lock").recv();
        match next {
            Ok(job) => job(),
            Err(_) => return,
        }
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
