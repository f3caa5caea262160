//! Waiting until any of many sockets is readable (chapter 6), or writable (chapter 7).
//!
//! The standard library can only block on one socket at a time. The operating system can
//! watch thousands at once: you register each socket's "interest" with it, then one call
//! sleeps until at least one of them has data. Linux calls this epoll, macOS and the BSDs
//! kqueue, Windows IOCP. Every interest here is *one-shot*: after a socket is reported, it is
//! not reported again until it is re-armed, so two workers can never be handed the same
//! connection at once.
//!
//! On Linux the workers all wait on one epoll instance directly, and the kernel wakes one
//! worker per ready socket. Elsewhere the portable `polling` crate is used, which lets only
//! one thread wait at a time, so the workers take turns.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

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
    use rustix::event::{Timespec, epoll};
    use std::os::fd::OwnedFd;

    // ANCHOR: epoll
    /// An epoll instance that many threads may wait on at once.
    pub struct Readiness {
        epoll: OwnedFd,
    }

    impl Readiness {
        pub fn new() -> io::Result<Readiness> {
            Ok(Readiness { epoll: epoll::create(epoll::CreateFlags::CLOEXEC)? })
        }

        /// Starts watching `stream` for bytes; `key` is what [`Readiness::wait`] reports.
        pub fn add(&self, stream: &TcpStream, key: usize) -> io::Result<()> {
            Ok(epoll::add(&self.epoll, stream, data(key), flags(Interest::Read))?)
        }

        /// Watches `stream` again, for `interest`, after it was reported once.
        pub fn rearm(&self, stream: &TcpStream, key: usize, interest: Interest) -> io::Result<()> {
            Ok(epoll::modify(&self.epoll, stream, data(key), flags(interest))?)
        }

        /// Stops watching `stream`.
        pub fn remove(&self, stream: &TcpStream) -> io::Result<()> {
            Ok(epoll::delete(&self.epoll, stream)?)
        }

        /// Sleeps until one watched socket is readable (its key) or `timeout` passes (`None`).
        pub fn wait(&self, timeout: Duration) -> io::Result<Option<usize>> {
            let timeout = Timespec::try_from(timeout).map_err(io::Error::other)?;
            let mut ready = [epoll::Event { flags: epoll::EventFlags::empty(), data: data(0) }];
            match epoll::wait(&self.epoll, &mut ready, Some(&timeout)) {
                Ok(0) => Ok(None),
                Ok(_) => Ok(Some(ready[0].data.u64() as usize)),
                Err(rustix::io::Errno::INTR) => Ok(None),
                Err(error) => Err(error.into()),
            }
        }
    }

    /// Readable (or closed by the peer), or writable, reported once until re-armed.
    fn flags(interest: Interest) -> epoll::EventFlags {
        use epoll::EventFlags;
        match interest {
            Interest::Read => EventFlags::IN | EventFlags::RDHUP | EventFlags::ONESHOT,
            Interest::Write => EventFlags::OUT | EventFlags::ONESHOT,
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

    /// The `polling` crate's poller; waiting is one thread at a time.
    pub struct Readiness {
        poller: Poller,
        waiting: Mutex<Events>,
    }

    impl Readiness {
        pub fn new() -> io::Result<Readiness> {
            let events = Events::with_capacity(std::num::NonZeroUsize::MIN);
            Ok(Readiness { poller: Poller::new()?, waiting: Mutex::new(events) })
        }

        pub fn add(&self, stream: &TcpStream, key: usize) -> io::Result<()> {
            // SAFETY: every added stream is removed before it is dropped (`Entry::drop`).
            unsafe { self.poller.add(stream, Event::readable(key)) }
        }

        pub fn rearm(&self, stream: &TcpStream, key: usize, interest: Interest) -> io::Result<()> {
            let event = match interest {
                Interest::Read => Event::readable(key),
                Interest::Write => Event::writable(key),
            };
            self.poller.modify(stream, event)
        }

        pub fn remove(&self, stream: &TcpStream) -> io::Result<()> {
            self.poller.delete(stream)
        }

        pub fn wait(&self, timeout: Duration) -> io::Result<Option<usize>> {
            let mut events = self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            events.clear();
            self.poller.wait(&mut events, Some(timeout))?;
            Ok(events.iter().next().map(|event| event.key))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::io::Write;
    use std::net::TcpListener;

    /// What both backends must do: report a readable socket once, then not again until it
    /// is re-armed, and report nothing for a quiet one.
    macro_rules! behaves_like_readiness {
        ($name:ident, $readiness:ty) => {
            #[test]
            fn $name() {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
                let (server, _) = listener.accept().unwrap();
                let readiness = <$readiness>::new().unwrap();
                readiness.add(&server, 7).unwrap();
                let short = Duration::from_millis(50);
                assert_eq!(readiness.wait(short).unwrap(), None, "nothing sent yet");
                client.write_all(b"x").unwrap();
                assert_eq!(readiness.wait(Duration::from_secs(5)).unwrap(), Some(7));
                assert_eq!(readiness.wait(short).unwrap(), None, "one-shot: not reported twice");
                readiness.rearm(&server, 7, Interest::Read).unwrap();
                assert_eq!(readiness.wait(Duration::from_secs(5)).unwrap(), Some(7), "re-armed");
                server.set_nonblocking(true).unwrap();
                let chunk = [0; 64 * 1024];
                while (&server).write(&chunk).is_ok() {} // until the client's side is full
                readiness.rearm(&server, 7, Interest::Write).unwrap();
                assert_eq!(readiness.wait(short).unwrap(), None, "no room while nobody reads");
                let mut drained = vec![0; 4 << 20];
                client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let _ = std::io::Read::read(&mut client, &mut drained);
                // Room comes once enough is read; read on until the socket says so.
                let mut woken = readiness.wait(short).unwrap();
                for _ in 0..200 {
                    if woken.is_some() {
                        break;
                    }
                    let _ = std::io::Read::read(&mut client, &mut drained);
                    woken = readiness.wait(short).unwrap();
                }
                assert_eq!(woken, Some(7), "writable once the client has read");
                readiness.remove(&server).unwrap();
            }
        };
    }

    #[cfg(target_os = "linux")]
    behaves_like_readiness!(epoll_reports_each_readable_socket_once, epoll::Readiness);
    behaves_like_readiness!(
        the_portable_poller_reports_each_readable_socket_once,
        portable::Readiness
    );
}
