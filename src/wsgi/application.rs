//! What an application is (chapter 4).

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
