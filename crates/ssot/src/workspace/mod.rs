//! From command-line paths to a loaded project: the engine's one call, `load_project`.

// The whole engine module stays reachable at its old path, used here or not.
#![allow(unused_imports)]

pub use ssot_engine::workspace::*;
