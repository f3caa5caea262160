//! Chapter 1 exercises (an echo server): see `book/src/exercises/ch01.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch1/byte_counter.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod byte_counter;
#[cfg_attr(feature = "solutions", path = "../solutions/ch1/line_echo.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod line_echo;
#[cfg_attr(feature = "solutions", path = "../solutions/ch1/uppercase_echo.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod uppercase_echo;
