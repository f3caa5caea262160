//! Keep-alive connections without a thread each (chapter 6; its limits, chapter 7; how a
//! worker starts, chapter 9).
//!
//! A persistent connection spends most of its life idle, between requests. If a worker sat
//! blocked on each idle connection, N workers would serve N clients and everyone else would
//! wait: eight times as many keep-alive clients as workers would starve. So no worker ever
//! waits on one connection here. Every connection is registered with the operating system's
//! readiness mechanism ([`readiness`]), and idle workers wait on *all* of them at once; the
//! kernel wakes a worker when connections have bytes. The worker answers every complete
//! request those bytes hold, parks the connection again, and goes back to waiting. One wait
//! may report many connections: the worker keeps one and queues the rest for whichever
//! worker is free first, waking one that sleeps. Chapter 3's pool was fed by a channel; this
//! one is fed by the kernel, with no thread in between.
//!
//! The workers also enforce the timeouts: an idle connection is closed after
//! [`ReactorConfig::idle_timeout`], and a head that takes longer than
//! [`ReactorConfig::head_timeout`] to arrive gets 408. A slow-loris client ties up a little
//! memory, never a worker. From chapter 7 a response whose client reads slowly waits here
//! too, parked until the socket has room, and the minimum rate closes a client that reads
//! too slowly.

pub mod readiness;
mod runnable;
mod threads;

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use self::readiness::{Interest, Readiness, Report};
use self::threads::{IDLE_THREAD, STUCK, Threads};
use crate::connection::{Connection, Endpoints, Next};
use crate::http::{Clock, Persistence, Response, Status};
use crate::server::{Shutdown, connections_with_peers};

// ANCHOR: reactor_config
/// Limits of the reactor, each with a safe default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReactorConfig {
    /// How long a connection may sit idle between requests before it is closed.
    pub idle_timeout: Duration,
    /// How long a client may take to send a whole request head: counted from the connection's
    /// start for its first request, and from the head's first byte for the later ones.
    pub head_timeout: Duration,
    /// How long one read of a body, or one write of a response, may block a worker, where
    /// sockets block (chapter 6). From chapter 7 they never do, so it has no flag.
    pub io_timeout: Duration,
    /// How many connections may be open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// The slowest a request body may arrive, or a response be read, in bytes a second,
    /// once `rate_grace` has passed since the head, or since the response first waited for
    /// its reader (chapter 7, when the server never blocks). A slow body gets 408; a slow
    /// reader is closed.
    pub min_rate: u64,
    pub rate_grace: Duration,
    /// How many workers the pool may grow to while all are busy (chapter 7); no more than
    /// the `threads` it starts with means a fixed pool, as in chapter 6.
    pub max_threads: usize,
    /// A worker whose last request took at least `hold_after` and less than `hold_under`
    /// holds its next response back while other connections wait for it (chapter 9).
    pub hold_after: Duration,
    pub hold_under: Duration,
}

impl Default for ReactorConfig {
    fn default() -> ReactorConfig {
        ReactorConfig {
            idle_timeout: Duration::from_secs(5),
            head_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(10),
            max_connections: 1000,
            min_rate: 240,
            rate_grace: Duration::from_secs(5),
            max_threads: 256,
            // Each response sent wakes its client; where waking an idle CPU is dear (a
            // virtual machine's: 10 µs here), one wake-up for a batch saves that much per
            // response. Faster requests gain nothing, since their responses find the client
            // still awake; slower ones gain under 1%, and the held response would wait as
            // long as the next request takes.
            hold_after: Duration::from_micros(50),
            hold_under: Duration::from_millis(1),
        }
    }
}
// ANCHOR_END: reactor_config

/// How often workers wake up with nothing to do, to notice deadlines and shutdown.
const TICK: Duration = Duration::from_millis(100);

// ANCHOR: slot
/// A connection known to the reactor: registered for readiness until it is dropped.
struct Entry {
    key: usize,
    connection: Connection,
    /// What readiness watches the socket for.
    watching: Interest,
    shared: Arc<Shared>,
}

/// Where a connection is, as far as the workers know.
// Not boxed, though `Parked` is much the larger: a box per connection would lie between the
// 16 KiB read buffers on the heap, and 10,000 idle connections that gave their buffers back
// kept 48 MiB instead of 11 (bench/connections.sh), since the allocator can return only
// memory with nothing alive in it.
#[allow(clippy::large_enum_variant)]
enum Slot {
    /// Waiting for news.
    Parked(Entry),
    /// Taken by a worker, who owns the `Entry` meanwhile. `reported_again`: readiness reported
    /// the connection again since, so there may be news the worker has not seen; `closed`:
    /// one of those reports said the client has closed its side.
    Serving { reported_again: bool, closed: bool },
}

impl Drop for Entry {
    fn drop(&mut self) {
        // Leave the interest list before the socket closes: the portable poller requires it;
        // epoll does it as the socket closes.
        let _ = self.shared.readiness.remove(self.connection.stream());
        self.shared.open.fetch_sub(1, Ordering::SeqCst);
    }
}
// ANCHOR_END: slot

/// What the accept loop and the workers share.
struct Shared {
    readiness: Readiness,
    /// Every open connection, by key: parked, or being served.
    slots: Mutex<HashMap<usize, Slot>>,
    /// What readiness reported that no worker has taken yet.
    ready: Mutex<VecDeque<Report>>,
    /// How many workers are asleep in [`Readiness::wait`].
    sleeping: AtomicUsize,
    open: AtomicUsize,
    stopping: AtomicBool,
    last_sweep: Mutex<Instant>,
    config: ReactorConfig,
    threads: Threads,
    handle: Box<Handler>,
    around_worker: Box<AroundWorker>,
}

impl Shared {
    fn slots(&self) -> MutexGuard<'_, HashMap<usize, Slot>> {
        lock(&self.slots)
    }

    fn ready(&self) -> MutexGuard<'_, VecDeque<Report>> {
        lock(&self.ready)
    }
}

impl Slot {
    fn parked(&self) -> Option<&Entry> {
        match self {
            Slot::Parked(entry) => Some(entry),
            Slot::Serving { .. } => None,
        }
    }
}

/// Nothing panics while holding these locks, but a poisoned one must not stop the server.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a worker calls for each connection with new bytes.
type Handler = dyn Fn(&mut Connection) -> Next + Send + Sync;

/// What each worker's life runs inside (chapter 9).
type AroundWorker = dyn Fn(&mut (dyn FnMut() + Send)) + Send + Sync;

// ANCHOR: serve_with_reactor
/// Serves connections with `handle` on `threads` workers that wait for readiness.
///
/// `handle` is called on a worker each time a connection has new bytes; it returns whether
/// to park the connection again or close it. On shutdown: stop accepting, let the requests
/// in flight finish, close the idle connections.
pub fn serve_with_reactor(
    listener: TcpListener,
    shutdown: &Shutdown,
    threads: NonZeroUsize,
    config: ReactorConfig,
    handle: impl Fn(&mut Connection) -> Next + Send + Sync + 'static,
) {
    serve_with_reactor_around(listener, shutdown, threads, config, handle, |work| work());
}
// ANCHOR_END: serve_with_reactor

// ANCHOR: serve_with_reactor_around
/// [`serve_with_reactor`], with each worker's whole life run inside `around_worker`, which
/// must call the loop it is given once. Chapter 9 attaches each worker to the Python
/// interpreter there, once for the thread's life rather than once per request.
pub fn serve_with_reactor_around(
    listener: TcpListener,
    shutdown: &Shutdown,
    threads: NonZeroUsize,
    config: ReactorConfig,
    handle: impl Fn(&mut Connection) -> Next + Send + Sync + 'static,
    around_worker: impl Fn(&mut (dyn FnMut() + Send)) + Send + Sync + 'static,
) {
    let shared = Arc::new(Shared {
        readiness: Readiness::new().expect("the operating system refused a readiness queue"),
        slots: Mutex::new(HashMap::new()),
        ready: Mutex::new(VecDeque::new()),
        sleeping: AtomicUsize::new(0),
        open: AtomicUsize::new(0),
        stopping: AtomicBool::new(false),
        last_sweep: Mutex::new(Instant::now()),
        config,
        threads: Threads::new(threads.get(), config.max_threads),
        handle: Box::new(handle),
        around_worker: Box::new(around_worker),
    });
    for _ in 0..shared.threads.min() {
        if shared.threads.claim_place() {
            start_worker(&shared);
        }
    }
    let watcher = shared.threads.is_elastic().then(|| {
        let shared = Arc::clone(&shared);
        thread::Builder::new()
            .name("pool-watcher".to_string())
            .spawn(move || grow_when_stuck(&shared))
            .expect("the operating system refused to start the pool's watcher")
    });
    let listening = listener.local_addr().ok();
    for (key, (stream, peer)) in connections_with_peers(&listener, shutdown).enumerate() {
        let endpoints = Endpoints::accepted(listening, &stream, peer);
        admit(&shared, stream, endpoints, key);
    }
    answer_what_has_arrived(&shared);
    shared.stopping.store(true, Ordering::SeqCst);
    if let Some(watcher) = watcher {
        let _ = watcher.join();
    }
    shared.threads.join_all(); // each finishes the request it is serving first
    shared.slots().clear(); // close the idle connections
}

/// The pool's watcher (chapter 7): workers stuck in their requests cannot see that others
/// wait, so a thread of its own looks, every [`STUCK`], and starts more when they are.
fn grow_when_stuck(shared: &Arc<Shared>) {
    while !shared.stopping.load(Ordering::SeqCst) {
        thread::sleep(STUCK);
        for _ in 0..shared.threads.more_needed(Instant::now()) {
            start_worker(shared);
        }
    }
}

/// Starts one more worker, in a place already taken.
fn start_worker(shared: &Arc<Shared>) {
    let worker = Arc::clone(shared);
    shared.threads.start(move || (worker.around_worker)(&mut || work(&worker)));
}
// ANCHOR_END: serve_with_reactor_around

/// Before the workers stop: waits until no parked connection has bytes waiting or a
/// response half sent, so that a request a client has already sent is answered rather than
/// cut off (chapter 10's reloads count on it). A head timeout at most, since busy keep-alive
/// clients could go on forever.
fn answer_what_has_arrived(shared: &Shared) {
    let deadline = Instant::now() + shared.config.head_timeout;
    let unfinished =
        |connection: &Connection| connection.is_sending() || connection.has_bytes_waiting();
    let waiting = || {
        let slots = shared.slots();
        slots.values().filter_map(Slot::parked).any(|entry| unfinished(&entry.connection))
    };
    while Instant::now() < deadline && waiting() {
        thread::sleep(TICK / 10);
    }
}

// ANCHOR: admit
/// Takes a new connection in: refuses it if there are too many, else parks it until its
/// first request arrives.
fn admit(shared: &Arc<Shared>, stream: TcpStream, endpoints: Endpoints, key: usize) {
    let config = &shared.config;
    if shared.open.load(Ordering::SeqCst) >= config.max_connections {
        let busy = Response::text(Status::SERVICE_UNAVAILABLE, "503: too many connections\n")
            .with_header("Retry-After", "1");
        return refuse_without_waiting(&stream, &busy);
    }
    let _ = stream.set_nodelay(true);
    shared.open.fetch_add(1, Ordering::SeqCst);
    let mut connection = Connection::with_endpoints(stream, endpoints);
    connection.block_at_most(config.io_timeout);
    connection.expect_head_within(config.head_timeout);
    let entry = Entry { key, connection, watching: Interest::Read, shared: Arc::clone(shared) };
    // Under the map's lock: readiness may report it at once, and the worker that takes the
    // report must find it in the map. (If it cannot be watched, dropping it closes it.)
    let mut slots = shared.slots();
    if shared.readiness.add(entry.connection.stream(), key).is_ok() {
        slots.insert(key, Slot::Parked(entry));
    }
}
// ANCHOR_END: admit

// ANCHOR: work
/// A worker's life: wait for any connection to have news, serve it, park it, repeat. From
/// chapter 7 a worker idle for long leaves, when the pool has grown.
fn work(shared: &Arc<Shared>) {
    let mut last_busy = Instant::now();
    let mut worth_holding = false; // whether the last request took as long as the config says
    let mut reported = Vec::new();
    while !shared.stopping.load(Ordering::SeqCst) {
        match next_ready(shared, &mut reported) {
            Ok(Some(report)) => {
                if let Some(entry) = take(shared, report) {
                    last_busy = Instant::now(); // one clock read serves the pool and the idle check
                    let hold = worth_holding && !shared.ready().is_empty();
                    serve(shared, entry, last_busy, hold);
                    let (took, config) = (last_busy.elapsed(), &shared.config);
                    worth_holding = config.hold_after <= took && took < config.hold_under;
                }
            }
            Ok(None) if last_busy.elapsed() >= IDLE_THREAD && shared.threads.may_leave() => {
                return;
            }
            Ok(None) => {}
            Err(error) => {
                eprintln!("waiting for connections failed: {error}");
                thread::sleep(TICK);
            }
        }
        sweep_if_due(shared);
    }
}
// ANCHOR_END: work

// ANCHOR: next_ready
/// A connection with news: the next one queued, else one from waiting on the kernel, whose
/// other reports are queued for whichever worker is free first. `None` after a tick with no
/// news, or a wake-up that another worker beat this one to.
fn next_ready(shared: &Shared, reported: &mut Vec<Report>) -> io::Result<Option<Report>> {
    if let Some(report) = pop_ready(shared) {
        return Ok(Some(report));
    }
    // Count in as asleep *before* the last look at the queue: whoever queues a report next
    // then sees a sleeper to wake, and no report waits while a worker sleeps.
    shared.sleeping.fetch_add(1, Ordering::SeqCst);
    let nothing_queued = shared.ready().is_empty(); // a `let`, so the lock is let go here
    let waited = if nothing_queued { shared.readiness.wait(TICK, reported) } else { Ok(()) };
    shared.sleeping.fetch_sub(1, Ordering::SeqCst);
    waited?;
    shared.ready().extend(reported.drain(..));
    Ok(pop_ready(shared))
}

/// Takes the first queued report. If more are left and a worker sleeps, wakes it for them: a
/// slow request here must not hold up the connections queued behind it.
fn pop_ready(shared: &Shared) -> Option<Report> {
    let (report, more) = {
        let mut ready = shared.ready();
        (ready.pop_front(), !ready.is_empty())
    };
    if more && shared.sleeping.load(Ordering::SeqCst) > 0 {
        shared.readiness.wake();
    }
    report
}
// ANCHOR_END: next_ready

// ANCHOR: serve
/// Takes a reported connection out of its slot to serve it. `None` if it is gone, or if a
/// worker is serving it already: that worker is told, and serves it again before parking it.
fn take(shared: &Shared, report: Report) -> Option<Entry> {
    let mut slots = shared.slots();
    let slot = slots.get_mut(&report.key)?;
    if let Slot::Serving { reported_again, closed } = slot {
        (*reported_again, *closed) = (true, *closed || report.closed);
        return None;
    }
    let serving = Slot::Serving { reported_again: false, closed: false };
    let Slot::Parked(mut entry) = std::mem::replace(slot, serving) else {
        unreachable!("matched above")
    };
    if report.closed {
        entry.connection.note_peer_closed();
    }
    Some(entry)
}

/// Serves a connection for as long as it has something to do, then parks it or, when it is
/// done, lets it close. `hold`: its responses are held back, to go out with others once the
/// worker next waits for readiness (chapter 9).
fn serve(shared: &Shared, mut entry: Entry, now: Instant, hold: bool) {
    entry.connection.hold_replies(hold);
    loop {
        let mut unreported = false;
        // A report can be stale: it may tell of bytes an earlier read already took. On a
        // non-blocking socket that costs a read that finds nothing; a blocking one (chapter
        // 6) must not be read at all then, or the worker would wait for the client.
        if entry.connection.can_serve_without_blocking() {
            shared.threads.now_busy(now);
            let next = (shared.handle)(&mut entry.connection);
            shared.threads.now_idle();
            if next == Next::Close || shared.stopping.load(Ordering::SeqCst) {
                shared.slots().remove(&entry.key);
                return; // dropping the entry closes the connection
            }
            entry.connection.wait_for_more(&shared.config);
            unreported = entry.connection.has_unreported_input();
        }
        let key = entry.key;
        match park_unless_reported(shared, entry) {
            Some(reported) => entry = reported,
            None => {
                // Edge-triggered readiness reports what is new, not what is left over: more
                // bytes than one read took, or a close that came with the last bytes. So the
                // worker reports it itself, after the connections already waiting.
                if unreported {
                    shared.ready().push_back(Report { key, closed: false });
                }
                return;
            }
        }
    }
}

/// Parks a served connection, watched for what it waits for now, unless it was reported
/// while it was being served: then it is handed back (`Some`), to be served again.
fn park_unless_reported(shared: &Shared, mut entry: Entry) -> Option<Entry> {
    let mut slots = shared.slots();
    let slot = slots.get_mut(&entry.key)?;
    if let Slot::Serving { reported_again: true, closed } = slot {
        if *closed {
            entry.connection.note_peer_closed();
        }
        *slot = Slot::Serving { reported_again: false, closed: false };
        return Some(entry);
    }
    let interest = entry.connection.interest();
    // A response held back (chapter 9) finds room at once, but an edge-triggered watch that
    // already says "write" reports only a change: it is renewed, to be reported now.
    if Readiness::ONE_SHOT || interest != entry.watching || interest == Interest::Write {
        let watched = shared.readiness.watch(entry.connection.stream(), entry.key, interest);
        if watched.is_err() {
            slots.remove(&entry.key);
            return None; // dropping the entry closes the connection
        }
        entry.watching = interest;
    }
    *slot = Slot::Parked(entry);
    None
}
// ANCHOR_END: serve

// ANCHOR: sweep
/// Closes parked connections past their deadline, at most once per tick, by one worker:
/// 408 for a head or body that is too slow, nothing for a connection that was merely idle
/// (RFC 9112 §9.5 lets a server close an idle connection at any time) or for a client too
/// slow to read its response (it would not read a 408 either).
fn sweep_if_due(shared: &Shared) {
    let now = Instant::now();
    let Ok(mut last_sweep) = shared.last_sweep.try_lock() else { return };
    if now.duration_since(*last_sweep) < TICK {
        return;
    }
    *last_sweep = now;
    let expired: Vec<Slot> = {
        let mut slots = shared.slots();
        // Thousands of idle keep-alive connections would each keep a read buffer: give
        // those idle for a while back (chapter 7).
        for slot in slots.values_mut() {
            if let Slot::Parked(entry) = slot {
                entry.connection.shed_buffer_if_idle(now);
            }
        }
        let late: Vec<usize> = slots
            .iter()
            .filter_map(|(key, slot)| Some((key, slot.parked()?)))
            .filter(|(_, entry)| entry.connection.is_overdue(now))
            // Bytes waiting in the kernel mean the workers were busy, not that the client
            // was slow: a worker will get to them.
            .filter(|(_, entry)| {
                entry.connection.is_sending() || !entry.connection.has_bytes_waiting()
            })
            .map(|(key, _)| *key)
            .collect();
        late.iter().filter_map(|key| slots.remove(key)).collect()
    };
    let too_slow =
        Response::text(Status::REQUEST_TIMEOUT, "408: the request took too long to arrive\n");
    for entry in expired.iter().filter_map(Slot::parked) {
        if entry.connection.is_mid_request() && !entry.connection.is_sending() {
            refuse_without_waiting(entry.connection.stream(), &too_slow);
        }
    }
}
// ANCHOR_END: sweep

// ANCHOR: refuse_without_waiting
/// Sends a short error response if the socket can take it right now, without ever blocking
/// (the client may not be reading), then closes.
fn refuse_without_waiting(stream: &TcpStream, response: &Response) {
    let mut bytes = Vec::new();
    let _ = response.write_to(&mut bytes, Clock::System, true, Persistence::Close);
    let _ = stream.set_nonblocking(true);
    let _ = (&mut &*stream).write(&bytes);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
// ANCHOR_END: refuse_without_waiting

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::cell::Cell;
    use std::io::Read;

    thread_local! {
        static INSIDE_AROUND: Cell<bool> = const { Cell::new(false) };
    }

    #[test]
    fn each_worker_runs_its_whole_life_inside_around_worker() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = Shutdown::new(&listener).unwrap();
        let lives = Arc::new(AtomicUsize::new(0));
        let (stopper, counted) = (shutdown.clone(), Arc::clone(&lives));
        let server = thread::spawn(move || {
            let answer = |connection: &mut Connection| {
                let _ = connection.receive(); // unread bytes would make closing a reset
                let inside = INSIDE_AROUND.with(Cell::get);
                let _ = connection.stream().write_all(if inside { b"inside" } else { b"outside" });
                Next::Close
            };
            let around = move |work: &mut (dyn FnMut() + Send)| {
                counted.fetch_add(1, Ordering::SeqCst);
                INSIDE_AROUND.with(|inside| inside.set(true));
                work();
                INSIDE_AROUND.with(|inside| inside.set(false));
            };
            let threads = NonZeroUsize::new(3).unwrap();
            serve_with_reactor_around(
                listener,
                &stopper,
                threads,
                ReactorConfig::default(),
                answer,
                around,
            );
        });
        let mut client = TcpStream::connect(address).unwrap();
        client.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        client.write_all(b"x").unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).unwrap();
        assert_eq!(answer, "inside");
        shutdown.request();
        server.join().unwrap();
        assert_eq!(lives.load(Ordering::SeqCst), 3, "once per worker, not once per connection");
    }

    #[test]
    fn a_worker_holds_responses_while_others_wait_only_after_requests_worth_it() {
        // Each request sleeps 1 ms. The first found the worker fresh; the second came after
        // one worth holding for, with two more waiting; the last had nothing behind it.
        let any_time = Duration::from_secs(3600);
        assert_eq!(holds_seen(any_time), [false, true, true, false]);
        // A millisecond is more than requests worth holding for may take.
        assert_eq!(holds_seen(Duration::from_micros(900)), [false; 4]);
    }

    /// Whether each of four requests, all waiting while the first is served, was to be held,
    /// on one worker that holds after requests that take less than `hold_under`.
    fn holds_seen(hold_under: Duration) -> Vec<bool> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = Shutdown::new(&listener).unwrap();
        let (go, gate) = std::sync::mpsc::channel::<()>();
        let (started, first_started) = std::sync::mpsc::channel::<()>();
        let (gate, started) = (Mutex::new(gate), Mutex::new(started));
        let holds = Arc::new(Mutex::new(Vec::new()));
        let (stopper, seen) = (shutdown.clone(), Arc::clone(&holds));
        let server = thread::spawn(move || {
            let answer = move |connection: &mut Connection| {
                connection.make_nonblocking();
                let _ = connection.receive();
                let mut seen = seen.lock().unwrap();
                seen.push(connection.holds_replies());
                if seen.len() == 1 {
                    drop(seen);
                    let _ = started.lock().unwrap().send(());
                    let _ = gate.lock().unwrap().recv(); // until the others have all sent
                }
                thread::sleep(Duration::from_millis(1));
                let _ = connection.stream().write_all(b"done");
                Next::Close
            };
            let config = ReactorConfig { max_threads: 1, hold_under, ..ReactorConfig::default() };
            let one = NonZeroUsize::new(1).unwrap();
            serve_with_reactor(listener, &stopper, one, config, answer);
        });
        let mut first = TcpStream::connect(address).unwrap();
        let mut others: Vec<TcpStream> =
            (0..3).map(|_| TcpStream::connect(address).unwrap()).collect();
        first.write_all(b"x").unwrap();
        first_started.recv().unwrap(); // so the worker took the first alone
        for other in &mut others {
            other.write_all(b"x").unwrap();
        }
        // The worker waits at the gate meanwhile; once it is let go, its next wait finds the
        // three at once. (They were accepted long since: a generous bound.)
        thread::sleep(Duration::from_millis(200));
        go.send(()).unwrap();
        for client in std::iter::once(&mut first).chain(&mut others) {
            client.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let mut answer = String::new();
            client.read_to_string(&mut answer).unwrap();
            assert_eq!(answer, "done");
        }
        shutdown.request();
        server.join().unwrap();
        let mut holds = holds.lock().unwrap().clone();
        holds.truncate(4); // shutdown may add one
        holds
    }
}
