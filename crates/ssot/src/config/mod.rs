//! The configuration: the engine's (`[tool.ssot]` in `pyproject.toml`, or `ssot.toml`).

// The whole engine module stays reachable at its old path, used here or not.
#![allow(unused_imports)]

pub use ssot_engine::config::*;
