//! Worker processes under a small master, gunicorn's model (chapter 10).
//!
//! One process runs Rust on every core with threads; but a Python application runs one
//! thread at a time per interpreter (the GIL, chapter 9), so the way to use more cores is
//! more processes. With `--workers N`, the process started becomes a master that serves
//! nothing itself: it binds the socket once (or is handed it by systemd), then starts N
//! workers that share it, each a fresh run of the same binary that inherits the socket
//! ([`listen`](crate::listen)). A fresh process rather than a `fork` of the master matters
//! for chapter 9: each worker starts its own Python interpreter, never a copy of a live one.
//!
//! The kernel hands each new connection to one of the processes waiting in `accept`, so the
//! workers share the load without the master in the way. The master only watches: it
//! replaces a worker that dies, passes SIGTERM and Ctrl-C on to every worker and waits for
//! them, and on SIGHUP starts N new workers before it tells the old ones to stop (they finish
//! what they are serving first). Connections that arrive meanwhile wait in the socket's
//! queue, which belongs to no worker, so a reload loses none.

use std::io::{self, Write};
use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::{self, Child, Command, ExitStatus};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

use crate::cli::{self, Options};
use crate::listen;
use crate::server::Shutdown;
use crate::signals::{self, Order, Orders};

/// How often the master looks at its workers and its signals.
const TICK: Duration = Duration::from_millis(100);

/// How long a stopping worker may take to finish what it serves before it is killed.
/// gunicorn's default graceful timeout, too.
const GRACE: Duration = Duration::from_secs(30);

/// A worker that fails this soon after it started, by exiting with an error, failed to start
/// (a bad flag, an application that does not import): starting it again would fail again.
const STARTUP: Duration = Duration::from_secs(1);

// ANCHOR: run_if_asked
/// Becomes the master when `--workers` asks for more than one process and this process is
/// not itself one of the workers; returns only otherwise, to let the caller serve.
///
/// Call it before anything a worker should do on its own, such as starting Python.
pub fn run_if_asked(options: &Options) {
    if options.workers.get() > 1 && !listen::is_worker() {
        process::exit(run(options));
    }
}
// ANCHOR_END: run_if_asked

// ANCHOR: stop_when_told
/// What every process that serves does in chapter 10: stop gracefully on SIGTERM and
/// Ctrl-C, and, in a worker, when the master is gone (killed with `kill -9`, say), so that no
/// orphan goes on serving with nobody watching it.
pub fn stop_when_told(shutdown: &Shutdown) {
    signals::stop_on_signals(shutdown);
    if let Some(master) = listen::master() {
        let shutdown = shutdown.clone();
        let watcher = move || {
            while std::os::unix::process::parent_id() == master {
                thread::sleep(Duration::from_millis(500));
            }
            // Not `eprintln!`, which panics when stderr is a closed pipe: the stop must happen.
            let _ = writeln!(
                io::stderr(),
                "worker {}: master {master} is gone; stopping",
                process::id()
            );
            shutdown.request();
        };
        let _ = thread::Builder::new().name("master-watch".into()).spawn(watcher);
    }
}
// ANCHOR_END: stop_when_told

/// A worker process, and when it started.
struct Worker {
    child: Child,
    started: Instant,
}

/// The master's state: the workers serving, and the old ones finishing after a reload.
struct Master {
    listener: Arc<TcpListener>,
    program: PathBuf,
    arguments: Vec<std::ffi::OsString>,
    wanted: NonZeroUsize,
    serving: Vec<Worker>,
    retiring: Vec<(Worker, Instant)>,
}

// ANCHOR: run
/// The master's life; returns the exit status.
fn run(options: &Options) -> i32 {
    let listener = cli::listen_or_exit(options);
    let listener = match listen::share(listener) {
        Ok(listener) => Arc::new(listener),
        Err(error) => return complain(&format!("cannot share the listening socket: {error}")),
    };
    let mut orders = match Orders::new() {
        Ok(orders) => orders,
        Err(error) => return complain(&format!("cannot take over SIGHUP and SIGTERM: {error}")),
    };
    let program = match std::env::current_exe() {
        Ok(program) => program,
        Err(error) => return complain(&format!("cannot find this program to start it: {error}")),
    };
    let mut master = Master {
        listener,
        program,
        arguments: std::env::args_os().skip(1).collect(),
        wanted: options.workers,
        serving: Vec::new(),
        retiring: Vec::new(),
    };
    log(&format!(
        "starting {} workers; SIGHUP reloads them, SIGTERM or Ctrl-C stops them",
        options.workers
    ));
    if let Err(why) = master.start_workers() {
        log(&why);
        master.stop("the first workers did not start");
        return 1;
    }
    loop {
        for order in orders.pending() {
            match order {
                Order::Reload => master.reload(),
                Order::Stop(signal) => return master.stop(signal),
            }
        }
        if let Err(why) = master.replace_the_dead() {
            log(&why);
            master.stop("a worker failed to start");
            return 1;
        }
        master.forget_the_retired();
        thread::sleep(TICK);
    }
}
// ANCHOR_END: run

impl Master {
    /// Starts workers until there are as many serving as wanted.
    fn start_workers(&mut self) -> Result<(), String> {
        while self.serving.len() < self.wanted.get() {
            let worker = self.start_one()?;
            self.serving.push(worker);
        }
        Ok(())
    }

    /// Starts one worker: this program again, with the same flags and the socket handed over.
    fn start_one(&self) -> Result<Worker, String> {
        let mut command = Command::new(&self.program);
        command.args(&self.arguments);
        listen::hand_over(&mut command, &self.listener);
        let child = command.spawn().map_err(|error| {
            format!("cannot start a worker ({}): {error}", self.program.display())
        })?;
        log(&format!("worker {} started", child.id()));
        Ok(Worker { child, started: Instant::now() })
    }

    // ANCHOR: replace_the_dead
    /// Replaces each worker that has exited. One that failed at once is an error instead.
    fn replace_the_dead(&mut self) -> Result<(), String> {
        for index in 0..self.serving.len() {
            let worker = &mut self.serving[index];
            let Ok(Some(status)) = worker.child.try_wait() else { continue };
            let pid = worker.child.id();
            if !status.success() && status.code().is_some() && worker.started.elapsed() < STARTUP {
                return Err(format!(
                    "worker {pid} exited at once ({status}): the lines above say why; \
                     fix that and start the server again"
                ));
            }
            log(&format!("worker {pid} exited ({}); starting another", described(status)));
            self.serving[index] = self.start_one()?;
        }
        Ok(())
    }
    // ANCHOR_END: replace_the_dead

    // ANCHOR: reload
    /// SIGHUP: new workers first, then the old ones are asked to finish and stop.
    fn reload(&mut self) {
        log("SIGHUP: starting new workers, then stopping the old ones gracefully");
        let old = std::mem::take(&mut self.serving);
        if let Err(why) = self.start_workers() {
            log(&format!("{why}; keeping the old workers"));
            let new = std::mem::replace(&mut self.serving, old);
            self.retire(new);
            return;
        }
        self.retire(old);
    }
    // ANCHOR_END: reload

    /// Asks each worker to stop gracefully, and keeps it until it has.
    fn retire(&mut self, workers: Vec<Worker>) {
        for worker in workers {
            terminate(&worker.child);
            self.retiring.push((worker, Instant::now()));
        }
    }

    /// Forgets the retiring workers that have finished; kills those past the grace period.
    fn forget_the_retired(&mut self) {
        self.retiring.retain_mut(|(worker, since)| {
            let pid = worker.child.id();
            if let Ok(Some(status)) = worker.child.try_wait() {
                log(&format!("old worker {pid} finished ({})", described(status)));
                return false;
            }
            if since.elapsed() > GRACE {
                log(&format!("old worker {pid} is still busy after {GRACE:?}; killing it"));
                let _ = worker.child.kill();
                let _ = worker.child.wait();
                return false;
            }
            true
        });
    }

    /// Stops every worker gracefully (killing those that take longer than the grace
    /// period) and returns the master's exit status.
    fn stop(&mut self, why: &str) -> i32 {
        log(&format!("{why}: stopping the workers gracefully"));
        let serving = std::mem::take(&mut self.serving);
        self.retire(serving);
        while !self.retiring.is_empty() {
            self.forget_the_retired();
            thread::sleep(TICK);
        }
        log("stopped");
        0
    }
}

/// Sends SIGTERM: "finish what you are serving, then exit".
fn terminate(child: &Child) {
    // Fails only if it is gone already, which the next `try_wait` will show.
    let _ = kill_process(Pid::from_child(child), Signal::TERM);
}

/// "exit status 0", or the signal that ended it.
fn described(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(signal) => format!("killed by signal {signal}"),
        None => status.to_string(),
    }
}

/// One line on stderr, named after the master, as the access log is.
/// Writes a line of the master's log. Never `eprintln!`, which panics when stderr is gone (a
/// closed pipe, `| head`): a master that died of that would leave its workers behind.
fn log(line: &str) {
    let _ = writeln!(io::stderr(), "master {}: {line}", process::id());
}

fn complain(why: &str) -> i32 {
    log(why);
    1
}
