//! Chapter 2 exercises (a single-threaded http server): see `book/src/exercises/ch02.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch2/header_map.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod header_map;
#[cfg_attr(feature = "solutions", path = "../solutions/ch2/router.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod router;
#[cfg_attr(feature = "solutions", path = "../solutions/ch2/write_response.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod write_response;
