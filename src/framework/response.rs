//! What a handler answers: a response builder, and errors that become 4xx pages (chapter 8).
//!
//! A handler in the framework never sees `start_response`. It builds a [`Response`] (status,
//! headers, body) and returns it, or returns an [`HttpError`] with `?`; the router turns
//! either into the `start_response` call and the body that chapter 4's interface expects.

use std::fmt;

use crate::http::Status;
use crate::wsgi::{Body, StartResponse};

/// The statuses the framework answers with that the server itself never needs.
pub mod statuses {
    use crate::http::Status;

    pub const CREATED: Status = Status { code: 201, reason: "Created" };
    pub const MOVED_PERMANENTLY: Status = Status { code: 301, reason: "Moved Permanently" };
    pub const NOT_MODIFIED: Status = Status { code: 304, reason: "Not Modified" };
    pub const UNSUPPORTED_MEDIA_TYPE: Status =
        Status { code: 415, reason: "Unsupported Media Type" };
}

const TEXT: &str = "text/plain; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";

// ANCHOR: response
/// A response a handler builds: `Response::text("hi").with_header("X-Greeting", "yes")`.
pub struct Response {
    status: Status,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Response {
    /// A response with a status, no headers and no body (add them with the `with_` methods).
    pub fn new(status: Status) -> Response {
        Response { status, headers: Vec::new(), body: Body::empty() }
    }

    /// `200 OK` with a UTF-8 text body.
    pub fn text(text: impl Into<String>) -> Response {
        Response::new(Status::OK).with_content(TEXT, text.into().into_bytes())
    }

    /// `200 OK` with a UTF-8 HTML body.
    pub fn html(html: impl Into<String>) -> Response {
        Response::new(Status::OK).with_content(HTML, html.into().into_bytes())
    }

    /// `200 OK` with `value` as a JSON body.
    pub fn json(value: &serde_json::Value) -> Response {
        Response::new(Status::OK).with_content(JSON, value.to_string().into_bytes())
    }

    /// The same response with another status.
    pub fn with_status(mut self, status: Status) -> Response {
        self.status = status;
        self
    }

    /// The same response with one more header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// A body held in memory, with its `Content-Type` and the `Content-Length` that frames it.
    pub fn with_content(self, content_type: &str, bytes: Vec<u8>) -> Response {
        let length = bytes.len();
        self.with_stream(content_type, length as u64, Body::from(bytes))
    }

    /// A body produced chunk by chunk (a file, say) of `length` bytes in all.
    pub fn with_stream(self, content_type: &str, length: u64, body: Body) -> Response {
        let mut response = self.with_header("Content-Type", content_type);
        response.headers.push(("Content-Length".to_string(), length.to_string()));
        response.body = body;
        response
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// The value of the first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(field, _)| field.eq_ignore_ascii_case(name));
        found.map(|(_, value)| value.as_str())
    }

    /// Hands the status and headers to `start_response` and returns the body: the one place
    /// where a framework response becomes a chapter 4 response.
    pub fn send(self, start_response: &mut StartResponse) -> Body {
        start_response.call(&self.status.to_string(), self.headers);
        self.body
    }
}
// ANCHOR_END: response

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({}, {:?})", self.status, self.headers)
    }
}

// ANCHOR: http_error
/// A request the application cannot serve, and why, in words for the client: it becomes a
/// page with the status and the message. Handlers return it with `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    pub status: Status,
    pub message: String,
    /// Headers the status calls for, such as `Allow` on a 405.
    pub headers: Vec<(String, String)>,
}

impl HttpError {
    pub fn new(status: Status, message: impl Into<String>) -> HttpError {
        HttpError { status, message: message.into(), headers: Vec::new() }
    }

    pub fn bad_request(message: impl Into<String>) -> HttpError {
        HttpError::new(Status::BAD_REQUEST, message)
    }

    pub fn not_found(path: &str) -> HttpError {
        HttpError::new(Status::NOT_FOUND, format!("nothing lives at {path}"))
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> HttpError {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

impl From<HttpError> for Response {
    /// A short text page: `404 Not Found: nothing lives at /nowhere`.
    fn from(error: HttpError) -> Response {
        let page = format!("{}: {}\n", error.status, error.message);
        let mut response = Response::new(error.status);
        response.headers = error.headers;
        response.with_content(TEXT, page.into_bytes())
    }
}
// ANCHOR_END: http_error

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn sent(response: Response) -> (Option<String>, Vec<(String, String)>, String) {
        let mut start_response = StartResponse::default();
        let body: Vec<u8> = response.send(&mut start_response).flatten().collect();
        let (status, headers) = start_response.into_parts();
        (status, headers, String::from_utf8(body).unwrap())
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    #[test]
    fn a_text_response_is_framed_by_its_length() {
        let response = Response::text("héllo").with_header("X-Greeting", "yes");
        assert_eq!(
            sent(response),
            (
                Some("200 OK".to_string()),
                pairs(&[("Content-Type", TEXT), ("Content-Length", "6"), ("X-Greeting", "yes")]),
                "héllo".to_string()
            )
        );
    }

    #[test]
    fn an_error_becomes_a_page_with_its_status_and_headers() {
        let error =
            HttpError::new(Status::METHOD_NOT_ALLOWED, "use GET").with_header("Allow", "GET, HEAD");
        let (status, headers, body) = sent(Response::from(error));
        assert_eq!(status.as_deref(), Some("405 Method Not Allowed"));
        assert_eq!(headers[0], ("Allow".to_string(), "GET, HEAD".to_string()));
        assert_eq!(body, "405 Method Not Allowed: use GET\n");
    }

    #[test]
    fn json_is_serialized_with_its_content_type() {
        let response = Response::json(&serde_json::json!({ "greeting": "你好" }));
        assert_eq!(response.header("content-type"), Some(JSON));
        assert_eq!(sent(response).2, r#"{"greeting":"你好"}"#);
    }
}
