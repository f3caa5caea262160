//! Status codes the server itself produces (chapter 2).

use std::fmt;

/// A status code and its reason phrase, as in the status line `HTTP/1.1 404 Not Found`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub reason: &'static str,
}

impl Status {
    pub const CONTINUE: Status = Status { code: 100, reason: "Continue" };
    pub const OK: Status = Status { code: 200, reason: "OK" };
    pub const BAD_REQUEST: Status = Status { code: 400, reason: "Bad Request" };
    pub const NOT_FOUND: Status = Status { code: 404, reason: "Not Found" };
    pub const METHOD_NOT_ALLOWED: Status = Status { code: 405, reason: "Method Not Allowed" };
    pub const REQUEST_TIMEOUT: Status = Status { code: 408, reason: "Request Timeout" };
    pub const EXPECTATION_FAILED: Status = Status { code: 417, reason: "Expectation Failed" };
    pub const CONTENT_TOO_LARGE: Status = Status { code: 413, reason: "Content Too Large" };
    pub const URI_TOO_LONG: Status = Status { code: 414, reason: "URI Too Long" };
    pub const HEADERS_TOO_LARGE: Status =
        Status { code: 431, reason: "Request Header Fields Too Large" };
    pub const INTERNAL_SERVER_ERROR: Status = Status { code: 500, reason: "Internal Server Error" };
    pub const NOT_IMPLEMENTED: Status = Status { code: 501, reason: "Not Implemented" };
    pub const SERVICE_UNAVAILABLE: Status = Status { code: 503, reason: "Service Unavailable" };
    pub const VERSION_NOT_SUPPORTED: Status =
        Status { code: 505, reason: "HTTP Version Not Supported" };
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.reason)
    }
}
