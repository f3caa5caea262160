//! The `environ` dict (chapter 9): PEP 3333's "environ Variables", fresh for every request.
//!
//! The CGI-style variables come from chapter 4's [`Environ`], already native strings: text
//! that stands for bytes (the path, header values) holds one character per byte (Latin-1),
//! as the PEP asks. The `wsgi.*` entries are the Python objects behind the typed fields.

use std::cell::RefCell;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule, PyString, PyTuple};
use socket_to_wsgi::wsgi::Environ;

use crate::file_wrapper::FileWrapper;
use crate::input::WsgiInput;

// ANCHOR: environ_dict
/// A new dict for `environ`, all but `wsgi.input`, which [`add_input`] puts in once the body
/// is lent.
pub fn environ_dict<'py>(py: Python<'py>, environ: &Environ<'_>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    NAMES.with_borrow_mut(|names| {
        environ.vars().iter().try_for_each(|(key, value)| {
            dict.set_item(name(py, names, key), PyString::new(py, value))
        })
    })?;
    // `sys.stderr` is looked up every time, since an application may replace it; the module
    // itself once, because an import per request is a cost the hello-world benchmark shows.
    static SYS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let sys = SYS.get_or_try_init(py, || py.import("sys").map(Bound::unbind))?.bind(py);
    // The `wsgi.*` names are fixed words, made into Python strings once (`intern!`); the
    // version is a tuple made once.
    static VERSION: PyOnceLock<Py<PyTuple>> = PyOnceLock::new();
    let version = VERSION
        .get_or_try_init(py, || Ok::<_, PyErr>(Environ::VERSION.into_pyobject(py)?.unbind()))?;
    dict.set_item(intern!(py, "wsgi.version"), version)?;
    dict.set_item(intern!(py, "wsgi.url_scheme"), &environ.url_scheme)?;
    // A chunked body has no CONTENT_LENGTH to stop at; this key says (a convention of
    // mod_wsgi and gunicorn, not of PEP 3333) that reading to the end of the stream is safe
    // instead. Only then: frameworks that find the key call `read()` without a size, which
    // `wsgiref.validate` forbids, where a length would have told them how much to read.
    if environ.input.remaining().is_none() {
        dict.set_item(intern!(py, "wsgi.input_terminated"), true)?;
    }
    dict.set_item(intern!(py, "wsgi.errors"), sys.getattr(intern!(py, "stderr"))?)?;
    dict.set_item(intern!(py, "wsgi.multithread"), environ.multithread)?;
    dict.set_item(intern!(py, "wsgi.multiprocess"), environ.multiprocess)?;
    dict.set_item(intern!(py, "wsgi.run_once"), environ.run_once)?;
    dict.set_item(intern!(py, "wsgi.file_wrapper"), py.get_type::<FileWrapper>())?;
    Ok(dict)
}
// ANCHOR_END: environ_dict

// ANCHOR: names
thread_local! {
    /// The CGI-style names as Python strings, kept from one request for the next: the same
    /// dozen come every time, and a kept string also keeps its hash, which the dict would
    /// otherwise compute again: 9,800 of a hello-world request's 55,600 instructions went to
    /// making and hashing them (`bash bench/instructions.sh`). For a dozen, a list searched
    /// from the start is quicker than a map. Each worker keeps its own: a lock shared by all
    /// would be held while Python runs, and Python may let the GIL go to another worker, who
    /// would then wait for the lock with the GIL in hand.
    static NAMES: RefCell<Vec<(String, Py<PyString>)>> = const { RefCell::new(Vec::new()) };
}

/// Header names are the client's to choose: past this many, a name is made afresh each time
/// instead of kept, so that no client can grow the table.
const NAMES_KEPT: usize = 64;

/// `key` as a Python string, kept or new.
fn name<'py>(
    py: Python<'py>,
    names: &mut Vec<(String, Py<PyString>)>,
    key: &str,
) -> Bound<'py, PyString> {
    if let Some((_, kept)) = names.iter().find(|(name, _)| name == key) {
        return kept.bind(py).clone();
    }
    let made = PyString::new(py, key);
    if names.len() < NAMES_KEPT {
        names.push((key.to_owned(), made.clone().unbind()));
    }
    made
}
// ANCHOR_END: names

/// Puts the request body in as `wsgi.input`.
pub fn add_input(dict: &Bound<'_, PyDict>, input: Py<WsgiInput>) -> PyResult<()> {
    dict.set_item(intern!(dict.py(), "wsgi.input"), input)
}
