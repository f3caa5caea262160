//! Chapter 9 exercises (real Python applications): see `book/src/exercises/ch09.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch9/exc_info.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod exc_info;
#[cfg_attr(feature = "solutions", path = "../solutions/ch9/read_line.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod read_line;
