//! Chapter 4 exercises (the WSGI-style interface): see `book/src/exercises/ch04.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch4/add_header.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod add_header;
#[cfg_attr(feature = "solutions", path = "../solutions/ch4/form_echo.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod form_echo;
#[cfg_attr(feature = "solutions", path = "../solutions/ch4/greeting.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod greeting;
