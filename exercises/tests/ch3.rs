//! Chapter 3's exercises, over real loopback connections. Run them with `cargo exercise 3`;
//! one exercise alone with `cargo exercise 3 busy_503`.

mod support;

use std::io::Write;
use std::num::NonZeroUsize;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use socket_to_wsgi::http::{Config, Response, Status, respond};
use support::{NO_ANSWER, PATIENCE, Reply, Server, connect, get, read_until_closed};

mod visit_counter {
    use super::*;
    use exercises::ch3::visit_counter::VisitCounter;
    use pretty_assertions::assert_eq;

    #[test]
    fn visit_counter_numbers_visitors_from_one() {
        let counter = VisitCounter::default();
        let for_server = counter.clone();
        let server = Server::pooled(move |stream| {
            respond(stream, |request| for_server.handle(request), &Config::default())
        });
        assert_eq!(get(server.address, "/").text(), "you are visitor number 1\n");
        assert_eq!(get(server.address, "/again").text(), "you are visitor number 2\n");
        assert_eq!(
            counter.visits(),
            2,
            "the clone kept by the test sees the visits the server's clone counted: clones \
             must share one count"
        );
    }

    #[test]
    fn visit_counter_never_gives_two_visitors_one_number() {
        const VISITORS: usize = 40;
        let counter = VisitCounter::default();
        let for_server = counter.clone();
        let server = Server::start(move |listener, shutdown| {
            let pool = socket_to_wsgi::pool::ThreadPool::new(NonZeroUsize::new(8).unwrap());
            socket_to_wsgi::server::serve_pooled(listener, &shutdown, pool, move |stream| {
                respond(stream, |request| for_server.handle(request), &Config::default())
            });
        });
        let address = server.address;
        let clients: Vec<_> =
            (0..VISITORS).map(|_| thread::spawn(move || get(address, "/").text())).collect();
        let mut numbers: Vec<usize> = clients
            .into_iter()
            .map(|client| {
                let text = client.join().expect("a client failed; see its message above");
                text.trim()
                    .strip_prefix("you are visitor number ")
                    .and_then(|number| number.parse().ok())
                    .unwrap_or_else(|| panic!("unexpected answer {text:?}"))
            })
            .collect();
        numbers.sort();
        assert_eq!(
            numbers,
            (1..=VISITORS).collect::<Vec<_>>(),
            "{VISITORS} visitors served on 8 threads at once must get the numbers 1 to \
             {VISITORS}, each exactly once"
        );
        assert_eq!(counter.visits(), VISITORS);
    }
}

mod pool_build {
    use super::*;
    use exercises::ch3::pool_build::{PoolCreationError, ThreadPool};
    use pretty_assertions::assert_eq;
    use socket_to_wsgi::server::connections;
    use std::sync::Barrier;

    #[test]
    fn pool_build_refuses_zero_threads() {
        match ThreadPool::build(0) {
            Err(error) => assert_eq!(error, PoolCreationError),
            Ok(_) => panic!("ThreadPool::build(0) must return Err(PoolCreationError)"),
        }
    }

    #[test]
    fn pool_build_starts_the_threads_asked_for() {
        let pool = ThreadPool::build(3).expect("3 threads is a fine pool");
        assert_eq!(pool.size(), 3, "size() is the number of workers build started");
    }

    #[test]
    fn pool_build_runs_jobs_at_the_same_time() {
        // Three jobs that wait for each other: they can only finish if three workers run
        // them at once. A worker that keeps the channel's lock while its job runs fails this.
        let pool = ThreadPool::build(3).expect("3 threads is a fine pool");
        let barrier = Arc::new(Barrier::new(3));
        let (done, finished) = mpsc::channel();
        for _ in 0..3 {
            let (barrier, done) = (Arc::clone(&barrier), done.clone());
            pool.execute(move || {
                barrier.wait();
                let _ = done.send(());
            });
        }
        for _ in 0..3 {
            finished.recv_timeout(PATIENCE).expect(
                "three jobs that wait for each other never finished: do the workers run \
                 jobs at the same time? (is the lock released before the job runs?)",
            );
        }
        // Not dropped: a pool stuck in this test must not hang the test run.
        std::mem::forget(pool);
    }

    #[test]
    fn pool_build_finishes_queued_jobs_before_it_is_dropped() {
        let pool = ThreadPool::build(2).expect("2 threads is a fine pool");
        let done = Arc::new(Mutex::new(0));
        for _ in 0..20 {
            let done = Arc::clone(&done);
            pool.execute(move || *done.lock().unwrap() += 1);
        }
        drop(pool);
        assert_eq!(*done.lock().unwrap(), 20, "dropping the pool runs every queued job first");
    }

    #[test]
    fn pool_build_serves_connections() {
        let server = Server::start(|listener, shutdown| {
            let pool = ThreadPool::build(2).expect("2 threads is a fine pool");
            for stream in connections(&listener, &shutdown) {
                pool.execute(move || {
                    respond(stream, |_| Response::text(Status::OK, "pooled\n"), &Config::default())
                });
            }
        });
        for _ in 0..5 {
            assert_eq!(get(server.address, "/").text(), "pooled\n");
        }
    }
}

mod busy_503 {
    use super::*;
    use exercises::ch3::busy_503::serve_or_refuse;
    use pretty_assertions::assert_eq;

    /// A server whose requests each wait until the test releases them. Returns the server,
    /// a receiver that gets a message when a request starts, and the release lever.
    fn held_server(workers: usize, queue: usize) -> (Server, mpsc::Receiver<()>, mpsc::Sender<()>) {
        let (started, on_start) = mpsc::channel::<()>();
        let (release, released) = mpsc::channel::<()>();
        let started = Mutex::new(started);
        let released = Arc::new(Mutex::new(released));
        let server = Server::start(move |listener, shutdown| {
            let workers = NonZeroUsize::new(workers).unwrap();
            serve_or_refuse(listener, &shutdown, workers, queue, move |stream| {
                let handler = |_: &_| {
                    let _ = started.lock().unwrap().send(());
                    let _ = released.lock().unwrap().recv_timeout(PATIENCE);
                    Response::text(Status::OK, "done\n")
                };
                respond(stream, handler, &Config::default())
            });
        });
        (server, on_start, release)
    }

    /// Sends a request and returns the connection, to read the answer later.
    fn send_request(server: &Server) -> std::net::TcpStream {
        let mut stream = connect(server.address);
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        stream
    }

    fn wait_for_start(on_start: &mpsc::Receiver<()>) {
        on_start
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("no worker started the first request: {NO_ANSWER}"));
    }

    #[test]
    fn busy_503_refuses_when_workers_and_queue_are_full() {
        let (server, on_start, release) = held_server(1, 1);
        let first = send_request(&server);
        wait_for_start(&on_start); // the only worker is busy with it
        let second = send_request(&server); // waits in the queue (room for 1)
        let third = send_request(&server); // no room left
        let refused = Reply::parse(&read_until_closed(&third));
        assert_eq!(
            refused.status(),
            503,
            "one worker busy and one connection queued: the third gets 503 at once"
        );
        assert_eq!(refused.header("Retry-After"), Some("1"));
        release.send(()).unwrap();
        release.send(()).unwrap();
        for (which, stream) in [("first", first), ("queued second", second)] {
            let reply = Reply::parse(&read_until_closed(&stream));
            assert_eq!(
                (reply.status(), reply.text()),
                (200, "done\n".to_string()),
                "the {which} request is served once the worker is free"
            );
        }
    }

    #[test]
    fn busy_503_counts_every_worker_before_refusing() {
        let (server, on_start, release) = held_server(2, 1);
        let first = send_request(&server);
        wait_for_start(&on_start);
        let second = send_request(&server);
        wait_for_start(&on_start); // both workers are busy now
        let third = send_request(&server); // waits in the queue
        let fourth = send_request(&server);
        assert_eq!(
            Reply::parse(&read_until_closed(&fourth)).status(),
            503,
            "two workers busy and one connection queued: the fourth gets 503"
        );
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for stream in [first, second, third] {
            assert_eq!(Reply::parse(&read_until_closed(&stream)).status(), 200);
        }
        // The queue is empty again: the next request is served, not refused.
        release.send(()).unwrap();
        assert_eq!(get(server.address, "/").status(), 200, "with room in the queue, no 503");
    }

    #[test]
    fn busy_503_answers_at_once_without_lingering() {
        // Refused clients that send their request and then neither read nor close. A refusal
        // that lingers (`close_gracefully`) waits on each of them for half a second, on the
        // accept loop: 15 s for these 30. A refusal that does not linger takes a few
        // milliseconds for all of them.
        const SILENT: usize = 30;
        const BOUND: Duration = Duration::from_secs(5);
        let (server, on_start, release) = held_server(1, 1);
        let first = send_request(&server);
        wait_for_start(&on_start); // the only worker is busy
        let second = send_request(&server); // the queue is full
        let silent: Vec<_> = (0..SILENT).map(|_| send_request(&server)).collect();
        let started = Instant::now();
        let next = send_request(&server);
        let (reply, replied) = mpsc::channel();
        thread::spawn(move || {
            let _ = reply.send(read_until_closed(&next));
        });
        let answer = replied.recv_timeout(BOUND).unwrap_or_else(|_| {
            panic!(
                "after {SILENT} refused clients that neither read nor close, the next client \
                 had no answer within {} s: does the refusal linger on the accept loop \
                 (close_gracefully) instead of closing at once?",
                BOUND.as_secs()
            )
        });
        assert_eq!(
            Reply::parse(&answer).status(),
            503,
            "the next client is refused too, at once (answered in {:?})",
            started.elapsed()
        );
        drop(silent);
        release.send(()).unwrap();
        release.send(()).unwrap();
        for stream in [first, second] {
            assert_eq!(Reply::parse(&read_until_closed(&stream)).status(), 200);
        }
    }
}
