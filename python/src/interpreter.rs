//! Starting CPython inside the server, and finding the application (chapter 9).
//!
//! Three things differ from running `python app.py`, and each was a bug before it was code:
//!
//! - The interpreter is started here, with `Py_InitializeFromConfig`, so that a Python that
//!   cannot start (a wrong `PYTHONHOME`, a missing standard library) is a one-line error and
//!   not an abort; and with Python's own signal handlers off, because Ctrl-C and SIGTERM are
//!   the server's to handle.
//! - An embedded interpreter's `sys.path` has neither the current directory nor the active
//!   virtualenv: `python` adds the first for its script and finds the second through its own
//!   path. Both are added, as gunicorn does, so `flask_app:app` imports the same way.
//! - Which `libpython` the loader picked is printed at startup (version and `sys.prefix`),
//!   and a version other than the one built against is refused (see `build.rs`).

use std::ffi::{CStr, CString};
use std::mem::MaybeUninit;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyModule};

/// The minor version pyo3 compiled against, such as `3.11`.
const BUILT_FOR: &str = env!("BUILT_FOR_PYTHON");

/// The application served when none is named: the article's section 03, in our own words.
const ARTICLE_APP: &str = include_str!("../apps/article.py");

/// Which Python was loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// `sys.version`'s number, such as `3.11.2`.
    pub version: String,
    /// `sys.prefix`, where its standard library lives.
    pub prefix: String,
}

// ANCHOR: start
/// Starts the interpreter on this thread, then releases the GIL, so that the workers can
/// take it. Call once, before anything else touches Python.
pub fn start() -> Result<Loaded, String> {
    // SAFETY: the documented embedding sequence (Python's "Python Initialization
    // Configuration"), run once, before any other thread uses Python.
    unsafe {
        let mut config = MaybeUninit::<ffi::PyConfig>::uninit();
        ffi::PyConfig_InitPythonConfig(config.as_mut_ptr());
        let mut config = config.assume_init();
        config.install_signal_handlers = 0;
        let held = HeldStderr::start();
        let status = ffi::Py_InitializeFromConfig(&config);
        ffi::PyConfig_Clear(&mut config);
        let failed = ffi::PyStatus_Exception(status) != 0;
        held.finish(!failed);
        if failed {
            let why = match status.err_msg.is_null() {
                true => "no reason given".to_string(),
                false => CStr::from_ptr(status.err_msg).to_string_lossy().into_owned(),
            };
            return Err(format!(
                "Python (built for {BUILT_FOR}) could not start: {why}. Is PYTHONHOME or \
                 PYTHONPATH set to another Python's files? Unset them, or install python3-dev."
            ));
        }
        ffi::PyEval_SaveThread();
    }
    Python::attach(|py| loaded(py).map_err(|error| error.to_string()))?.checked()
}
// ANCHOR_END: start

/// What the process writes to stderr while the interpreter starts, kept in a temporary file:
/// passed on if it starts, dropped if not (it is then a page of path details, and the one
/// line `start` prints says what to do).
struct HeldStderr {
    saved: Option<(libc::c_int, std::fs::File)>,
}

impl HeldStderr {
    fn start() -> HeldStderr {
        let held = || -> Option<(libc::c_int, std::fs::File)> {
            let file = tempfile_in_tmp()?;
            // SAFETY: plain descriptor calls on descriptors this process owns.
            let saved = unsafe { libc::dup(2) };
            if saved < 0 || unsafe { libc::dup2(file_descriptor(&file), 2) } < 0 {
                return None;
            }
            Some((saved, file))
        };
        HeldStderr { saved: held() }
    }

    fn finish(self, pass_on: bool) {
        let Some((saved, mut file)) = self.saved else { return };
        // SAFETY: puts back the descriptor saved by `start`.
        unsafe {
            libc::dup2(saved, 2);
            libc::close(saved);
        }
        if pass_on {
            use std::io::{Read, Seek};
            let mut text = String::new();
            let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
            eprint!("{text}");
        }
    }
}

fn tempfile_in_tmp() -> Option<std::fs::File> {
    let path = std::env::temp_dir().join(format!("09-python-start-{}.log", std::process::id()));
    let file =
        std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path);
    let _ = std::fs::remove_file(&path); // the open descriptor keeps it while we need it
    file.ok()
}

fn file_descriptor(file: &std::fs::File) -> libc::c_int {
    use std::os::fd::AsRawFd;
    file.as_raw_fd()
}

fn loaded(py: Python<'_>) -> PyResult<Loaded> {
    let sys = py.import("sys")?;
    let info = sys.getattr("version_info")?;
    let (major, minor, micro): (u32, u32, u32) =
        (info.get_item(0)?.extract()?, info.get_item(1)?.extract()?, info.get_item(2)?.extract()?);
    Ok(Loaded {
        version: format!("{major}.{minor}.{micro}"),
        prefix: sys.getattr("prefix")?.extract()?,
    })
}

impl Loaded {
    /// `3.11` for `3.11.2`.
    pub fn minor_version(&self) -> &str {
        let mut dots = self.version.match_indices('.').map(|(at, _)| at);
        let end = dots.nth(1).unwrap_or(self.version.len());
        &self.version[..end]
    }

    fn checked(self) -> Result<Loaded, String> {
        match self.minor_version() == BUILT_FOR {
            true => Ok(self),
            false => Err(format!(
                "built for Python {BUILT_FOR}, but the loader found Python {} in {}; rebuild \
                 with PYO3_PYTHON naming the Python you want",
                self.version, self.prefix
            )),
        }
    }
}

// ANCHOR: search_path
/// Puts the current directory first on `sys.path`, and the active virtualenv's packages
/// after the standard library, as running under the virtualenv's own `python` would.
pub fn add_search_paths(py: Python<'_>, python: &Loaded) -> Result<(), String> {
    let add = || -> PyResult<()> {
        let sys = py.import("sys")?;
        let path = sys.getattr("path")?.cast_into::<PyList>()?;
        let here = std::env::current_dir().map_err(pyo3::exceptions::PyOSError::new_err)?;
        path.insert(0, here.to_string_lossy())?;
        if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
            let venv = std::path::Path::new(&venv);
            let packages = venv.join(format!("lib/python{}/site-packages", python.minor_version()));
            py.import("site")?.call_method1("addsitedir", (packages.to_string_lossy(),))?;
        }
        Ok(())
    };
    add().map_err(|error| format!("could not set up sys.path: {error}"))
}
// ANCHOR_END: search_path

// ANCHOR: load
/// Finds the application `MODULE:CALLABLE` names (gunicorn's notation; `CALLABLE` defaults
/// to `application`), or the article's when `spec` is `None`. Errors are one line each.
pub fn load(py: Python<'_>, spec: Option<&str>, validate: bool) -> Result<Py<PyAny>, String> {
    let (module, name) = match spec {
        None => (article_module(py)?, "application"),
        Some(spec) => {
            let (module, name) = spec.split_once(':').unwrap_or((spec, "application"));
            (import(py, module)?, name)
        }
    };
    let shown = spec.unwrap_or("the article's application");
    let callable = module.getattr(name).map_err(|_| {
        format!("{shown}: the module has no attribute `{name}`; name the callable after a colon, as in hello:application")
    })?;
    if !callable.is_callable() {
        return Err(format!(
            "{shown}: `{name}` is not callable; a WSGI application is a function or an object with __call__"
        ));
    }
    if !validate {
        return Ok(callable.unbind());
    }
    let validator = py.import("wsgiref.validate").and_then(|m| m.getattr("validator"));
    let wrapped = validator.and_then(|validator| validator.call1((callable,)));
    wrapped.map(Bound::unbind).map_err(|error| format!("--validate: {error}"))
}
// ANCHOR_END: load

fn article_module(py: Python<'_>) -> Result<Bound<'_, PyModule>, String> {
    let code = CString::new(ARTICLE_APP).expect("the article's application has no NUL byte");
    PyModule::from_code(py, &code, c"article.py", c"article").map_err(|error| error.to_string())
}

fn import<'py>(py: Python<'py>, module: &str) -> Result<Bound<'py, PyModule>, String> {
    py.import(module).map_err(|error| {
        let missing = error.is_instance_of::<pyo3::exceptions::PyModuleNotFoundError>(py)
            && error.value(py).getattr("name").and_then(|name| name.extract::<String>()).ok()
                == Some(module.to_string());
        match missing {
            true => format!(
                "no module named `{module}` on sys.path; run from the directory that holds \
                 {module}.py, or activate the virtualenv that has it"
            ),
            false => format!("importing `{module}` failed: {error}"),
        }
    })
}

/// Writes out what Python buffered on stdout and stderr: the process exits without
/// finalizing the interpreter.
pub fn flush(py: Python<'_>) {
    for stream in ["stdout", "stderr"] {
        if let Ok(stream) = py.import("sys").and_then(|sys| sys.getattr(stream)) {
            let _ = stream.call_method0("flush");
        }
    }
}
