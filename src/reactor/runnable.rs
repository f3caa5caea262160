//! Whether a thread waits for a CPU or for the world (chapter 7's pool asks before it grows;
//! chapter 9 is why).
//!
//! A worker that has been inside one request for a while is either asleep, waiting on a
//! socket, a lock or a timer, or runnable: computing, or ready to compute and waiting its
//! turn for a core. Only the first is helped by another thread. The second shares the same
//! cores, and a Python worker that was only preempted holds the GIL a new thread would need.
//! The kernel knows which: on Linux, the state letter in `/proc/self/task/TID/stat` is `R`
//! for a thread on a CPU or in the queue for one. Elsewhere the question has no answer here:
//! every thread counts as asleep, and the pool grows on the rest of the rule alone, so a
//! preempted Python worker can grow it there.

/// The kernel's name for a thread, for asking about it from another thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelThread(i32);

#[cfg(target_os = "linux")]
impl KernelThread {
    /// The thread that calls it.
    pub fn current() -> KernelThread {
        KernelThread(rustix::thread::gettid().as_raw_nonzero().get())
    }

    /// Whether it is running or waiting only for a CPU; `false` once it is gone.
    pub fn is_runnable(self) -> bool {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{}/stat", self.0));
        // "TID (name) STATE ...": the name may hold spaces and parentheses, so the state is
        // found after the last ')'.
        let state = |stat: &str| stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
        stat.ok().as_deref().and_then(state) == Some('R')
    }
}

#[cfg(not(target_os = "linux"))]
impl KernelThread {
    pub fn current() -> KernelThread {
        KernelThread(0)
    }

    pub fn is_runnable(self) -> bool {
        false
    }
}

/// A thread asleep on a channel until dropped, for tests of what counts as waiting.
#[cfg(all(test, target_os = "linux"))]
pub struct Asleep {
    pub thread: KernelThread,
    release: Option<std::sync::mpsc::Sender<()>>,
    joined: Option<std::thread::JoinHandle<()>>,
}

#[cfg(all(test, target_os = "linux"))]
impl Asleep {
    /// Starts it, and returns once the kernel reports it asleep (ten seconds at most).
    pub fn start() -> Asleep {
        use std::time::{Duration, Instant};
        let (tell, told) = std::sync::mpsc::channel();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let joined = std::thread::spawn(move || {
            tell.send(KernelThread::current()).unwrap();
            let _ = wait.recv();
        });
        let thread = told.recv().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while thread.is_runnable() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1)); // until it reaches its wait
        }
        Asleep { thread, release: Some(release), joined: Some(joined) }
    }
}

#[cfg(all(test, target_os = "linux"))]
impl Drop for Asleep {
    fn drop(&mut self) {
        drop(self.release.take()); // its `recv` returns
        if let Some(joined) = self.joined.take() {
            let _ = joined.join();
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_that_computes_is_runnable_and_one_that_waits_is_not() {
        assert!(KernelThread::current().is_runnable(), "the thread asking is on a CPU");
        let asleep = Asleep::start();
        let thread = asleep.thread;
        assert!(!thread.is_runnable(), "a thread blocked on a channel waits for the world");
        drop(asleep); // it wakes and ends
        assert!(!thread.is_runnable(), "a thread that has ended is not runnable");
    }
}
