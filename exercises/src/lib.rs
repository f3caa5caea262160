//! The book's exercises, one module per chapter and one file per exercise.
//!
//! Each file under `src/chN/` starts unsolved: its functions say `todo!()` and point at the
//! chapter that explains the task. Fill them in and run `cargo exercise N` to check your
//! work. The reference solutions live in `solutions/chN/`; the `solutions` feature swaps them
//! in (`cargo exercise --solutions N`). They are spoilers: try first.

pub mod ch1;
pub mod ch10;
pub mod ch2;
pub mod ch3;
pub mod ch4;
pub mod ch5;
pub mod ch6;
pub mod ch7;
pub mod ch8;
pub mod ch9;
