//! Chapter 6's exercises: an echo server on one thread, driven by readiness, over real
//! loopback connections; and the reactor's timeout rules, checked case by case with made-up
//! instants. Run them with `cargo exercise 6`; one exercise alone with
//! `cargo exercise 6 readiness_echo`.

mod support;

mod readiness_echo {
    use super::support::{PATIENCE, finish_sending, text};
    use exercises::ch6::readiness_echo::serve_echo;
    use pretty_assertions::assert_eq;
    use socket_to_wsgi::server::Shutdown;
    use std::io::{self, ErrorKind, Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::thread::{self, JoinHandle};
    use std::time::{Duration, Instant};

    /// `serve_echo` running on a thread of its own, on a free loopback port.
    struct Echo {
        address: SocketAddr,
        shutdown: Shutdown,
        thread: Option<JoinHandle<io::Result<()>>>,
    }

    impl Echo {
        fn start() -> Echo {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
            let address = listener.local_addr().unwrap();
            let shutdown = Shutdown::new(&listener).unwrap();
            let for_server = shutdown.clone();
            let thread = thread::spawn(move || serve_echo(listener, &for_server));
            Echo { address, shutdown, thread: Some(thread) }
        }

        /// A new client of this server.
        #[track_caller]
        fn connect(&self) -> TcpStream {
            connect(self.address)
        }

        /// Fails if `serve_echo` has returned: it must run until shutdown is requested.
        #[track_caller]
        fn expect_running(&mut self, after: &str) {
            let thread = self.thread.as_ref().expect("the server thread");
            if thread.is_finished() {
                let result = self.thread.take().unwrap().join();
                panic!(
                    "serve_echo returned after {after}, with {result:?}; it must go on serving \
                     the other clients until shutdown is requested. An error on one \
                     connection (read, write or a reset) closes that connection only: \
                     handle it there instead of returning it with `?`"
                );
            }
        }
    }

    impl Drop for Echo {
        /// Asks the server to stop, without waiting: a stuck server must not hang the run.
        fn drop(&mut self) {
            self.shutdown.request();
        }
    }

    /// A new client, with timeouts so that a stuck server fails the test.
    #[track_caller]
    fn connect(address: SocketAddr) -> TcpStream {
        let stream = TcpStream::connect(address).unwrap_or_else(|error| {
            panic!(
                "could not connect to serve_echo ({error}): it has already returned or \
                 panicked. Is it still todo!()? (a panic's message is printed above)"
            )
        });
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        stream
    }

    /// Reads exactly `length` bytes of echo; `who` and `advice` make the failure say what
    /// to look at.
    #[track_caller]
    fn read_echo(stream: &mut TcpStream, length: usize, who: &str, advice: &str) -> Vec<u8> {
        let mut echoed = vec![0; length];
        let mut got = 0;
        while got < length {
            match stream.read(&mut echoed[got..]) {
                Ok(0) => panic!(
                    "{who}: the server closed the connection after echoing {got} of {length} \
                     bytes; it must echo everything and close only when the client does (or \
                     panicked: its message is printed above). {advice}"
                ),
                Ok(n) => got += n,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error)
                    if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    panic!(
                        "{who}: after {} s the server had echoed {got} of {length} bytes. {advice}",
                        PATIENCE.as_secs()
                    )
                }
                Err(error) => panic!(
                    "{who}: reading the echo failed after {got} of {length} bytes: {error}. \
                     Did the server drop the connection (or panic: see above)?"
                ),
            }
        }
        echoed
    }

    /// Sends `message` and expects it back, byte for byte.
    #[track_caller]
    fn round_trip(stream: &mut TcpStream, message: &str, who: &str, advice: &str) {
        stream.write_all(message.as_bytes()).unwrap_or_else(|error| {
            panic!("{who} could not send {message:?}: {error}. Did the server close it?")
        });
        let echoed = read_echo(stream, message.len(), who, advice);
        assert_eq!(text(&echoed), message, "{who}: the echo must be exactly the bytes sent");
    }

    /// The bytes a client sends when the test needs many: a pattern that shows misordering.
    fn pattern(length: usize, seed: usize) -> Vec<u8> {
        (0..length).map(|i| ((i * 31 + seed * 7) % 251) as u8).collect()
    }

    /// Where two byte strings first differ, for a message that does not print megabytes.
    fn first_difference(sent: &[u8], echoed: &[u8]) -> Option<String> {
        if sent == echoed {
            return None;
        }
        let shorter = sent.len().min(echoed.len());
        let at = sent.iter().zip(echoed).position(|(a, b)| a != b).unwrap_or(shorter);
        // Some bytes from there on, as text when they are text.
        let around = |bytes: &[u8]| {
            let part = &bytes[at.min(bytes.len())..(at + 24).min(bytes.len())];
            match std::str::from_utf8(part) {
                Ok(as_text) => format!("{as_text:?}"),
                Err(_) => format!("the bytes {part:?}"),
            }
        };
        Some(format!(
            "the echo differs from what was sent at byte {at} of {}: sent {}, echoed {}",
            sent.len(),
            around(sent),
            around(echoed)
        ))
    }

    const STUCK: &str = "Does the server wait on one client? Make every socket non-blocking, \
                         and only read or write a socket the poller reported ready.";

    #[test]
    fn readiness_echo_echoes_a_client() {
        let server = Echo::start();
        let mut client = server.connect();
        round_trip(&mut client, "hello\n", "the client", STUCK);
        round_trip(
            &mut client,
            "and again, on the same connection\n",
            "the client's second message",
            "Did you re-arm the connection with poller.modify after its first event?",
        );
    }

    #[test]
    fn readiness_echo_serves_everyone_while_one_client_is_idle() {
        let server = Echo::start();
        // Connected first, so a server that waits on it would make every other client wait.
        let mut idle = server.connect();
        let address = server.address;
        let clients: Vec<_> = (0..10)
            .map(|id| {
                thread::spawn(move || {
                    let mut stream = connect(address);
                    for round in 0..3 {
                        let who = format!("client {id} (while another client sat idle)");
                        let message = format!("client {id}, message {round}\n");
                        round_trip(&mut stream, &message, &who, STUCK);
                    }
                })
            })
            .collect();
        let started = Instant::now();
        for client in clients {
            if let Err(panic) = client.join() {
                std::panic::resume_unwind(panic);
            }
        }
        assert!(
            started.elapsed() < PATIENCE,
            "10 clients took {:?} to get 3 echoes each: {STUCK}",
            started.elapsed()
        );
        round_trip(
            &mut idle,
            "I was only thinking\n",
            "the idle client, once it speaks",
            "A quiet client is still a client: keep it registered.",
        );
    }

    #[test]
    fn readiness_echo_keeps_each_clients_bytes_in_order() {
        let server = Echo::start();
        let address = server.address;
        // Two clients at once, each with 400 small writes, so the server sees them
        // interleaved, in pieces, and must keep each connection's bytes to itself.
        let clients: Vec<_> = (0..2)
            .map(|id| {
                thread::spawn(move || {
                    let stream = connect(address);
                    stream.set_nodelay(true).unwrap();
                    let pieces: Vec<String> =
                        (0..400).map(|n| format!("[client {id}: piece {n}]")).collect();
                    let sent = pieces.concat().into_bytes();
                    let mut writer = stream.try_clone().unwrap();
                    let sender = thread::spawn(move || {
                        for piece in &pieces {
                            writer.write_all(piece.as_bytes()).expect("send a piece");
                        }
                    });
                    let mut reader = stream;
                    let who = format!("client {id} (400 small writes)");
                    let echoed = read_echo(&mut reader, sent.len(), &who, STUCK);
                    if sender.join().is_err() {
                        panic!("{who}: sending failed (see above); did the server close it?");
                    }
                    if let Some(difference) = first_difference(&sent, &echoed) {
                        panic!(
                            "{who}: {difference}. Each connection's bytes must come back to \
                             it, in the order they came: one buffer per connection, written \
                             before anything newer is read into it."
                        );
                    }
                })
            })
            .collect();
        for client in clients {
            if let Err(panic) = client.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }

    /// Everything the server sends until it closes; `advice` says what to do if it never does.
    #[track_caller]
    fn read_until_the_server_closes(stream: &mut TcpStream, who: &str, advice: &str) -> Vec<u8> {
        let mut received = Vec::new();
        let mut buffer = [0; 4096];
        loop {
            match stream.read(&mut buffer) {
                Ok(0) => return received,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) if error.kind() == ErrorKind::ConnectionReset => return received,
                Err(_) => panic!(
                    "{who}: the server kept the connection open for {} s (it had sent {:?}). \
                     {advice}",
                    PATIENCE.as_secs(),
                    text(&received)
                ),
            }
        }
    }

    #[test]
    fn readiness_echo_closes_when_the_client_does() {
        let server = Echo::start();
        for n in 0..20 {
            let mut client = server.connect();
            let message = format!("last words number {n}\n");
            client.write_all(message.as_bytes()).expect("send the last words");
            finish_sending(&client);
            let who = format!("client {n} of 20, which sent one line and closed its side");
            let answer = read_until_the_server_closes(
                &mut client,
                &who,
                "A read that returns 0 means the client is done: delete its socket from the \
                 poller and drop it.",
            );
            assert_eq!(
                text(&answer),
                message,
                "{who}: its echo, then the server closes the connection"
            );
        }
        let mut next = server.connect();
        round_trip(&mut next, "still there?\n", "a client after 20 that closed", STUCK);
    }

    #[test]
    fn readiness_echo_survives_a_client_that_resets() {
        let mut server = Echo::start();
        for n in 0..3 {
            let mut client = server.connect();
            client.write_all(b"goodbye, abruptly\n").expect("send");
            // Wait for the echo without reading it: closing with unread bytes makes the
            // client's system reset the connection, and the server's next read or write fails.
            let mut peeked = [0; 1];
            let who = format!("the client that will reset (number {n})");
            match client.peek(&mut peeked) {
                Ok(arrived) if arrived > 0 => {}
                Ok(_) => panic!(
                    "{who}: the server closed the connection without echoing (or panicked: \
                     its message is printed above)"
                ),
                Err(error) => {
                    panic!("{who}: no echo within {} s ({error}). {STUCK}", PATIENCE.as_secs())
                }
            }
            drop(client);
        }
        // Time for the server to meet the resets before the next client comes.
        thread::sleep(Duration::from_millis(200));
        server.expect_running("three clients reset their connections");
        let mut next = server.connect();
        round_trip(
            &mut next,
            "are you still there?\n",
            "a client after three resets",
            "A failed read or write closes that client only.",
        );
    }

    #[test]
    fn readiness_echo_does_not_wait_for_a_client_that_does_not_read() {
        const LENGTH: usize = 32 << 20;
        let mut server = Echo::start();
        // Client A sends 32 MiB and reads nothing for a while: far more than the sockets'
        // buffers hold, so the server's writes to A soon would block.
        let mut slow = server.connect();
        let sent = pattern(LENGTH, 1);
        let mut writer = slow.try_clone().unwrap();
        let to_send = sent.clone();
        let sender = thread::spawn(move || writer.write_all(&to_send));
        thread::sleep(Duration::from_millis(300));
        let mut quick = server.connect();
        round_trip(
            &mut quick,
            "me first\n",
            "client B, while client A was not reading its echo",
            "When a write would block (WouldBlock), keep the unsent bytes, re-arm the socket \
             for writable and serve the others: never loop on one socket until it takes them.",
        );
        let echoed = read_echo(
            &mut slow,
            LENGTH,
            "client A, which sent 32 MiB before reading",
            "Were bytes lost when a write would block? Keep what a write did not take, and send \
             it when the poller says the socket is writable.",
        );
        if let Some(difference) = first_difference(&sent, &echoed) {
            panic!("client A: {difference}");
        }
        match sender.join().unwrap() {
            Ok(()) => {}
            Err(error) => panic!("client A could not send all its bytes: {error}"),
        }
        server.expect_running("a client did not read its echo for a while");
    }

    #[test]
    fn readiness_echo_stops_when_asked() {
        let mut server = Echo::start();
        let mut idle = server.connect();
        let mut client = server.connect();
        round_trip(&mut client, "before the stop\n", "a client", STUCK);
        server.shutdown.request();
        let thread = server.thread.take().unwrap();
        let asked = Instant::now();
        while !thread.is_finished() && asked.elapsed() < PATIENCE {
            thread::sleep(Duration::from_millis(10));
        }
        assert!(
            thread.is_finished(),
            "serve_echo did not return within {} s of shutdown.request(): give poller.wait a \
             timeout, and check shutdown.is_requested() each time it returns",
            PATIENCE.as_secs()
        );
        match thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => panic!("serve_echo returned an error on shutdown: {error}"),
            Err(_) => panic!("serve_echo panicked (its message is printed above)"),
        }
        let left = read_until_the_server_closes(
            &mut idle,
            "a client still connected at the stop",
            "Before returning, delete every connection from the poller and drop it.",
        );
        assert_eq!(text(&left), "", "the idle client sent nothing, so it gets nothing back");
    }
}

mod deadline {
    use exercises::ch6::deadline::{Deadline, Timeouts, Verdict};
    use pretty_assertions::assert_eq;
    use std::time::{Duration, Instant};

    /// Two clocks of different lengths, so that using one for the other shows.
    const TIMEOUTS: Timeouts =
        Timeouts { idle: Duration::from_secs(5), head: Duration::from_secs(10) };

    fn seconds(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn deadline_counts_the_first_head_from_the_connection_start() {
        let start = Instant::now();
        let first = Deadline::for_new_connection(start, TIMEOUTS);
        assert_eq!(
            first,
            Deadline::Head(start + seconds(10)),
            "a new connection owes its first head within the head timeout, from its start"
        );
        assert_eq!(
            first.rearm(0, start + seconds(3), TIMEOUTS),
            first,
            "woken with nothing to read, a new connection keeps its clock: a wake-up is not a \
             request"
        );
        assert_eq!(
            first.rearm(4, start + seconds(3), TIMEOUTS),
            first,
            "the first bytes of the first head do not restart the clock that runs from the start"
        );
    }

    #[test]
    fn deadline_waits_idle_between_requests() {
        let now = Instant::now() + seconds(60);
        assert_eq!(
            Deadline::None.rearm(0, now, TIMEOUTS),
            Deadline::Idle(now + seconds(5)),
            "after a request, with nothing of the next one, the connection is idle from now"
        );
        assert_eq!(
            Deadline::Idle(now - seconds(1)).rearm(0, now, TIMEOUTS),
            Deadline::Idle(now + seconds(5)),
            "with nothing of a head, anything but a Head deadline becomes Idle from now"
        );
    }

    #[test]
    fn deadline_starts_the_head_clock_at_the_first_byte() {
        let now = Instant::now() + seconds(60);
        assert_eq!(
            Deadline::None.rearm(1, now, TIMEOUTS),
            Deadline::Head(now + seconds(10)),
            "part of the next head came with the last request: its clock starts now"
        );
        assert_eq!(
            Deadline::Idle(now + seconds(2)).rearm(7, now, TIMEOUTS),
            Deadline::Head(now + seconds(10)),
            "an idle connection whose next head begins: the head clock starts now"
        );
    }

    #[test]
    fn deadline_does_not_let_a_trickle_extend_the_head() {
        // A slow client: the first byte of a head, then one more every second, for ever.
        let start = Instant::now();
        let mut deadline = Deadline::None.rearm(1, start, TIMEOUTS);
        for second in 1..=20 {
            let now = start + seconds(second);
            deadline = deadline.rearm(1 + second as usize, now, TIMEOUTS);
            assert_eq!(
                deadline,
                Deadline::Head(start + seconds(10)),
                "after {second} s of a head sent a byte a second: a head's deadline is fixed \
                 at its first byte, or this client would hold its connection for ever"
            );
        }
        assert_eq!(
            deadline.verdict(21, false, start + seconds(10)),
            Verdict::RequestTimeout,
            "ten seconds after the first byte, the head is late: 408"
        );
    }

    #[test]
    fn deadline_verdict_once_the_deadline_has_come() {
        let due = Instant::now() + seconds(60);
        let cases = [
            (Deadline::Idle(due), 0, due + seconds(1), Verdict::Close, "idle too long"),
            (Deadline::Idle(due), 0, due, Verdict::Close, "idle, exactly at the deadline"),
            (Deadline::Head(due), 12, due + seconds(1), Verdict::RequestTimeout, "half a head"),
            (Deadline::Head(due), 1, due, Verdict::RequestTimeout, "one byte, at the deadline"),
            (Deadline::Head(due), 0, due + seconds(1), Verdict::Close, "a first head never begun"),
        ];
        for (deadline, unread, now, expected, case) in cases {
            assert_eq!(
                deadline.verdict(unread, false, now),
                expected,
                "{case}: {deadline:?} with {unread} unread bytes, {:?} after the deadline \
                 (408 only when part of a request came)",
                now - due
            );
        }
    }

    #[test]
    fn deadline_verdict_keeps_what_is_not_late() {
        let due = Instant::now() + seconds(60);
        let cases = [
            (Deadline::Idle(due), 0, false, due - seconds(1), "idle, one second left"),
            (Deadline::Head(due), 5, false, due - seconds(1), "a head, one second left"),
            (Deadline::Idle(due), 0, true, due + seconds(1), "late, but bytes wait to be read"),
            (Deadline::Head(due), 5, true, due + seconds(1), "late, but bytes wait to be read"),
            (Deadline::None, 0, false, due + seconds(3600), "no clock runs"),
            (Deadline::None, 9, false, due + seconds(3600), "no clock runs"),
        ];
        for (deadline, unread, waiting, now, case) in cases {
            assert_eq!(
                deadline.verdict(unread, waiting, now),
                Verdict::Keep,
                "{case}: {deadline:?} with {unread} unread bytes, bytes waiting in the \
                 kernel: {waiting}"
            );
        }
    }
}
