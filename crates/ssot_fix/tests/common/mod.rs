//! An in-memory project for fix tests: files as bytes, the real parser, index and rules.

#![allow(dead_code)]

use std::collections::BTreeMap;

use ssot_fix::session::{run_fixes, FixHost, FixOptions, FixOutcome};
use ssot_fix::shims::ShimRequest;
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
                facts: {
                    let mut facts = ssot_python::facts_from_bytes_with(
                        bytes,
                        SourceKind::from_path(path),
                        ssot_python::CallDetail::Sites,
                    )
                    .unwrap_or_default();
                    ssot_index::first_party_uses::keep_first_party_uses(&mut facts, &|m| {
                        first_party.is_first_party(m)
                    });
                    facts
                },
                is_test: path.starts_with("tests/") || path.contains("/test_"),
            })
            .collect();
        Project::new(files, &[String::new()])
    }

    /// Runs `ssot fix` in memory; the new texts are in the outcome.
    pub fn fix(&self, unsafe_fixes: bool) -> FixOutcome {
        self.fix_with(FixOptions {
            unsafe_fixes,
            ..FixOptions::default()
        })
    }

    pub fn fix_with(&self, options: FixOptions) -> FixOutcome {
        let mut project = self.project();
        run_fixes(&mut project, self, options)
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

    fn diagnose(&self, project: &mut Project) -> Vec<Diagnostic> {
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

    fn shim_requests(&self, project: &Project) -> Vec<ShimRequest> {
        let mut resolver = Resolver::new(project);
        let concepts = resolve_concepts(&mut resolver, &self.concepts).unwrap();
        ssot_fix::shims::shim_requests(&concepts)
    }
}

/// Shows line endings and a byte-order mark, which a snapshot would otherwise hide.
pub fn visible(text: &str) -> String {
    text.replace('\u{feff}', "<BOM>")
        .replace("\r\n", "␍␊\n")
        .replace('\r', "␍\n")
}

/// Lines (0-based) of `text` that belong to an import statement, use a module bound by
/// `import`, or carry a suppression comment: the only lines a fix may change.
fn editable_lines(path: &str, text: &str) -> Vec<bool> {
    let facts = ssot_python::extract_facts(text, ssot_python::SourceKind::from_path(path));
    let line_of = |offset: u32| text[..offset as usize].matches('\n').count();
    let mut editable = vec![false; text.split_inclusive('\n').count() + 1];
    for import in &facts.imports {
        editable[line_of(import.span.start)..=line_of(import.span.end)].fill(true);
    }
    // `import M` then `M.N`: the unsafe rewrite renames the uses.
    for import in &facts.imports {
        if import.kind != ssot_facts::ImportKind::Import {
            continue;
        }
        for name in &import.names {
            for use_site in ssot_python::name_occurrences(text, name.bound_name(&import.kind)) {
                editable[line_of(use_site.span.start)] = true;
            }
        }
    }
    for suppression in &facts.suppressions {
        editable[suppression.position.line as usize - 1] = true;
    }
    // A blank line between two import lines separates sections, which a fix may join or split.
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let blank = |i: usize| lines.get(i).is_some_and(|l| l.trim().is_empty());
    let imports = editable.clone();
    for (i, line_editable) in editable.iter_mut().enumerate().take(lines.len()) {
        if !blank(i) {
            continue;
        }
        let before = (0..i).rev().find(|&j| !blank(j));
        let after = (i + 1..lines.len()).find(|&j| !blank(j));
        if before.is_some_and(|j| imports[j]) && after.is_some_and(|j| imports[j]) {
            *line_editable = true;
        }
    }
    editable
}

/// The fix contract: the new texts parse, only import (and suppression) lines change, a second
/// run makes no edits, and `python3` compiles every rewritten file. Returns the fixed project.
///
/// With `options.shims`, a rewritten shim serves names through `__getattr__`, which the index
/// sees as open: bindings through it are checked by the session, and the shim's appended block
/// is outside import lines by design, so those two checks are left to the shim's own tests.
pub fn check_fix_contract(
    project: &MemoryProject,
    outcome: &FixOutcome,
    options: FixOptions,
) -> MemoryProject {
    let after = project.after(outcome);
    let shim_files: Vec<String> = outcome
        .shims
        .iter()
        .filter(|(_, result)| result.is_ok())
        .flat_map(|(module, _)| {
            let base = module.replace('.', "/");
            [format!("{base}.py"), format!("{base}/__init__.py")]
        })
        .collect();
    if shim_files.is_empty() {
        assert_eq!(
            ssot_fix::verify::binding_summaries(&project.project()),
            ssot_fix::verify::binding_summaries(&after.project()),
            "a binding resolves differently after the fix"
        );
    }
    for changed in &outcome.changed {
        if shim_files.contains(&changed.path) {
            continue;
        }
        let facts = ssot_python::extract_facts(
            &changed.new_text,
            ssot_python::SourceKind::from_path(&changed.path),
        );
        assert!(
            facts.syntax_errors.is_empty(),
            "{}: {:?}",
            changed.path,
            facts.syntax_errors
        );
        let editable = editable_lines(&changed.path, &changed.source.text);
        let diff = similar::TextDiff::from_lines(&changed.source.text, &changed.new_text);
        for op in diff.ops() {
            let old = op.old_range();
            let touched = match op.tag() {
                similar::DiffTag::Equal => continue,
                // An insertion sits right after an import line, or (placed where the sorter
                // puts it) right before one.
                similar::DiffTag::Insert => {
                    let after_import = old.start > 0 && editable[old.start - 1];
                    let before_import = editable.get(old.start).copied().unwrap_or(false);
                    if after_import || before_import {
                        continue;
                    }
                    old.start.saturating_sub(1)..old.start
                }
                _ => old,
            };
            for line in touched {
                assert!(
                    editable[line],
                    "{}: line {} changed but is not an import line",
                    changed.path,
                    line + 1
                );
            }
        }
    }
    let second = after.fix_with(options);
    assert!(
        second.changed.is_empty(),
        "{}: a second run changed {:?}",
        "the fixed tree",
        second.changed.iter().map(|c| &c.path).collect::<Vec<_>>()
    );
    let changed: Vec<&str> = outcome.changed.iter().map(|c| c.path.as_str()).collect();
    compile_with_python(&after, &changed);
    after
}

/// `python3 -m py_compile` on the rewritten files.
fn compile_with_python(project: &MemoryProject, changed: &[&str]) {
    if changed.is_empty() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ssot-fix-compile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, bytes) in &project.files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, bytes).unwrap();
    }
    let status = std::process::Command::new("python3")
        .args(["-B", "-m", "py_compile"])
        .args(changed.iter().map(|path| dir.join(path)))
        .status()
        .expect("python3 runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(status.success(), "python3 could not compile the fixed tree");
}

/// Writes `project` into `dir` (emptied first) and runs the Python `oracle` script there with
/// every module's name as an argument; returns what it printed. Panics when it fails.
pub fn run_python_oracle(project: &MemoryProject, dir: &std::path::Path, oracle: &str) -> Vec<u8> {
    run_python_oracle_with(project, dir, oracle, &[])
}

/// [`run_python_oracle`] with more environment variables for the interpreter (`python3 -I`
/// ignores `PYTHON*` variables, not the others: a tree can read them to pick a branch).
pub fn run_python_oracle_with(
    project: &MemoryProject,
    dir: &std::path::Path,
    oracle: &str,
    env: &[(&str, &str)],
) -> Vec<u8> {
    let _ = std::fs::remove_dir_all(dir);
    for (path, bytes) in &project.files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, bytes).unwrap();
    }
    let modules: Vec<String> = project
        .files
        .keys()
        .map(|path| {
            path.trim_end_matches(".py")
                .trim_end_matches("/__init__")
                .replace('/', ".")
        })
        .collect();
    let output = std::process::Command::new("python3")
        .args(["-I", "-B", "-c", oracle])
        .arg(dir)
        .args(&modules)
        .envs(env.iter().copied())
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "the oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A property test's runner settings: `default_cases` cases from the fixed `default_seed`,
/// overridden by the environment variables `cases_var` and `seed_var` (more cases locally, a
/// reported seed replayed).
pub fn proptest_config(
    cases_var: &str,
    seed_var: &str,
    default_cases: u32,
    default_seed: u64,
) -> proptest::test_runner::Config {
    fn from_env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    proptest::test_runner::Config {
        cases: from_env(cases_var).unwrap_or(default_cases),
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(from_env(seed_var).unwrap_or(default_seed)),
        max_shrink_time: 120_000,
        ..proptest::test_runner::Config::default()
    }
}
