//! HTTP/1.x framing, built by hand (chapter 2).
//!
//! A request is bytes on a socket until we find where it ends; a response is bytes we must
//! frame so the client knows where *it* ends. This module does both, following RFC 9112
//! (message syntax) and RFC 9110 (semantics), and nothing more than the chapters need.

mod clock;
pub(crate) mod exchange;
mod request;
mod response;
mod status;
mod target;

pub use clock::Clock;
pub use exchange::{Config, close_gracefully, respond};
pub use request::{Headers, Limits, Request, RequestError, Version, latin1, read_request};
pub use response::{Response, write_head};
pub use status::Status;
pub use target::{Target, percent_decode, query_param};
