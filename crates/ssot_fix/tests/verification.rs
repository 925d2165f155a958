//! `fix` never keeps what it cannot verify: a fix that would rebind a name, or break the
//! syntax, is undone for its file and reported as a failure, and the other files still get
//! their fixes.

mod common;

use std::collections::BTreeMap;

use common::MemoryProject;
use ssot_facts::{Position, Span};
use ssot_fix::session::{run_fixes, FixHost, FixOptions};
use ssot_index::Project;
use ssot_rules::{Applicability, ConceptDeclaration, Diagnostic, Edit, Fix, Rule};

/// The real rules, plus one diagnostic on `bad.py` whose "safe" fix replaces `text` at
/// `start..end` with `content`: a stand-in for a buggy rule.
struct BuggyHost {
    inner: MemoryProject,
    start: u32,
    end: u32,
    content: &'static str,
}

impl FixHost for BuggyHost {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.inner.read(path)
    }

    fn diagnose(&self, project: &mut Project) -> Vec<Diagnostic> {
        let mut diagnostics = self.inner.diagnose(project);
        let bad = project.files.iter().find(|f| f.path == "bad.py").unwrap();
        // Only while the file still holds its original import (the fix applies once).
        if bad.facts.imports[0].names[0].name == "Manager" {
            let span = Span {
                start: self.start,
                end: self.end,
            };
            let mut diagnostic = Diagnostic::new(
                Rule::UnusedSuppression,
                "bad.py",
                span,
                Position { line: 1, column: 1 },
                "a buggy fix".to_string(),
            );
            diagnostic.fix = Some(Fix {
                applicability: Applicability::Safe,
                edits: vec![Edit {
                    span,
                    content: self.content.to_string(),
                }],
            });
            diagnostics.push(diagnostic);
        }
        diagnostics
    }
}

fn host(start: u32, end: u32, content: &'static str) -> BuggyHost {
    let files: BTreeMap<String, Vec<u8>> = [
        ("pkg/__init__.py", ""),
        (
            "pkg/core.py",
            "class Manager:\n    pass\n\n\nclass Other:\n    pass\n",
        ),
        ("pkg/compat.py", "from pkg.core import Manager\n"),
        // `from pkg.core import Manager` — Manager at bytes 21..28
        ("bad.py", "from pkg.core import Manager\n"),
        ("good.py", "from pkg.compat import Manager\n"),
    ]
    .into_iter()
    .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
    .collect();
    BuggyHost {
        inner: MemoryProject {
            files,
            concepts: vec![ConceptDeclaration {
                name: "manager".to_string(),
                canonical: "pkg.core:Manager".to_string(),
                ..ConceptDeclaration::default()
            }],
        },
        start,
        end,
        content,
    }
}

#[test]
fn a_fix_that_rebinds_a_name_is_undone_and_reported() {
    let host = host(21, 28, "Other as Manager");
    let mut project = host.inner.project();
    let outcome = run_fixes(&mut project, &host, FixOptions::default());
    assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.failures);
    assert_eq!(outcome.failures[0].path, "bad.py");
    assert!(
        outcome.failures[0]
            .message
            .contains("`Manager` bound to `Manager`"),
        "{}",
        outcome.failures[0].message
    );
    let changed: Vec<&str> = outcome.changed.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        changed,
        ["good.py"],
        "bad.py keeps its bytes, good.py is fixed"
    );
    assert_eq!(
        outcome.changed[0].new_text,
        "from pkg.core import Manager\n"
    );
}

#[test]
fn a_fix_that_breaks_the_syntax_is_undone_and_reported() {
    let host = host(21, 28, "Manager(");
    let mut project = host.inner.project();
    let outcome = run_fixes(&mut project, &host, FixOptions::default());
    assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.failures);
    assert!(outcome.failures[0].message.contains("does not parse"));
    let changed: Vec<&str> = outcome.changed.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(changed, ["good.py"]);
}

/// The real rules, plus a buggy "safe" fix that makes the re-exporting `pkg/compat.py` bind
/// `Manager` to another class: its own binding changes, and so does the binding of `kept.py`,
/// a file the run does not rewrite (its import is suppressed) that imports through it.
struct ReExporterHost {
    inner: MemoryProject,
}

impl FixHost for ReExporterHost {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.inner.read(path)
    }

    fn diagnose(&self, project: &mut Project) -> Vec<Diagnostic> {
        let mut diagnostics = self.inner.diagnose(project);
        let compat = project
            .files
            .iter()
            .find(|f| f.path == "pkg/compat.py")
            .unwrap();
        if compat.facts.imports[0].names[0].asname.is_none() {
            // `from pkg.core import Manager` — Manager at bytes 21..28
            let span = Span { start: 21, end: 28 };
            let mut diagnostic = Diagnostic::new(
                Rule::UnusedSuppression,
                "pkg/compat.py",
                span,
                Position { line: 1, column: 1 },
                "a buggy fix".to_string(),
            );
            diagnostic.fix = Some(Fix {
                applicability: Applicability::Safe,
                edits: vec![Edit {
                    span,
                    content: "Other as Manager".to_string(),
                }],
            });
            diagnostics.push(diagnostic);
            diagnostics.sort_by(Diagnostic::sort_key_cmp);
        }
        diagnostics
    }
}

/// A rewritten module that serves its importers differently is caught in the files that
/// import through it, though the run never touched them, and keeps its bytes.
#[test]
fn a_rewritten_module_serving_its_importers_differently_undoes_every_rewrite() {
    let files: BTreeMap<String, Vec<u8>> = [
        ("pkg/__init__.py", ""),
        (
            "pkg/core.py",
            "class Manager:\n    pass\n\n\nclass Other:\n    pass\n",
        ),
        ("pkg/compat.py", "from pkg.core import Manager\n"),
        (
            "kept.py",
            "from pkg.compat import Manager  # ssot: ignore[SSOT101]\n",
        ),
        ("good.py", "from pkg.compat import Manager\n"),
    ]
    .into_iter()
    .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
    .collect();
    let host = ReExporterHost {
        inner: MemoryProject {
            files,
            concepts: vec![ConceptDeclaration {
                name: "manager".to_string(),
                canonical: "pkg.core:Manager".to_string(),
                ..ConceptDeclaration::default()
            }],
        },
    };
    let mut project = host.inner.project();
    let outcome = run_fixes(&mut project, &host, FixOptions::default());
    let failed: Vec<&str> = outcome.failures.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        failed,
        ["kept.py", "pkg/compat.py"],
        "{:?}",
        outcome.failures
    );
    assert!(
        outcome.changed.iter().all(|c| c.path != "pkg/compat.py"),
        "the re-exporting module keeps its bytes"
    );
}
