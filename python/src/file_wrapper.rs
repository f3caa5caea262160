//! `wsgi.file_wrapper` (chapter 9): PEP 3333's "Optional Platform-Specific File Handling".
//!
//! An application returns `environ['wsgi.file_wrapper'](file, block_size)` to send a file.
//! A server may use a faster path for it (`sendfile`); this one simply iterates, in blocks,
//! and closes the file when the server calls `close()`, which is what the PEP requires of
//! every server that offers it.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Iterates over `file.read(block_size)` until it returns no bytes.
#[pyclass(module = "socket_to_wsgi")]
pub struct FileWrapper {
    file: Py<PyAny>,
    block_size: usize,
}

#[pymethods]
impl FileWrapper {
    #[new]
    #[pyo3(signature = (file, block_size = 8192))]
    fn new(file: Py<PyAny>, block_size: usize) -> FileWrapper {
        FileWrapper { file, block_size }
    }

    fn __iter__(this: PyRef<'_, Self>) -> PyRef<'_, Self> {
        this
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyBytes>>> {
        let block = self.file.bind(py).call_method1("read", (self.block_size,))?;
        let block = block.cast_into::<PyBytes>()?;
        Ok((!block.as_bytes().is_empty()).then(|| block.unbind()))
    }

    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let file = self.file.bind(py);
        if file.hasattr("close")? {
            file.call_method0("close")?;
        }
        Ok(())
    }
}
