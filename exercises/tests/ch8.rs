//! Chapter 8's exercises: a route with two parameters, a middleware that mounts an
//! application under a prefix, and a form handler, each called directly and then served
//! by chapter 8's server. Run them with `cargo exercise 8`; one exercise alone with
//! `cargo exercise 8 mount`.

mod support;

use socket_to_wsgi::http::Config;
use socket_to_wsgi::reactor::{ReactorConfig, serve_with_reactor};
use socket_to_wsgi::wsgi::{Application, Environ, Gateway, StartResponse, Validator};
use std::num::NonZeroUsize;
use support::{Server, connect, read_until_closed, text};

/// What an application chose: status, headers, body.
type Answer = (Option<String>, Vec<(String, String)>, String);

/// Calls `app` directly, behind chapter 7's validator, with `environ`.
fn call(app: impl Application, mut environ: Environ<'static>) -> Answer {
    let mut start_response = StartResponse::default();
    let body: Vec<u8> =
        Validator::new(app).invoke(&mut environ, &mut start_response).flatten().collect();
    let (status, headers) = start_response.into_parts();
    (status, headers, text(&body))
}

fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    let found = answer.1.iter().find(|(field, _)| field.eq_ignore_ascii_case(name));
    found.map(|(_, value)| value.as_str())
}

/// Serves `app` as `08-framework` does: the gateway on the reactor.
fn serve(app: impl Application) -> Server {
    let config = Config { access_log: false, ..Config::default() };
    let gateway = Gateway::new(Validator::new(app), config).multithreaded(true);
    Server::start(move |listener, shutdown| {
        let threads = NonZeroUsize::new(2).unwrap();
        serve_with_reactor(listener, &shutdown, threads, ReactorConfig::default(), move |c| {
            gateway.serve_ready(c)
        });
    })
}

/// Sends `request` (with `Connection: close` added after the request line) and returns the
/// whole response as text.
fn exchange(server: &Server, request: &str) -> String {
    use std::io::Write;
    let (line, rest) = request.split_once("\r\n").expect("a request line");
    let mut stream = connect(server.address);
    let request = format!("{line}\r\nConnection: close\r\n{rest}");
    stream.write_all(request.as_bytes()).unwrap();
    let received = read_until_closed(&stream);
    support::expect_some_answer(&received);
    text(&received)
}

mod two_params {
    use super::*;
    use exercises::ch8::two_params::routes;
    use pretty_assertions::assert_eq;

    fn get(target: &str) -> Answer {
        call(routes(), Environ::for_request("GET", target))
    }

    #[test]
    fn two_params_adds_the_numbers_in_the_path() {
        let answer = get("/add/2/40");
        assert_eq!(answer.0.as_deref(), Some("200 OK"));
        assert_eq!(header(&answer, "Content-Type"), Some("text/plain; charset=utf-8"));
        assert_eq!(answer.2, "2 + 40 = 42\n");
        assert_eq!(get("/add/-7/%2B3").2, "-7 + 3 = -4\n", "%2B is a +, which i64 reads");
    }

    #[test]
    fn two_params_refuses_what_is_not_a_whole_number() {
        let cases = [
            ("/add/x/1", "400 Bad Request: <a> must be a whole number, not \"x\"\n"),
            ("/add/1/1.5", "400 Bad Request: <b> must be a whole number, not \"1.5\"\n"),
            ("/add/a/b", "400 Bad Request: <a> must be a whole number, not \"a\"\n"),
            ("/add/9223372036854775807/1", "400 Bad Request: the sum is too large\n"),
        ];
        for (target, page) in cases {
            let answer = get(target);
            assert_eq!(
                (answer.0.as_deref(), answer.2.as_str()),
                (Some("400 Bad Request"), page),
                "{target}"
            );
        }
    }

    #[test]
    fn two_params_leaves_the_rest_to_the_router() {
        assert_eq!(
            get("/add/1").0.as_deref(),
            Some("404 Not Found"),
            "one parameter is not the route"
        );
        assert_eq!(get("/add/1/2/3").0.as_deref(), Some("404 Not Found"));
        let posted = call(routes(), Environ::for_request("POST", "/add/1/2"));
        assert_eq!(posted.0.as_deref(), Some("405 Method Not Allowed"));
        assert_eq!(header(&posted, "Allow"), Some("GET, HEAD"));
    }

    #[test]
    fn two_params_is_served_by_chapter_8s_server() {
        let server = serve(routes());
        let response = exchange(&server, "GET /add/20/22 HTTP/1.1\r\nHost: test\r\n\r\n");
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        assert!(response.ends_with("\r\n\r\n20 + 22 = 42\n"), "{response}");
    }
}

mod mount {
    use super::*;
    use exercises::ch8::mount::Mount;
    use pretty_assertions::assert_eq;
    use socket_to_wsgi::wsgi::Body;

    /// Shows where it was mounted: `SCRIPT_NAME=… PATH_INFO=…`.
    fn inner(environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        let seen = format!(
            "SCRIPT_NAME={} PATH_INFO={}\n",
            environ.get("SCRIPT_NAME").unwrap_or_default(),
            environ.path_info()
        );
        start_response.call("200 OK", [("Content-Type", "text/plain")]);
        Body::from(seen)
    }

    fn get(app: impl Application, target: &str) -> Answer {
        call(app, Environ::for_request("GET", target))
    }

    #[test]
    fn mount_moves_the_prefix_from_path_info_to_script_name() {
        let cases = [
            ("/api/users", "SCRIPT_NAME=/api PATH_INFO=/users\n"),
            ("/api/", "SCRIPT_NAME=/api PATH_INFO=/\n"),
            ("/api", "SCRIPT_NAME=/api PATH_INFO=\n"),
            ("/api/a/b?x=1", "SCRIPT_NAME=/api PATH_INFO=/a/b\n"),
        ];
        for (target, seen) in cases {
            assert_eq!(get(Mount::new("/api", inner), target).2, seen, "{target}");
        }
    }

    #[test]
    fn mount_adds_to_a_script_name_already_there() {
        let mut environ = Environ::for_request("GET", "/v1/admin/users");
        environ.set("SCRIPT_NAME", "/site");
        let answer = call(Mount::new("/v1/admin", inner), environ);
        assert_eq!(answer.2, "SCRIPT_NAME=/site/v1/admin PATH_INFO=/users\n");
        // Mounts nest: each takes its own part.
        let nested = Mount::new("/v1", Mount::new("/admin", inner));
        assert_eq!(get(nested, "/v1/admin/x").2, "SCRIPT_NAME=/v1/admin PATH_INFO=/x\n");
    }

    #[test]
    fn mount_answers_404_outside_its_prefix_without_calling_the_app() {
        let never = |_: &mut Environ<'_>, _: &mut StartResponse| -> Body {
            panic!("the mounted application must not be called outside its prefix")
        };
        for target in ["/", "/apix", "/ap", "/other/api"] {
            let answer = get(Mount::new("/api", never), target);
            assert_eq!(answer.0.as_deref(), Some("404 Not Found"), "{target}");
            assert_eq!(
                header(&answer, "Content-Type"),
                Some("text/plain; charset=utf-8"),
                "{target}"
            );
        }
    }

    #[test]
    fn mount_is_served_by_chapter_8s_server() {
        let server = serve(Mount::new("/api", inner));
        let response = exchange(&server, "GET /api/hello HTTP/1.1\r\nHost: test\r\n\r\n");
        assert!(response.ends_with("SCRIPT_NAME=/api PATH_INFO=/hello\n"), "{response}");
        let missing = exchange(&server, "GET /elsewhere HTTP/1.1\r\nHost: test\r\n\r\n");
        assert!(missing.starts_with("HTTP/1.1 404 Not Found\r\n"), "{missing}");
    }
}

mod signup_form {
    use super::*;
    use exercises::ch8::signup_form::{FORM, routes};
    use pretty_assertions::assert_eq;

    fn post(body: &str, content_type: &str) -> Answer {
        let mut environ = Environ::for_request("POST", "/signup").with_body(body);
        environ.set("CONTENT_TYPE", content_type);
        call(routes(), environ)
    }

    fn form(body: &str) -> Answer {
        post(body, "application/x-www-form-urlencoded")
    }

    #[test]
    fn signup_form_shows_the_form() {
        let answer = call(routes(), Environ::for_request("GET", "/signup"));
        assert_eq!(answer.0.as_deref(), Some("200 OK"));
        assert_eq!(header(&answer, "Content-Type"), Some("text/html; charset=utf-8"));
        assert_eq!(answer.2, FORM);
    }

    #[test]
    fn signup_form_welcomes_with_201() {
        let answer = form("name=Ada+Lovelace&email=ada%40example.org");
        assert_eq!(answer.0.as_deref(), Some("201 Created"));
        assert_eq!(header(&answer, "Content-Type"), Some("text/plain; charset=utf-8"));
        assert_eq!(answer.2, "welcome, Ada Lovelace <ada@example.org>\n");
        let answer = form("email=+grace%40example.org+&name=%20Grace%20&extra=1");
        assert_eq!(answer.2, "welcome, Grace <grace@example.org>\n", "trimmed, in any order");
    }

    #[test]
    fn signup_form_says_which_field_is_wrong() {
        let name = "400 Bad Request: say your name\n";
        let email = "400 Bad Request: an email address looks like you@example.org\n";
        let cases = [
            ("email=a%40b", name),
            ("name=+++&email=a%40b", name),
            ("name=Ada", email),
            ("name=Ada&email=ada", email),
            ("name=Ada&email=%40example.org", email),
            ("name=Ada&email=ada%40", email),
            ("name=Ada&email=a%40b%40c", email),
        ];
        for (body, page) in cases {
            let answer = form(body);
            assert_eq!(
                (answer.0.as_deref(), answer.2.as_str()),
                (Some("400 Bad Request"), page),
                "{body}"
            );
        }
    }

    #[test]
    fn signup_form_needs_a_form() {
        let answer = post(r#"{"name": "Ada"}"#, "application/json");
        assert_eq!(answer.0.as_deref(), Some("415 Unsupported Media Type"));
        assert_eq!(form("name=%FF&email=a%40b").0.as_deref(), Some("400 Bad Request"));
    }

    #[test]
    fn signup_form_is_served_by_chapter_8s_server() {
        let server = serve(routes());
        let body = "name=Ada&email=ada%40example.org";
        let request = format!(
            "POST /signup HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let response = exchange(&server, &request);
        assert!(response.starts_with("HTTP/1.1 201 Created\r\n"), "{response}");
        assert!(response.ends_with("welcome, Ada <ada@example.org>\n"), "{response}");
    }
}
