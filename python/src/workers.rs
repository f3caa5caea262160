//! Where each worker holds the GIL (chapter 9).
//!
//! A thread must be attached to the interpreter (have a Python thread state) to run Python
//! code. Creating that state and destroying it again for every request is what made a first
//! version slow; so each worker attaches once, for its whole life, and then at once lets go
//! of the GIL for its loop. Inside, every call into Python re-takes the GIL with the thread's
//! existing state, which is cheap; waiting for readiness, parsing, reading and writing
//! sockets all happen with the GIL released, so other workers can run Python meanwhile.

use pyo3::Python;

// ANCHOR: attached_for_life
/// Runs a worker's loop attached to Python for the thread's life, with the GIL released.
pub fn attached_for_life(work: &mut (dyn FnMut() + Send)) {
    Python::attach(|py| py.detach(work));
}
// ANCHOR_END: attached_for_life
