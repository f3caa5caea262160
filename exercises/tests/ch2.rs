//! Chapter 2's exercises. Run them with `cargo exercise 2`; one exercise alone with
//! `cargo exercise 2 router`.

mod support;

use std::time::{Duration, SystemTime};

use socket_to_wsgi::http::{Clock, Config, Request, Response, Status, respond};
use support::{Server, get, http};

/// 2020-11-21 19:00:00 UTC, near the date the article's listing hard-codes.
fn fixed_clock() -> Clock {
    Clock::Fixed(SystemTime::UNIX_EPOCH + Duration::from_secs(1_605_985_200))
}

mod write_response {
    use super::*;
    use exercises::ch2::write_response::write_response;
    use pretty_assertions::assert_eq;
    use socket_to_wsgi::http::{Limits, close_gracefully, read_request};
    use std::io::BufReader;

    fn written(status: Status, content_type: &str, body: &str) -> String {
        let mut out = Vec::new();
        write_response(&mut out, status, content_type, body, fixed_clock()).unwrap();
        String::from_utf8(out).expect("the response is the UTF-8 text it was given")
    }

    #[test]
    fn write_response_writes_every_line_in_order() {
        assert_eq!(
            written(Status::OK, "text/plain; charset=utf-8", "hello\n"),
            "HTTP/1.1 200 OK\r\n\
             Date: Sat, 21 Nov 2020 19:00:00 GMT\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Length: 6\r\n\
             Connection: close\r\n\
             \r\n\
             hello\n"
        );
    }

    #[test]
    fn write_response_counts_bytes_not_characters() {
        let response = written(Status::NOT_FOUND, "text/html; charset=utf-8", "<p>你好</p>");
        assert!(
            response.contains("\r\nContent-Length: 13\r\n"),
            "<p>你好</p> is 9 characters but 13 bytes, and Content-Length counts bytes; got:\n{response}"
        );
        assert!(response.starts_with("HTTP/1.1 404 Not Found\r\n"), "got:\n{response}");
    }

    #[test]
    fn write_response_is_read_whole_by_a_client() {
        let server = Server::pooled(|stream| {
            let request = read_request(&mut BufReader::new(&stream), &Limits::default());
            if let Ok(Some(_)) = request {
                let body = "你好，世界！\n";
                let _ = write_response(
                    &mut &stream,
                    Status::OK,
                    "text/plain; charset=utf-8",
                    body,
                    fixed_clock(),
                );
            }
            close_gracefully(&stream);
        });
        let reply = get(server.address, "/");
        assert_eq!(reply.status(), 200);
        assert_eq!(reply.header("Content-Length"), Some(reply.body.len().to_string().as_str()));
        assert_eq!(reply.text(), "你好，世界！\n");
    }
}

mod header_map {
    use exercises::ch2::header_map::HeaderMap;
    use pretty_assertions::assert_eq;

    #[test]
    fn header_map_finds_names_in_any_case() {
        let map = HeaderMap::parse("Host: example.com\r\nContent-Type: text/plain\r\n").unwrap();
        assert_eq!(map.get("Host"), Some("example.com"));
        assert_eq!(map.get("host"), Some("example.com"), "names ignore case (RFC 9110 §5.1)");
        assert_eq!(map.get("CONTENT-type"), Some("text/plain"));
        assert_eq!(map.get("Accept"), None, "a field that was not sent");
    }

    #[test]
    fn header_map_trims_values() {
        let map = HeaderMap::parse("X-Padded: \t  a  b \t\r\nX-Empty:\r\n").unwrap();
        assert_eq!(map.get("x-padded"), Some("a  b"), "spaces and tabs around the value go");
        assert_eq!(map.get("x-empty"), Some(""), "an empty value is still a value");
    }

    #[test]
    fn header_map_joins_repeated_fields() {
        let map =
            HeaderMap::parse("Accept: text/html\r\nHost: x\r\naccept: */*\r\nACCEPT: a/b\r\n")
                .unwrap();
        assert_eq!(
            map.get("Accept"),
            Some("text/html, */*, a/b"),
            "every value, in order, joined with \", \" (RFC 9110 §5.3)"
        );
    }

    #[test]
    fn header_map_refuses_broken_lines() {
        for broken in ["Host example.com\r\n", "Host : example.com\r\n", ": no name\r\n"] {
            assert!(
                HeaderMap::parse(broken).is_err(),
                "{broken:?} is not a header line; parse must return Err"
            );
        }
        let colon_in_value = HeaderMap::parse("Host: example.com:8888\r\n").unwrap();
        assert_eq!(
            colon_in_value.get("host"),
            Some("example.com:8888"),
            "split at the first colon"
        );
    }
}

mod router {
    use super::*;
    use exercises::ch2::router::Router;
    use pretty_assertions::assert_eq;
    use std::sync::Arc;

    fn home(_request: &Request) -> Response {
        Response::text(Status::OK, "home\n")
    }

    fn hello(request: &Request) -> Response {
        Response::text(Status::OK, format!("hello from {}\n", request.target))
    }

    fn created(_request: &Request) -> Response {
        Response::text(Status { code: 201, reason: "Created" }, "made it\n")
    }

    fn site() -> Server {
        let router = Arc::new(
            Router::new()
                .route("GET", "/", home)
                .route("GET", "/hello", hello)
                .route("PUT", "/hello", created)
                .route("DELETE", "/hello", created),
        );
        Server::pooled(move |stream| {
            respond(stream, |request| router.handle(request), &Config::default())
        })
    }

    #[test]
    fn router_runs_the_matching_route() {
        let server = site();
        let reply = get(server.address, "/");
        assert_eq!((reply.status(), reply.text()), (200, "home\n".to_string()));
        let reply = get(server.address, "/hello?who=you");
        assert_eq!(
            (reply.status(), reply.text()),
            (200, "hello from /hello?who=you\n".to_string()),
            "the query is not part of the path the route matches"
        );
        let reply = http(server.address, "PUT /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!((reply.status(), reply.text()), (201, "made it\n".to_string()));
    }

    #[test]
    fn router_answers_404_for_an_unknown_path() {
        let server = site();
        let reply = get(server.address, "/nowhere?x=1");
        assert_eq!(reply.status(), 404, "no route has this path");
        assert!(
            reply.text().contains("/nowhere"),
            "the 404 page names the path: {:?}",
            reply.text()
        );
        assert_eq!(get(server.address, "/hello/").status(), 404, "paths match exactly");
    }

    #[test]
    fn router_answers_405_with_allow() {
        let server = site();
        let reply = http(server.address, "POST /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(reply.status(), 405, "/hello exists, but not for POST");
        assert_eq!(
            reply.header("Allow"),
            Some("GET, PUT, DELETE"),
            "Allow lists the methods /hello has, in the order they were added"
        );
        let reply = http(server.address, "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!((reply.status(), reply.header("Allow")), (405, Some("GET")));
    }
}
