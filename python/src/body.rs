//! The response body: a Python iterable, streamed (chapter 9).
//!
//! The gateway asks for one chunk at a time, as it does of a Rust [`Body`]; each time, this
//! takes the GIL, calls `next()` and copies the bytes out, and lets the GIL go again before
//! the gateway writes them to the socket. Nothing is collected. `close()`, which PEP 3333
//! says the server must call however the response ended, is called on `Drop`, exactly where
//! chapter 4's Rust bodies release what they hold.

use std::collections::VecDeque;
use std::panic;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyIterator};
use socket_to_wsgi::wsgi::Body;

use crate::start_response::Response;

/// The rest of a response: chunks already taken from Python, then its iterator.
pub struct PythonBody {
    /// What `write` was given and the first non-empty chunk: taken before the gateway sends
    /// anything, so that the status is final.
    ready: VecDeque<Vec<u8>>,
    iterator: Option<Py<PyIterator>>,
    /// The object the application returned, whose `close()` is due.
    iterable: Option<Py<PyAny>>,
    response: Response,
    /// The application raised after `write`: once `ready` is sent, cut the connection.
    cut: bool,
}

impl PythonBody {
    pub fn new(
        ready: VecDeque<Vec<u8>>,
        iterator: Option<Py<PyIterator>>,
        iterable: Option<Py<PyAny>>,
        response: Response,
    ) -> PythonBody {
        PythonBody { ready, iterator, iterable, response, cut: false }
    }

    /// What `write` sent before the application raised, then a cut connection.
    pub fn cut_after(ready: VecDeque<Vec<u8>>, response: Response) -> PythonBody {
        PythonBody { ready, iterator: None, iterable: None, response, cut: true }
    }

    pub fn into_body(self) -> Body {
        Body::from_chunks(self)
    }
}

/// The next bytes from a Python iterator: `Ok(None)` at its end, `Err` if it raised or gave
/// something that is not bytes.
pub fn next_chunk(iterator: &mut Bound<'_, PyIterator>) -> PyResult<Option<Vec<u8>>> {
    iterator.next().transpose()?.map(|item| bytes_of(&item)).transpose()
}

/// The bytes of one chunk, copied out of Python.
pub fn bytes_of(item: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let bytes = item.cast::<PyBytes>().map_err(|_| {
        let kind = item.get_type().name().map(|name| name.to_string()).unwrap_or_default();
        pyo3::exceptions::PyTypeError::new_err(format!(
            "the response body must yield bytes, not {kind}; encode text first"
        ))
    })?;
    Ok(bytes.as_bytes().to_vec())
}

// ANCHOR: next
impl Iterator for PythonBody {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        // From here on, the gateway may have sent the status: exc_info must re-raise.
        self.response.lock().sent = true;
        if let Some(chunk) = self.ready.pop_front() {
            return Some(chunk);
        }
        if self.cut {
            cut_connection();
        }
        self.iterator.as_ref()?;
        let next = Python::attach(|py| {
            let mut iterator = self.iterator.as_ref()?.bind(py).clone();
            let next = next_chunk(&mut iterator);
            if let Ok(None) = next {
                // The end: close() now, while the GIL is held anyway, not in one more
                // round-trip to Python from `drop`.
                self.close(py);
            }
            Some(next.inspect_err(|error| error.print(py)))
        });
        match next? {
            Ok(Some(chunk)) => Some(chunk),
            Ok(None) => None,
            Err(_) => cut_connection(),
        }
    }
}

/// Ends a response whose head is gone: the gateway cuts the connection when a body panics.
/// `resume_unwind` skips the panic hook; the traceback printed before says what happened.
fn cut_connection() -> ! {
    panic::resume_unwind(Box::new("the application raised after its response began".to_string()))
}
// ANCHOR_END: next

// ANCHOR: close
impl PythonBody {
    /// Calls the iterable's `close()`, once, and lets go of the Python objects.
    fn close(&mut self, py: Python<'_>) {
        self.iterator = None;
        if let Some(iterable) = self.iterable.take() {
            if let Err(error) = close(iterable.bind(py)) {
                error.print(py);
            }
        }
    }
}

impl Drop for PythonBody {
    fn drop(&mut self) {
        if self.iterable.is_some() || self.iterator.is_some() {
            Python::attach(|py| self.close(py));
        }
    }
}
// ANCHOR_END: close

/// Calls `iterable.close()` if it has one.
pub fn close(iterable: &Bound<'_, PyAny>) -> PyResult<()> {
    let close = pyo3::intern!(iterable.py(), "close");
    if iterable.hasattr(close)? {
        iterable.call_method0(close)?;
    }
    Ok(())
}
