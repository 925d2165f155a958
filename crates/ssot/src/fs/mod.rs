//! The file-system layer (reads with fault hooks, atomic writes, the project lock): the
//! engine's, so that every front end reads and writes project files alike.

// The whole engine module stays reachable at its old path, used here or not.
#![allow(unused_imports)]

pub use ssot_engine::fs::*;
