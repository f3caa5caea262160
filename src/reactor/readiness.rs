//! Waiting until any of many sockets is readable (chapter 6), or writable (chapter 7).
//!
//! The standard library can only block on one socket at a time. The operating system can
//! watch thousands at once: you register each socket's "interest" with it, then one call
//! sleeps until at least one of them has news. Linux calls this epoll, macOS and the BSDs
//! kqueue, Windows IOCP.
//!
//! On Linux the workers all wait on one epoll instance directly. Each socket is registered
//! once, *edge-triggered*: it is reported when something new happens to it, and a worker may
//! take several reports in one wait. So a connection can be reported again while a worker is
//! still serving it, and the reactor (`super`) sorts that out. Elsewhere the portable
//! `polling` crate is used: its interest is one-shot (reported once, then not until the socket
//! is watched again), and only one thread may wait at a time, so the workers take turns.
//! Both report a socket again whenever bytes arrive after it was last served, which is all
//! the reactor relies on.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

/// One socket's news, as [`Readiness::wait`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    /// The key the socket was added with.
    pub key: usize,
    /// Whether the peer has closed its side (or the connection failed). Edge-triggered
    /// readiness says so once, so the reactor remembers it; the portable one may say `false`
    /// and report the socket again instead.
    pub closed: bool,
}

/// What a parked connection waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    /// Bytes from the client (or its close).
    Read,
    /// Room in the socket for more of a response (chapter 7).
    Write,
}

#[cfg(target_os = "linux")]
pub use self::epoll::Readiness;
#[cfg(not(target_os = "linux"))]
pub use self::portable::Readiness;

#[cfg(target_os = "linux")]
mod epoll {
    use super::*;
    use rustix::event::{EventfdFlags, Timespec, epoll, eventfd};
    use std::os::fd::OwnedFd;

    /// The key [`Readiness::wake`]'s event carries; no connection has it.
    const WAKE: u64 = u64::MAX;

    // ANCHOR: epoll
    /// An epoll instance that many threads may wait on at once.
    pub struct Readiness {
        epoll: OwnedFd,
        /// Written to by [`Readiness::wake`]; registered like a socket, so it wakes a waiter.
        wake: OwnedFd,
    }

    impl Readiness {
        /// Whether a socket, once reported, must be watched again to be reported again. Not
        /// here: edge-triggered interest lasts until the socket is removed.
        pub const ONE_SHOT: bool = false;

        pub fn new() -> io::Result<Readiness> {
            let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
            let wake = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
            epoll::add(&epoll, &wake, epoll::EventData::new_u64(WAKE), flags(Interest::Read))?;
            Ok(Readiness { epoll, wake })
        }

        /// Starts watching `stream` for bytes (or its close); `key` is what
        /// [`Readiness::wait`] reports.
        pub fn add(&self, stream: &TcpStream, key: usize) -> io::Result<()> {
            Ok(epoll::add(&self.epoll, stream, data(key), flags(Interest::Read))?)
        }

        /// Watches `stream` for `interest` from now on. Being edge-triggered, a socket stays
        /// watched after it is reported: this is needed when the interest changes, and to
        /// have a socket that has room reported once more (chapter 9's held responses).
        pub fn watch(&self, stream: &TcpStream, key: usize, interest: Interest) -> io::Result<()> {
            Ok(epoll::modify(&self.epoll, stream, data(key), flags(interest))?)
        }

        /// Stops watching `stream`: nothing to do here, since closing the socket takes it off
        /// the interest list (epoll(7): once no other descriptor refers to it; the server
        /// duplicates none, and a report for a connection already gone is ignored). That is
        /// one system call fewer per connection.
        pub fn remove(&self, _stream: &TcpStream) -> io::Result<()> {
            Ok(())
        }

        /// Sleeps until some watched sockets have news, or `timeout` passes, and puts their
        /// reports in `ready` (none after a timeout or a wake-up).
        pub fn wait(&self, timeout: Duration, ready: &mut Vec<Report>) -> io::Result<()> {
            let timeout = Timespec::try_from(timeout).map_err(io::Error::other)?;
            let mut events =
                [epoll::Event { flags: epoll::EventFlags::empty(), data: data(0) }; BATCH];
            ready.clear();
            let count = match epoll::wait(&self.epoll, &mut events, Some(&timeout)) {
                Ok(count) => count,
                Err(rustix::io::Errno::INTR) => 0,
                Err(error) => return Err(error.into()),
            };
            let news = events[..count].iter().filter(|event| event.data.u64() != WAKE);
            ready.extend(news.map(|event| Report {
                key: event.data.u64() as usize,
                closed: { event.flags }.intersects(CLOSED), // a copy: the field is packed
            }));
            Ok(())
        }

        /// Makes one thread sleeping in [`Readiness::wait`] return.
        pub fn wake(&self) {
            // Every write is an edge, reported once; the count itself is never read.
            let _ = rustix::io::write(&self.wake, &1u64.to_ne_bytes());
        }
    }

    /// How many events one wait may take: under load, one wait serves many requests.
    const BATCH: usize = 64;

    /// What says the peer will send nothing more: its close, a hang-up, an error.
    const CLOSED: epoll::EventFlags =
        epoll::EventFlags::RDHUP.union(epoll::EventFlags::HUP).union(epoll::EventFlags::ERR);

    /// Edge-triggered (`ET`): a socket is reported each time something new happens to it
    /// (bytes arrive, the peer closes; or, while a response waits, room opens up), once, and
    /// not again for what is still unread.
    fn flags(interest: Interest) -> epoll::EventFlags {
        use epoll::EventFlags;
        match interest {
            Interest::Read => EventFlags::IN | EventFlags::RDHUP | EventFlags::ET,
            Interest::Write => EventFlags::OUT | EventFlags::ET,
        }
    }
    // ANCHOR_END: epoll

    fn data(key: usize) -> epoll::EventData {
        epoll::EventData::new_u64(key as u64)
    }
}

// Built on other systems, and in tests everywhere, so that Linux's CI checks it too.
#[cfg(any(not(target_os = "linux"), test))]
mod portable {
    use super::*;
    use polling::{Event, Events, Poller};
    use std::sync::Mutex;

    /// The `polling` crate's poller. Its interest is one-shot (a socket is reported once, then
    /// not until it is watched again), and waiting is one thread at a time.
    pub struct Readiness {
        poller: Poller,
        waiting: Mutex<Events>,
    }

    impl Readiness {
        pub const ONE_SHOT: bool = true;

        pub fn new() -> io::Result<Readiness> {
            let events = Events::with_capacity(std::num::NonZeroUsize::MIN);
            Ok(Readiness { poller: Poller::new()?, waiting: Mutex::new(events) })
        }

        pub fn add(&self, stream: &TcpStream, key: usize) -> io::Result<()> {
            // SAFETY: every added stream is removed before it is dropped (`Entry::drop`).
            unsafe { self.poller.add(stream, Event::readable(key)) }
        }

        pub fn watch(&self, stream: &TcpStream, key: usize, interest: Interest) -> io::Result<()> {
            let event = match interest {
                Interest::Read => Event::readable(key),
                Interest::Write => Event::writable(key),
            };
            self.poller.modify(stream, event)
        }

        pub fn remove(&self, stream: &TcpStream) -> io::Result<()> {
            self.poller.delete(stream)
        }

        pub fn wait(&self, timeout: Duration, ready: &mut Vec<Report>) -> io::Result<()> {
            let mut events = self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            events.clear();
            ready.clear();
            self.poller.wait(&mut events, Some(timeout))?;
            // Level-triggered once watched again: a close not read yet is reported again.
            ready.extend(events.iter().map(|event| Report { key: event.key, closed: false }));
            Ok(())
        }

        pub fn wake(&self) {
            let _ = self.poller.notify();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::io::Write;
    use std::net::TcpListener;

    /// What both backends must do, which is all the reactor relies on: report a socket
    /// when bytes arrive, not twice for the same bytes, again when more arrive after it was
    /// watched again; report room to write only once asked, and bytes that came meanwhile
    /// as soon as reads are watched again; report nothing for a quiet socket.
    macro_rules! behaves_like_readiness {
        ($name:ident, $readiness:ty) => {
            #[test]
            fn $name() {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
                let (server, _) = listener.accept().unwrap();
                let readiness = <$readiness>::new().unwrap();
                let mut ready = Vec::with_capacity(8);
                let mut wait = |timeout: Duration| {
                    readiness.wait(timeout, &mut ready).unwrap();
                    ready.iter().map(|report| report.key).collect::<Vec<_>>()
                };
                let (short, long) = (Duration::from_millis(50), Duration::from_secs(5));
                let nothing: [usize; 0] = [];
                readiness.add(&server, 7).unwrap();
                assert_eq!(wait(short), nothing, "nothing sent yet");
                client.write_all(b"x").unwrap();
                assert_eq!(wait(long), [7]);
                assert_eq!(wait(short), nothing, "not reported twice for the same bytes");
                if <$readiness>::ONE_SHOT {
                    readiness.watch(&server, 7, Interest::Read).unwrap();
                }
                client.write_all(b"y").unwrap();
                assert_eq!(wait(long), [7], "reported again for new bytes");
                server.set_nonblocking(true).unwrap();
                let chunk = [0; 64 * 1024];
                while (&server).write(&chunk).is_ok() {} // until the client's side is full
                readiness.watch(&server, 7, Interest::Write).unwrap();
                assert_eq!(wait(short), nothing, "no room while nobody reads");
                client.write_all(b"z").unwrap();
                assert_eq!(wait(short), nothing, "bytes are not news while waiting for room");
                let mut drained = vec![0; 4 << 20];
                client.set_read_timeout(Some(long)).unwrap();
                let _ = std::io::Read::read(&mut client, &mut drained);
                // Room comes once enough is read; read on until the socket says so.
                let mut woken = wait(short);
                for _ in 0..200 {
                    if !woken.is_empty() {
                        break;
                    }
                    let _ = std::io::Read::read(&mut client, &mut drained);
                    woken = wait(short);
                }
                assert_eq!(woken, [7], "writable once the client has read");
                readiness.watch(&server, 7, Interest::Read).unwrap();
                assert_eq!(wait(long), [7], "watching reads again reports what came meanwhile");
                readiness.remove(&server).unwrap();
            }
        };
    }

    /// A wake-up makes a waiting thread return, with no socket reported.
    macro_rules! wakes_a_waiter {
        ($name:ident, $readiness:ty) => {
            #[test]
            fn $name() {
                let readiness = std::sync::Arc::new(<$readiness>::new().unwrap());
                let waiter = std::sync::Arc::clone(&readiness);
                let started = std::time::Instant::now();
                let waiting = std::thread::spawn(move || {
                    let mut ready = Vec::new();
                    waiter.wait(Duration::from_secs(30), &mut ready).unwrap();
                    ready
                });
                // If the wake-up comes before the wait, it must still end the wait.
                readiness.wake();
                assert_eq!(waiting.join().unwrap(), Vec::<Report>::new());
                assert!(started.elapsed() < Duration::from_secs(20), "woken, not timed out");
            }
        };
    }

    #[cfg(target_os = "linux")]
    behaves_like_readiness!(epoll_reports_what_is_new_on_a_socket, epoll::Readiness);
    behaves_like_readiness!(
        the_portable_poller_reports_what_is_new_on_a_socket,
        portable::Readiness
    );
    #[cfg(target_os = "linux")]
    wakes_a_waiter!(epoll_can_wake_a_waiting_worker, epoll::Readiness);

    /// Bytes and the close in one report: epoll says so only once, so it must say both.
    #[cfg(target_os = "linux")]
    #[test]
    fn epoll_reports_a_close_that_comes_with_the_last_bytes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let readiness = epoll::Readiness::new().unwrap();
        readiness.add(&server, 3).unwrap();
        client.write_all(b"last words").unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let mut ready = Vec::new();
        while !ready.iter().any(|report: &Report| report.closed) {
            readiness.wait(Duration::from_secs(5), &mut ready).unwrap();
            assert!(!ready.is_empty(), "the close was not reported within 5 s");
        }
        assert_eq!(ready, [Report { key: 3, closed: true }]);
    }
    wakes_a_waiter!(the_portable_poller_can_wake_a_waiting_worker, portable::Readiness);
}
