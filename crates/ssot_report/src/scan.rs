//! `ssot scan` output: the import-path census, dangling imports and parse errors.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;
use ssot_index::concept_discovery::ConceptCandidate;
use ssot_index::{Census, CensusPath, DanglingPath, Location, PathCounts, Project};

use crate::{Problem, Style};

/// Everything `scan` reports.
pub struct ScanReport<'a> {
    pub project: &'a Project,
    pub census: &'a Census,
    /// Concept candidates, best first.
    pub concepts: &'a [ConceptCandidate],
    /// Files that could not be analysed and walk problems, sorted.
    pub problems: &'a [Problem],
    /// Whether a file is in the paths the user asked about (the summary counts the whole
    /// project, which is always analysed; lists show only these files).
    pub in_scope: &'a dyn Fn(&str) -> bool,
}

impl ScanReport<'_> {
    fn import_statements(&self) -> usize {
        self.project
            .files
            .iter()
            .map(|f| f.facts.imports.len())
            .sum()
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
        self.project
            .files
            .iter()
            .filter(|file| (self.in_scope)(&file.path))
            .flat_map(|file| {
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

#[derive(Serialize)]
struct JsonLocation<'a> {
    path: &'a str,
    line: u32,
}

impl<'a> From<&'a Location> for JsonLocation<'a> {
    fn from(location: &'a Location) -> Self {
        Self {
            path: &location.path,
            line: location.line,
        }
    }
}

#[derive(Serialize)]
struct JsonCounts<'a> {
    files: u32,
    test_files: u32,
    statements: u32,
    test_statements: u32,
    guarded_statements: u32,
    examples: Vec<JsonLocation<'a>>,
}

impl<'a> From<&'a PathCounts> for JsonCounts<'a> {
    fn from(counts: &'a PathCounts) -> Self {
        Self {
            files: counts.files,
            test_files: counts.test_files,
            statements: counts.statements,
            test_statements: counts.test_statements,
            guarded_statements: counts.guarded_statements,
            examples: counts.examples.iter().map(JsonLocation::from).collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonPath<'a> {
    path: String,
    #[serde(flatten)]
    counts: JsonCounts<'a>,
}

#[derive(Serialize)]
struct JsonSymbol<'a> {
    origin: &'a str,
    kind: &'static str,
    defined_at: JsonLocation<'a>,
    files: u32,
    paths: Vec<JsonPath<'a>>,
    /// Public re-export statements: not uses, so in no path's counts.
    re_exported_by: Vec<JsonReExport<'a>>,
}

#[derive(Serialize)]
struct JsonReExport<'a> {
    /// The path the statement makes.
    path: String,
    at: JsonLocation<'a>,
}

#[derive(Serialize)]
struct JsonDangling<'a> {
    path: String,
    reason: &'static str,
    /// The link where the chain breaks, when it is not the path itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    broken_at: Option<&'a str>,
    #[serde(flatten)]
    counts: JsonCounts<'a>,
}

#[derive(Serialize)]
struct JsonParseError<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    path: &'a str,
    code: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonConflict<'a> {
    module: &'a str,
    imported: &'a str,
    shadowed: &'a str,
}

#[derive(Serialize)]
struct JsonMember<'a> {
    symbol: &'a str,
    role: &'static str,
    references: u32,
    evidence: Vec<String>,
    /// For factory and accessor functions: `async def`.
    #[serde(rename = "async", skip_serializing_if = "Option::is_none")]
    is_async: Option<bool>,
    /// For factory and accessor functions: the parameter names.
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<&'a [String]>,
}

#[derive(Serialize)]
struct JsonFactory<'a> {
    name: &'a str,
    role: &'static str,
    definitions: u32,
    #[serde(rename = "async")]
    asynchronous: u32,
    signatures: u32,
}

#[derive(Serialize)]
struct JsonSpread {
    files: u32,
    directories: u32,
}

#[derive(Serialize)]
struct JsonConcept<'a> {
    name: &'a str,
    canonical: &'a str,
    reason: &'a str,
    members: Vec<JsonMember<'a>>,
    spread: JsonSpread,
    production_duplicates: u32,
    test_doubles: u32,
    production_test_doubles: u32,
    /// Factories and accessors by name, with their drift.
    factories: Vec<JsonFactory<'a>>,
    re_exporting_modules: &'a [String],
    /// The legacy shims `init` proposes (README.md, "Canonical policy").
    shim_candidates: &'a [String],
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    modules: usize,
    parse_errors: usize,
    import_statements: usize,
}

#[derive(Serialize)]
struct JsonScan<'a> {
    schema: &'static str,
    summary: JsonSummary,
    parse_errors: Vec<JsonParseError<'a>>,
    unreadable: Vec<JsonProblem<'a>>,
    module_conflicts: Vec<JsonConflict<'a>>,
    symbols: Vec<JsonSymbol<'a>>,
    dangling: Vec<JsonDangling<'a>>,
    concepts: Vec<JsonConcept<'a>>,
}

/// Writes `ssot.scan/1` as a pretty-printed JSON document.
pub fn render_scan_json(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let project = report.project;
    let document = JsonScan {
        schema: "ssot.scan/1",
        summary: JsonSummary {
            files: project.files.len(),
            modules: report.module_count(),
            parse_errors: report.files_with_parse_errors(),
            import_statements: report.import_statements(),
        },
        parse_errors: report
            .parse_errors()
            .map(|(path, error)| JsonParseError {
                path,
                line: error.position.line,
                column: error.position.column,
                message: &error.message,
            })
            .collect(),
        unreadable: report
            .problems
            .iter()
            .map(|p| JsonProblem {
                path: &p.path,
                code: p.code,
                message: &p.message,
            })
            .collect(),
        module_conflicts: project
            .modules
            .conflicts
            .iter()
            .map(|conflict| JsonConflict {
                module: &conflict.module,
                imported: &project.file(conflict.winner).path,
                shadowed: &project.file(conflict.shadowed).path,
            })
            .collect(),
        symbols: report
            .census
            .symbols
            .iter()
            .map(|symbol| JsonSymbol {
                origin: &symbol.origin_path,
                kind: symbol.kind.as_str(),
                defined_at: (&symbol.defined_at).into(),
                files: symbol.files,
                paths: symbol
                    .paths
                    .iter()
                    .map(|path| JsonPath {
                        path: path.path.to_string(),
                        counts: (&path.counts).into(),
                    })
                    .collect(),
                re_exported_by: symbol
                    .re_exported_by
                    .iter()
                    .map(|re_export| JsonReExport {
                        path: re_export.path.to_string(),
                        at: (&re_export.at).into(),
                    })
                    .collect(),
            })
            .collect(),
        dangling: report
            .census
            .dangling
            .iter()
            .map(|dangling| JsonDangling {
                path: dangling.path.to_string(),
                reason: dangling.reason.as_str(),
                broken_at: dangling.broken_at.as_deref(),
                counts: (&dangling.counts).into(),
            })
            .collect(),
        concepts: report
            .concepts
            .iter()
            .map(|concept| JsonConcept {
                name: &concept.name,
                canonical: &concept.canonical,
                reason: &concept.reason,
                members: concept
                    .members
                    .iter()
                    .map(|member| JsonMember {
                        symbol: &member.symbol,
                        role: member.role.as_str(),
                        references: member.references,
                        evidence: member.evidence.iter().map(|e| e.describe()).collect(),
                        is_async: member.signature.as_ref().map(|(is_async, _)| *is_async),
                        parameters: member
                            .signature
                            .as_ref()
                            .map(|(_, params)| params.as_slice()),
                    })
                    .collect(),
                spread: JsonSpread {
                    files: concept.files,
                    directories: concept.directories,
                },
                production_duplicates: concept.production_duplicates,
                test_doubles: concept.test_doubles,
                production_test_doubles: concept.production_doubles,
                factories: concept
                    .factories
                    .iter()
                    .map(|drift| JsonFactory {
                        name: &drift.name,
                        role: drift.role.as_str(),
                        definitions: drift.definitions,
                        asynchronous: drift.asynchronous,
                        signatures: drift.signatures,
                    })
                    .collect(),
                re_exporting_modules: &concept.re_exporting_modules,
                shim_candidates: &concept.shim_candidates,
            })
            .collect(),
    };
    let mut writer = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut writer, &document)?;
    writer.write_all(b"\n")?;
    writer.flush()
}

/// The human-readable census.
pub fn render_scan_text(report: &ScanReport<'_>, style: Style) -> String {
    let mut out = String::new();
    let census = report.census;
    if census.symbols.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style.bold("No symbol is imported through more than one path.")
        );
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
            for re_export in &symbol.re_exported_by {
                let _ = writeln!(
                    out,
                    "  {}",
                    style.dim(&format!(
                        "re-exported as {} at {}:{} (not counted as a path)",
                        re_export.path, re_export.at.path, re_export.at.line
                    ))
                );
            }
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
    write_concepts(&mut out, report.concepts, style);
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
        style.dim(&format!(
            "{:>5} {:>5} {:>5}  path",
            "files", "tests", "refs"
        ))
    );
    for path in paths {
        let _ = writeln!(
            out,
            "  {:>5} {:>5} {:>5}  {}",
            path.counts.files, path.counts.test_files, path.counts.statements, path.path
        );
        let _ = writeln!(
            out,
            "  {:>17}  {}",
            "",
            style.dim(&format!("e.g. {}", examples(&path.counts)))
        );
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
            entry.reason_text(),
            style.yellow(&entry.path.to_string()),
            guarded
        );
        let _ = writeln!(
            out,
            "  {:>17}  {}",
            "",
            style.dim(&format!("e.g. {}", examples(&entry.counts)))
        );
    }
}

/// `create_manager ×5 (2 async, 3 parameter lists)`.
fn describe_drift(drift: &ssot_index::concept_discovery::FunctionDrift) -> String {
    let mut text = format!("{} {}", drift.role.as_str(), drift.name);
    if drift.definitions > 1 {
        let _ = write!(text, " ×{}", drift.definitions);
        let mut differences = Vec::new();
        if drift.asynchronous > 0 && drift.asynchronous < drift.definitions {
            differences.push(format!("{} async", drift.asynchronous));
        }
        if drift.signatures > 1 {
            differences.push(format!("{} parameter lists", drift.signatures));
        }
        if !differences.is_empty() {
            let _ = write!(text, " ({})", differences.join(", "));
        }
    }
    text
}

/// How many concept candidates the text output shows (JSON has them all).
const CONCEPTS_SHOWN: usize = 10;

fn write_concepts(out: &mut String, concepts: &[ConceptCandidate], style: Style) {
    if concepts.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!("Concept candidates ({})", concepts.len()))
    );
    for concept in concepts.iter().take(CONCEPTS_SHOWN) {
        let production_doubles = match concept.production_doubles {
            0 => String::new(),
            count => format!(", {count} test doubles in production code"),
        };
        let _ = writeln!(
            out,
            "\n{}  {} files in {} directories; {} competing definitions, {} test doubles{}",
            style.cyan(&concept.name),
            concept.files,
            concept.directories,
            concept.production_duplicates,
            concept.test_doubles,
            production_doubles
        );
        let _ = writeln!(out, "  proposed canonical: {}", concept.canonical);
        if !concept.factories.is_empty() {
            let _ = writeln!(
                out,
                "  factories and accessors: {}",
                concept
                    .factories
                    .iter()
                    .map(describe_drift)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        let _ = writeln!(
            out,
            "  {}",
            style.dim(&format!("because: {}", concept.reason))
        );
        for member in &concept.members {
            let evidence = member
                .evidence
                .iter()
                .map(|e| e.describe())
                .collect::<Vec<_>>()
                .join("; ");
            let _ = writeln!(
                out,
                "  {:<12} {:>4} refs  {}{}",
                member.role.as_str(),
                member.references,
                member.symbol,
                if evidence.is_empty() {
                    String::new()
                } else {
                    style.dim(&format!("  ({evidence})"))
                }
            );
        }
    }
    if concepts.len() > CONCEPTS_SHOWN {
        let _ = writeln!(
            out,
            "\n  … {} more in `--output-format json`",
            concepts.len() - CONCEPTS_SHOWN
        );
    }
}
