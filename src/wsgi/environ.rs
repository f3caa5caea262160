//! The `environ`: the request as the application sees it (chapter 4).
//!
//! PEP 3333 takes its variable names from CGI: `REQUEST_METHOD`, `PATH_INFO`, `HTTP_HOST` and
//! so on, all strings. Those live in a sorted map here. The `wsgi.*` entries are not strings
//! in Python either (a stream, booleans, a tuple), so here they are typed fields.
//!
//! An environ is built for every request, so building it is on the hot path (chapter 7's
//! flame graph shows it): most names are fixed words, borrowed rather than copied, and every
//! variable is set once.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};

use crate::connection::Endpoints;
use crate::http::{Headers, Request, Target, latin1, percent_decode};

// ANCHOR: input
/// `wsgi.input`: the request body, as a stream the application reads.
///
/// It never yields more than `CONTENT_LENGTH` bytes, even when the client sent more (the rest
/// belongs to the next request, or to nobody), and an application that does not read the
/// body does not block anyone.
pub struct Input<'a> {
    body: Box<dyn Read + 'a>,
    /// Bytes left to read, when the length is known in advance.
    remaining: Option<u64>,
}

impl<'a> Input<'a> {
    /// At most `length` bytes from `reader`.
    pub fn new(reader: impl Read + 'a, length: u64) -> Input<'a> {
        Input { body: Box::new(reader), remaining: Some(length) }
    }

    /// Everything `reader` yields: for a body that marks its own end (chunked, chapter 5).
    pub fn until_end(reader: impl Read + 'a) -> Input<'a> {
        Input { body: Box::new(reader), remaining: None }
    }

    /// A body that is already in memory, for tests and hand-built requests.
    pub fn from_bytes(bytes: Vec<u8>) -> Input<'static> {
        let length = bytes.len() as u64;
        Input::new(io::Cursor::new(bytes), length)
    }

    /// How many bytes are left to read, if the length was known in advance.
    pub fn remaining(&self) -> Option<u64> {
        self.remaining
    }
}

impl Read for Input<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let Some(remaining) = self.remaining else {
            return self.body.read(buffer);
        };
        if remaining == 0 {
            // Never ask the connection: it would wait for bytes that belong to nobody.
            return Ok(0);
        }
        let allowed = buffer.len().min(usize::try_from(remaining).unwrap_or(usize::MAX));
        let read = self.body.read(&mut buffer[..allowed])?;
        if read == 0 && allowed > 0 {
            // The client stopped short of its Content-Length: the body is incomplete, and
            // the application must not take what came for all of it (RFC 9112 §8).
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.remaining = Some(remaining - read as u64);
        Ok(read)
    }
}
// ANCHOR_END: input

/// The CGI variables PEP 3333 requires in every environ ("environ Variables"). This crate's
/// servers always set all nine, empty when there is nothing to say.
pub const REQUIRED: [&str; 9] = [
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
];

pub use super::variables::Variables;

// ANCHOR: environ
/// The request, as PEP 3333's `environ`.
pub struct Environ<'a> {
    /// The CGI-style variables, all text: `REQUEST_METHOD`, `PATH_INFO`, `HTTP_*`, ...
    vars: Variables,
    /// `wsgi.input`: the request body.
    pub input: Input<'a>,
    /// `wsgi.errors`: where the application writes its error messages (the server's stderr).
    pub errors: Box<dyn Write + 'a>,
    /// `wsgi.url_scheme`: `"http"` or `"https"`.
    pub url_scheme: String,
    /// `wsgi.multithread`: whether other threads may call the application at the same time.
    pub multithread: bool,
    /// `wsgi.multiprocess`: whether other processes may run the same application.
    pub multiprocess: bool,
    /// `wsgi.run_once`: whether the application is called only once in this process (CGI).
    pub run_once: bool,
}
// ANCHOR_END: environ

impl Environ<'static> {
    // ANCHOR: for_request
    /// An environ for `METHOD target` with every key PEP 3333 requires, and no body.
    ///
    /// This is how a test (or the article's section 03) calls an application with no server
    /// at all. [`Environ::for_connection`] starts from the same nine variables.
    pub fn for_request(method: &str, target: &str) -> Environ<'static> {
        Environ::with_variables(Environ::required(method, target, None, "HTTP/1.1".to_string()))
    }

    /// The nine variables PEP 3333 requires, for `METHOD target` to the server at `local`
    /// (`localhost:80` when there is none).
    fn required(
        method: &str,
        target: &str,
        local: Option<SocketAddr>,
        protocol: String,
    ) -> Variables {
        let target = Target::parse(target);
        let (name, port) = match local {
            Some(local) => (address_text(local.ip()), local.port().to_string()),
            None => ("localhost".to_string(), "80".to_string()),
        };
        // In name order, so that each goes on the end of the sorted map.
        let vars = [
            ("CONTENT_LENGTH", String::new()),
            ("CONTENT_TYPE", String::new()),
            // PEP 3333: decoded bytes carried as Latin-1 characters, so that none is lost.
            ("PATH_INFO", latin1(&percent_decode(target.path))),
            ("QUERY_STRING", target.query.to_string()),
            ("REQUEST_METHOD", method.to_string()),
            ("SCRIPT_NAME", String::new()),
            ("SERVER_NAME", name),
            ("SERVER_PORT", port),
            ("SERVER_PROTOCOL", protocol),
        ];
        let mut variables = Variables::new();
        for (key, value) in vars {
            variables.insert(Cow::Borrowed(key), value);
        }
        variables
    }
    // ANCHOR_END: for_request

    // ANCHOR: for_connection
    /// The environ for a request read from a connection: the nine variables, with what only
    /// the connection knows (addresses, protocol, headers), each set once.
    pub fn for_connection(request: &Request, endpoints: &Endpoints) -> Environ<'static> {
        let protocol = request.version.to_string();
        let mut vars =
            Environ::required(&request.method, &request.target, endpoints.local, protocol);
        if let Some(peer) = endpoints.peer {
            vars.insert("REMOTE_ADDR".into(), address_text(peer.ip()));
        }
        for (key, value) in header_variables(&request.headers) {
            vars.insert(key, value); // Content-Type and -Length replace the empty ones
        }
        Environ::with_variables(vars)
    }
    // ANCHOR_END: for_connection

    /// An environ with these variables, no body, errors to stderr, plain HTTP.
    fn with_variables(vars: Variables) -> Environ<'static> {
        Environ {
            vars,
            // Both are boxed values of no size, so a request's environ costs no allocation
            // for them before the gateway puts the real body in.
            input: Input::new(io::empty(), 0),
            errors: Box::new(Stderr),
            url_scheme: "http".to_string(),
            multithread: false,
            multiprocess: false,
            run_once: false,
        }
    }

    /// Gives the request a body in memory, and sets `CONTENT_LENGTH` to match.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Environ<'static> {
        let body = body.into();
        self.set("CONTENT_LENGTH", body.len().to_string());
        self.input = Input::from_bytes(body);
        self
    }
}

impl<'a> Environ<'a> {
    /// `wsgi.version`: this interface follows PEP 3333, WSGI 1.0.
    pub const VERSION: (u32, u32) = (1, 0);

    /// A CGI-style variable, such as `environ.get("HTTP_HOST")`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// Sets a CGI-style variable (middleware and servers do this).
    pub fn set(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<String>) {
        self.vars.insert(key.into(), value.into());
    }

    /// Removes a CGI-style variable, as a server does with a header it must not pass on
    /// (chapter 10).
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.vars.remove(key)
    }

    /// The CGI-style variables, sorted by name.
    pub fn vars(&self) -> &Variables {
        &self.vars
    }

    /// `REQUEST_METHOD`.
    pub fn method(&self) -> &str {
        self.get("REQUEST_METHOD").unwrap_or_default()
    }

    /// `PATH_INFO`: the decoded path, as Latin-1 characters (see [`Environ::path_bytes`]).
    pub fn path_info(&self) -> &str {
        self.get("PATH_INFO").unwrap_or_default()
    }

    /// The decoded path as the bytes the client sent (usually UTF-8).
    pub fn path_bytes(&self) -> Vec<u8> {
        self.path_info().chars().map(|c| c as u8).collect()
    }

    /// `QUERY_STRING`, still percent-encoded.
    pub fn query_string(&self) -> &str {
        self.get("QUERY_STRING").unwrap_or_default()
    }

    // ANCHOR: entries
    /// Every entry as text, `wsgi.*` included, sorted by name: what wsgiref's `demo_app` prints.
    pub fn entries(&self) -> Vec<(String, String)> {
        let (major, minor) = Environ::VERSION;
        let typed = [
            ("wsgi.version", format!("({major}, {minor})")),
            ("wsgi.url_scheme", self.url_scheme.clone()),
            (
                "wsgi.input",
                match self.input.remaining() {
                    Some(bytes) => format!("<request body: {bytes} bytes unread>"),
                    None => "<request body: chunked, read to its end>".to_string(),
                },
            ),
            ("wsgi.errors", "<stderr>".to_string()),
            ("wsgi.multithread", self.multithread.to_string()),
            ("wsgi.multiprocess", self.multiprocess.to_string()),
            ("wsgi.run_once", self.run_once.to_string()),
        ];
        let vars = self.vars.iter().map(|(key, value)| (key.to_string(), value.clone()));
        let mut entries: Vec<(String, String)> = vars.collect();
        entries.extend(typed.into_iter().map(|(key, value)| (key.to_string(), value)));
        entries.sort();
        entries
    }
    // ANCHOR_END: entries
}

// ANCHOR: header_variables
/// The `HTTP_*` variables for a request's headers (PEP 3333, after CGI's RFC 3875 §4.1.18).
///
/// `User-Agent` becomes `HTTP_USER_AGENT`; repeated fields are joined with commas.
/// `Content-Type` and `Content-Length` go in without the prefix, and only once: they hold a
/// single value, so a repeat is not a list (RFC 9110 §5.3). A name with `_` in it is
/// left out: `X_Forwarded_For` and `X-Forwarded-For` would both become
/// `HTTP_X_FORWARDED_FOR`, so a client could forge a header a proxy set (RFC 9110 §17.10).
pub fn header_variables(headers: &Headers) -> Vec<(Cow<'static, str>, String)> {
    let mut variables: Vec<(Cow<'static, str>, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers.iter().filter(|(name, _)| !name.contains('_')) {
        let key = cgi_name(name);
        match variables.iter_mut().find(|(existing, _)| *existing == key) {
            Some(_) if !key.starts_with("HTTP_") => {} // the first Content-Type or -Length
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(value);
            }
            None => variables.push((key, value.to_string())),
        }
    }
    variables
}

/// `User-Agent` as a CGI variable's name: `HTTP_USER_AGENT`, or for the two fields CGI names
/// without the prefix, `CONTENT_TYPE` and `CONTENT_LENGTH`.
fn cgi_name(name: &str) -> Cow<'static, str> {
    // The fields nearly every request carries are looked up rather than spelled out: a
    // borrowed name costs no allocation (chapter 9 counts them).
    let known = COMMON_FIELDS.iter().find(|(field, _)| name.eq_ignore_ascii_case(field));
    if let Some((_, key)) = known {
        return Cow::Borrowed(key);
    }
    let mut key = String::with_capacity("HTTP_".len() + name.len());
    key.push_str("HTTP_");
    key.extend(name.chars().map(|c| if c == '-' { '_' } else { c.to_ascii_uppercase() }));
    key.into()
}

/// Fields and their CGI names: the two without the prefix, then the ones browsers send.
const COMMON_FIELDS: [(&str, &str); 8] = [
    ("content-type", "CONTENT_TYPE"),
    ("content-length", "CONTENT_LENGTH"),
    ("host", "HTTP_HOST"),
    ("user-agent", "HTTP_USER_AGENT"),
    ("accept", "HTTP_ACCEPT"),
    ("accept-encoding", "HTTP_ACCEPT_ENCODING"),
    ("accept-language", "HTTP_ACCEPT_LANGUAGE"),
    ("connection", "HTTP_CONNECTION"),
];
// ANCHOR_END: header_variables

/// `wsgi.errors` by default: the process's stderr, as a value of no size.
struct Stderr;

impl Write for Stderr {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        io::stderr().write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// An IP address as text, as `to_string` writes it. IPv4, the usual case, is written here by
/// hand: `to_string` goes through the formatting machinery (widths, padding), about 1,500
/// instructions an address, and every request needs two (chapter 9 counts them).
fn address_text(ip: IpAddr) -> String {
    let IpAddr::V4(ip) = ip else { return ip.to_string() };
    let mut text = String::with_capacity("255.255.255.255".len());
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn addresses_are_written_as_to_string_writes_them() {
        let addresses =
            ["0.0.0.0", "127.0.0.1", "255.255.255.255", "10.20.30.40", "1.100.9.99", "::1"];
        for address in addresses {
            let ip: IpAddr = address.parse().unwrap();
            assert_eq!(address_text(ip), ip.to_string());
        }
    }

    #[test]
    fn a_hand_built_environ_has_every_required_key() {
        let environ = Environ::for_request("GET", "/caf%C3%A9?q=%20x");
        for key in REQUIRED {
            assert!(environ.get(key).is_some(), "{key} is missing");
        }
        assert_eq!(environ.path_bytes(), "/café".as_bytes());
        assert_eq!(environ.path_info(), "/cafÃ©", "the UTF-8 bytes of é, as Latin-1 characters");
        assert_eq!(environ.query_string(), "q=%20x");
    }

    #[test]
    fn input_never_yields_more_than_content_length() {
        let mut input = Input::new(&b"hello, and the next request"[..], 5);
        let mut body = String::new();
        input.read_to_string(&mut body).unwrap();
        assert_eq!(body, "hello");
    }

    #[test]
    fn entries_are_sorted_and_include_the_wsgi_keys() {
        let environ = Environ::for_request("POST", "/").with_body("abc");
        let entries = environ.entries();
        let keys: Vec<&str> = entries.iter().map(|(key, _)| key.as_str()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert!(entries.contains(&("CONTENT_LENGTH".to_string(), "3".to_string())));
        assert!(entries.contains(&("wsgi.version".to_string(), "(1, 0)".to_string())));
    }

    #[test]
    fn headers_become_cgi_variables() {
        let mut headers = Headers::default();
        headers.push("User-Agent", "curl/8");
        headers.push("Accept", "text/html");
        headers.push("accept", "*/*");
        headers.push("Content-Type", "text/plain");
        headers.push("X_Forged", "no");
        headers.push("x-Request-Id", "7"); // not among the common fields: spelled out
        let variables = header_variables(&headers);
        assert_eq!(
            variables,
            vec![
                ("HTTP_USER_AGENT".into(), "curl/8".to_string()),
                ("HTTP_ACCEPT".into(), "text/html,*/*".to_string()),
                ("CONTENT_TYPE".into(), "text/plain".to_string()),
                ("HTTP_X_REQUEST_ID".into(), "7".to_string()),
            ]
        );
    }
}
