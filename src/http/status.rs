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

/// The code of a status such as `"404 Not Found"`, if it has PEP 3333's form: three digits,
/// a space, and a reason phrase. The one rule for it, used by the gateway and the validator.
pub fn status_code(status: &str) -> Option<u16> {
    let (code, reason) = status.split_at_checked(3)?;
    let reason = reason.strip_prefix(' ')?;
    let well_formed = code.bytes().all(|byte| byte.is_ascii_digit()) && !reason.trim().is_empty();
    well_formed.then(|| code.parse().ok()).flatten()
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn a_status_is_a_code_a_space_and_a_reason() {
        assert_eq!(status_code("404 Not Found"), Some(404));
        assert_eq!(status_code("200 OK"), Some(200));
        for wrong in ["200", "200 ", "200OK", "2000 OK", "OK 200", "20x OK", "", "é00 OK"] {
            assert_eq!(status_code(wrong), None, "{wrong:?}");
        }
    }
}
