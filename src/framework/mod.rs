//! A small web framework on the chapter 4 interface, what Flask is to WSGI (chapter 8).
//!
//! Nothing here talks to a socket. A [`Router`] is an [`Application`](crate::wsgi::Application)
//! like any other; its handlers get a [`Request`] (typed questions over the environ) and
//! answer a [`Response`] or an [`HttpError`]; middleware ([`RequestLog`], [`ErrorPage`],
//! [`StaticFiles`]) wraps one application in another. [`site`] stacks them into what the
//! chapter's binary serves: this book at `/`, and a demo under `/demo/`.
//!
//! | module | idea |
//! | --- | --- |
//! | `router` | method and path pattern to handler; 404, 405 with `Allow`, HEAD as GET |
//! | `request`, `response` | the environ as typed values; a response builder; errors as pages |
//! | `middleware` | an application around an application: the log, the error page |
//! | `static_files` | files from a folder, cached by the browser, never from outside it |
//! | `demo` | the routes under `/demo/` |

pub mod demo;
mod middleware;
mod request;
mod response;
mod router;
mod static_files;

use std::path::PathBuf;

pub use middleware::{ErrorPage, RequestLog};
pub use request::{Params, Request, parse_urlencoded};
pub use response::{HttpError, Response, statuses};
pub use router::{DEFAULT_BODY_LIMIT, Handler, Router};
pub use static_files::{CHUNK, StaticFiles, content_type};

// ANCHOR: site
/// What `08-framework` serves: the built book from `book`, the demo under `/demo/`, and a
/// page at `/` that says how to build the book while it is not built.
///
/// Read from the outside in, the order is the order a request meets them. The error page
/// comes first so that a panic below it while the response is chosen (in a handler, or in
/// looking up a file) is a page; a panic later, while the body is produced, is the
/// gateway's 500 or cut connection (chapter 7). Files before the routes so that a file never costs a route lookup, and a route can
/// never hide a file. The log goes around all of it, in the binary (`RequestLog::new(site(..))`),
/// so that it records the status the client really got, 500s included.
pub fn site(book: impl Into<PathBuf>) -> ErrorPage<StaticFiles<Router>> {
    ErrorPage::new(StaticFiles::new(book, demo::routes()))
}
// ANCHOR_END: site
