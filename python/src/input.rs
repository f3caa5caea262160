//! `wsgi.input`: the request body as a Python file (chapter 9).
//!
//! PEP 3333 ("Input and Error Streams") asks for `read(size)`, `readline()`, `readlines()`
//! and iteration. Underneath is the very [`Input`] the Rust applications of chapters 4-7 read:
//! the gateway's body reader over the connection, which stops at `CONTENT_LENGTH`, de-chunks a
//! chunked body, and reads the socket only as the application asks. Nothing is copied ahead
//! for Python's sake; `readline` keeps only what it read past the end of a line.
//!
//! That reader borrows the connection, and a Python object may live on after the request
//! (an application can keep a reference to it). So Python gets a *lease*: the object reads
//! through a pointer that [`lend`] revokes before the borrow ends, and a read after that is a
//! `ValueError`, never a read of memory that has moved on.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use pyo3::exceptions::{PyIOError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use socket_to_wsgi::wsgi::Input;

/// How much `readline` and `read()` ask the body for at a time.
const BLOCK: usize = 8 * 1024;

/// The body reader while it is lent, `None` once the request is over.
type Lent = Rc<Cell<Option<*mut (dyn Read + 'static)>>>;

// ANCHOR: wsgi_input
/// `environ['wsgi.input']`. `unsendable`: only the worker serving the request may read it,
/// which is also what makes the lease sound (the pointer never leaves this thread).
#[pyclass(unsendable, module = "socket_to_wsgi")]
pub struct WsgiInput {
    body: Lent,
    /// Bytes read past the end of a line by `readline`, handed out first.
    ahead: Vec<u8>,
}
// ANCHOR_END: wsgi_input

/// Revokes the lease when dropped, however the call ends (return, exception or panic).
struct Revoke(Lent);

impl Drop for Revoke {
    fn drop(&mut self) {
        self.0.set(None);
    }
}

/// A raw pointer moved into a closure that runs on this same thread with the GIL released:
/// `Python::detach` asks for `Send` so that no Python object slips out, and this holds none.
struct ThisThread(*mut (dyn Read + 'static));

// SAFETY: the closure that takes it runs synchronously, on the thread that lent the reader.
unsafe impl Send for ThisThread {}

// ANCHOR: lend
/// Calls `f` with a `wsgi.input` object that reads `input` until `f` returns.
pub fn lend<R>(py: Python<'_>, input: &mut Input<'_>, f: impl FnOnce(Py<WsgiInput>) -> R) -> R {
    let reader: *mut (dyn Read + '_) = input;
    // SAFETY: only the lifetime is erased. The pointer is used while `input` is mutably
    // borrowed by this function, on this thread, and `Revoke` clears it before we return.
    let reader: *mut (dyn Read + 'static) = unsafe { std::mem::transmute(reader) };
    let lent: Lent = Rc::new(Cell::new(Some(reader)));
    let _revoke = Revoke(Rc::clone(&lent));
    let object = Py::new(py, WsgiInput { body: lent, ahead: Vec::new() })
        .expect("a Python object can be allocated");
    f(object)
}
// ANCHOR_END: lend

impl WsgiInput {
    /// Reads once from the body into `out`, with the GIL released: the client may be slow.
    fn read_body(&self, py: Python<'_>, out: &mut [u8]) -> PyResult<usize> {
        let reader = self.body.get().ok_or_else(|| {
            PyValueError::new_err(
                "wsgi.input was read after its request was over; read the body while the \
                 application is called (or in its first chunk)",
            )
        })?;
        let reader = ThisThread(reader);
        let read = py.detach(move || {
            let reader = reader;
            // SAFETY: the lease is live (checked above) and nothing else uses the reader
            // while this worker is in here.
            unsafe { (*reader.0).read(out) }
        });
        read.map_err(|error| match error.kind() {
            io::ErrorKind::UnexpectedEof => {
                PyIOError::new_err("the client closed before sending its whole request body")
            }
            _ => PyIOError::new_err(format!("reading the request body failed: {error}")),
        })
    }

    /// Up to `limit` bytes (`None`: all of them), the ones read ahead first.
    fn take(&mut self, py: Python<'_>, limit: Option<usize>) -> PyResult<Vec<u8>> {
        let limit = limit.unwrap_or(usize::MAX);
        let mut bytes = std::mem::take(&mut self.ahead);
        if bytes.len() > limit {
            self.ahead = bytes.split_off(limit);
            return Ok(bytes);
        }
        let mut block = vec![0; BLOCK];
        while bytes.len() < limit {
            let want = (limit - bytes.len()).min(BLOCK);
            let read = self.read_body(py, &mut block[..want])?;
            if read == 0 {
                break;
            }
            bytes.extend_from_slice(&block[..read]);
        }
        Ok(bytes)
    }

    /// Up to and including the next `\n`, at most `limit` bytes.
    fn line(&mut self, py: Python<'_>, limit: Option<usize>) -> PyResult<Vec<u8>> {
        let limit = limit.unwrap_or(usize::MAX);
        let mut block = vec![0; BLOCK];
        loop {
            let end_of_line = self.ahead.iter().position(|&byte| byte == b'\n');
            if let Some(end) = end_of_line.map(|at| at + 1).filter(|&end| end <= limit) {
                let rest = self.ahead.split_off(end);
                return Ok(std::mem::replace(&mut self.ahead, rest));
            }
            if self.ahead.len() >= limit {
                let rest = self.ahead.split_off(limit);
                return Ok(std::mem::replace(&mut self.ahead, rest));
            }
            let read = self.read_body(py, &mut block)?;
            if read == 0 {
                return Ok(std::mem::take(&mut self.ahead)); // the last line, without `\n`
            }
            self.ahead.extend_from_slice(&block[..read]);
        }
    }
}

/// Python's convention for sizes: `None` or a negative number means "no limit".
fn limit(size: Option<isize>) -> Option<usize> {
    size.and_then(|size| usize::try_from(size).ok())
}

#[pymethods]
impl WsgiInput {
    /// `read(size=-1)`: `size` bytes, fewer only at the end of the body.
    #[pyo3(signature = (size = None))]
    fn read<'py>(&mut self, py: Python<'py>, size: Option<isize>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.take(py, limit(size))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// `readline(size=-1)`: one line, with its `\n`.
    #[pyo3(signature = (size = None))]
    fn readline<'py>(
        &mut self,
        py: Python<'py>,
        size: Option<isize>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let line = self.line(py, limit(size))?;
        Ok(PyBytes::new(py, &line))
    }

    /// `readlines(hint=-1)`: lines until their total reaches `hint`, or all of them.
    #[pyo3(signature = (hint = None))]
    fn readlines<'py>(
        &mut self,
        py: Python<'py>,
        hint: Option<isize>,
    ) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        let hint = limit(hint).filter(|&hint| hint > 0).unwrap_or(usize::MAX);
        let (mut lines, mut total) = (Vec::new(), 0);
        while total < hint {
            let line = self.line(py, None)?;
            if line.is_empty() {
                break;
            }
            total += line.len();
            lines.push(PyBytes::new(py, &line));
        }
        Ok(lines)
    }

    fn __iter__(this: PyRef<'_, Self>) -> PyRef<'_, Self> {
        this
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let line = self.line(py, None)?;
        Ok((!line.is_empty()).then(|| PyBytes::new(py, &line)))
    }
}
