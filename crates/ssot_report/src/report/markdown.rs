//! The Markdown view: for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
//!
//! A summary table per concept, each concept's paths as a `mermaid` graph (legacy and shim
//! paths pointing at the canonical, edge labels = files), the offenders with owners, and the
//! trend as a table and a `xychart-beta` line chart. Long lists sit in `<details>`; the whole
//! stays under [`MARKDOWN_LIMIT`] bytes by showing fewer rows when a project is big.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::model::{ConceptSection, PathKind, Report};
use super::percent;

/// GitHub's limit for a comment or step summary is 64 KiB; stay below it with room to spare.
pub const MARKDOWN_LIMIT: usize = 60 * 1024;

/// Rows per list, shrunk until the document fits.
#[derive(Clone, Copy)]
struct Limits {
    paths: usize,
    offenders: usize,
    dangling: usize,
    history: usize,
}

/// Writes the Markdown view.
pub fn render_report_markdown(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut limits = Limits {
        paths: 30,
        offenders: 20,
        dangling: 20,
        history: 50,
    };
    let mut text = render(report, limits);
    while text.len() > MARKDOWN_LIMIT && limits.paths > 1 {
        limits = Limits {
            paths: limits.paths / 2,
            offenders: limits.offenders / 2,
            dangling: limits.dangling / 2,
            history: (limits.history / 2).max(2),
        };
        text = render(report, limits);
    }
    out.write_all(text.as_bytes())
}

/// Text for a Markdown table cell: no pipes, no line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Text inside a mermaid label: quotes and brackets would end it.
fn mermaid_label(text: &str) -> String {
    text.replace('"', "#quot;")
}

fn render(report: &Report, limits: Limits) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## ssot report: {}\n", cell(&report.project));
    let _ = writeln!(
        s,
        "{} files, {} findings, {} dangling first-party imports, {} parse errors.\n",
        report.summary.files,
        report.summary.findings,
        report.summary.dangling_imports,
        report.summary.parse_errors
    );
    for note in &report.notes {
        let _ = writeln!(s, "> {}\n", cell(note));
    }
    if report.concepts.is_empty() {
        s.push_str(
            "No concepts are declared: `ssot init` proposes some from what `ssot scan` finds.\n\n",
        );
    } else {
        s.push_str("| concept | canonical | compliance | production | test | paths | files | fixable | findings |\n");
        s.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for concept in &report.concepts {
            let _ = writeln!(
                s,
                "| {} | `{}` | {} ({}/{}) | {} | {} | {} | {} | {} | {} |",
                cell(&concept.name),
                cell(&concept.canonical),
                percent(concept.compliance),
                concept.canonical_references,
                concept.references,
                percent(concept.production.compliance),
                percent(concept.test.compliance),
                concept.paths.len(),
                concept.spread.files,
                concept.fixable,
                concept.findings.values().sum::<usize>(),
            );
        }
        s.push('\n');
    }
    for concept in &report.concepts {
        concept_markdown(&mut s, concept, limits);
    }
    if let Some(history) = &report.history {
        history_markdown(&mut s, report, history, limits);
    }
    if !report.dangling.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>Dangling first-party imports ({})</summary>\n",
            report.dangling_total
        );
        s.push_str("| path | files | refs | inside try/except ImportError |\n| --- | ---: | ---: | ---: |\n");
        for dangling in report.dangling.iter().take(limits.dangling) {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} |",
                cell(&dangling.path),
                dangling.files,
                dangling.statements,
                dangling.guarded
            );
        }
        more(&mut s, report.dangling_total, limits.dangling);
        s.push_str("\n</details>\n\n");
    }
    if !report.parse_errors.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>Files that do not parse ({})</summary>\n",
            report.parse_errors_total
        );
        for error in report.parse_errors.iter().take(limits.dangling) {
            let _ = writeln!(
                s,
                "- `{}:{}` {}",
                error.path,
                error.line.unwrap_or(0),
                cell(&error.message)
            );
        }
        more(&mut s, report.parse_errors_total, limits.dangling);
        s.push_str("\n</details>\n\n");
    }
    if !report.findings_by_rule.is_empty() {
        s.push_str("<details><summary>Findings per rule</summary>\n\n| code | rule | findings |\n| --- | --- | ---: |\n");
        for rule in &report.findings_by_rule {
            let _ = writeln!(s, "| {} | {} | {} |", rule.code, rule.name, rule.count);
        }
        s.push_str("\n</details>\n");
    }
    s
}

fn more(s: &mut String, total: usize, shown: usize) {
    if total > shown {
        let _ = writeln!(
            s,
            "\n…and {} more (the JSON report has them).",
            total - shown
        );
    }
}

fn concept_markdown(s: &mut String, concept: &ConceptSection, limits: Limits) {
    let _ = writeln!(s, "### {}\n", cell(&concept.name));
    let _ = writeln!(
        s,
        "Canonical `{}`: {} of {} references ({}); production {}, test {}. Spread over {} files in {} directories. `ssot fix` rewrites {} of them.\n",
        concept.canonical,
        concept.canonical_references,
        concept.references,
        percent(concept.compliance),
        percent(concept.production.compliance),
        percent(concept.test.compliance),
        concept.spread.files,
        concept.spread.directories,
        concept.fixable
    );
    if concept.paths.len() > 1 || concept.paths.iter().any(|p| p.kind != PathKind::Canonical) {
        mermaid_paths(s, concept, limits.paths);
    }
    let _ = writeln!(
        s,
        "<details><summary>Paths ({})</summary>\n\n| path | kind | files | test files | refs |\n| --- | --- | ---: | ---: | ---: |",
        concept.paths.len()
    );
    for path in concept.paths.iter().take(limits.paths) {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} |",
            cell(&path.path),
            path.kind.as_str(),
            path.files,
            path.test_files,
            path.statements
        );
    }
    more(s, concept.paths.len(), limits.paths);
    s.push_str("\n</details>\n\n");
    if !concept.offenders.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>Offending files ({})</summary>\n\n| file | scope | findings | fixable | rules | owners |\n| --- | --- | ---: | ---: | --- | --- |",
            concept.offenders_total
        );
        for offender in concept.offenders.iter().take(limits.offenders) {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} | {} |",
                cell(&offender.path),
                cell(&offender.scope),
                offender.findings,
                offender.fixable,
                offender.codes.join(", "),
                cell(&offender.owners.join(" "))
            );
        }
        more(s, concept.offenders_total, limits.offenders);
        s.push_str("\n</details>\n\n");
    }
}

/// The paths as resolution follows them: each path points at the next path of its re-export
/// chain (legacy → shim → canonical, or on to the definition), each edge labelled with the
/// files whose imports cross it; paths to competing definitions dashed.
fn mermaid_paths(s: &mut String, concept: &ConceptSection, limit: usize) {
    s.push_str("```mermaid\ngraph LR\n");
    let graph = super::graph::PathGraph::of(concept, limit);
    for (index, node) in graph.nodes.iter().enumerate() {
        let files = match node.files {
            Some(files) => format!("<br/>{}", super::files_text(files)),
            None => "<br/>re-export".to_string(),
        };
        let _ = writeln!(
            s,
            "  n{index}[\"{}{files}\"]:::{}",
            mermaid_label(&node.path),
            node.kind.as_str()
        );
    }
    for edge in &graph.edges {
        let arrow = if graph.nodes[edge.from].kind == PathKind::Competing {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(
            s,
            "  n{} {arrow}|{}| n{}",
            edge.from,
            super::files_text(edge.files),
            edge.to
        );
    }
    s.push_str("  classDef canonical fill:#0072B2,color:#fff\n  classDef shim fill:#E69F00,color:#000\n  classDef legacy fill:#D55E00,color:#fff\n  classDef competing fill:#CC79A7,color:#000\n```\n\n");
}

fn history_markdown(
    s: &mut String,
    report: &Report,
    history: &[super::model::HistoryEntry],
    limits: Limits,
) {
    let _ = writeln!(s, "### Trend ({} commits)\n", history.len());
    let shown: Vec<&super::model::HistoryEntry> = super::svg::thin(history, limits.history);
    let names: Vec<&str> = report.concepts.iter().map(|c| c.name.as_str()).collect();
    if shown.len() >= 2 && !names.is_empty() {
        s.push_str("```mermaid\nxychart-beta\n  title \"Compliance (%)\"\n  x-axis [");
        let labels: Vec<String> = shown
            .iter()
            .map(|entry| format!("\"{}\"", &entry.commit[..entry.commit.len().min(7)]))
            .collect();
        s.push_str(&labels.join(", "));
        s.push_str("]\n  y-axis \"compliance %\" 0 --> 100\n");
        for name in &names {
            let values: Vec<String> = shown
                .iter()
                .map(|entry| {
                    let value = entry
                        .concepts
                        .iter()
                        .find(|c| c.name == *name)
                        .and_then(|c| c.compliance)
                        .unwrap_or(0.0);
                    format!("{:.1}", value * 100.0)
                })
                .collect();
            let _ = writeln!(s, "  line [{}]", values.join(", "));
        }
        s.push_str("```\n\n");
        if names.len() > 1 {
            let _ = writeln!(s, "Lines in order: {}.\n", names.join(", "));
        }
    }
    s.push_str("<details><summary>Per commit</summary>\n\n| commit | date |");
    for name in &names {
        let _ = write!(s, " {} |", cell(name));
    }
    s.push_str(" dangling |\n| --- | --- |");
    for _ in &names {
        s.push_str(" ---: |");
    }
    s.push_str(" ---: |\n");
    for entry in &shown {
        let _ = write!(
            s,
            "| `{}` | {} |",
            &entry.commit[..entry.commit.len().min(10)],
            &entry.date[..entry.date.len().min(10)]
        );
        for name in &names {
            match entry.concepts.iter().find(|c| c.name == *name) {
                Some(c) if c.exists => {
                    let mark = if c.appeared { " (appeared)" } else { "" };
                    let _ = write!(
                        s,
                        " {} ({}/{}){mark} |",
                        percent(c.compliance),
                        c.canonical_references,
                        c.references
                    );
                }
                _ => s.push_str(" — |"),
            }
        }
        let _ = writeln!(s, " {} |", entry.dangling);
    }
    more(s, history.len(), shown.len());
    s.push_str("\n</details>\n\n");
}
