//! A validator middleware: both sides of the interface, checked while they run (chapter 7, "a
//! server that holds up").
//!
//! Python ships one in the standard library, `wsgiref.validate.validator`. You put it between
//! a server and an application and it checks each of them against PEP 3333: the environ the
//! server built, then the status, headers and body the application chose. A mistake becomes
//! an `AssertionError` at the exact call that made it, instead of a response that some
//! client, some day, misreads.
//!
//! [`Validator`] does the same here. It wraps an application and is itself an application,
//! which is all that middleware is (PEP 3333, "Middleware: Components that Play Both Sides"):
//! to the server it looks like the application, to the application like the server. Where a
//! rule is broken it panics with a message that names the rule and where it comes from. A
//! panic is how a Rust application reports a bug to the [`Gateway`](super::Gateway), which
//! answers 500 when it happens before the first body byte and cuts the connection when it
//! happens later, so the validator's panics reach the client the way wsgiref's assertion
//! errors do.
//!
//! Some of what wsgiref checks at run time, the types check here at compile time: the environ
//! cannot be something other than an environ, a body chunk cannot be text instead of bytes,
//! and `start_response` cannot be called after the application has returned. The rest is
//! checked below.

use super::environ::{REQUIRED, Variables};
use super::{Application, Body, Environ, StartResponse};
use crate::http::HOP_BY_HOP;
use crate::http::{self, is_field_text, is_token_byte, status_code};

/// Wraps an application and checks, on every request, that the server and the application
/// both keep PEP 3333's contract. Panics, naming the rule, when one of them does not.
///
/// ```
/// use socket_to_wsgi::wsgi::demo::demo_app;
/// use socket_to_wsgi::wsgi::{Application, Environ, StartResponse, Validator};
///
/// let app = Validator::new(demo_app);
/// let mut start_response = StartResponse::default();
/// let body: Vec<u8> =
///     app.invoke(&mut Environ::for_request("GET", "/nowhere"), &mut start_response)
///         .flatten()
///         .collect();
/// assert_eq!(start_response.status(), Some("404 Not Found"));
/// assert!(body.starts_with(b"404 Not Found"));
/// ```
pub struct Validator<A> {
    app: A,
}

impl<A: Application> Validator<A> {
    /// `app`, checked on every call.
    pub fn new(app: A) -> Validator<A> {
        Validator { app }
    }
}

// ANCHOR: validator
impl<A: Application> Application for Validator<A> {
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        // The server's side first: the application must be able to trust what it is given.
        check_environ(environ);

        // The application records its choice in a StartResponse of ours, so that we can look
        // at it before the server does; only a choice that passes is handed on.
        let mut chosen = StartResponse::default();
        let body = self.app.invoke(environ, &mut chosen);

        // In Python, an application may call start_response late: a generator runs none of
        // its code until the server asks for the first chunk, so wsgiref.validate has to
        // check the order while the body is iterated. Here the application only borrows
        // `start_response` for the length of `invoke`, and a `Body` is `'static`, so it
        // cannot keep the borrow: the compiler has already ruled out a call after the
        // return. What is left to check is whether it was called at all.
        let Some(status) = chosen.status() else {
            violation(
                "the application must call start_response before it returns its body",
                "PEP 3333, \"The start_response() Callable\"",
                "it returned without calling it",
            )
        };
        let code = check_status(status);
        check_headers(chosen.headers());
        check_content_type(code, &chosen);
        let declared = declared_length(&chosen);

        start_response.call(status, chosen.headers().iter().cloned());
        Body::from_chunks(CheckedBody {
            inner: body,
            declared,
            must_be_empty: matches!(code, 204 | 304),
            seen: 0,
            finished: false,
        })
    }
}
// ANCHOR_END: validator

/// Panics with the rule that was broken, where the rule comes from, and what broke it.
fn violation(rule: &str, source: &str, found: impl std::fmt::Display) -> ! {
    panic!("WSGI validator: {rule} ({source}); {found}")
}

const ENVIRON: &str = "PEP 3333, \"environ Variables\"";

// The server's side: the environ.

/// Checks the environ the server built, before the application sees it.
fn check_environ(environ: &Environ<'_>) {
    check_variables(environ.vars());
    if environ.url_scheme != "http" && environ.url_scheme != "https" {
        violation(
            "wsgi.url_scheme must be \"http\" or \"https\"",
            ENVIRON,
            format!("got {:?}", environ.url_scheme),
        );
    }
}

/// Checks the environ's CGI variables.
fn check_variables(vars: &Variables) {
    // PEP 3333 ("Unicode Issues") carries every variable as a "native string" whose
    // characters are all below U+0100, so that each stands for exactly one byte of the
    // request. A character above that cannot have come from the request's bytes.
    for (key, value) in vars {
        if let Some(c) = key.chars().chain(value.chars()).find(|&c| u32::from(c) > 0xFF) {
            violation(
                "environ keys and values must be Latin-1 \"native strings\", every character at most U+00FF",
                "PEP 3333, \"Unicode Issues\"",
                format!("{key} = {value:?} holds {c:?}"),
            );
        }
    }

    // PEP 3333 lets a server leave out a variable whose value would be empty (only
    // REQUEST_METHOD, SERVER_NAME and SERVER_PORT can never be). The servers in this crate
    // always set all nine, so that no application has to handle "absent" and "empty" as two
    // cases; a missing one means the environ was not built by `Environ::for_request`.
    for key in REQUIRED {
        if !vars.contains_key(key) {
            violation(
                "the environ must hold every required CGI variable, even when its value is empty",
                ENVIRON,
                format!("{key} is missing"),
            );
        }
    }
    let var = |key: &str| vars.get(key).map_or("", String::as_str);

    let method = var("REQUEST_METHOD");
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        violation(
            "REQUEST_METHOD must be a non-empty token (RFC 9110 §9.1, §5.6.2)",
            ENVIRON,
            format!("got {method:?}"),
        );
    }

    // SCRIPT_NAME + PATH_INFO rebuild the path (PEP 3333, "URL Reconstruction"): an
    // application mounted at the root has SCRIPT_NAME "" and PATH_INFO "/...", never
    // SCRIPT_NAME "/", which would rebuild "/" + "/page" as "//page".
    let script_name = var("SCRIPT_NAME");
    if !script_name.is_empty() && (!script_name.starts_with('/') || script_name == "/") {
        violation(
            "SCRIPT_NAME must be empty or start with '/', and is never \"/\" alone (the root is \"\")",
            ENVIRON,
            format!("got {script_name:?}"),
        );
    }
    let path_info = var("PATH_INFO");
    // `OPTIONS *` asks about the server as a whole (RFC 9112 §3.2.4); servers hand the `*`
    // on as the path, as wsgiref and gunicorn do.
    let asterisk_form = path_info == "*" && var("REQUEST_METHOD") == "OPTIONS";
    if !path_info.is_empty() && !path_info.starts_with('/') && !asterisk_form {
        violation(
            "PATH_INFO must be empty or start with '/'",
            ENVIRON,
            format!("got {path_info:?}"),
        );
    }
    let query_string = var("QUERY_STRING");
    if query_string.starts_with('?') {
        violation(
            "QUERY_STRING is what follows the '?', without it",
            ENVIRON,
            format!("got {query_string:?}"),
        );
    }

    let content_length = var("CONTENT_LENGTH");
    if !content_length.bytes().all(|byte| byte.is_ascii_digit()) {
        violation(
            "CONTENT_LENGTH must be empty or a number of bytes (digits only)",
            ENVIRON,
            format!("got {content_length:?}"),
        );
    }
    // Request headers become HTTP_* variables, except these two, which CGI always gave
    // without the prefix; an application looks for them there and nowhere else.
    for key in ["HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"] {
        if vars.contains_key(key) {
            violation(
                "Content-Type and Content-Length go in CONTENT_TYPE and CONTENT_LENGTH, never with an HTTP_ prefix",
                ENVIRON,
                format!("{key} is set"),
            );
        }
    }

    if var("SERVER_NAME").is_empty() {
        violation("SERVER_NAME can never be empty", ENVIRON, "it is empty");
    }
    let port = var("SERVER_PORT");
    if port.is_empty() || !port.bytes().all(|byte| byte.is_ascii_digit()) {
        violation("SERVER_PORT must be a port number (digits)", ENVIRON, format!("got {port:?}"));
    }
    let protocol = var("SERVER_PROTOCOL");
    if !is_protocol(protocol) {
        violation(
            "SERVER_PROTOCOL must be the request's protocol version, \"HTTP/x.y\"",
            ENVIRON,
            format!("got {protocol:?}"),
        );
    }
}

/// `HTTP/` then one digit, a dot and one digit (RFC 9112 §2.3).
fn is_protocol(text: &str) -> bool {
    match text.strip_prefix("HTTP/").map(str::as_bytes) {
        Some([major, b'.', minor]) => major.is_ascii_digit() && minor.is_ascii_digit(),
        _ => false,
    }
}

// The application's side: status, headers, body.

const START_RESPONSE: &str = "PEP 3333, \"The start_response() Callable\"";

/// Checks the status line the application chose and returns its code.
fn check_status(status: &str) -> u16 {
    let Some(code) = status_code(status) else {
        violation(
            "the status must be a three-digit code, a space and a reason phrase, like \"200 OK\"",
            START_RESPONSE,
            format!("got {status:?}"),
        );
    };
    let reason = &status[4..];
    // Latin-1 (a native string), and no CR or LF: the reason phrase goes into the status
    // line as it is, so a line break would end the line early (RFC 9112 §4).
    if !is_field_text(reason) {
        violation(
            "the reason phrase must be Latin-1 text without control characters",
            START_RESPONSE,
            format!("got {status:?}"),
        );
    }
    if !(100..=599).contains(&code) {
        violation(
            "the status code must be between 100 and 599 (RFC 9110 §15)",
            START_RESPONSE,
            format!("got {status:?}"),
        );
    }
    // A 1xx response is interim: the client waits for another one after it. The server sends
    // those itself (PEP 3333, "HTTP 1.1 Expect/Continue"); an application's answer is final.
    if code < 200 {
        violation(
            "an application's status must be final (2xx to 5xx); 1xx responses are the server's (RFC 9110 §15.2)",
            "PEP 3333, \"HTTP 1.1 Expect/Continue\"",
            format!("got {status:?}"),
        );
    }
    code
}

/// Checks each header the application chose.
fn check_headers(headers: &[(String, String)]) {
    for (name, value) in headers {
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            violation(
                "a header name must be a token (RFC 9110 §5.6.2): letters, digits and !#$%&'*+-.^_`|~",
                START_RESPONSE,
                format!("got {name:?}"),
            );
        }
        // CGI scripts choose their status with a "Status:" header; a WSGI application has
        // the status argument for that, and a Status header would mean nothing to a client.
        if name.eq_ignore_ascii_case("Status") {
            violation(
                "the status goes in start_response's status argument, not in a Status header",
                START_RESPONSE,
                format!("got the header {name:?}: {value:?}"),
            );
        }
        // A CR or LF in a value would end the header line early and let the rest pass for
        // a header of its own (or the body): response splitting (RFC 9110 §5.5).
        if !is_field_text(value) {
            violation(
                "a header value must be Latin-1 text without control characters (RFC 9110 §5.5)",
                START_RESPONSE,
                format!("got {name}: {value:?}"),
            );
        }
        // The gateway drops these with a warning and goes on; here they are a bug to fix.
        if HOP_BY_HOP.contains(&name.to_ascii_lowercase().as_str()) {
            violation(
                "an application must not set hop-by-hop headers; the connection is the server's business",
                "PEP 3333, \"Other HTTP Features\"",
                format!("got {name}: {value}"),
            );
        }
    }
}

/// Every response that can have a body says what it is, as wsgiref.validate insists.
fn check_content_type(code: u16, chosen: &StartResponse) {
    // 204 and 304 never have a body (RFC 9110 §15.3.5, §15.4.5), so there is nothing to
    // describe; 1xx has been refused already.
    if chosen.header("Content-Type").is_none() && !matches!(code, 204 | 304) {
        violation(
            "a response that may have a body must have a Content-Type header",
            "wsgiref.validate; RFC 9110 §8.3",
            format!("status {code} and the headers {:?}", chosen.headers()),
        );
    }
}

/// The body length the application announced with `Content-Length`, if it did.
fn declared_length(chosen: &StartResponse) -> Option<u64> {
    http::declared_length(chosen.headers()).unwrap_or_else(|why| {
        violation(
            "Content-Length must be given at most once, as a number of bytes (RFC 9110 §8.6)",
            "PEP 3333, \"Handling the Content-Length Header\"",
            why,
        )
    })
}

/// The application's body, checked chunk by chunk as the server pulls it.
///
/// Only what the server asks for is checked: a server that stops once it has the
/// `Content-Length` bytes never sees (nor sends) what comes after them. Dropping this drops
/// the application's body with it, which is PEP 3333's `close()`.
struct CheckedBody {
    inner: Body,
    /// `Content-Length`, if the application gave one.
    declared: Option<u64>,
    /// The status was 204 or 304.
    must_be_empty: bool,
    /// How many bytes have come out so far.
    seen: u64,
    finished: bool,
}

impl Iterator for CheckedBody {
    type Item = Vec<u8>;

    /// The application's own hint, so that checking a body of one chunk does not hide
    /// that it is one (the gateway then sends its length).
    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.finished { (0, Some(0)) } else { self.inner.size_hint() }
    }

    fn next(&mut self) -> Option<Vec<u8>> {
        if self.finished {
            return None;
        }
        let Some(chunk) = self.inner.next() else {
            self.finished = true;
            // Short: the client would wait for the rest until the connection closed, then
            // know the response was cut.
            if let Some(declared) = self.declared.filter(|&declared| self.seen < declared) {
                violation(
                    "the body must be exactly as long as the Content-Length header says",
                    "PEP 3333, \"Handling the Content-Length Header\"",
                    format!("it announced {declared} bytes and ended after {}", self.seen),
                );
            }
            return None;
        };
        self.seen += chunk.len() as u64;
        if self.must_be_empty && !chunk.is_empty() {
            violation(
                "a 204 or 304 response has no body (RFC 9110 §15.3.5, §15.4.5)",
                START_RESPONSE,
                format!("got a chunk of {} bytes", chunk.len()),
            );
        }
        // Long: the bytes past the announced length would be read as the start of the next
        // response on a kept-alive connection. Caught on the chunk that crosses the line.
        if let Some(declared) = self.declared.filter(|&declared| self.seen > declared) {
            violation(
                "the body must be exactly as long as the Content-Length header says",
                "PEP 3333, \"Handling the Content-Length Header\"",
                format!("it announced {declared} bytes and has already produced {}", self.seen),
            );
        }
        Some(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wsgi::demo::demo_app;
    use pretty_assertions::assert_eq;
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The status, headers and whole body an application gives for `environ`.
    type Response = (Option<String>, Vec<(String, String)>, Vec<u8>);

    fn run(app: &impl Application, mut environ: Environ<'_>) -> Response {
        let mut start_response = StartResponse::default();
        let body: Vec<u8> = app.invoke(&mut environ, &mut start_response).flatten().collect();
        (start_response.status().map(String::from), start_response.headers().to_vec(), body)
    }

    /// The message of the panic `f` must end in.
    fn panic_message(f: impl FnOnce()) -> String {
        let payload = panic::catch_unwind(AssertUnwindSafe(f))
            .expect_err("the validator let a broken rule through");
        match payload.downcast::<String>() {
            Ok(message) => *message,
            Err(payload) => payload.downcast_ref::<&str>().unwrap_or(&"?").to_string(),
        }
    }

    fn well_behaved(_: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        start_response.call("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "12")]);
        Body::from_chunks([b"hello".to_vec(), Vec::new(), b", world".to_vec()])
    }

    /// What the validator says about an environ changed by `change`, served to a good app.
    fn rejected_environ(change: impl FnOnce(&mut Environ<'static>)) -> String {
        let mut environ = Environ::for_request("GET", "/page?x=1");
        change(&mut environ);
        panic_message(|| {
            run(&Validator::new(well_behaved), environ);
        })
    }

    /// What the validator says about `app`, called for `GET /` with its whole body pulled.
    fn rejected_app(app: impl Application) -> String {
        panic_message(|| {
            run(&Validator::new(app), Environ::for_request("GET", "/"));
        })
    }

    /// An application that answers with `status` and `headers`, and `body` as one chunk.
    fn answering(
        status: &'static str,
        headers: &'static [(&'static str, &'static str)],
        body: &'static str,
    ) -> impl Application {
        move |_: &mut Environ<'_>, start_response: &mut StartResponse| {
            start_response.call(status, headers.iter().copied());
            Body::from(body)
        }
    }

    fn assert_names(message: &str, rule: &str, source: &str) {
        assert!(message.starts_with("WSGI validator: "), "{message}");
        assert!(message.contains(rule), "expected the rule {rule:?} in {message:?}");
        assert!(message.contains(source), "expected the source {source:?} in {message:?}");
    }

    #[test]
    fn a_well_behaved_application_passes_through_unchanged() {
        let direct = run(&well_behaved, Environ::for_request("GET", "/"));
        let validated = run(&Validator::new(well_behaved), Environ::for_request("GET", "/"));
        assert_eq!(validated, direct);
        assert_eq!(direct.2, b"hello, world");
    }

    #[test]
    fn the_demo_application_passes_through_unchanged() {
        let requests = || {
            [
                Environ::for_request("GET", "/"),
                Environ::for_request("GET", "/environ?a=1"),
                Environ::for_request("POST", "/echo").with_body("ping, 你好"),
                Environ::for_request("GET", "/echo"),
                Environ::for_request("GET", "/sleep?ms=1"),
                Environ::for_request("GET", "/sleep?ms=lots"),
                Environ::for_request("GET", "/nowhere"),
            ]
        };
        let statuses: Vec<Option<String>> = requests()
            .into_iter()
            .zip(requests())
            .map(|(for_direct, for_validated)| {
                let direct = run(&demo_app, for_direct);
                let validated = run(&Validator::new(demo_app), for_validated);
                assert_eq!(validated, direct);
                direct.0
            })
            .collect();
        let expected = ["200 OK", "200 OK", "200 OK", "405 Method Not Allowed", "200 OK"];
        let expected = expected.into_iter().chain(["400 Bad Request", "404 Not Found"]);
        assert_eq!(statuses, expected.map(|s| Some(s.to_string())).collect::<Vec<_>>());
    }

    #[test]
    fn a_hand_built_environ_passes() {
        // The baseline every environ test below changes in exactly one way.
        let environ = Environ::for_request("GET", "/page?x=1");
        assert_eq!(run(&Validator::new(well_behaved), environ).2, b"hello, world");
    }

    #[test]
    fn environ_values_must_be_latin_1() {
        let message = rejected_environ(|environ| environ.set("HTTP_X_NAME", "你好"));
        assert_names(&message, "Latin-1 \"native strings\"", "\"Unicode Issues\"");
        assert!(message.contains("HTTP_X_NAME"), "{message}");
        // Every character up to U+00FF is fine: that is how bytes 0x80-0xFF travel.
        let environ = Environ::for_request("GET", "/caf%C3%A9");
        assert_eq!(environ.path_info(), "/cafÃ©");
        run(&Validator::new(well_behaved), environ);
    }

    #[test]
    fn every_required_variable_must_be_present() {
        // `Environ` has no way to remove a variable, so this checks the map on its own.
        let complete = Environ::for_request("GET", "/").vars().clone();
        check_variables(&complete);
        for key in REQUIRED {
            let mut vars = complete.clone();
            vars.remove(key);
            let message = panic_message(|| check_variables(&vars));
            assert_names(&message, "every required CGI variable", "\"environ Variables\"");
            assert!(message.ends_with(&format!("{key} is missing")), "{message}");
        }
    }

    #[test]
    fn the_method_must_be_a_token() {
        for method in ["", "GE T", "GET\r\n"] {
            let message = rejected_environ(|environ| environ.set("REQUEST_METHOD", method));
            assert_names(&message, "REQUEST_METHOD must be a non-empty token", "environ");
        }
    }

    #[test]
    fn script_name_is_empty_or_a_path_but_never_a_lone_slash() {
        for script_name in ["/", "app"] {
            let message = rejected_environ(|environ| environ.set("SCRIPT_NAME", script_name));
            assert_names(&message, "SCRIPT_NAME must be empty or start with '/'", "environ");
        }
        let mut environ = Environ::for_request("GET", "/page");
        environ.set("SCRIPT_NAME", "/app");
        run(&Validator::new(well_behaved), environ);
    }

    #[test]
    fn path_info_is_empty_or_starts_with_a_slash() {
        let message = rejected_environ(|environ| environ.set("PATH_INFO", "page"));
        assert_names(&message, "PATH_INFO must be empty or start with '/'", "environ");
        let mut environ = Environ::for_request("GET", "/");
        environ.set("SCRIPT_NAME", "/app");
        environ.set("PATH_INFO", "");
        run(&Validator::new(well_behaved), environ);
    }

    #[test]
    fn the_query_string_has_no_question_mark_in_front() {
        let message = rejected_environ(|environ| environ.set("QUERY_STRING", "?x=1"));
        assert_names(&message, "QUERY_STRING is what follows the '?'", "environ");
    }

    #[test]
    fn content_length_is_empty_or_digits() {
        for length in ["-1", "12 ", "0x10"] {
            let message = rejected_environ(|environ| environ.set("CONTENT_LENGTH", length));
            assert_names(&message, "CONTENT_LENGTH must be empty or a number", "environ");
        }
        run(&Validator::new(well_behaved), Environ::for_request("POST", "/").with_body("abc"));
    }

    #[test]
    fn content_type_and_length_have_no_http_prefix() {
        for key in ["HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"] {
            let message = rejected_environ(|environ| environ.set(key, "3"));
            assert_names(&message, "never with an HTTP_ prefix", "environ");
            assert!(message.contains(key), "{message}");
        }
    }

    #[test]
    fn the_server_is_named_with_a_numeric_port() {
        let message = rejected_environ(|environ| environ.set("SERVER_NAME", ""));
        assert_names(&message, "SERVER_NAME can never be empty", "environ");
        for port in ["", "http", "80a"] {
            let message = rejected_environ(|environ| environ.set("SERVER_PORT", port));
            assert_names(&message, "SERVER_PORT must be a port number", "environ");
        }
    }

    #[test]
    fn the_protocol_is_http_and_a_version() {
        for protocol in ["", "HTTP/1", "HTTP/1.1 ", "http/1.1", "SPDY/3.1"] {
            let message = rejected_environ(|environ| environ.set("SERVER_PROTOCOL", protocol));
            assert_names(&message, "SERVER_PROTOCOL must be", "environ");
        }
        let mut environ = Environ::for_request("GET", "/");
        environ.set("SERVER_PROTOCOL", "HTTP/1.0");
        run(&Validator::new(well_behaved), environ);
    }

    #[test]
    fn the_url_scheme_is_http_or_https() {
        let message = rejected_environ(|environ| environ.url_scheme = "ftp".to_string());
        assert_names(&message, "wsgi.url_scheme must be", "environ");
        let mut environ = Environ::for_request("GET", "/");
        environ.url_scheme = "https".to_string();
        run(&Validator::new(well_behaved), environ);
    }

    #[test]
    fn start_response_must_be_called() {
        let message = rejected_app(|_: &mut Environ<'_>, _: &mut StartResponse| {
            Body::from("forgot start_response")
        });
        assert_names(&message, "must call start_response", "\"The start_response() Callable\"");
    }

    #[test]
    fn the_status_is_a_code_a_space_and_a_reason() {
        for status in ["200", "200 ", "200OK", "OK 200", "2000 OK", "20 OK", "٢٠٠ OK"] {
            let message = rejected_app(answering(status, &[("Content-Type", "text/plain")], ""));
            assert_names(&message, "three-digit code, a space and a reason", "start_response");
        }
    }

    #[test]
    fn the_reason_phrase_has_no_control_characters() {
        for status in ["200 OK\r\nX-Evil: 1", "200 O\0K", "200 好"] {
            let message = rejected_app(answering(status, &[("Content-Type", "text/plain")], ""));
            assert_names(&message, "reason phrase must be Latin-1 text", "start_response");
        }
        let app = answering("200 Très\tbien", &[("Content-Type", "text/plain")], "");
        assert_eq!(
            run(&Validator::new(app), Environ::for_request("GET", "/")).0.unwrap(),
            "200 Très\tbien"
        );
    }

    #[test]
    fn the_status_code_is_between_100_and_599() {
        for status in ["099 Too Low", "600 Too High", "000 Zero"] {
            let message = rejected_app(answering(status, &[("Content-Type", "text/plain")], ""));
            assert_names(&message, "between 100 and 599", "RFC 9110 §15");
        }
    }

    #[test]
    fn a_1xx_status_is_not_the_applications_to_send() {
        for status in ["100 Continue", "103 Early Hints"] {
            let message = rejected_app(answering(status, &[("Content-Type", "text/plain")], ""));
            assert_names(&message, "must be final", "\"HTTP 1.1 Expect/Continue\"");
        }
    }

    #[test]
    fn header_names_are_tokens() {
        for name in ["", "X Space", "X-Colon:", "Naïve", "X-Line\r\n"] {
            let headers = vec![("Content-Type".to_string(), "text/plain".to_string())];
            let headers = headers.into_iter().chain([(name.to_string(), "1".to_string())]);
            let headers: Vec<(String, String)> = headers.collect();
            let app = move |_: &mut Environ<'_>, start_response: &mut StartResponse| {
                start_response.call("200 OK", headers.clone());
                Body::empty()
            };
            let message = rejected_app(app);
            assert_names(&message, "a header name must be a token", "RFC 9110 §5.6.2");
        }
    }

    #[test]
    fn there_is_no_status_header() {
        let app = answering("200 OK", &[("Content-Type", "text/plain"), ("status", "404")], "");
        let message = rejected_app(app);
        assert_names(&message, "not in a Status header", "start_response");
    }

    #[test]
    fn header_values_have_no_control_characters() {
        let app = answering(
            "200 OK",
            &[("Content-Type", "text/plain"), ("X-Evil", "a\r\nSet-Cookie: stolen=1")],
            "",
        );
        let message = rejected_app(app);
        assert_names(&message, "header value must be Latin-1 text without control", "§5.5");
        let app = answering("200 OK", &[("Content-Type", "text/plain"), ("X-Name", "你好")], "");
        let message = rejected_app(app);
        assert_names(&message, "header value must be Latin-1 text without control", "§5.5");
    }

    #[test]
    fn hop_by_hop_headers_are_the_servers() {
        for name in ["Connection", "keep-alive", "Transfer-Encoding", "TE", "Upgrade"] {
            let headers = [("Content-Type", "text/plain"), (name, "x")];
            let app = move |_: &mut Environ<'_>, start_response: &mut StartResponse| {
                start_response.call("200 OK", headers);
                Body::empty()
            };
            let message = rejected_app(app);
            assert_names(&message, "hop-by-hop", "\"Other HTTP Features\"");
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn a_response_with_a_body_says_what_it_is() {
        for status in ["200 OK", "404 Not Found", "500 Internal Server Error"] {
            let message = rejected_app(answering(status, &[("X-Other", "1")], "text"));
            assert_names(&message, "must have a Content-Type header", "wsgiref.validate");
        }
        // Any case will do, and the two statuses without a body need none.
        let app = answering("200 OK", &[("content-type", "text/plain")], "text");
        run(&Validator::new(app), Environ::for_request("GET", "/"));
        for status in ["204 No Content", "304 Not Modified"] {
            let response =
                run(&Validator::new(answering(status, &[], "")), Environ::for_request("GET", "/"));
            assert_eq!(response.0.as_deref(), Some(status));
        }
    }

    #[test]
    fn no_body_with_204_or_304() {
        let message = rejected_app(answering("204 No Content", &[], "surprise"));
        assert_names(&message, "a 204 or 304 response has no body", "RFC 9110 §15.3.5");
    }

    #[test]
    fn content_length_is_one_number() {
        for headers in [
            &[("Content-Type", "text/plain"), ("Content-Length", "five")][..],
            &[("Content-Type", "text/plain"), ("Content-Length", "+4")],
            &[("Content-Type", "text/plain"), ("Content-Length", "4"), ("content-length", "4")],
        ] {
            let message = rejected_app(answering("200 OK", headers, "text"));
            assert_names(&message, "Content-Length must be given at most once", "§8.6");
        }
    }

    /// A body of `chunks`, with `Content-Length: declared`.
    fn declaring(declared: &'static str, chunks: &'static [&'static str]) -> impl Application {
        move |_: &mut Environ<'_>, start_response: &mut StartResponse| {
            start_response
                .call("200 OK", [("Content-Type", "text/plain"), ("Content-Length", declared)]);
            Body::from_chunks(chunks.iter().map(|chunk| chunk.as_bytes().to_vec()))
        }
    }

    #[test]
    fn a_body_longer_than_its_content_length_is_caught_on_the_chunk_that_crosses() {
        let app = Validator::new(declaring("4", &["ab", "cde", "never pulled"]));
        let mut start_response = StartResponse::default();
        let mut body = app.invoke(&mut Environ::for_request("GET", "/"), &mut start_response);
        assert_eq!(body.next(), Some(b"ab".to_vec()));
        let message = panic_message(|| {
            body.next();
        });
        assert_names(
            &message,
            "exactly as long as the Content-Length",
            "\"Handling the Content-Length Header\"",
        );
        assert!(message.ends_with("announced 4 bytes and has already produced 5"), "{message}");
    }

    #[test]
    fn a_body_shorter_than_its_content_length_is_caught_at_its_end() {
        let message = rejected_app(declaring("6", &["ab", "cd"]));
        assert_names(&message, "exactly as long as the Content-Length", "Content-Length Header");
        assert!(message.ends_with("announced 6 bytes and ended after 4"), "{message}");
        let exact = run(
            &Validator::new(declaring("4", &["ab", "", "cd"])),
            Environ::for_request("GET", "/"),
        );
        assert_eq!(exact.2, b"abcd");
    }

    #[test]
    fn the_status_and_headers_reach_the_outer_start_response_only_when_they_pass() {
        let app = Validator::new(answering("200 OK", &[("X-Only", "1")], "no content type"));
        let mut start_response = StartResponse::default();
        let _ = panic_message(|| {
            app.invoke(&mut Environ::for_request("GET", "/"), &mut start_response);
        });
        assert_eq!(start_response.status(), None, "nothing was forwarded");
    }

    #[test]
    fn dropping_the_checked_body_closes_the_applications_body() {
        struct Close(Arc<AtomicBool>);
        impl Drop for Close {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let closed = Arc::new(AtomicBool::new(false));
        let for_app = Arc::clone(&closed);
        let app = move |_: &mut Environ<'_>, start_response: &mut StartResponse| {
            start_response.call("200 OK", [("Content-Type", "text/plain")]);
            let close = Close(Arc::clone(&for_app));
            Body::from_chunks(std::iter::repeat_with(move || {
                let _keep = &close;
                b"more".to_vec()
            }))
        };
        let mut start_response = StartResponse::default();
        let mut body =
            Validator::new(app).invoke(&mut Environ::for_request("GET", "/"), &mut start_response);
        assert_eq!(body.next(), Some(b"more".to_vec()));
        assert!(!closed.load(Ordering::SeqCst), "still open while the server reads it");
        drop(body);
        assert!(closed.load(Ordering::SeqCst), "closed when the server let go of it");
    }
}
