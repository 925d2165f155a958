//! Loading a project's files through the engine: the working tree as the walk found it, with
//! the facts cache the command line chose.

// The whole engine module stays reachable at its old path, used here or not.
#![allow(unused_imports)]

pub use ssot_engine::load::{content_hash, FileLimits, ProblemKind};
pub use ssot_engine::working_tree::{cache_dir, working_tree};
