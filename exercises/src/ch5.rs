//! Chapter 5 exercises (persistent connections): see `book/src/exercises/ch05.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch5/chunked_body.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod chunked_body;
#[cfg_attr(feature = "solutions", path = "../solutions/ch5/keep_alive.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod keep_alive;
