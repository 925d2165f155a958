//! An in-memory project for fix tests: files as bytes, the real parser, index and rules.

#![allow(dead_code)]

use std::collections::BTreeMap;

use ssot_fix::session::{run_fixes, FixHost, FixOptions, FixOutcome};
use ssot_index::{collect_references, Project, ProjectFile, Resolver};
use ssot_python::SourceKind;
use ssot_rules::{
    resolve_concepts, run_rules, CheckContext, ConceptDeclaration, Diagnostic, RuleSelection,
};

/// Files (path → bytes) and the concepts declared over them.
pub struct MemoryProject {
    pub files: BTreeMap<String, Vec<u8>>,
    pub concepts: Vec<ConceptDeclaration>,
}

impl MemoryProject {
    /// Parses every file into a project rooted at `""`.
    pub fn project(&self) -> Project {
        let paths: Vec<&str> = self.files.keys().map(String::as_str).collect();
        let first_party =
            ssot_index::ModuleTable::build(paths.iter().copied(), &[], &[String::new()]);
        let files = self
            .files
            .iter()
            .map(|(path, bytes)| ProjectFile {
                path: path.clone(),
                facts: ssot_python::facts_from_bytes_with(
                    bytes,
                    SourceKind::from_path(path),
                    &|m| first_party.is_first_party(m),
                )
                .unwrap_or_default(),
                is_test: path.starts_with("tests/") || path.contains("/test_"),
            })
            .collect();
        Project::new(files, &[String::new()])
    }

    /// Runs `ssot fix` in memory; the new texts are in the outcome.
    pub fn fix(&self, unsafe_fixes: bool) -> FixOutcome {
        let mut project = self.project();
        run_fixes(
            &mut project,
            self,
            FixOptions {
                unsafe_fixes,
                ..FixOptions::default()
            },
        )
    }

    /// The files after a fix run.
    pub fn after(&self, outcome: &FixOutcome) -> MemoryProject {
        let mut files = self.files.clone();
        for changed in &outcome.changed {
            files.insert(
                changed.path.clone(),
                changed.source.encode(&changed.new_text),
            );
        }
        MemoryProject {
            files,
            concepts: self.concepts.clone(),
        }
    }
}

impl FixHost for MemoryProject {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("{path}: no such file"))
    }

    fn diagnose(&self, project: &Project) -> Vec<Diagnostic> {
        let mut resolver = Resolver::new(project);
        let references = collect_references(&mut resolver);
        let concepts = resolve_concepts(&mut resolver, &self.concepts)
            .unwrap_or_else(|errors| panic!("bad concepts: {errors:?}"));
        let context = CheckContext {
            project,
            references: &references,
            concepts: &concepts,
            unreadable: &[],
        };
        run_rules(&context, &RuleSelection::default_rules())
    }
}

/// Shows line endings and a byte-order mark, which a snapshot would otherwise hide.
pub fn visible(text: &str) -> String {
    text.replace('\u{feff}', "<BOM>")
        .replace("\r\n", "␍␊\n")
        .replace('\r', "␍\n")
}
