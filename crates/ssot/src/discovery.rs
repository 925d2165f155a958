//! Finding the Python files to analyse: the engine's walk of the working tree.

pub use ssot_engine::discovery::*;
