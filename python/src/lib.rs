//! Chapter 9: real Python WSGI applications (PEP 3333) on the tutorial's server, through an
//! embedded CPython.
//!
//! The server is chapter 7's, unchanged: the reactor, the gateway, the limits and the flags.
//! What this package adds is one [`Application`](socket_to_wsgi::wsgi::Application), whose
//! `invoke` calls a Python callable, and the Python objects PEP 3333 hands it.
//!
//! | module | idea |
//! | --- | --- |
//! | [`interpreter`] | starting CPython, its `sys.path`, loading `MODULE:CALLABLE` |
//! | [`workers`] | each worker attached to Python for its life, the GIL let go around waits |
//! | [`application`] | the Python callable as an `Application`: call, first chunk, 500s |
//! | [`environ`] | the `environ` dict, fresh for every request |
//! | [`input`] | `wsgi.input`, a file over the request body the gateway reads |
//! | [`start_response`] | `start_response(status, headers, exc_info)` and `write` |
//! | [`body`] | the response iterable, streamed chunk by chunk, and its `close()` |
//! | [`file_wrapper`] | `wsgi.file_wrapper` |

pub mod application;
pub mod body;
pub mod environ;
pub mod file_wrapper;
pub mod input;
pub mod interpreter;
pub mod start_response;
pub mod workers;

pub use application::PythonApp;
