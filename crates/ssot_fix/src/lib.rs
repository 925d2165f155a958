//! ssot's fixes: the edit engine, SSOT101's import rewriter, deprecation shims, and the
//! verification that runs before anything is written.
//!
//! Everything here works in memory on one snapshot of the project: texts in, new texts and a
//! verdict per file out. The command line reads and writes the files (atomically, and only
//! files whose bytes are still the ones read).
//!
//! - [`apply`]: applies non-overlapping fixes to a text;
//! - [`import_rewrite`]: plans SSOT101's rewrites from a file's facts and text, in the
//!   project's import style ([`import_style`]);
//! - [`verify`]: what each file's bindings resolve to, before and after;
//! - `import_time`: a rewritten import must find its name bound when it runs (no circular
//!   import);
//! - [`session`]: the passes (plan, apply, re-parse, re-index) until nothing changes;
//! - [`diff`]: unified diffs for `--diff`.

pub mod apply;
pub mod diff;
mod import_block;
pub mod import_rewrite;
pub mod import_style;
mod import_text;
mod import_time;
pub mod session;
pub mod shims;
pub mod source;
mod timing;
pub mod verify;

pub use apply::{apply_fixes, Applied};
pub use import_style::{ImportStyle, DEFAULT_SECTION_ORDER};
pub use import_time::import_fixes_as_fix_would;
pub use source::{NotFixable, SourceFile};
