//! `ssot check` output in every format of DESIGN.md §2.
//!
//! JSON (`ssot.check/1`), concise, `--statistics` and the compliance table live here; each
//! other format has its own module. Every renderer writes the diagnostics in the order it is
//! given them (sorted by the rules crate), so output is deterministic.

mod full;
mod github;
mod gitlab;
mod junit;
mod sarif;

use std::io::{self, Write};

use serde::Serialize;
use ssot_rules::{Applicability, ConceptReport, Diagnostic};

pub use full::render_check_full;
pub use github::render_check_github;
pub use gitlab::render_check_gitlab;
pub use junit::render_check_junit;
pub use sarif::render_check_sarif;

/// Everything `check` reports.
pub struct CheckReport<'a> {
    /// Diagnostics to show (new ones, when a baseline is in use), sorted.
    pub diagnostics: &'a [Diagnostic],
    pub concepts: &'a [ConceptReport],
    /// Diagnostics covered by the baseline (not shown, counted).
    pub baselined: usize,
    /// Baseline entries that no longer occur.
    pub fixed_since_baseline: usize,
    /// Reads a file's text (relative path) for source snippets; `None` when unreadable.
    pub source: &'a dyn Fn(&str) -> Option<String>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    start: u32,
    end: u32,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'static str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    concept: Option<&'a str>,
    scope: &'a str,
    tier: Option<&'a str>,
    fingerprint: &'a str,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonCompliance {
    references: u32,
    canonical_references: u32,
    compliance: Option<f64>,
}

#[derive(Serialize)]
struct JsonConcept<'a> {
    name: &'a str,
    canonical: &'a str,
    canonical_origin: &'a str,
    references: u32,
    canonical_references: u32,
    compliance: Option<f64>,
    production: JsonCompliance,
    tests: JsonCompliance,
    scopes: std::collections::BTreeMap<&'a str, JsonCompliance>,
    definitions: &'a [String],
    tier: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonSummary {
    diagnostics: usize,
    baselined: usize,
    fixed_since_baseline: usize,
    references: u32,
    canonical_references: u32,
    compliance: Option<f64>,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    schema: &'static str,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    concepts: Vec<JsonConcept<'a>>,
    summary: JsonSummary,
}

/// Rounds a ratio to four decimals so JSON output is stable and readable.
fn rounded(ratio: Option<f64>) -> Option<f64> {
    ratio.map(|r| (r * 10_000.0).round() / 10_000.0)
}

fn compliance_json(compliance: ssot_rules::Compliance) -> JsonCompliance {
    JsonCompliance {
        references: compliance.references,
        canonical_references: compliance.canonical_references,
        compliance: rounded(compliance.ratio()),
    }
}

/// The overall figure: the sums over every concept.
pub fn overall(concepts: &[ConceptReport]) -> ssot_rules::Compliance {
    concepts
        .iter()
        .fold(ssot_rules::Compliance::default(), |sum, c| {
            sum.merge(c.total())
        })
}

/// Writes `ssot.check/1`.
pub fn render_check_json(report: &CheckReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let total = overall(report.concepts);
    let document = JsonCheck {
        schema: "ssot.check/1",
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                code: d.rule.code(),
                name: d.rule.name(),
                path: &d.path,
                line: d.start.line,
                column: d.start.column,
                end_line: d.end.line,
                end_column: d.end.column,
                message: &d.message,
                concept: d.concept.as_deref(),
                scope: &d.scope,
                tier: d.tier.as_deref(),
                fingerprint: &d.fingerprint,
                fix: d.fix.as_ref().map(|fix| JsonFix {
                    applicability: fix.applicability.as_str(),
                    edits: fix
                        .edits
                        .iter()
                        .map(|edit| JsonEdit {
                            start: edit.span.start,
                            end: edit.span.end,
                            content: &edit.content,
                        })
                        .collect(),
                }),
            })
            .collect(),
        concepts: report
            .concepts
            .iter()
            .map(|c| {
                let total = c.total();
                JsonConcept {
                    name: &c.name,
                    canonical: &c.canonical,
                    canonical_origin: &c.canonical_origin,
                    references: total.references,
                    canonical_references: total.canonical_references,
                    compliance: rounded(total.ratio()),
                    production: compliance_json(c.production),
                    tests: compliance_json(c.tests),
                    scopes: c
                        .by_scope
                        .iter()
                        .map(|(scope, compliance)| (scope.as_str(), compliance_json(*compliance)))
                        .collect(),
                    definitions: &c.definitions,
                    tier: c.tier.as_deref(),
                }
            })
            .collect(),
        summary: JsonSummary {
            diagnostics: report.diagnostics.len(),
            baselined: report.baselined,
            fixed_since_baseline: report.fixed_since_baseline,
            references: total.references,
            canonical_references: total.canonical_references,
            compliance: rounded(total.ratio()),
        },
    };
    let mut writer = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut writer, &document)?;
    writer.write_all(b"\n")?;
    writer.flush()
}

/// `path:line:column: CODE [*] message`, one line per diagnostic.
pub fn render_check_concise(report: &CheckReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in report.diagnostics {
        writeln!(
            out,
            "{}:{}:{}: {} {}{}",
            d.path,
            d.start.line,
            d.start.column,
            d.rule.code(),
            fix_marker(d),
            d.message
        )?;
    }
    write_compliance(report, out)
}

/// Whether `ssot fix` would apply the diagnostic's fix without `--unsafe-fixes`.
fn has_safe_fix(diagnostic: &Diagnostic) -> bool {
    diagnostic
        .fix
        .as_ref()
        .is_some_and(|fix| fix.applicability == Applicability::Safe)
}

/// `[*] ` before the message of a diagnostic with a safe fix, as ruff marks them.
fn fix_marker(diagnostic: &Diagnostic) -> &'static str {
    if has_safe_fix(diagnostic) {
        "[*] "
    } else {
        ""
    }
}

fn percent(compliance: ssot_rules::Compliance) -> String {
    match compliance.ratio() {
        Some(ratio) => format!(
            "{:5.1}% ({}/{})",
            ratio * 100.0,
            compliance.canonical_references,
            compliance.references
        ),
        None => "    — (no references)".to_string(),
    }
}

/// The scopes the compliance table has a column for: `production` and `test` always, then
/// every other scope some concept has references in, by name.
fn table_scopes(concepts: &[ConceptReport]) -> Vec<&str> {
    let mut scopes = vec!["production", "test"];
    let others: std::collections::BTreeSet<&str> = concepts
        .iter()
        .flat_map(|c| c.by_scope.keys().map(String::as_str))
        .filter(|scope| !matches!(*scope, "production" | "test"))
        .collect();
    scopes.extend(others);
    scopes
}

/// A concept's figures in one scope (no references there: zero counts).
fn in_scope(concept: &ConceptReport, scope: &str) -> ssot_rules::Compliance {
    concept.by_scope.get(scope).copied().unwrap_or_default()
}

/// The compliance table and the summary line printed after the diagnostics in human formats
/// (separated from them by a blank line; no blank line first when there were none).
///
/// One column per scope (`production`, `test`, then each configured scope with references);
/// the scope columns split the references, so they add up to the `all` column.
pub fn write_compliance(report: &CheckReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut separator = if report.diagnostics.is_empty() {
        ""
    } else {
        "\n"
    };
    if !report.concepts.is_empty() {
        writeln!(
            out,
            "{separator}Compliance (canonical-path references ÷ references to any member)"
        )?;
        separator = "\n";
        let scopes = table_scopes(report.concepts);
        let mut header = format!("  {:<28}", "concept");
        for scope in &scopes {
            header.push_str(&format!(" {scope:<22}"));
        }
        writeln!(out, "{header} all")?;
        for concept in report.concepts {
            let mut row = format!("  {:<28}", concept.name);
            for scope in &scopes {
                row.push_str(&format!(" {:<22}", percent(in_scope(concept, scope))));
            }
            writeln!(out, "{row} {}", percent(concept.total()))?;
        }
        if report.concepts.len() > 1 {
            let mut row = format!("  {:<28}", "overall");
            for scope in &scopes {
                let sum = report
                    .concepts
                    .iter()
                    .fold(ssot_rules::Compliance::default(), |sum, c| {
                        sum.merge(in_scope(c, scope))
                    });
                row.push_str(&format!(" {:<22}", percent(sum)));
            }
            writeln!(out, "{row} {}", percent(overall(report.concepts)))?;
        }
    }
    let mut summary = match report.diagnostics.len() {
        0 => "All checks passed.".to_string(),
        1 => format!("Found 1 violation ({}).", per_scope(report.diagnostics)),
        n => format!("Found {n} violations ({}).", per_scope(report.diagnostics)),
    };
    if report.baselined > 0 {
        summary.push_str(&format!(
            " {} more covered by the baseline.",
            report.baselined
        ));
    }
    if report.fixed_since_baseline > 0 {
        summary.push_str(&format!(
            " {} baseline entries no longer occur: run `ssot baseline` to shrink it.",
            report.fixed_since_baseline
        ));
    }
    writeln!(out, "{separator}{summary}")?;
    let fixable = report
        .diagnostics
        .iter()
        .filter(|d| has_safe_fix(d))
        .count();
    if fixable > 0 {
        writeln!(out, "[*] {fixable} fixable with `ssot fix`.")?;
    }
    Ok(())
}

/// `3 production, 2 test`: diagnostics per scope, `production` and `test` first, then the
/// configured scopes by name.
fn per_scope(diagnostics: &[Diagnostic]) -> String {
    let mut counts: std::collections::BTreeMap<(u8, &str), usize> = Default::default();
    for d in diagnostics {
        let rank = match d.scope.as_str() {
            "production" => 0,
            "test" => 1,
            _ => 2,
        };
        *counts.entry((rank, d.scope.as_str())).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((_, scope), count)| format!("{count} {scope}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--statistics`: violations per rule, most frequent first.
pub fn render_statistics(report: &CheckReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: Vec<(usize, &'static str, &'static str)> = Vec::new();
    for d in report.diagnostics {
        match counts
            .iter_mut()
            .find(|(_, code, _)| *code == d.rule.code())
        {
            Some(entry) => entry.0 += 1,
            None => counts.push((1, d.rule.code(), d.rule.name())),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    for (count, code, name) in counts {
        writeln!(out, "{count:>6}  {code}  {name}")?;
    }
    Ok(())
}
