//! The `ssot.report/1` document: what `ssot report --format json` prints and what the
//! Markdown and HTML views are drawn from. Every list is sorted before it gets here, so the
//! document is deterministic; long lists are capped (the caps are fields, so a reader knows
//! what was left out).

use std::collections::BTreeMap;

use serde::Serialize;

/// The schema name and version.
pub const SCHEMA: &str = "ssot.report/1";

/// How many offending files, paths' files and directories each concept keeps.
pub const TOP_OFFENDERS: usize = 50;
/// How many files below one directory of one path the drill-down keeps.
pub const FILES_PER_DIRECTORY: usize = 25;
/// How many directories of one path the drill-down keeps.
pub const DIRECTORIES_PER_PATH: usize = 100;
/// How many top directories the spread lists.
pub const TOP_DIRECTORIES: usize = 20;
/// How many entries project-wide lists (dangling imports, parse errors) keep.
pub const TOP_PROJECT_ITEMS: usize = 200;

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    /// The project root's directory name (output never shows absolute paths).
    pub project: String,
    pub summary: Summary,
    pub concepts: Vec<ConceptSection>,
    /// First-party imports that lead nowhere, most files first.
    pub dangling: Vec<DanglingImport>,
    pub dangling_total: usize,
    /// Files that do not parse (SSOT001).
    pub parse_errors: Vec<FileMessage>,
    pub parse_errors_total: usize,
    /// Files that could not be read (SSOT002) and walk problems.
    pub unreadable: Vec<FileMessage>,
    /// Findings per rule, by code.
    pub findings_by_rule: Vec<RuleCount>,
    /// With `--history`: one entry per sampled commit, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryEntry>>,
    /// What the report could not show, and why (a shallow clone, a commit whose tree could
    /// not be read, a concept absent from the analysed commit).
    pub notes: Vec<String>,
}

/// Project-wide counts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub parse_errors: usize,
    pub findings: usize,
    pub concepts: usize,
    pub dangling_imports: usize,
}

/// References and canonical references of one slice of the code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    pub references: u32,
    pub canonical_references: u32,
    /// canonical ÷ all; null when nothing references the concept.
    pub compliance: Option<f64>,
}

impl Figures {
    /// From the rules crate's counts (the figures `check` prints).
    pub fn of(compliance: ssot_rules::concepts::Compliance) -> Self {
        Self {
            references: compliance.references,
            canonical_references: compliance.canonical_references,
            compliance: rounded(compliance.ratio()),
        }
    }
}

/// A ratio to four decimals, as `check` prints it.
pub fn rounded(ratio: Option<f64>) -> Option<f64> {
    ratio.map(|r| (r * 10_000.0).round() / 10_000.0)
}

/// One declared concept.
#[derive(Clone, Debug, Serialize)]
pub struct ConceptSection {
    pub name: String,
    pub canonical: String,
    pub canonical_origin: String,
    /// All code, as `check` counts it.
    pub references: u32,
    pub canonical_references: u32,
    pub compliance: Option<f64>,
    /// `production` and `test` as `check` splits them, and per configured scope.
    pub production: Figures,
    pub test: Figures,
    pub by_scope: BTreeMap<String, Figures>,
    /// Every path the concept's definitions are reached through, most files first.
    pub paths: Vec<PathEntry>,
    /// How the paths lead to the definitions, hop by hop as resolution follows the
    /// re-exports (`legacy → shim → canonical`), each hop with the distinct files whose
    /// imports cross it; most files first.
    pub hops: Vec<Hop>,
    pub spread: Spread,
    /// The canonical definition and the competing ones, with their drift.
    pub definitions: Vec<DefinitionEntry>,
    /// Calls to forbidden shared-instance accessors (SSOT301), by scope.
    pub accessor_calls: BTreeMap<String, usize>,
    /// Test doubles that bypass the canonical (SSOT401).
    pub test_doubles: Vec<Finding>,
    /// Findings `ssot fix` rewrites safely (SSOT101 with a safe fix).
    pub fixable: usize,
    /// The concept's findings per rule code.
    pub findings: BTreeMap<String, usize>,
    /// Files with the most findings of this concept, with owners.
    pub offenders: Vec<Offender>,
    pub offenders_total: usize,
}

/// How a path relates to the concept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PathKind {
    /// The declared canonical path.
    Canonical,
    /// A path through a declared shim module.
    Shim,
    /// Any other path to the canonical object.
    Legacy,
    /// A path to a competing definition.
    Competing,
}

impl PathKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PathKind::Canonical => "canonical",
            PathKind::Shim => "shim",
            PathKind::Legacy => "legacy",
            PathKind::Competing => "competing",
        }
    }
}

/// One `module:name` path of the census.
#[derive(Clone, Debug, Serialize)]
pub struct PathEntry {
    pub path: String,
    pub kind: PathKind,
    /// Distinct files with a reference through the path.
    pub files: usize,
    pub test_files: usize,
    /// (import statement, name) references.
    pub statements: usize,
    /// Where the references live: directory → files, most references first.
    pub directories: Vec<DirectoryEntry>,
    pub directories_total: usize,
}

/// One re-export step: imports through `from` reach the definition through `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub from: String,
    pub to: String,
    /// Distinct files whose imports cross this hop (through `from` or a path leading to it).
    pub files: usize,
}

/// References through one path below one directory.
#[derive(Clone, Debug, Serialize)]
pub struct DirectoryEntry {
    /// Root-relative, `.` for the root.
    pub directory: String,
    pub statements: usize,
    pub files: Vec<FileCount>,
    pub files_total: usize,
}

/// A file and a count.
#[derive(Clone, Debug, Serialize)]
pub struct FileCount {
    pub path: String,
    pub count: usize,
}

/// Where a concept's references live.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Spread {
    pub files: usize,
    pub directories: usize,
    /// Directories with the most references (all paths), and how many are non-canonical.
    pub top_directories: Vec<DirectorySpread>,
}

/// One directory of the spread.
#[derive(Clone, Debug, Serialize)]
pub struct DirectorySpread {
    pub directory: String,
    pub references: usize,
    pub canonical_references: usize,
    pub files: usize,
}

/// A definition of the concept.
#[derive(Clone, Debug, Serialize)]
pub struct DefinitionEntry {
    /// `module:Qualified.Name`.
    pub symbol: String,
    /// `canonical` or `competing`.
    pub role: &'static str,
    pub path: String,
    pub line: u32,
    /// SSOT203 findings on this definition: methods or signatures the canonical lacks.
    pub drift: Vec<String>,
}

/// One finding, short.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub path: String,
    pub line: u32,
    pub scope: String,
    pub message: String,
}

/// A file with findings of a concept.
#[derive(Clone, Debug, Serialize)]
pub struct Offender {
    pub path: String,
    pub scope: String,
    pub findings: usize,
    /// Of those, fixed by `ssot fix`.
    pub fixable: usize,
    /// Codes, sorted, deduplicated.
    pub codes: Vec<&'static str>,
    /// From CODEOWNERS: the last matching rule's owners; empty when none matches.
    pub owners: Vec<String>,
}

/// A first-party import that leads nowhere.
#[derive(Clone, Debug, Serialize)]
pub struct DanglingImport {
    pub path: String,
    pub files: usize,
    pub statements: usize,
    /// Inside `try: … except ImportError`.
    pub guarded: usize,
    /// The first occurrence's message.
    pub message: String,
    pub owners: Vec<String>,
}

/// A file and what is wrong with it.
#[derive(Clone, Debug, Serialize)]
pub struct FileMessage {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
}

/// Findings of one rule.
#[derive(Clone, Debug, Serialize)]
pub struct RuleCount {
    pub code: &'static str,
    pub name: &'static str,
    pub count: usize,
}

/// One sampled commit.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryEntry {
    pub commit: String,
    /// Committer date, ISO 8601.
    pub date: String,
    pub subject: String,
    /// Python files in the tree.
    pub files: usize,
    pub concepts: Vec<HistoryConcept>,
    /// Dangling first-party imports (SSOT103 findings).
    pub dangling: usize,
}

/// A concept at one commit. A concept whose canonical does not exist at the commit has
/// `exists: false` and null compliance; a declared member or accessor that does not exist
/// there counts 0.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryConcept {
    pub name: String,
    pub exists: bool,
    /// The first sampled commit where the canonical exists (after one where it did not).
    pub appeared: bool,
    pub references: u32,
    pub canonical_references: u32,
    pub compliance: Option<f64>,
    pub definitions: usize,
    pub accessor_calls: usize,
}
