//! A Python WSGI callable as a chapter 4 [`Application`] (chapter 9).
//!
//! The gateway calls `invoke` for every request, exactly as it calls a Rust function. Here
//! `invoke` takes the GIL, builds the environ dict, calls the Python application and takes
//! its body up to the first non-empty chunk: a generator may call `start_response` only once
//! it runs (PEP 3333 allows it), and the status must be known before the gateway sends the
//! head. Then the status and headers go to the gateway's `StartResponse`, and the rest of the
//! body stays in Python, to be taken chunk by chunk.

use std::collections::VecDeque;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyList, PyTuple};
use socket_to_wsgi::wsgi::{Application, Body, Environ, StartResponse};

use crate::body::{PythonBody, bytes_of, close, next_chunk};
use crate::environ::{add_input, environ_dict};
use crate::input::lend;
use crate::start_response::{self, Response};

/// What the client gets when the application raised before its response started.
const FAILED: &str = "500: the application raised an exception; the server log has its traceback\n";

// ANCHOR: python_app
/// A Python callable `application(environ, start_response)`.
pub struct PythonApp {
    callable: Py<PyAny>,
}

impl PythonApp {
    pub fn new(callable: Py<PyAny>) -> PythonApp {
        PythonApp { callable }
    }
}

impl Application for PythonApp {
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        let response = Response::default();
        let started = Python::attach(|py| self.start(py, environ, &response));
        let mut chosen = response.lock();
        // Moved, not copied: nothing asks for the headers once the gateway has them.
        let headers = std::mem::take(&mut chosen.headers);
        match (started, &chosen.status) {
            (Some(body), Some(status)) => {
                start_response.replace(status, headers);
                body
            }
            // Returned without calling start_response: the gateway says so and answers 500.
            (Some(body), None) => body,
            (None, _) => {
                let length = FAILED.len().to_string();
                let headers =
                    [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", &length)];
                start_response.replace("500 Internal Server Error", headers);
                Body::from(FAILED)
            }
        }
    }
}
// ANCHOR_END: python_app

impl PythonApp {
    // ANCHOR: start
    /// Calls the application and takes its body up to the first non-empty chunk. `None`
    /// when it raised before anything could be sent (the traceback is on stderr).
    fn start(
        &self,
        py: Python<'_>,
        environ: &mut Environ<'_>,
        response: &Response,
    ) -> Option<Body> {
        let dict = environ_dict(py, environ).inspect_err(|error| error.print(py)).ok()?;
        lend(py, &mut environ.input, |input| {
            let start_response = start_response::StartResponse { response: response.clone() };
            let called = add_input(&dict, input)
                .and_then(|()| self.callable.bind(py).call1((dict, start_response)));
            let iterable = match called {
                Ok(iterable) => iterable,
                Err(error) => return failed(py, &error, None, response),
            };
            match first_chunks(&iterable, response) {
                Ok(first) => {
                    if first.is_whole {
                        add_length(&first.ready, response);
                    }
                    if first.rest.is_some() && fills_its_length(&first.ready, response) {
                        // All its Content-Length announced is here, and the gateway sends no
                        // more: the body is done, so close() now, in this hold of the GIL.
                        if let Err(error) = close(&iterable) {
                            error.print(py);
                        }
                        let body = PythonBody::new(first.ready, None, None, response.clone());
                        return Some(body.into_body());
                    }
                    // Only an iterable with `close()` needs the GIL again once it is sent.
                    let closable = may_have_close(&iterable);
                    let iterable = closable.then(|| iterable.unbind());
                    let body = PythonBody::new(first.ready, first.rest, iterable, response.clone());
                    Some(body.into_body())
                }
                Err(error) => failed(py, &error, Some(iterable), response),
            }
        })
    }
    // ANCHOR_END: start
}

/// Whether `iterable` may have a `close()` to call. The list most applications return has
/// none, which is known without asking: `hasattr` on a list makes and formats an
/// `AttributeError` to say so, a cost the hello-world's profile showed on every request.
fn may_have_close(iterable: &Bound<'_, PyAny>) -> bool {
    let plain =
        iterable.is_exact_instance_of::<PyList>() || iterable.is_exact_instance_of::<PyTuple>();
    !plain && iterable.hasattr(intern!(iterable.py(), "close")).unwrap_or(true)
}

/// What is taken from the body before the head is sent.
struct FirstChunks {
    /// The bytes given to `write`, then the first non-empty chunk.
    ready: VecDeque<Vec<u8>>,
    /// The iterator, if it may hold more.
    rest: Option<Py<PyIterator>>,
    /// Whether `ready` is the whole body because the iterable is a list or tuple of one.
    is_whole: bool,
}

/// The bytes given to `write`, then the iterable's chunks up to the first non-empty one.
/// A list or tuple of one bytestring (Flask's usual answer) is taken whole, so that the
/// rest of the request needs the GIL no more.
fn first_chunks(iterable: &Bound<'_, PyAny>, response: &Response) -> PyResult<FirstChunks> {
    let mut ready: VecDeque<Vec<u8>> = std::mem::take(&mut response.lock().written).into();
    let single = match iterable.cast::<PyList>() {
        Ok(list) if list.len() == 1 => Some(list.get_item(0)?),
        _ => match iterable.cast::<PyTuple>() {
            Ok(tuple) if tuple.len() == 1 => Some(tuple.get_item(0)?),
            _ => None,
        },
    };
    if let Some(only) = single {
        ready.push_back(bytes_of(&only)?);
        let is_whole = ready.len() == 1;
        return Ok(FirstChunks { ready, rest: None, is_whole });
    }
    let mut iterator = iterable.try_iter()?;
    while let Some(chunk) = next_chunk(&mut iterator)? {
        if !chunk.is_empty() {
            ready.push_back(chunk);
            return Ok(FirstChunks { ready, rest: Some(iterator.unbind()), is_whole: false });
        }
    }
    Ok(FirstChunks { ready, rest: None, is_whole: false })
}

/// Whether the chunks taken so far hold all the bytes the application's `Content-Length`
/// announced: the gateway sends no more than that, so the rest of the iterable is never asked.
fn fills_its_length(ready: &VecDeque<Vec<u8>>, response: &Response) -> bool {
    let chosen = response.lock();
    let declared =
        chosen.headers.iter().find(|(name, _)| name.eq_ignore_ascii_case("content-length"));
    let declared = declared.and_then(|(_, value)| value.trim().parse::<usize>().ok());
    declared == Some(ready.iter().map(Vec::len).sum())
}

/// PEP 3333 ("Handling the Content-Length Header"): a body of one bytestring has a known
/// length, so the response can carry `Content-Length` instead of being chunked.
fn add_length(ready: &VecDeque<Vec<u8>>, response: &Response) {
    let mut chosen = response.lock();
    let has_length =
        chosen.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-length"));
    if !has_length {
        let length = ready.front().map_or(0, Vec::len);
        chosen.headers.push(("Content-Length".to_string(), length.to_string()));
    }
}

/// The application raised: the traceback goes to stderr, `close()` is called, and the
/// client gets a 500, or, if `write` already committed a response, what was written and a
/// cut connection.
fn failed(
    py: Python<'_>,
    error: &PyErr,
    iterable: Option<Bound<'_, PyAny>>,
    response: &Response,
) -> Option<Body> {
    error.print(py);
    if let Some(iterable) = &iterable {
        if let Err(error) = close(iterable) {
            error.print(py);
        }
    }
    let mut chosen = response.lock();
    if !chosen.sent {
        return None;
    }
    let written = std::mem::take(&mut chosen.written).into();
    Some(PythonBody::cut_after(written, response.clone()).into_body())
}
