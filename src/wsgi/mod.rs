//! The WSGI-style interface between a server and an application (chapter 4).
//!
//! PEP 3333 splits a web server in two. The *server* (gateway) speaks HTTP; the
//! *application* is a callable that takes the request as an `environ` and a `start_response`
//! callback, and returns the body. Because the boundary is fixed, any server can run any
//! application. Here each Python piece has a Rust type:
//!
//! | PEP 3333 | Rust |
//! | --- | --- |
//! | `environ` dict | [`Environ`] |
//! | `start_response(status, headers)` | [`StartResponse`] |
//! | iterable of byte strings, with `close()` | [`Body`], an iterator; `close()` is `Drop` |
//! | `application(environ, start_response)` | [`Application`], implemented by every matching `Fn` |
//! | the server / gateway | [`Gateway`] |

mod application;
pub mod behind_proxy;
mod body;
pub mod demo;
mod environ;
mod gateway;
mod persistent;
mod sending;
mod start_response;
mod validate;
mod variables;

pub use application::Application;
pub(crate) use application::catch_panic;
pub use body::Body;
pub use environ::{Environ, Input, REQUIRED as REQUIRED_KEYS};
pub use gateway::{Exchanged, Gateway, Unsent};
pub use start_response::StartResponse;
pub use validate::Validator;
