//! ssot's analysis engine, a library every front end (the CLI, the editor server) drives:
//! configuration → file source → facts (cached) → index → findings.
//!
//! - [`discovery`]: the walk of the working tree (`.gitignore`, excludes, links);
//! - [`source`]: where files come from (the working tree, a git tree at a commit, editor
//!   buffers over the working tree), behind one trait;
//! - [`load`]: reading and extracting every file in parallel, one file's trouble never
//!   stopping the run;
//! - [`cache`]: the persistent facts cache, keyed by content hash;
//! - [`project`]: source → first-party modules → facts → the project model the index reads;
//! - [`analysis`]: resolution, call sites, rules and compliance over a built project;
//! - [`timing`]: `SSOT_TIMINGS=1` phase timings;
//! - [`token_budget`]: the memory a file's syntax tree will take, estimated before parsing.
//!
//! Per-file work is a pure function of the file's bytes and the extraction options, so it is
//! cached; cross-file work (module table, resolution, rules) is recomputed on every run from
//! the facts, so a cache can make a run faster but never different.

pub mod analysis;
pub mod cache;
pub mod discovery;
pub mod history;
pub mod load;
pub mod project;
pub mod source;
pub mod timing;
pub mod token_budget;
