//! Chapter 1's exercises, checked over real loopback connections. Run them with
//! `cargo exercise 1`; one exercise alone with `cargo exercise 1 line_echo`.

mod support;

use std::net::TcpStream;
use std::panic::{AssertUnwindSafe, catch_unwind};

use socket_to_wsgi::http::close_gracefully;
use support::{NO_ANSWER, Server, connect, expect_some_answer, finish_sending, talk, text};

/// A server whose connections are handled by `handle`, the exercise's function. The
/// connection is closed afterwards as chapter 1's `echo::handle` does, so the client sees the
/// end of the answer.
fn server(handle: fn(&mut TcpStream)) -> Server {
    Server::pooled(move |mut stream| {
        handle(&mut stream);
        close_gracefully(&stream);
    })
}

mod uppercase_echo {
    use super::*;
    use exercises::ch1::uppercase_echo::uppercase_echo;
    use pretty_assertions::assert_eq;

    #[test]
    fn uppercase_echo_changes_ascii_letters_only() {
        let server = server(|stream| {
            uppercase_echo(stream).unwrap();
        });
        let received = talk(server.address, &[b"hello, ", "World 你好!\n".as_bytes()]);
        expect_some_answer(&received);
        assert_eq!(text(&received), "HELLO, WORLD 你好!\n");
    }

    #[test]
    fn uppercase_echo_keeps_bytes_that_are_not_text() {
        // Not UTF-8 at all: a server that turns what it reads into a String loses these.
        let server = server(|stream| {
            uppercase_echo(stream).unwrap();
        });
        let received = talk(server.address, &[b"a\xff\xfeb"]);
        expect_some_answer(&received);
        assert_eq!(
            received, b"A\xff\xfeB",
            "every byte that is not an ASCII letter goes back as it came"
        );
    }

    #[test]
    fn uppercase_echo_returns_the_number_of_bytes() {
        let (sender, receiver) = std::sync::mpsc::channel();
        let server = Server::pooled(move |mut stream| {
            // A panic (the stub's todo!()) must reach the test as an answer, not as silence.
            let counted = catch_unwind(AssertUnwindSafe(|| uppercase_echo(&mut stream)));
            close_gracefully(&stream);
            let _ = sender.send(match counted {
                Ok(result) => result.map_err(|error| error.to_string()),
                Err(_) => Err(format!("uppercase_echo panicked. {NO_ANSWER}")),
            });
        });
        talk(server.address, &[b"abc", "é".as_bytes()]);
        let counted = receiver.recv_timeout(support::PATIENCE).expect(NO_ANSWER);
        assert_eq!(counted, Ok(5), "abc is 3 bytes and é is 2 (in UTF-8)");
    }
}

mod byte_counter {
    use super::*;
    use exercises::ch1::byte_counter::byte_counter;
    use pretty_assertions::assert_eq;

    #[test]
    fn byte_counter_echoes_then_reports_the_total() {
        let server = server(|stream| {
            byte_counter(stream).unwrap();
        });
        let received = talk(server.address, &[b"abc", "你好".as_bytes()]);
        expect_some_answer(&received);
        assert_eq!(
            text(&received),
            "abc你好you sent 9 bytes\n",
            "the echo, then the total once the client has finished sending (你好 is 6 bytes)"
        );
    }

    #[test]
    fn byte_counter_reports_zero_for_a_silent_client() {
        let server = server(|stream| {
            byte_counter(stream).unwrap();
        });
        let received = talk(server.address, &[]);
        expect_some_answer(&received);
        assert_eq!(text(&received), "you sent 0 bytes\n");
    }

    #[test]
    fn byte_counter_answers_while_the_client_is_still_connected() {
        // The echo must not wait for the end: a client sees its bytes while it types.
        let server = server(|stream| {
            byte_counter(stream).unwrap();
        });
        let mut stream = connect(server.address);
        std::io::Write::write_all(&mut stream, b"ping").unwrap();
        let mut first = [0; 4];
        let echoed = std::io::Read::read_exact(&mut stream, &mut first);
        assert!(
            echoed.is_ok(),
            "no echo of `ping` before the client closed its side ({echoed:?}); {NO_ANSWER}"
        );
        assert_eq!(&first, b"ping");
        finish_sending(&stream);
        assert_eq!(text(&support::read_until_closed(&stream)), "you sent 4 bytes\n");
    }
}

mod line_echo {
    use super::*;
    use exercises::ch1::line_echo::line_echo;
    use pretty_assertions::assert_eq;

    fn line_server() -> Server {
        server(|stream| {
            let _ = line_echo(stream);
        })
    }

    #[test]
    fn line_echo_sends_lines_back_however_they_were_split() {
        let server = line_server();
        let received = talk(server.address, &[b"hel", b"lo\nwor", b"ld\n"]);
        expect_some_answer(&received);
        assert_eq!(text(&received), "hello\nworld\n");
    }

    #[test]
    fn line_echo_says_bye_and_stops_at_quit() {
        let server = line_server();
        let received = talk(server.address, &[b"one\nquit\nnot echoed\n"]);
        expect_some_answer(&received);
        assert_eq!(text(&received), "one\nbye\n", "`quit` gets `bye`; nothing after it is echoed");
    }

    #[test]
    fn line_echo_accepts_quit_with_a_carriage_return() {
        let server = line_server();
        let received = talk(server.address, &[b"quit\r\n"]);
        expect_some_answer(&received);
        assert_eq!(text(&received), "bye\n", "telnet ends lines with \\r\\n");
    }

    #[test]
    fn line_echo_closes_after_quit_without_waiting_for_the_client() {
        let server = line_server();
        let stream = connect(server.address);
        std::io::Write::write_all(&mut &stream, b"quit\n").unwrap();
        // Our side stays open: only the server can end this conversation.
        let received = support::read_until_closed(&stream);
        expect_some_answer(&received);
        assert_eq!(text(&received), "bye\n");
    }

    #[test]
    fn line_echo_echoes_an_unfinished_last_line() {
        let server = line_server();
        let received = talk(server.address, &[b"first\nlast, with no newline"]);
        expect_some_answer(&received);
        assert_eq!(text(&received), "first\nlast, with no newline");
    }

    #[test]
    fn line_echo_is_not_fooled_by_quit_inside_a_line() {
        let server = line_server();
        let received = talk(server.address, &[b"quite\nquit now\n"]);
        expect_some_answer(&received);
        assert_eq!(
            text(&received),
            "quite\nquit now\n",
            "only a line that is exactly `quit` stops"
        );
    }
}
