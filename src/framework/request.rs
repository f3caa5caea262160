//! The request as a handler sees it: typed questions over the environ (chapter 8).
//!
//! Everything here is already in chapter 4's [`Environ`]: the method in `REQUEST_METHOD`, the
//! query in `QUERY_STRING`, a header in `HTTP_*`, the body behind `wsgi.input`. What Werkzeug
//! is to Flask, this is to the router: it parses those strings once, says no with a 4xx
//! when they make no sense, and never reads more body than it was told it may.

use std::io::Read;

use serde::de::DeserializeOwned;

use super::response::{HttpError, statuses};
use crate::http::{Status, percent_decode};
use crate::wsgi::Environ;

/// Name and value pairs in the order they came: a path's parameters, a query, a form,
/// cookies. A name may come more than once; [`Params::get`] gives the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// The first value named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Every value named `name`, in order (`?tag=a&tag=b`).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

// ANCHOR: request
/// One request, for one handler: the environ, the parameters the route matched, and how
/// much body the application accepts.
pub struct Request<'r, 'a> {
    environ: &'r mut Environ<'a>,
    params: Params,
    body_limit: u64,
    /// The body, once read: `form()` and `json()` both need it, and a stream reads once.
    body: Option<Vec<u8>>,
}
// ANCHOR_END: request

impl<'r, 'a> Request<'r, 'a> {
    pub fn new(environ: &'r mut Environ<'a>, params: Params, body_limit: u64) -> Self {
        Request { environ, params, body_limit, body: None }
    }

    /// The environ underneath, for anything the typed methods do not cover.
    pub fn environ(&mut self) -> &mut Environ<'a> {
        self.environ
    }

    pub fn method(&self) -> &str {
        self.environ.method()
    }

    /// The path a client asks for to reach `path` of this application: see [`url_for`].
    pub fn url_for(&self, path: &str) -> String {
        url_for(self.environ, path)
    }

    /// The decoded path, as text (bytes that are not UTF-8 show as `�`).
    pub fn path(&self) -> String {
        String::from_utf8_lossy(&self.environ.path_bytes()).into_owned()
    }

    /// The parameter `<name>` of the route that matched, decoded.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }

    /// The query string, decoded: `?q=caf%C3%A9&page=2` gives `q = café`, `page = 2`.
    pub fn query(&self) -> Result<Params, HttpError> {
        parse_urlencoded(self.environ.query_string(), "the query string")
    }

    // ANCHOR: header
    /// A request header by its HTTP name, any case: `header("User-Agent")` reads
    /// `HTTP_USER_AGENT`. `Content-Type` and `Content-Length` have no `HTTP_` prefix in the
    /// environ (PEP 3333, after CGI).
    pub fn header(&self, name: &str) -> Option<&str> {
        let key = name.to_ascii_uppercase().replace('-', "_");
        match key.as_str() {
            "CONTENT_TYPE" | "CONTENT_LENGTH" => self.environ.get(&key),
            _ => self.environ.get(&format!("HTTP_{key}")),
        }
        .filter(|value| !value.is_empty())
    }
    // ANCHOR_END: header

    /// The cookies the client sent (`Cookie: a=1; b=2`, RFC 6265 §5.4), values as they came.
    pub fn cookies(&self) -> Params {
        let header = self.header("Cookie").unwrap_or_default();
        let pairs = header.split(';').filter_map(|pair| pair.trim().split_once('='));
        let unquoted = |value: &str| {
            let inside = value.strip_prefix('"').and_then(|value| value.strip_suffix('"'));
            inside.unwrap_or(value).to_string()
        };
        Params(pairs.map(|(name, value)| (name.to_string(), unquoted(value))).collect())
    }

    // ANCHOR: body
    /// The whole request body, read through `wsgi.input`, at most the router's body limit:
    /// a larger body is a `413` without reading it, or as soon as the limit is passed when
    /// no length was announced (a chunked body).
    pub fn body(&mut self) -> Result<&[u8], HttpError> {
        if self.body.is_none() {
            self.body = Some(self.read_body()?);
        }
        Ok(self.body.as_deref().unwrap_or_default())
    }

    fn read_body(&mut self) -> Result<Vec<u8>, HttpError> {
        let limit = self.body_limit;
        let too_large = || {
            let message = format!("this application takes at most {limit} bytes of body");
            HttpError::new(Status::CONTENT_TOO_LARGE, message)
        };
        if self.environ.input.remaining().is_some_and(|length| length > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        // One byte past the limit is enough to know it was passed.
        let mut reader = (&mut self.environ.input).take(limit + 1);
        if let Err(error) = reader.read_to_end(&mut body) {
            return Err(HttpError::bad_request(format!("the body could not be read: {error}")));
        }
        match body.len() as u64 > limit {
            true => Err(too_large()),
            false => Ok(body),
        }
    }
    // ANCHOR_END: body

    // ANCHOR: form
    /// The body of an HTML form (`application/x-www-form-urlencoded`), decoded.
    pub fn form(&mut self) -> Result<Params, HttpError> {
        self.expect_content_type("application/x-www-form-urlencoded")?;
        let body = std::str::from_utf8(self.body()?)
            .map_err(|_| HttpError::bad_request("the form is not UTF-8"))?;
        parse_urlencoded(body, "the form")
    }

    /// The body as JSON, read into any type serde can build: `serde_json::Value` for
    /// anything, or a struct of your own. Not JSON at all is a `400`.
    pub fn json<T: DeserializeOwned>(&mut self) -> Result<T, HttpError> {
        self.expect_content_type("application/json")?;
        serde_json::from_slice(self.body()?).map_err(|error| {
            HttpError::bad_request(format!("the body is not the JSON expected: {error}"))
        })
    }
    // ANCHOR_END: form

    /// A `415` unless the body is of the media type `expected` (parameters such as
    /// `; charset=utf-8` allowed).
    fn expect_content_type(&self, expected: &str) -> Result<(), HttpError> {
        let given = self.header("Content-Type").unwrap_or_default();
        let media_type = given.split(';').next().unwrap_or_default().trim();
        match media_type.eq_ignore_ascii_case(expected) {
            true => Ok(()),
            false => Err(HttpError::new(
                statuses::UNSUPPORTED_MEDIA_TYPE,
                format!("send the body as {expected}, not {given:?}"),
            )),
        }
    }
}

// ANCHOR: url_for
/// The path a client asks for to reach `path` (a URL path of this application, such as
/// `/demo/`): `SCRIPT_NAME` in front of it.
///
/// Every link and redirect the framework makes goes through this. Mounted under `/app`
/// behind a proxy (chapter 10), the application sees `PATH_INFO=/demo/`, but a browser that
/// follows a bare `/demo/` leaves the mount: the link must say `/app/demo/`.
pub fn url_for(environ: &Environ<'_>, path: &str) -> String {
    let script_name = environ.get("SCRIPT_NAME").unwrap_or_default();
    // SCRIPT_NAME holds decoded bytes as Latin-1 characters, as PATH_INFO does.
    let bytes: Vec<u8> = script_name.chars().map(|c| c as u8).collect();
    format!("{}{path}", percent_encode(&bytes))
}
// ANCHOR_END: url_for

/// The bytes of a path as ASCII, each byte outside the safe set as `%XX`.
pub(super) fn percent_encode(path: &[u8]) -> String {
    let safe = |byte: u8| byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte);
    path.iter()
        .map(|&byte| match safe(byte) {
            true => char::from(byte).to_string(),
            false => format!("%{byte:02X}"),
        })
        .collect()
}

// ANCHOR: urlencoded
/// Decodes `a=1&b=caf%C3%A9&c=two+words`, as browsers encode forms and queries (the URL
/// standard's `application/x-www-form-urlencoded`): `+` is a space, `%XX` a byte, and the
/// bytes must be UTF-8, or the client gets a `400` that says which part was wrong.
pub fn parse_urlencoded(text: &str, what: &str) -> Result<Params, HttpError> {
    let decode = |part: &str| {
        String::from_utf8(percent_decode(&part.replace('+', " ")))
            .map_err(|_| HttpError::bad_request(format!("{what} is not UTF-8 once decoded")))
    };
    let pairs = text.split('&').filter(|pair| !pair.is_empty());
    let decoded = pairs.map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        Ok((decode(name)?, decode(value)?))
    });
    decoded.collect::<Result<_, _>>().map(Params)
}
// ANCHOR_END: urlencoded

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect())
    }

    #[test]
    fn urlencoded_text_is_decoded_as_utf8() {
        assert_eq!(
            parse_urlencoded("q=caf%C3%A9&two=a+b&empty=&flag&&q=2", "the query"),
            Ok(params(&[("q", "café"), ("two", "a b"), ("empty", ""), ("flag", ""), ("q", "2")]))
        );
        let error = parse_urlencoded("q=%FF", "the query").unwrap_err();
        assert_eq!(
            (error.status.code, error.message.as_str()),
            (400, "the query is not UTF-8 once decoded")
        );
    }

    #[test]
    fn links_are_made_under_the_script_name() {
        let mut environ = Environ::for_request("GET", "/demo");
        assert_eq!(url_for(&environ, "/demo/"), "/demo/", "at the root, nothing in front");
        environ.set("SCRIPT_NAME", "/app");
        let request = Request::new(&mut environ, Params::default(), 10);
        assert_eq!(request.url_for("/demo/"), "/app/demo/");
        // A prefix of bytes outside ASCII goes out encoded, as it came in.
        environ.set("SCRIPT_NAME", crate::http::latin1("/文".as_bytes()));
        assert_eq!(url_for(&environ, "/"), "/%E6%96%87/");
    }

    #[test]
    fn headers_are_found_by_their_http_name() {
        let mut environ = Environ::for_request("GET", "/");
        environ.set("HTTP_USER_AGENT", "curl/8");
        environ.set("CONTENT_TYPE", "text/plain");
        let request = Request::new(&mut environ, Params::default(), 10);
        assert_eq!(request.header("user-agent"), Some("curl/8"));
        assert_eq!(request.header("Content-Type"), Some("text/plain"));
        assert_eq!(request.header("Content-Length"), None, "empty is absent");
    }

    #[test]
    fn cookies_are_split_and_unquoted() {
        let mut environ = Environ::for_request("GET", "/");
        environ.set("HTTP_COOKIE", "visits=3; theme=\"dark\";broken; empty=");
        let request = Request::new(&mut environ, Params::default(), 10);
        assert_eq!(request.cookies(), params(&[("visits", "3"), ("theme", "dark"), ("empty", "")]));
    }

    #[test]
    fn a_body_past_the_limit_is_413_whether_announced_or_not() {
        let mut environ = Environ::for_request("POST", "/").with_body("0123456789");
        let mut request = Request::new(&mut environ, Params::default(), 10);
        assert_eq!(request.body(), Ok(&b"0123456789"[..]), "exactly the limit is fine");

        let mut environ = Environ::for_request("POST", "/").with_body("0123456789x");
        let mut request = Request::new(&mut environ, Params::default(), 10);
        assert_eq!(request.body().unwrap_err().status.code, 413, "announced too large");

        let mut environ = Environ::for_request("POST", "/");
        environ.input = crate::wsgi::Input::until_end(&b"0123456789x"[..]);
        let mut request = Request::new(&mut environ, Params::default(), 10);
        assert_eq!(request.body().unwrap_err().status.code, 413, "chunked, found too large");
    }

    #[test]
    fn forms_and_json_need_their_content_type() {
        let mut environ = Environ::for_request("POST", "/").with_body("name=Ada+L");
        environ.set("CONTENT_TYPE", "application/x-www-form-urlencoded; charset=utf-8");
        let mut request = Request::new(&mut environ, Params::default(), 100);
        assert_eq!(request.form(), Ok(params(&[("name", "Ada L")])));
        assert_eq!(request.json::<serde_json::Value>().unwrap_err().status.code, 415);

        let mut environ = Environ::for_request("POST", "/").with_body(r#"{"name": "Ada"}"#);
        environ.set("CONTENT_TYPE", "application/json");
        let mut request = Request::new(&mut environ, Params::default(), 100);
        let value: serde_json::Value = request.json().unwrap();
        assert_eq!(value["name"], "Ada");

        let mut environ = Environ::for_request("POST", "/").with_body("{not json");
        environ.set("CONTENT_TYPE", "application/json");
        let mut request = Request::new(&mut environ, Params::default(), 100);
        let error = request.json::<serde_json::Value>().unwrap_err();
        assert_eq!(error.status.code, 400);
        assert!(error.message.starts_with("the body is not the JSON expected"), "{error:?}");
    }
}
