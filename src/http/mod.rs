//! HTTP/1.x framing, built by hand (chapter 2; grown in chapter 5).
//!
//! A request is bytes on a socket until we find where it ends; a response is bytes we must
//! frame so the client knows where *it* ends. This module does both, following RFC 9112
//! (message syntax) and RFC 9110 (semantics), and nothing more than the chapters need.

mod body;
mod chunk_scanner;
mod chunked;
mod clock;
pub(crate) mod exchange;
pub mod forwarded;
mod framing;
mod request;
mod response;
mod status;
mod target;
mod text;

pub use body::RequestBody;
pub use chunk_scanner::ChunkScanner;
pub use chunked::{ChunkedReader, LAST_CHUNK, encode_chunk};
pub use clock::Clock;
pub use exchange::{Config, close_gracefully, discard_what_comes, respond};
pub use forwarded::Proxy;
pub use framing::{
    BodyFraming, HOP_BY_HOP, Persistence, ResponseFraming, declared_length, list_values,
    parse_length, plan_response, request_framing, status_has_body, wants_keep_alive,
};
pub use request::{Headers, Limits, Request, RequestError, Version, parse_head, read_request};
pub use response::{Response, write_head};
pub use status::{Status, status_code};
pub use target::{Target, TargetForm, percent_decode, query_param};
pub use text::{is_field_char, is_field_text, is_token_byte, latin1};
