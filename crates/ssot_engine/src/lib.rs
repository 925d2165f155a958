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
//! - [`config`]: `[tool.ssot]` in `pyproject.toml` or `ssot.toml`, and project metadata;
//! - [`scopes`]: which part of a project (production, test, examples...) a file belongs to;
//! - [`fs`]: the file-system layer (reads with fault hooks, atomic writes, the project lock);
//! - [`workspace`]: the one call every front end makes — paths and options in, a loaded
//!   project out (root, configuration, walk, cached facts, module table);
//! - [`working_tree`]: the working tree as the walk found it, and where its cache lives;
//! - [`analysis`]: resolution, call sites, rules and compliance over a built project;
//! - [`check_run`]: rule selection, the configured analysis, and a whole check run;
//! - [`fix_diagnosis`]: the diagnoses of a fix run, each brought up to date from the last;
//! - [`run_scope`]: which baseline entries a run can judge, and reading the baseline;
//! - [`session`]: a warm project for long-running front ends: buffers over the disk, per-file
//!   facts kept in memory, findings, import lookups and fixes on demand;
//! - [`timing`]: `SSOT_TIMINGS=1` phase timings;
//! - [`token_budget`]: the memory a file's syntax tree will take, estimated before parsing.
//!
//! Per-file work is a pure function of the file's bytes and the extraction options, so it is
//! cached; cross-file work (module table, resolution, rules) is recomputed on every run from
//! the facts, so a cache can make a run faster but never different.

pub mod analysis;
pub mod cache;
pub mod check_run;
pub mod config;
pub mod discovery;
pub mod events;
pub mod fix_diagnosis;
pub mod fs;
pub mod history;
pub mod load;
pub mod project;
pub mod run_scope;
pub mod scopes;
pub mod session;
pub mod source;
pub mod timing;
pub mod token_budget;
pub mod working_tree;
pub mod workspace;
