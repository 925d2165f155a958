//! Scopes (which part of a project a file belongs to): the engine's.

// The whole engine module stays reachable at its old path, used here or not.
#![allow(unused_imports)]

pub use ssot_engine::scopes::*;
