//! `ssot report`: the team lead's view of a project.
//!
//! [`model`] is the `ssot.report/1` document (the source of truth), [`build`] fills it from
//! one analysis, and the views are drawn from it alone: [`markdown`] (a pull-request comment
//! or a CI step summary, under 64 KB) and [`html`] (one self-contained page with pictures
//! drawn by [`svg`]). [`codeowners`] gives offending files their owners.

pub mod build;
pub mod codeowners;
pub mod graph;
pub mod html;
pub mod markdown;
pub mod model;
pub mod svg;

use std::io::{self, Write};

pub use build::{build_report, ReportInput};
pub use codeowners::{Codeowners, CODEOWNERS_LOCATIONS};
pub use model::Report;

/// Prints the `ssot.report/1` document, pretty, with a final newline.
pub fn render_report_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// A ratio as a percentage with one decimal, or `n/a`.
pub(crate) fn percent(ratio: Option<f64>) -> String {
    match ratio {
        Some(ratio) => format!("{:.1}%", ratio * 100.0),
        None => "n/a".to_string(),
    }
}

/// "1 file", "3 files".
pub(crate) fn files_text(count: usize) -> String {
    if count == 1 {
        "1 file".to_string()
    } else {
        format!("{count} files")
    }
}
