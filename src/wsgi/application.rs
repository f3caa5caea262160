//! What an application is (chapter 4).

use std::panic::{self, AssertUnwindSafe};

use super::{Body, Environ, StartResponse};

// ANCHOR: application
/// A WSGI-style application: given the request and a way to start the response, it returns
/// the body.
///
/// PEP 3333 says the server *invokes* the application once per request; the method has that
/// name (not `call`, which closures already have through the `Fn` traits).
///
/// `Send + Sync + 'static` because a pooled server calls one application from many threads
/// at once, for as long as the server runs.
pub trait Application: Send + Sync + 'static {
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body;
}

/// Any function or closure of the right shape is an application, as any callable is in
/// Python.
impl<F> Application for F
where
    F: Fn(&mut Environ<'_>, &mut StartResponse) -> Body + Send + Sync + 'static,
{
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        self(environ, start_response)
    }
}
// ANCHOR_END: application

/// Runs `f`, which calls into the application, turning a panic into its message: a bug in
/// one application call must cost one response, not a worker.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with no message".to_string());
        format!("the application panicked: {message}")
    })
}
