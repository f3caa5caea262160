//! Chapter 10 exercises (in production): see `book/src/exercises/ch10.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch10/backoff.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod backoff;
#[cfg_attr(feature = "solutions", path = "../solutions/ch10/forwarded_for.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod forwarded_for;
#[cfg_attr(feature = "solutions", path = "../solutions/ch10/listen_fds.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod listen_fds;
