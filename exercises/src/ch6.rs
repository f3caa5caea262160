//! Chapter 6 exercises (many idle connections, few threads): see
//! `book/src/exercises/ch06.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch6/deadline.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod deadline;
#[cfg_attr(feature = "solutions", path = "../solutions/ch6/readiness_echo.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod readiness_echo;
