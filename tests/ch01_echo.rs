//! Chapter 1: the echo server, over real loopback sockets.

mod common;

use std::io::{Read, Write};

use common::{Binary, TestServer, connect, finish_sending, read_until_closed, run_to_end};
use pretty_assertions::assert_eq;
use socket_to_wsgi::echo;
use socket_to_wsgi::server::serve_one_at_a_time;

fn echo_server() -> TestServer {
    TestServer::start(|listener, shutdown| serve_one_at_a_time(listener, &shutdown, echo::handle))
}

#[test]
fn every_byte_value_comes_back() {
    let server = echo_server();
    let sent: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let mut stream = connect(server.address);
    // Write from another thread: the server echoes as it reads, and if we only read after
    // writing everything, both sides' buffers could fill up and wait on each other.
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        let sent = sent.clone();
        std::thread::spawn(move || {
            stream.write_all(&sent).unwrap();
            finish_sending(&stream);
        })
    };
    let received = read_until_closed(&mut stream);
    writer.join().unwrap();
    assert_eq!(received.len(), sent.len());
    assert!(received == sent, "the echoed bytes differ from the bytes sent");
}

#[test]
fn many_small_writes_are_echoed_in_order() {
    let server = echo_server();
    let mut stream = connect(server.address);
    let mut expected = Vec::new();
    for i in 0..500u32 {
        let piece = format!("{i},");
        stream.write_all(piece.as_bytes()).unwrap();
        expected.extend_from_slice(piece.as_bytes());
    }
    finish_sending(&stream);
    assert_eq!(
        String::from_utf8(read_until_closed(&mut stream)).unwrap(),
        String::from_utf8(expected).unwrap()
    );
}

#[test]
fn a_half_closed_client_still_gets_its_echo_and_then_end_of_stream() {
    let server = echo_server();
    let mut stream = connect(server.address);
    stream.write_all(b"last words").unwrap();
    finish_sending(&stream);
    let mut received = Vec::new();
    // read_to_end returns only because the server closes its side after our EOF.
    stream.read_to_end(&mut received).unwrap();
    assert_eq!(received, b"last words");
}

#[test]
fn clients_that_connect_and_leave_do_not_hurt_the_next() {
    let server = echo_server();
    for _ in 0..20 {
        drop(connect(server.address));
    }
    // One at a time: if the server spun on a departed client's EOF, this would never answer.
    let mut stream = connect(server.address);
    stream.write_all(b"still here?").unwrap();
    finish_sending(&stream);
    assert_eq!(read_until_closed(&mut stream), b"still here?");
}

#[test]
fn the_binary_prints_its_address_first_and_echoes() {
    let binary = Binary::start(env!("CARGO_BIN_EXE_01-echo"), &[]);
    assert_eq!(binary.first_line, format!("listening on http://{}/\n", binary.address));
    let mut stream = connect(binary.address);
    stream.write_all("你好, echo".as_bytes()).unwrap();
    finish_sending(&stream);
    assert_eq!(String::from_utf8(read_until_closed(&mut stream)).unwrap(), "你好, echo");
}

#[test]
fn the_binary_explains_itself_and_its_mistakes() {
    let (code, stdout, _) = run_to_end(env!("CARGO_BIN_EXE_01-echo"), &["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("--host") && stdout.contains("--port"), "{stdout}");
    let (code, _, stderr) = run_to_end(env!("CARGO_BIN_EXE_01-echo"), &["--prot", "1"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown option `--prot`"), "{stderr}");
}
