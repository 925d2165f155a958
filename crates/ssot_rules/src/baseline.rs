//! The baseline ratchet: known violations, recorded by fingerprint, that `ssot check` does not
//! fail on.
//!
//! The file is JSON with one entry per line, sorted by path, code, message and fingerprint, so
//! that two branches fixing or adding violations in different files rarely conflict:
//!
//! ```text
//! {"schema": "ssot.baseline/1", "entries": [
//! {"fingerprint": "…", "code": "SSOT101", "path": "app/a.py", "message": "…"},
//! {"fingerprint": "…", "code": "SSOT103", "path": "app/b.py", "message": "…"}
//! ]}
//! ```
//!
//! Only the fingerprint matters for matching (see [`crate::diagnostic`]: it survives line
//! shifts and counts multiplicity); code, path and message are there for readers and for
//! deciding which entries a partial run can judge.

use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use crate::Diagnostic;

/// The `schema` of the baseline file.
pub const BASELINE_SCHEMA: &str = "ssot.baseline/1";

/// The file name used when the configuration names none.
pub const DEFAULT_BASELINE_FILE: &str = ".ssot-baseline.json";

/// One known violation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub code: String,
    /// Relative to the project root.
    pub path: String,
    pub message: String,
}

impl BaselineEntry {
    /// The entry recording `diagnostic`.
    pub fn of(diagnostic: &Diagnostic) -> Self {
        Self {
            fingerprint: diagnostic.fingerprint.clone(),
            code: diagnostic.rule.code().to_string(),
            path: diagnostic.path.clone(),
            message: diagnostic.message.clone(),
        }
    }

    fn sort_key(&self) -> (&str, &str, &str, &str) {
        (&self.path, &self.code, &self.message, &self.fingerprint)
    }
}

/// A baseline file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Not JSON, or not the shape of `ssot.baseline/1`.
    #[error("not a valid baseline file: {0}")]
    Json(serde_json::Error),
    /// Another version of the format.
    #[error("unsupported schema `{found}` (expected `{BASELINE_SCHEMA}`)")]
    Schema { found: String },
    /// An entry that can match nothing.
    #[error("entry {index} has an empty fingerprint")]
    EmptyFingerprint { index: usize },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    schema: String,
    entries: Vec<BaselineEntry>,
}

/// Known violations, sorted, one per fingerprint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: Vec<BaselineEntry>,
}

/// How a run's diagnostics relate to a baseline.
#[derive(Debug, Default)]
pub struct BaselineComparison {
    /// Diagnostics the baseline does not cover: these fail the run.
    pub new: Vec<Diagnostic>,
    /// Diagnostics the baseline covers.
    pub baselined: Vec<Diagnostic>,
    /// Entries the run could judge that no longer occur.
    pub fixed: Vec<BaselineEntry>,
}

impl Baseline {
    /// A baseline of `entries` (sorted; a repeated fingerprint is kept once).
    pub fn new(mut entries: Vec<BaselineEntry>) -> Self {
        entries.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let mut seen = FxHashSet::default();
        entries.retain(|entry| seen.insert(entry.fingerprint.clone()));
        Self { entries }
    }

    /// Every diagnostic of a run.
    pub fn from_diagnostics(diagnostics: &[Diagnostic]) -> Self {
        Self::new(diagnostics.iter().map(BaselineEntry::of).collect())
    }

    pub fn entries(&self) -> &[BaselineEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Reads a baseline file's text.
    pub fn parse(text: &str) -> Result<Self, BaselineError> {
        let file: BaselineFile = serde_json::from_str(text).map_err(BaselineError::Json)?;
        if file.schema != BASELINE_SCHEMA {
            return Err(BaselineError::Schema { found: file.schema });
        }
        if let Some(index) = file.entries.iter().position(|e| e.fingerprint.is_empty()) {
            return Err(BaselineError::EmptyFingerprint { index });
        }
        Ok(Self::new(file.entries))
    }

    /// The file's text: sorted, one entry per line, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut text = format!("{{\"schema\": \"{BASELINE_SCHEMA}\", \"entries\": [\n");
        for (index, entry) in self.entries.iter().enumerate() {
            let line = serde_json::to_string(entry).expect("entries serialize");
            // `{"a":1,"b":2}` → `{"a": 1, "b": 2}`: readable, and still one line.
            text.push_str(&spaced(&line));
            if index + 1 < self.entries.len() {
                text.push(',');
            }
            text.push('\n');
        }
        text.push_str("]}\n");
        text
    }

    /// Splits a run's diagnostics into new and baselined ones, and lists the entries that no
    /// longer occur among those the run could judge (`judged(entry)`: its rule ran on its
    /// file; a run over part of the project, or with some rules deselected, judges fewer).
    pub fn compare(
        &self,
        diagnostics: Vec<Diagnostic>,
        judged: &dyn Fn(&BaselineEntry) -> bool,
    ) -> BaselineComparison {
        let known: FxHashSet<&str> = self
            .entries
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let (baselined, new): (Vec<_>, Vec<_>) = diagnostics
            .into_iter()
            .partition(|d| known.contains(d.fingerprint.as_str()));
        let occurring: FxHashSet<&str> = baselined.iter().map(|d| d.fingerprint.as_str()).collect();
        let fixed = self
            .entries
            .iter()
            .filter(|e| !occurring.contains(e.fingerprint.as_str()) && judged(e))
            .cloned()
            .collect();
        BaselineComparison {
            new,
            baselined,
            fixed,
        }
    }

    /// The next baseline: without the fixed entries, and with the new violations when `grow`.
    pub fn ratchet(&self, comparison: &BaselineComparison, grow: bool) -> Self {
        let fixed: FxHashSet<&str> = comparison
            .fixed
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let mut entries: Vec<BaselineEntry> = self
            .entries
            .iter()
            .filter(|e| !fixed.contains(e.fingerprint.as_str()))
            .cloned()
            .collect();
        if grow {
            entries.extend(comparison.new.iter().map(BaselineEntry::of));
        }
        Self::new(entries)
    }
}

/// Adds a space after the `:` and `,` that separate JSON members (outside strings).
fn spaced(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 8);
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        out.push(c);
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                '"' => in_string = true,
                ':' | ',' => out.push(' '),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use ssot_facts::{Position, Span};

    use super::*;
    use crate::diagnostic::assign_fingerprints;
    use crate::Rule;

    fn diagnostic(path: &str, line: u32, import_path: &str) -> Diagnostic {
        let mut d = Diagnostic::new(
            Rule::NonCanonicalImport,
            path,
            Span { start: 0, end: 1 },
            Position { line, column: 1 },
            format!("non-canonical path `{import_path}`, \"quoted\""),
        );
        d.import_path = Some(import_path.to_string());
        d
    }

    fn run(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        assign_fingerprints(&mut diagnostics);
        diagnostics
    }

    #[test]
    fn writes_one_sorted_entry_per_line_and_reads_it_back() {
        let baseline = Baseline::from_diagnostics(&run(vec![
            diagnostic("b.py", 1, "p:X"),
            diagnostic("a.py", 9, "p:Y"),
        ]));
        let text = baseline.to_json();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(lines[0], r#"{"schema": "ssot.baseline/1", "entries": ["#);
        assert!(lines[1].contains(r#""path": "a.py""#), "{text}");
        assert!(lines[1].ends_with("},"), "{text}");
        assert!(lines[2].contains(r#""path": "b.py""#), "{text}");
        assert!(lines[2].ends_with('}'), "{text}");
        assert_eq!(lines[3], "]}");
        assert!(text.contains(r#"\"quoted\""#), "{text}");
        assert_eq!(Baseline::parse(&text).unwrap(), baseline);
        assert_eq!(
            Baseline::parse(&Baseline::default().to_json()).unwrap(),
            Baseline::default()
        );
    }

    #[test]
    fn malformed_files_are_errors() {
        assert!(matches!(
            Baseline::parse("{\"schema\": \"ssot.baseline/1\", \"entries\": [\n"),
            Err(BaselineError::Json(_))
        ));
        assert!(matches!(
            Baseline::parse(r#"{"schema": "ssot.baseline/9", "entries": []}"#),
            Err(BaselineError::Schema { .. })
        ));
        assert!(matches!(
            Baseline::parse(r#"{"schema": "ssot.baseline/1", "entries": [{"fingerprint": ""}]}"#),
            Err(BaselineError::Json(_))
        ));
    }

    #[test]
    fn compare_and_ratchet() {
        let before = run(vec![
            diagnostic("a.py", 1, "p:X"),
            diagnostic("a.py", 2, "p:Y"),
            diagnostic("b.py", 1, "p:Z"),
        ]);
        let baseline = Baseline::from_diagnostics(&before);
        // p:Y fixed, lines shifted, a second p:X copied in, b.py not judged this run.
        let after = run(vec![
            diagnostic("a.py", 11, "p:X"),
            diagnostic("a.py", 12, "p:X"),
        ]);
        let comparison = baseline.compare(after, &|e| e.path == "a.py");
        assert_eq!(comparison.baselined.len(), 1);
        assert_eq!(comparison.baselined[0].start.line, 11);
        assert_eq!(comparison.new.len(), 1);
        assert_eq!(comparison.new[0].start.line, 12);
        assert_eq!(comparison.fixed.len(), 1);
        assert!(comparison.fixed[0].message.contains("p:Y"));

        let shrunk = baseline.ratchet(&comparison, false);
        assert_eq!(shrunk.len(), 2, "p:Y removed, b.py kept");
        let grown = baseline.ratchet(&comparison, true);
        assert_eq!(grown.len(), 3, "p:Y removed, the copy added");
    }
}
