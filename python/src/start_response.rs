//! `start_response(status, headers, exc_info=None)` and the `write` it returns (chapter 9).
//!
//! As in chapter 4, `start_response` only records the status and headers; the gateway sends
//! them with the first non-empty chunk. What Python adds is `exc_info` (PEP 3333, "The
//! start_response() Callable"): called again with it before anything was sent, the new status
//! and headers replace the old; after, the exception is raised again, because the client
//! already has the start of another response. A second call without it is the application's
//! bug, and raises.
//!
//! `write(data)` is PEP 3333's imperative alternative to returning the body. This gateway
//! keeps what is written until the application returns and then sends it ahead of the
//! iterable; the PEP allows a server to buffer it ("or are buffered for transmission"), and
//! chapter 9 says what that costs.

use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

// ANCHOR: chosen
/// What the application chose, shared by `start_response`, `write` and the body.
#[derive(Debug, Default)]
pub struct Chosen {
    pub status: Option<String>,
    pub headers: Vec<(String, String)>,
    /// Bytes given to `write`, in order.
    pub written: Vec<Vec<u8>>,
    /// Whether the status may be out on the wire: after a non-empty `write`, or once the
    /// gateway began sending the body.
    pub sent: bool,
}
// ANCHOR_END: chosen

/// The response state of one request.
#[derive(Clone, Debug, Default)]
pub struct Response(Arc<Mutex<Chosen>>);

impl Response {
    pub fn lock(&self) -> MutexGuard<'_, Chosen> {
        // Nothing panics while holding it; a poisoned lock must not cost the next request.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `start_response` as Python sees it.
#[pyclass(frozen, module = "socket_to_wsgi")]
pub struct StartResponse {
    pub response: Response,
}

/// The `write` callable.
#[pyclass(frozen, module = "socket_to_wsgi")]
pub struct Write {
    response: Response,
}

#[pymethods]
impl StartResponse {
    // ANCHOR: call
    #[pyo3(signature = (status, headers, exc_info = None))]
    fn __call__(
        &self,
        py: Python<'_>,
        status: String,
        headers: Vec<(String, String)>,
        exc_info: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Write> {
        let exc_info = exc_info.filter(|info| !info.is_none());
        let mut chosen = self.response.lock();
        match exc_info {
            Some(info) if chosen.sent => return Err(reraise(py, &info)),
            Some(_) => {} // an error page replaces what was chosen
            None if chosen.status.is_some() => {
                return Err(PyRuntimeError::new_err(
                    "start_response was called a second time without exc_info; only an \
                     application handling an error may replace its response",
                ));
            }
            None => {}
        }
        chosen.status = Some(status);
        chosen.headers = headers;
        Ok(Write { response: self.response.clone() })
    }
    // ANCHOR_END: call
}

#[pymethods]
impl Write {
    fn __call__(&self, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let data = data.cast::<PyBytes>().map_err(|_| {
            PyTypeError::new_err(format!(
                "write() takes bytes, not {}; encode text first",
                data.get_type().name().map(|name| name.to_string()).unwrap_or_default()
            ))
        })?;
        let mut chosen = self.response.lock();
        if !data.as_bytes().is_empty() {
            chosen.written.push(data.as_bytes().to_vec());
            chosen.sent = true;
        }
        Ok(())
    }
}

/// `raise exc_info[1].with_traceback(exc_info[2])`.
fn reraise(py: Python<'_>, info: &Bound<'_, PyAny>) -> PyErr {
    let raised = || -> PyResult<PyErr> {
        let info = info.cast::<PyTuple>()?;
        let value = info.get_item(1)?;
        let value = value.call_method1("with_traceback", (info.get_item(2)?,))?;
        Ok(PyErr::from_value(value))
    };
    raised().unwrap_or_else(|error| error).clone_ref(py)
}
