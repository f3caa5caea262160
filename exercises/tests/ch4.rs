//! Chapter 4's exercises: applications called directly (as the article's section 03 does)
//! and served over loopback by the library's `Gateway`. Run them with `cargo exercise 4`;
//! one exercise alone with `cargo exercise 4 form_echo`.

mod support;

use socket_to_wsgi::http::Config;
use socket_to_wsgi::wsgi::{Application, Environ, Gateway, StartResponse};
use support::{Reply, Server, get, http};

/// What an application answered when called with no server at all.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn call(app: &impl Application, mut environ: Environ<'_>) -> Answer {
    let mut start_response = StartResponse::default();
    let body: Vec<u8> = app.invoke(&mut environ, &mut start_response).flatten().collect();
    Answer {
        status: start_response.status().unwrap_or("(start_response was not called)").to_string(),
        headers: start_response.headers().to_vec(),
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    answer
        .headers
        .iter()
        .find(|(field, _)| field.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Serves `app` through the library's gateway on a pool.
fn serve(app: impl Application) -> Server {
    let gateway = Gateway::new(app, Config::default()).multithreaded(true);
    Server::pooled(move |stream| gateway.handle(stream))
}

const TEXT: &str = "text/plain; charset=utf-8";

mod greeting {
    use super::*;
    use exercises::ch4::greeting::greeting;
    use pretty_assertions::assert_eq;

    #[test]
    fn greeting_greets_by_name() {
        let answer = call(&greeting, Environ::for_request("GET", "/?name=Ada"));
        assert_eq!(answer.status, "200 OK");
        assert_eq!(header(&answer, "Content-Type"), Some(TEXT));
        assert_eq!(answer.body, "Hello, Ada!\n");
    }

    #[test]
    fn greeting_greets_the_world_without_a_name() {
        for target in ["/", "/?name=", "/elsewhere?other=1"] {
            let answer = call(&greeting, Environ::for_request("GET", target));
            assert_eq!(answer.body, "Hello, world!\n", "for {target}");
        }
    }

    #[test]
    fn greeting_decodes_the_name() {
        let answer =
            call(&greeting, Environ::for_request("GET", "/?x=1&name=%E4%BD%A0%E5%A5%BD+Ada%2B"));
        assert_eq!(
            answer.body, "Hello, 你好 Ada+!\n",
            "%E4%BD%A0%E5%A5%BD is the UTF-8 of 你好, + is a space, %2B is a plus"
        );
    }

    #[test]
    fn greeting_is_served_by_the_gateway() {
        let server = serve(greeting);
        let reply = get(server.address, "/?name=Grace+Hopper");
        assert_eq!((reply.status(), reply.text()), (200, "Hello, Grace Hopper!\n".to_string()));
    }
}

mod form_echo {
    use super::*;
    use exercises::ch4::form_echo::form_echo;
    use pretty_assertions::assert_eq;

    const FORM: &str = "application/x-www-form-urlencoded";

    fn post(body: &str, content_type: &str) -> Environ<'static> {
        let mut environ = Environ::for_request("POST", "/form").with_body(body);
        environ.set("CONTENT_TYPE", content_type);
        environ
    }

    #[test]
    fn form_echo_lists_the_fields_in_order() {
        let answer = call(&form_echo, post("name=Ada&lang=Rust", FORM));
        assert_eq!(answer.status, "200 OK");
        assert_eq!(header(&answer, "Content-Type"), Some(TEXT));
        assert_eq!(answer.body, "name = Ada\nlang = Rust\n");
    }

    #[test]
    fn form_echo_decodes_names_and_values() {
        let answer = call(
            &form_echo,
            post("full+name=Ada+Lovelace&city=%E4%BC%A6%E6%95%A6&sum=1%2B1&flag&&x=", FORM),
        );
        assert_eq!(
            answer.body, "full name = Ada Lovelace\ncity = 伦敦\nsum = 1+1\nflag = \nx = \n",
            "+ is a space, %XX a byte; `flag` has no `=` so its value is empty; the empty \
             field between && is skipped"
        );
    }

    #[test]
    fn form_echo_accepts_a_charset_parameter() {
        let answer =
            call(&form_echo, post("a=1", "application/x-www-form-urlencoded; charset=utf-8"));
        assert_eq!((answer.status.as_str(), answer.body.as_str()), ("200 OK", "a = 1\n"));
    }

    #[test]
    fn form_echo_refuses_other_methods_and_types() {
        let answer = call(&form_echo, Environ::for_request("GET", "/form"));
        assert_eq!(answer.status, "405 Method Not Allowed");
        assert_eq!(header(&answer, "Allow"), Some("POST"));
        let answer = call(&form_echo, post("{\"a\": 1}", "application/json"));
        assert_eq!(answer.status, "415 Unsupported Media Type");
    }

    #[test]
    fn form_echo_reads_the_body_from_the_connection() {
        let server = serve(form_echo);
        let body = "greeting=%E4%BD%A0%E5%A5%BD&to=the+world";
        let reply = http(
            server.address,
            &format!(
                "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        );
        assert_eq!(reply.status(), 200);
        assert_eq!(reply.text(), "greeting = 你好\nto = the world\n");
    }
}

mod add_header {
    use super::*;
    use exercises::ch4::add_header::AddHeader;
    use pretty_assertions::assert_eq;
    use socket_to_wsgi::wsgi::{Body, demo::demo_app};

    fn plain(_: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        start_response.call("200 OK", [("Content-Type", TEXT), ("Server", "inner")]);
        Body::from_chunks(["one ", "two\n"].map(|chunk| chunk.as_bytes().to_vec()))
    }

    #[test]
    fn add_header_adds_after_the_applications_headers() {
        let app = AddHeader::new(plain, "X-Powered-By", "Rust");
        let answer = call(&app, Environ::for_request("GET", "/"));
        assert_eq!(
            answer,
            Answer {
                status: "200 OK".to_string(),
                headers: vec![
                    ("Content-Type".to_string(), TEXT.to_string()),
                    ("Server".to_string(), "inner".to_string()),
                    ("X-Powered-By".to_string(), "Rust".to_string()),
                ],
                body: "one two\n".to_string(),
            },
            "the application's status, headers and body, plus the new header at the end"
        );
    }

    #[test]
    fn add_header_replaces_a_header_of_the_same_name() {
        let app = AddHeader::new(plain, "server", "outer");
        let answer = call(&app, Environ::for_request("GET", "/"));
        let servers: Vec<&(String, String)> =
            answer.headers.iter().filter(|(name, _)| name.eq_ignore_ascii_case("server")).collect();
        assert_eq!(
            servers,
            vec![&("server".to_string(), "outer".to_string())],
            "the application's `Server: inner` is replaced, not repeated"
        );
    }

    #[test]
    fn add_header_passes_the_request_through() {
        // The wrapped application sees the same environ: the demo app's 404 names the path.
        let app = AddHeader::new(demo_app, "X-Wrapped", "yes");
        let answer = call(&app, Environ::for_request("GET", "/missing"));
        assert_eq!(answer.status, "404 Not Found");
        assert!(answer.body.contains("/missing"), "{:?}", answer.body);
        assert_eq!(header(&answer, "X-Wrapped"), Some("yes"));
    }

    #[test]
    fn add_header_stacks_and_is_served_by_the_gateway() {
        // A middleware is an application, so it can wrap another middleware.
        let app = AddHeader::new(AddHeader::new(demo_app, "X-Inner", "1"), "X-Outer", "2");
        let server = serve(app);
        let reply: Reply = get(server.address, "/");
        assert_eq!(reply.status(), 200);
        assert_eq!((reply.header("X-Inner"), reply.header("X-Outer")), (Some("1"), Some("2")));
        assert!(reply.text().contains("<h1>"), "the demo app's home page comes through");
    }
}
