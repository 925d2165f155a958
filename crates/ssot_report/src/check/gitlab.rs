//! `--output-format gitlab`: a GitLab Code Quality report (a JSON array of issues), shown in
//! merge requests.
//!
//! Paths are relative to the project root; GitLab expects them relative to the repository, so
//! run `ssot check` from the repository root in CI. The fingerprint is the diagnostic's own
//! (stable across line shifts, unique within a run), so GitLab tracks an issue while code
//! moves around it.

use std::io::{self, Write};

use serde::Serialize;

use super::CheckReport;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'static str,
    fingerprint: &'a str,
    severity: &'static str,
    /// `production`, `test` or a configured scope (an addition GitLab ignores).
    scope: &'a str,
    /// The critical-path tier of the file, or null (an addition GitLab ignores).
    tier: Option<&'a str>,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// Writes the Code Quality array, in diagnostic order.
pub fn render_check_gitlab(report: &CheckReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue<'_>> = report
        .diagnostics
        .iter()
        .map(|d| Issue {
            description: format!("{}: {}", d.rule.code(), d.message),
            check_name: d.rule.code(),
            fingerprint: &d.fingerprint,
            severity: "major",
            scope: &d.scope,
            tier: d.tier.as_deref(),
            location: Location {
                path: &d.path,
                lines: Lines {
                    begin: d.start.line,
                    end: d.end.line.max(d.start.line),
                },
            },
        })
        .collect();
    let mut writer = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut writer, &issues)?;
    writer.write_all(b"\n")?;
    writer.flush()
}
