//! `ssot scan` output: the import-path census, dangling imports and parse errors.

use std::fmt::Write;

use serde_json::{json, Value};
use ssot_index::{Census, CensusPath, DanglingPath, Location, PathCounts, Project};

use crate::{Problem, Style};

/// Everything `scan` reports.
pub struct ScanReport<'a> {
    pub project: &'a Project,
    pub census: &'a Census,
    /// Files that could not be analysed and walk problems, sorted.
    pub problems: &'a [Problem],
}

impl ScanReport<'_> {
    fn import_statements(&self) -> usize {
        self.project.files.iter().map(|f| f.facts.imports.len()).sum()
    }

    /// Modules backed by a file (namespace packages are directories, not modules with code).
    fn module_count(&self) -> usize {
        self.project
            .modules
            .modules
            .iter()
            .filter(|m| m.file.is_some())
            .count()
    }

    fn parse_errors(&self) -> impl Iterator<Item = (&str, &ssot_facts::SyntaxErrorFact)> {
        self.project.files.iter().flat_map(|file| {
            file.facts
                .syntax_errors
                .iter()
                .map(move |error| (file.path.as_str(), error))
        })
    }

    fn files_with_parse_errors(&self) -> usize {
        self.project
            .files
            .iter()
            .filter(|f| !f.facts.syntax_errors.is_empty())
            .count()
    }
}

fn location_json(location: &Location) -> Value {
    json!({"path": location.path, "line": location.line})
}

fn counts_json(counts: &PathCounts) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    map.insert("files".into(), json!(counts.files));
    map.insert("test_files".into(), json!(counts.test_files));
    map.insert("statements".into(), json!(counts.statements));
    map.insert("test_statements".into(), json!(counts.test_statements));
    map.insert("guarded_statements".into(), json!(counts.guarded_statements));
    map.insert(
        "examples".into(),
        Value::Array(counts.examples.iter().map(location_json).collect()),
    );
    map
}

/// `ssot.scan/1` as a pretty-printed JSON document.
pub fn render_scan_json(report: &ScanReport<'_>) -> String {
    let symbols: Vec<Value> = report
        .census
        .symbols
        .iter()
        .map(|symbol| {
            let paths: Vec<Value> = symbol
                .paths
                .iter()
                .map(|path| {
                    let mut map = serde_json::Map::new();
                    map.insert("path".into(), json!(path.path.to_string()));
                    map.extend(counts_json(&path.counts));
                    Value::Object(map)
                })
                .collect();
            json!({
                "origin": symbol.origin_path,
                "kind": symbol.kind.as_str(),
                "defined_at": location_json(&symbol.defined_at),
                "files": symbol.files,
                "paths": paths,
            })
        })
        .collect();
    let dangling: Vec<Value> = report
        .census
        .dangling
        .iter()
        .map(|dangling| {
            let mut map = serde_json::Map::new();
            map.insert("path".into(), json!(dangling.path.to_string()));
            map.insert("reason".into(), json!(dangling.reason.as_str()));
            map.extend(counts_json(&dangling.counts));
            Value::Object(map)
        })
        .collect();
    let parse_errors: Vec<Value> = report
        .parse_errors()
        .map(|(path, error)| {
            json!({
                "path": path,
                "line": error.position.line,
                "column": error.position.column,
                "message": error.message,
            })
        })
        .collect();
    let problems: Vec<Value> = report
        .problems
        .iter()
        .map(|p| json!({"path": p.path, "code": p.code, "message": p.message}))
        .collect();
    let conflicts: Vec<Value> = report
        .project
        .modules
        .conflicts
        .iter()
        .map(|conflict| {
            json!({
                "module": conflict.module,
                "imported": report.project.file(conflict.winner).path,
                "shadowed": report.project.file(conflict.shadowed).path,
            })
        })
        .collect();
    let document = json!({
        "schema": "ssot.scan/1",
        "summary": {
            "files": report.project.files.len(),
            "modules": report.module_count(),
            "parse_errors": report.files_with_parse_errors(),
            "import_statements": report.import_statements(),
        },
        "parse_errors": parse_errors,
        "unreadable": problems,
        "module_conflicts": conflicts,
        "symbols": symbols,
        "dangling": dangling,
        "concepts": [],
    });
    let mut text = serde_json::to_string_pretty(&document).expect("JSON values serialise");
    text.push('\n');
    text
}

/// The human-readable census.
pub fn render_scan_text(report: &ScanReport<'_>, style: Style) -> String {
    let mut out = String::new();
    let census = report.census;
    if census.symbols.is_empty() {
        let _ = writeln!(out, "{}", style.bold("No symbol is imported through more than one path."));
    } else {
        let _ = writeln!(
            out,
            "{}",
            style.bold(&format!(
                "Symbols imported through several paths ({})",
                census.symbols.len()
            ))
        );
        for symbol in &census.symbols {
            let _ = writeln!(
                out,
                "\n{}  {} defined at {}:{}",
                style.cyan(&symbol.origin_path),
                symbol.kind.as_str(),
                symbol.defined_at.path,
                symbol.defined_at.line
            );
            let _ = writeln!(
                out,
                "  {} files through {} paths",
                symbol.files,
                symbol.paths.len()
            );
            write_path_table(&mut out, &symbol.paths, style);
        }
    }
    if !census.dangling.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!(
                "Dangling first-party imports ({})",
                census.dangling.len()
            ))
        );
        write_dangling_table(&mut out, &census.dangling, style);
    }
    let parse_errors: Vec<_> = report.parse_errors().collect();
    if !parse_errors.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!(
                "Files with syntax errors ({}); recovered facts are still counted",
                report.files_with_parse_errors()
            ))
        );
        for (path, error) in parse_errors {
            let _ = writeln!(
                out,
                "  {}:{}:{}: {} {}",
                path,
                error.position.line,
                error.position.column,
                style.red("SSOT001"),
                error.message
            );
        }
    }
    if !report.problems.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!("Files not analysed ({})", report.problems.len()))
        );
        for problem in report.problems {
            let _ = writeln!(
                out,
                "  {}: {} {}",
                problem.path,
                style.red(problem.code),
                problem.message
            );
        }
    }
    if !report.project.modules.conflicts.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Files claiming one module name"));
        for conflict in &report.project.modules.conflicts {
            let _ = writeln!(
                out,
                "  {}: {} is imported, {} is shadowed",
                conflict.module,
                report.project.file(conflict.winner).path,
                report.project.file(conflict.shadowed).path
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.dim(&format!(
            "Scanned {} files ({} modules, {} import statements).",
            report.project.files.len(),
            report.module_count(),
            report.import_statements()
        ))
    );
    out
}

fn examples(counts: &PathCounts) -> String {
    let mut text = counts
        .examples
        .iter()
        .map(|l| format!("{}:{}", l.path, l.line))
        .collect::<Vec<_>>()
        .join(", ");
    if counts.statements as usize > counts.examples.len() {
        text.push_str(", …");
    }
    text
}

fn write_path_table(out: &mut String, paths: &[CensusPath], style: Style) {
    let _ = writeln!(
        out,
        "  {}",
        style.dim(&format!("{:>5} {:>5} {:>5}  path", "files", "tests", "refs"))
    );
    for path in paths {
        let _ = writeln!(
            out,
            "  {:>5} {:>5} {:>5}  {}",
            path.counts.files,
            path.counts.test_files,
            path.counts.statements,
            path.path
        );
        let _ = writeln!(out, "  {:>17}  {}", "", style.dim(&format!("e.g. {}", examples(&path.counts))));
    }
}

fn write_dangling_table(out: &mut String, dangling: &[DanglingPath], style: Style) {
    let _ = writeln!(
        out,
        "  {}",
        style.dim(&format!(
            "{:>5} {:>5} {:>5}  {:<16} path",
            "files", "tests", "refs", "reason"
        ))
    );
    for entry in dangling {
        let guarded = if entry.counts.guarded_statements > 0 {
            format!(
                "  ({} inside try/except ImportError)",
                entry.counts.guarded_statements
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:>5} {:>5} {:>5}  {:<16} {}{}",
            entry.counts.files,
            entry.counts.test_files,
            entry.counts.statements,
            entry.reason.as_str(),
            style.yellow(&entry.path.to_string()),
            guarded
        );
        let _ = writeln!(out, "  {:>17}  {}", "", style.dim(&format!("e.g. {}", examples(&entry.counts))));
    }
}
