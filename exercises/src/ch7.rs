//! Chapter 7 exercises (a server that holds up): see `book/src/exercises/ch07.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch7/access_log.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod access_log;
#[cfg_attr(feature = "solutions", path = "../solutions/ch7/body_framing.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod body_framing;
