//! Renderers for ssot results: human text and the versioned JSON contracts of DESIGN.md §6.
//!
//! Renderers take finished, sorted results and only format them; they never decide what is
//! found. Output is deterministic: no hash-map order, no timings in machine formats.

pub mod check;
pub mod plan;
pub mod report;
pub mod scan;
mod style;

pub use scan::{render_scan_json, render_scan_text, ScanReport};
pub use style::Style;

/// A file that could not be analysed, or a walk problem, as shown to users.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    /// `SSOT002` for unreadable files, `internal-error` for ssot's own failures.
    pub code: &'static str,
    pub message: String,
}
