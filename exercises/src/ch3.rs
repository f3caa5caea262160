//! Chapter 3 exercises (many clients at once): see `book/src/exercises/ch03.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch3/busy_503.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod busy_503;
#[cfg_attr(feature = "solutions", path = "../solutions/ch3/pool_build.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod pool_build;
#[cfg_attr(feature = "solutions", path = "../solutions/ch3/visit_counter.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod visit_counter;
