//! From a raw socket to a WSGI-style web server, one idea per module.
//!
//! The numbered binaries in `chapters/` are thin: they parse flags and call this library.
//! Each module below is introduced by one chapter of the book and reused, not copied, by the
//! chapters after it.
//!
//! | chapter | module | idea |
//! | --- | --- | --- |
//! | 1 | [`cli`], [`server`], [`echo`] | flags, the accept loop and how it stops, echoing bytes |
//! | 2 | [`http`], [`pages`] | framing a request, answering with a correct response |
//! | 3 | [`pool`], [`sleep`] | serving many clients at once, with a bounded number of threads |
//! | 4 | [`wsgi`] | the application interface of PEP 3333, in Rust types |
//! | 5 | [`connection`], [`http`], [`wsgi`] | keep-alive, pipelining, chunked bodies both ways |
//! | 6 | [`reactor`], [`connection`] | idle connections parked with the kernel; idle and head timeouts |
//! | 7 | [`reactor`], [`wsgi`], [`spool`] | limits, hostile input, bodies gathered before the application runs, failing applications, the validator |
//! | 8 | [`framework`] | routing, requests and responses, middleware, static files: Flask's share |
//! | 9 | [`reactor`] | each worker's life inside a caller's function (the `python/` package keeps workers attached to CPython) |
//! | 10 | [`master`], [`listen`], [`signals`], [`site`] | worker processes under a master, a socket handed over by systemd, reload on SIGHUP |

pub mod cli;
pub mod connection;
pub mod echo;
pub mod framework;
pub mod http;
#[cfg(unix)]
pub mod listen;
#[cfg(unix)]
pub mod master;
#[cfg(not(unix))]
#[path = "master_elsewhere.rs"]
pub mod master;
pub mod pages;
pub mod pool;
pub mod reactor;
pub mod server;
#[cfg(unix)]
pub mod signals;
pub mod site;
pub mod sleep;
pub mod spool;
pub mod wsgi;
