//! Chapter 8 exercises (a framework on the interface): see `book/src/exercises/ch08.md`.
//!
//! With the `solutions` feature each module is the reference solution instead of your file.
//! The stubs may leave arguments and fields unused: until solved, `todo!()` uses none.

#[cfg_attr(feature = "solutions", path = "../solutions/ch8/mount.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod mount;
#[cfg_attr(feature = "solutions", path = "../solutions/ch8/signup_form.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod signup_form;
#[cfg_attr(feature = "solutions", path = "../solutions/ch8/two_params.rs")]
#[cfg_attr(not(feature = "solutions"), allow(unused_variables, dead_code))]
pub mod two_params;
