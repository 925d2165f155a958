//! Finding the Python files to analyse: the engine's walk of the working tree.

// The whole engine module stays reachable at its old path, used here or not.
#![allow(unused_imports)]

pub use ssot_engine::discovery::*;
