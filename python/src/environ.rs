//! The `environ` dict (chapter 9): PEP 3333's "environ Variables", fresh for every request.
//!
//! The CGI-style variables come from chapter 4's [`Environ`], already native strings: text
//! that stands for bytes (the path, header values) holds one character per byte (Latin-1),
//! as the PEP asks. The `wsgi.*` entries are the Python objects behind the typed fields.
//! Each dict starts as a copy of a blank one that every worker keeps (`blank`).

use std::cell::RefCell;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule, PyString, PyTuple};
use socket_to_wsgi::wsgi::{Environ, REQUIRED_KEYS};

use crate::file_wrapper::FileWrapper;
use crate::input::WsgiInput;

// ANCHOR: environ_dict
/// A new dict for `environ`, all but `wsgi.input`, which [`add_input`] puts in once the body
/// is lent.
pub fn environ_dict<'py>(py: Python<'py>, environ: &Environ<'_>) -> PyResult<Bound<'py, PyDict>> {
    let dict = blank(py, environ)?;
    let (before, vars) = (dict.len(), environ.vars());
    NAMES.with_borrow_mut(|names| {
        names.next = 0;
        vars.iter().try_for_each(|(key, value)| {
            dict.set_item(name(py, names, key), PyString::new(py, value))
        })
    })?;
    // Each variable filled a place or added a key, so the size tells whether every place was
    // filled. One stays empty where the request has no such variable: no peer address is
    // known, or a Rust middleware removed one.
    if before + vars.len() - dict.len() < PLACE_COUNT {
        remove_empty_places(&dict)?;
    }
    // A chunked body has no CONTENT_LENGTH to stop at; this key says (a convention of
    // mod_wsgi and gunicorn, not of PEP 3333) that reading to the end of the stream is safe
    // instead. Only then: frameworks that find the key call `read()` without a size, which
    // `wsgiref.validate` forbids, where a length would have told them how much to read.
    if environ.input.remaining().is_none() {
        dict.set_item(intern!(py, "wsgi.input_terminated"), true)?;
    }
    // `sys.stderr` is looked up every time, since an application may replace it; the module
    // itself once, because an import per request is a cost the hello-world benchmark shows.
    static SYS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let sys = SYS.get_or_try_init(py, || py.import("sys").map(Bound::unbind))?.bind(py);
    dict.set_item(intern!(py, "wsgi.errors"), sys.getattr(intern!(py, "stderr"))?)?;
    Ok(dict)
}
// ANCHOR_END: environ_dict

/// The variables every request brings, for which the blank environ keeps a place: PEP
/// 3333's nine, and the client's address.
fn places() -> impl Iterator<Item = &'static str> {
    REQUIRED_KEYS.into_iter().chain(OTHER_PLACES)
}
const OTHER_PLACES: [&str; 1] = ["REMOTE_ADDR"];
const PLACE_COUNT: usize = REQUIRED_KEYS.len() + OTHER_PLACES.len();

thread_local! {
    /// This worker's blank environ, kept like the names below and for the same reason.
    static BLANK: RefCell<Option<Blank>> = const { RefCell::new(None) };
}

/// A dict with every key a request's environ has: the `wsgi.*` entries that stay the same
/// set, and a place (`None`) for each one a request fills. Copying it copies its hash table
/// whole, already large enough, where setting twenty keys one by one into a new dict
/// grows its table twice and sets the same six `wsgi.*` values every time.
struct Blank {
    dict: Py<PyDict>,
    /// The settings its `wsgi.*` entries were made from.
    url_scheme: String,
    flags: [bool; 3],
}

/// A copy of the blank environ for this request, made anew when the server's settings are
/// not those it was made with (behind a proxy, the scheme may change from one request to
/// the next).
fn blank<'py>(py: Python<'py>, environ: &Environ<'_>) -> PyResult<Bound<'py, PyDict>> {
    let flags = [environ.multithread, environ.multiprocess, environ.run_once];
    BLANK.with_borrow_mut(|kept| {
        let fits = |blank: &&Blank| blank.url_scheme == environ.url_scheme && blank.flags == flags;
        if let Some(blank) = kept.as_ref().filter(fits) {
            return blank.dict.bind(py).copy();
        }
        let dict = PyDict::new(py);
        for place in places().chain(["wsgi.input", "wsgi.errors"]) {
            dict.set_item(PyString::intern(py, place), py.None())?;
        }
        // The version is a tuple made once.
        static VERSION: PyOnceLock<Py<PyTuple>> = PyOnceLock::new();
        let version = VERSION
            .get_or_try_init(py, || Ok::<_, PyErr>(Environ::VERSION.into_pyobject(py)?.unbind()))?;
        dict.set_item(intern!(py, "wsgi.version"), version)?;
        dict.set_item(intern!(py, "wsgi.url_scheme"), &environ.url_scheme)?;
        dict.set_item(intern!(py, "wsgi.multithread"), environ.multithread)?;
        dict.set_item(intern!(py, "wsgi.multiprocess"), environ.multiprocess)?;
        dict.set_item(intern!(py, "wsgi.run_once"), environ.run_once)?;
        dict.set_item(intern!(py, "wsgi.file_wrapper"), py.get_type::<FileWrapper>())?;
        let copy = dict.copy();
        *kept = Some(Blank { dict: dict.unbind(), url_scheme: environ.url_scheme.clone(), flags });
        copy
    })
}

/// Removes the places no variable filled.
fn remove_empty_places(dict: &Bound<'_, PyDict>) -> PyResult<()> {
    for place in places() {
        if dict.get_item(place)?.is_some_and(|value| value.is_none()) {
            dict.del_item(place)?;
        }
    }
    Ok(())
}

// ANCHOR: names
thread_local! {
    /// The CGI-style names as Python strings, kept from one request for the next: the same
    /// dozen come every time, and a kept string also keeps its hash, which the dict would
    /// otherwise compute again: 9,800 of a hello-world request's 55,600 instructions went to
    /// making and hashing them (`bash bench/instructions.sh`). Each worker keeps its own: a
    /// lock shared by all would be held while Python runs, and Python may let the GIL go to
    /// another worker, who would then wait for the lock with the GIL in hand.
    static NAMES: RefCell<Names> = const { RefCell::new(Names { kept: Vec::new(), next: 0 }) };
}

/// The kept names in the order they last came. The variables come sorted, and mostly the
/// same ones, so the name after the last one found is tried first, and is nearly always it.
struct Names {
    kept: Vec<(String, Py<PyString>)>,
    next: usize,
}

/// Header names are the client's to choose: past this many, a name is made afresh each time
/// instead of kept, so that no client can grow the table.
const NAMES_KEPT: usize = 64;

/// `key` as a Python string, kept or new. A kept one is interned: the same object as the
/// `"PATH_INFO"` in a framework's code, so that its dict lookups match on identity without
/// comparing characters.
fn name<'py>(py: Python<'py>, names: &mut Names, key: &str) -> Bound<'py, PyString> {
    let is_key = |(name, _): &(String, Py<PyString>)| name == key;
    let at = match names.kept.get(names.next) {
        Some(expected) if is_key(expected) => Some(names.next),
        _ => names.kept.iter().position(is_key),
    };
    if let Some(at) = at {
        names.next = at + 1;
        return names.kept[at].1.bind(py).clone();
    }
    if names.kept.len() >= NAMES_KEPT {
        return PyString::new(py, key);
    }
    let made = PyString::intern(py, key);
    names.kept.push((key.to_owned(), made.clone().unbind()));
    names.next = names.kept.len();
    made
}
// ANCHOR_END: names

/// Puts the request body in as `wsgi.input`.
pub fn add_input(dict: &Bound<'_, PyDict>, input: Py<WsgiInput>) -> PyResult<()> {
    dict.set_item(intern!(dict.py(), "wsgi.input"), input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn every_environ_is_a_fresh_copy_of_the_blank_with_no_place_left_empty() {
        Python::initialize();
        Python::attach(|py| {
            let text = |dict: &Bound<'_, PyDict>, key: &str| {
                dict.get_item(key).expect("a str key").map(|value| value.to_string())
            };
            // No peer: REMOTE_ADDR's place must go.
            let mut environ = Environ::for_request("GET", "/a?b=1");
            let first = environ_dict(py, &environ).expect("an environ");
            first.set_item("PATH_INFO", "changed by a middleware").expect("a dict");
            // A Rust middleware took a required variable away, and the scheme changed.
            environ.set("REMOTE_ADDR", "127.0.0.1");
            environ.remove("QUERY_STRING");
            environ.url_scheme = "https".to_string();
            let second = environ_dict(py, &environ).expect("an environ");
            assert_eq!(text(&first, "REMOTE_ADDR"), None);
            assert_eq!(text(&second, "REMOTE_ADDR"), Some("127.0.0.1".to_string()));
            assert_eq!(text(&second, "QUERY_STRING"), None, "no None left in its place");
            assert_eq!(text(&second, "PATH_INFO"), Some("/a".to_string()), "nothing leaks");
            assert_eq!(text(&first, "wsgi.url_scheme"), Some("http".to_string()));
            assert_eq!(text(&second, "wsgi.url_scheme"), Some("https".to_string()));
            for dict in [&first, &second] {
                let empty: Vec<String> = dict
                    .iter()
                    .filter(|(_, value)| value.is_none())
                    .map(|(key, _)| key.to_string())
                    .collect();
                assert_eq!(empty, ["wsgi.input"], "the one place add_input fills");
            }
        });
    }

    #[test]
    fn names_are_kept_interned_and_found_whatever_the_order() {
        Python::initialize();
        Python::attach(|py| {
            let mut names = Names { kept: Vec::new(), next: 0 };
            let first =
                ["HTTP_HOST", "PATH_INFO", "SERVER_PORT"].map(|key| name(py, &mut names, key));
            names.next = 0; // a new request
            let again = ["HTTP_HOST", "SERVER_PORT", "PATH_INFO", "HTTP_X"]
                .map(|key| name(py, &mut names, key));
            let text = again.each_ref().map(|made| made.to_string());
            assert_eq!(text, ["HTTP_HOST", "SERVER_PORT", "PATH_INFO", "HTTP_X"]);
            assert!(again[1].is(&first[2]) && again[2].is(&first[1]), "the kept objects");
            assert!(PyString::intern(py, "PATH_INFO").is(&first[1]), "interned");
            for i in 0..2 * NAMES_KEPT {
                name(py, &mut names, &format!("HTTP_X_{i}"));
            }
            assert_eq!(names.kept.len(), NAMES_KEPT, "no client grows the table past its cap");
        });
    }
}
