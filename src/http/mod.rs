//! HTTP/1.x framing, built by hand (chapter 2).
//!
//! A request is bytes on a socket until we find where it ends; a response is bytes we must
//! frame so the client knows where *it* ends. This module does both, following RFC 9112
//! (message syntax) and RFC 9110 (semantics), and nothing more than the chapters need.

mod chunked;
mod clock;
pub(crate) mod exchange;
mod framing;
mod request;
mod response;
mod status;
mod target;

pub use chunked::{ChunkedReader, LAST_CHUNK, encode_chunk};
pub use clock::Clock;
pub use exchange::{Config, close_gracefully, respond};
pub use framing::{BodyFraming, FramingError, list_values, request_framing, wants_keep_alive};
pub use request::{
    Headers, Limits, Request, RequestError, Version, is_token_byte, latin1, read_request,
};
pub use response::{Response, write_head};
pub use status::Status;
pub use target::{Target, percent_decode, query_param};
