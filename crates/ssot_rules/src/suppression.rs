//! Applying `# ssot: ignore[...]` comments to diagnostics, and recording which ones were used
//! so SSOT900 can report the rest.
//!
//! The rule: a suppression applies to diagnostics that **start on its line**. A suppression on
//! the first line of a multi-line import statement also applies to every diagnostic inside
//! that statement, so one comment after `from pkg import (` covers all the names it imports.
//! A bare `# ssot: ignore` covers every code; `# ssot: ignore[A, B]` covers the listed codes (or
//! rule names). Within one suppression, each diagnostic marks the first listed code that
//! matches it, so a code listed twice leaves its second copy unused.

use rustc_hash::FxHashMap;
use ssot_facts::{FileFacts, Suppression};
use ssot_index::{FileId, Project};

use crate::registry::Rule;
use crate::Diagnostic;

/// What one suppression suppressed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SuppressionUse {
    /// It suppressed at least one diagnostic.
    pub(crate) any: bool,
    /// Per listed code, whether it suppressed a diagnostic.
    pub(crate) codes: Vec<bool>,
}

/// Per file with suppressions, one [`SuppressionUse`] per [`FileFacts::suppressions`] entry.
pub(crate) type SuppressionUsage = FxHashMap<FileId, Vec<SuppressionUse>>;

/// The rule a listed code names, if any.
pub(crate) fn listed_rule(code: &str) -> Option<Rule> {
    Rule::from_code_or_name(code)
}

/// Removes suppressed diagnostics and returns which suppressions were used.
pub(crate) fn apply_suppressions(
    project: &Project,
    diagnostics: &mut Vec<Diagnostic>,
) -> SuppressionUsage {
    let mut usage: SuppressionUsage = project
        .files
        .iter()
        .enumerate()
        .filter(|(_, file)| !file.facts.suppressions.is_empty())
        .map(|(id, file)| {
            let uses = file
                .facts
                .suppressions
                .iter()
                .map(|s| SuppressionUse {
                    any: false,
                    codes: vec![false; s.codes.len()],
                })
                .collect();
            (id as FileId, uses)
        })
        .collect();
    if usage.is_empty() {
        return usage;
    }
    let file_ids: FxHashMap<&str, FileId> = usage
        .keys()
        .map(|&id| (project.file(id).path.as_str(), id))
        .collect();
    diagnostics.retain(|diagnostic| {
        let Some(&id) = file_ids.get(diagnostic.path.as_str()) else {
            return true;
        };
        let facts = &project.file(id).facts;
        let uses = usage
            .get_mut(&id)
            .expect("usage has every file with suppressions");
        !suppress(facts, uses, diagnostic)
    });
    usage
}

/// Marks the suppression that covers `diagnostic`, if any, and says whether one did.
fn suppress(facts: &FileFacts, uses: &mut [SuppressionUse], diagnostic: &Diagnostic) -> bool {
    let mut lines = vec![diagnostic.start.line];
    if let Some(first_line) = enclosing_import_first_line(facts, diagnostic) {
        lines.push(first_line);
    }
    for line in lines {
        for (index, suppression) in suppressions_on_line(&facts.suppressions, line) {
            if let Some(code) = covering_code(suppression, diagnostic.rule) {
                let entry = &mut uses[index];
                entry.any = true;
                if let Some(code) = code {
                    entry.codes[code] = true;
                }
                return true;
            }
        }
    }
    false
}

/// `Some(None)` when a bare suppression covers `rule`, `Some(Some(i))` when listed code `i` does.
fn covering_code(suppression: &Suppression, rule: Rule) -> Option<Option<usize>> {
    if suppression.own_line {
        return None;
    }
    if suppression.codes.is_empty() {
        return Some(None);
    }
    suppression
        .codes
        .iter()
        .position(|code| listed_rule(code) == Some(rule))
        .map(Some)
}

/// The suppressions whose directive sits on `line` (with their indices).
fn suppressions_on_line(
    suppressions: &[Suppression],
    line: u32,
) -> impl Iterator<Item = (usize, &Suppression)> {
    let first = suppressions.partition_point(|s| s.position.line < line);
    suppressions[first..]
        .iter()
        .take_while(move |s| s.position.line == line)
        .enumerate()
        .map(move |(offset, s)| (first + offset, s))
}

/// The first line of the multi-line import statement the diagnostic sits in, when it starts on
/// a later line.
fn enclosing_import_first_line(facts: &FileFacts, diagnostic: &Diagnostic) -> Option<u32> {
    let imports = &facts.imports;
    let after = imports.partition_point(|import| import.span.start <= diagnostic.span.start);
    let import = imports.get(after.checked_sub(1)?)?;
    let inside = diagnostic.span.end <= import.span.end;
    (inside && import.position.line < diagnostic.start.line).then_some(import.position.line)
}

#[cfg(test)]
mod tests {
    use ssot_facts::{Position, Span};
    use ssot_index::ProjectFile;

    use super::*;

    fn project(source: &str) -> Project {
        let facts = ssot_python::extract_facts(source, ssot_python::SourceKind::Python);
        Project::new(
            vec![ProjectFile {
                path: "a.py".into(),
                facts,
                is_test: false,
            }],
            &[String::new()],
        )
    }

    /// A diagnostic at the first occurrence of `needle`.
    fn at(source: &str, rule: Rule, needle: &str) -> Diagnostic {
        let offset = source.find(needle).unwrap();
        let line = source[..offset].matches('\n').count() as u32 + 1;
        let column = (offset - source[..offset].rfind('\n').map_or(0, |i| i + 1)) as u32 + 1;
        Diagnostic::new(
            rule,
            "a.py",
            Span {
                start: offset as u32,
                end: (offset + needle.len()) as u32,
            },
            Position { line, column },
            String::new(),
        )
    }

    fn surviving(source: &str, diagnostics: Vec<Diagnostic>) -> (Vec<u32>, SuppressionUsage) {
        let project = project(source);
        let mut diagnostics = diagnostics;
        let usage = apply_suppressions(&project, &mut diagnostics);
        (diagnostics.iter().map(|d| d.start.line).collect(), usage)
    }

    #[test]
    fn listed_code_suppresses_only_that_code() {
        let source = "from a import b  # ssot: ignore[SSOT101]\n";
        let (left, usage) = surviving(
            source,
            vec![
                at(source, Rule::NonCanonicalImport, "b"),
                at(source, Rule::DanglingImport, "b"),
            ],
        );
        assert_eq!(left, vec![1]);
        assert_eq!(
            usage[&0],
            vec![SuppressionUse {
                any: true,
                codes: vec![true]
            }]
        );
    }

    #[test]
    fn bare_suppression_covers_every_code_and_names_work() {
        let source =
            "from a import b  # ssot: ignore\nfrom a import c  # ssot: ignore[dangling-import]\n";
        let (left, _) = surviving(
            source,
            vec![
                at(source, Rule::NonCanonicalImport, "b"),
                at(source, Rule::DanglingImport, "c"),
            ],
        );
        assert!(left.is_empty());
    }

    #[test]
    fn first_line_of_a_multi_line_import_covers_every_name() {
        let source =
            "from a import (  # ssot: ignore[SSOT101]\n    b,\n    c,\n)\nfrom a import d\n";
        let (left, _) = surviving(
            source,
            vec![
                at(source, Rule::NonCanonicalImport, "b,"),
                at(source, Rule::NonCanonicalImport, "c,"),
                at(source, Rule::NonCanonicalImport, "d\n"),
            ],
        );
        assert_eq!(left, vec![5]);
    }

    #[test]
    fn a_later_line_of_an_import_covers_only_its_own_name() {
        let source = "from a import (\n    b,  # ssot: ignore[SSOT101]\n    c,\n)\n";
        let (left, _) = surviving(
            source,
            vec![
                at(source, Rule::NonCanonicalImport, "b,"),
                at(source, Rule::NonCanonicalImport, "c,"),
            ],
        );
        assert_eq!(left, vec![3]);
    }

    #[test]
    fn a_duplicate_code_stays_unused() {
        let source = "from a import b  # ssot: ignore[SSOT101, SSOT101]\n";
        let (_, usage) = surviving(source, vec![at(source, Rule::NonCanonicalImport, "b")]);
        assert_eq!(usage[&0][0].codes, vec![true, false]);
    }

    #[test]
    fn a_suppression_on_its_own_line_applies_to_nothing() {
        let source = "# ssot: ignore\nfrom a import b\n";
        let (left, usage) = surviving(source, vec![at(source, Rule::NonCanonicalImport, "b")]);
        assert_eq!(left, vec![2]);
        assert!(!usage[&0][0].any);
    }
}
