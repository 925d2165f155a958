//! SSOT101's rewrite in the project's import style: fixture trees (`tests/style_fixtures/*.txt`)
//! with a snapshot of the diff, the fix contract, and — when `ruff` is installed — real
//! `ruff check --select I` on the tree before and after: a file the sorter accepted before the
//! fix still passes after it.
//!
//! A fixture is a header, then files (as in `tests/rewrite.rs`):
//!
//! ```text
//! concept: pkg.core:Manager          the canonical symbol (several lines, several concepts)
//! unsafe                             apply unsafe fixes too
//! line-length: 40                    the formatter's line length
//! known-first-party: app, lib        sorter settings (also force-sort-within-sections,
//! force-single-line, case-sensitive, combine-as-imports, order-by-type: false,
//! split-on-trailing-comma: false, lines-between-types: 1, section-order: a, b,
//! section: NAME = module, module, no-lines-before: a, b, from-first,
//! relative-imports-order: closest-to-furthest, and `length-sort`, which the model does not
//! follow)
//! === pkg/core.py
//! class Manager: ...
//! ```

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{visible, MemoryProject};
use ssot_fix::session::{run_fixes, FixHost, FixOptions};
use ssot_fix::shims::ShimRequest;
use ssot_fix::ImportStyle;
use ssot_index::Project;
use ssot_rules::{ConceptDeclaration, Diagnostic};

struct Fixture {
    project: MemoryProject,
    style: ImportStyle,
    unsafe_fixes: bool,
    /// The sorter settings as `ruff.toml` lines.
    ruff_toml: String,
}

/// The project with its import style: the host `fix` runs against.
struct StyledProject<'a> {
    project: &'a MemoryProject,
    style: &'a ImportStyle,
}

impl FixHost for StyledProject<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.project.read(path)
    }
    fn diagnose(&self, project: &mut Project) -> Vec<Diagnostic> {
        self.project.diagnose(project)
    }
    fn shim_requests(&self, project: &Project) -> Vec<ShimRequest> {
        self.project.shim_requests(project)
    }
    fn import_style(&self) -> ImportStyle {
        self.style.clone()
    }
}

fn read_fixture(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap();
    let (header, body) = text.split_once("=== ").expect("a fixture has files");
    let mut concepts = Vec::new();
    let mut style = ImportStyle::default();
    let mut unsafe_fixes = false;
    let mut ruff_toml = String::new();
    let mut isort_toml = String::new();
    let mut sections_toml = String::new();
    let list = |value: &str| -> Vec<String> {
        value
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    for line in header.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (key, value) = line
            .split_once(':')
            .map_or((line, ""), |(k, v)| (k.trim(), v.trim()));
        match key {
            "concept" => concepts.push(ConceptDeclaration {
                name: format!("concept{}", concepts.len()),
                canonical: value.to_string(),
                ..ConceptDeclaration::default()
            }),
            "unsafe" => unsafe_fixes = true,
            "line-length" => {
                style.line_length = value.parse().unwrap();
                ruff_toml.push_str(&format!("line-length = {value}\n"));
            }
            "known-first-party" => {
                style.known_first_party = list(value);
                isort_toml.push_str(&format!("known-first-party = {:?}\n", list(value)));
            }
            "force-sort-within-sections" => {
                style.force_sort_within_sections = true;
                isort_toml.push_str("force-sort-within-sections = true\n");
            }
            "section-order" => {
                style.section_order = list(value);
                isort_toml.push_str(&format!("section-order = {:?}\n", list(value)));
            }
            "section" => {
                let (name, modules) = value.split_once('=').expect("section: NAME = MODULES");
                style
                    .custom_sections
                    .push((name.trim().to_string(), list(modules)));
                sections_toml.push_str(&format!("{:?} = {:?}\n", name.trim(), list(modules)));
            }
            "no-lines-before" => {
                style.no_lines_before = list(value);
                isort_toml.push_str(&format!("no-lines-before = {:?}\n", list(value)));
            }
            "from-first" => {
                style.from_first = true;
                isort_toml.push_str("from-first = true\n");
            }
            "relative-imports-order" => {
                style.relative_closest_first = value == "closest-to-furthest";
                isort_toml.push_str(&format!("relative-imports-order = {value:?}\n"));
            }
            "length-sort" => {
                style.unmodelled_settings.push("length-sort".to_string());
                isort_toml.push_str("length-sort = true\n");
            }
            "force-single-line" => {
                style.force_single_line = true;
                isort_toml.push_str("force-single-line = true\n");
            }
            "combine-as-imports" => {
                style.combine_as_imports = true;
                isort_toml.push_str("combine-as-imports = true\n");
            }
            "split-on-trailing-comma" => {
                style.split_on_trailing_comma = value != "false";
                isort_toml.push_str(&format!("split-on-trailing-comma = {value}\n"));
            }
            "case-sensitive" => {
                style.case_sensitive = true;
                isort_toml.push_str("case-sensitive = true\n");
            }
            "lines-between-types" => {
                style.lines_between_types = value.parse().unwrap();
                isort_toml.push_str(&format!("lines-between-types = {value}\n"));
            }
            "order-by-type" => {
                style.order_by_type = value != "false";
                isort_toml.push_str(&format!("order-by-type = {value}\n"));
            }
            _ => panic!("{}: unknown header line {line:?}", path.display()),
        }
    }
    if !isort_toml.is_empty() || !sections_toml.is_empty() {
        ruff_toml.push_str("[lint.isort]\n");
        ruff_toml.push_str(&isort_toml);
    }
    if !sections_toml.is_empty() {
        ruff_toml.push_str("[lint.isort.sections]\n");
        ruff_toml.push_str(&sections_toml);
    }
    let mut files = BTreeMap::new();
    for chunk in format!("=== {body}").split("=== ").skip(1) {
        let (name, content) = chunk.split_once('\n').unwrap();
        files.insert(name.trim().to_string(), content.as_bytes().to_vec());
    }
    // As the command line does: every module under the root (ruff's default `src`).
    for path in files.keys() {
        let Some(stem) = path.strip_suffix(".py") else {
            continue;
        };
        let parts: Vec<&str> = stem.split('/').filter(|p| *p != "__init__").collect();
        for end in 1..=parts.len() {
            style.source_modules.insert(parts[..end].join("."));
        }
    }
    Fixture {
        project: MemoryProject { files, concepts },
        style,
        unsafe_fixes,
        ruff_toml,
    }
}

/// The fix's diff and skips, and the fixed tree; `contract` checks the fix contract too (the
/// contract compiles files in a directory named after the process: one test at a time).
fn run_case(path: &Path, contract: bool) -> (String, MemoryProject) {
    let fixture = read_fixture(path);
    let options = FixOptions {
        unsafe_fixes: fixture.unsafe_fixes,
        ..FixOptions::default()
    };
    let host = StyledProject {
        project: &fixture.project,
        style: &fixture.style,
    };
    let mut project = fixture.project.project();
    let outcome = run_fixes(&mut project, &host, options);
    assert!(
        outcome.failures.is_empty(),
        "{}: {:?}",
        path.display(),
        outcome.failures
    );
    let mut out = String::new();
    for changed in &outcome.changed {
        out.push_str(&visible(&ssot_fix::diff::unified_diff(
            &changed.path,
            &changed.source.text,
            &changed.new_text,
        )));
    }
    for skipped in &outcome.skipped {
        let d = &skipped.diagnostic;
        out.push_str(&format!(
            "skipped {}:{}:{} {}: {}\n",
            d.path,
            d.start.line,
            d.start.column,
            d.rule.code(),
            skipped.reason
        ));
    }
    // The contract's second run uses the default style, which would sort what a style with
    // unmodelled settings leaves be.
    let after = if contract && fixture.style.unmodelled_settings.is_empty() {
        common::check_fix_contract(&fixture.project, &outcome, options)
    } else {
        fixture.project.after(&outcome)
    };
    (out, after)
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/style_fixtures");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    cases
}

#[test]
fn rewrites_follow_the_import_style() {
    for case in fixtures() {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let (output, _) = run_case(&case, true);
        insta::assert_snapshot!(name, output);
    }
}

/// The `ruff` to run: `$SSOT_TEST_RUFF`, or `ruff` on the `PATH`.
fn ruff() -> Option<String> {
    let candidate = std::env::var("SSOT_TEST_RUFF").unwrap_or_else(|_| "ruff".to_string());
    Command::new(&candidate)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| candidate)
}

/// The files `ruff check --select I` reports in a tree, each with its number of findings
/// (one per unsorted block).
fn unsorted_files(ruff: &str, root: &Path) -> BTreeMap<String, usize> {
    let output = Command::new(ruff)
        .args([
            "check",
            "--select",
            "I",
            "--no-cache",
            "--no-fix",
            "--output-format",
            "concise",
            "--exit-zero",
            ".",
        ])
        .current_dir(root)
        .output()
        .expect("ruff runs");
    let mut files: BTreeMap<String, usize> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains("I001") || l.contains("unsorted-imports"))
    {
        if let Some(file) = line.split(':').next() {
            *files.entry(file.to_string()).or_default() += 1;
        }
    }
    files
}

fn write_tree(root: &Path, project: &MemoryProject, ruff_toml: &str) {
    if root.exists() {
        std::fs::remove_dir_all(root).unwrap();
    }
    for (path, bytes) in &project.files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    std::fs::write(root.join("ruff.toml"), ruff_toml).unwrap();
}

#[test]
fn ruff_accepts_what_it_accepted_before() {
    let Some(ruff) = ruff() else {
        println!("skipped: `ruff` was not found (install it, or set SSOT_TEST_RUFF)");
        return;
    };
    let scratch = std::env::temp_dir().join(format!("ssot-style-{}", std::process::id()));
    for case in fixtures() {
        let fixture = read_fixture(&case);
        let (_, after) = run_case(&case, false);
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        write_tree(
            &scratch.join("before"),
            &fixture.project,
            &fixture.ruff_toml,
        );
        write_tree(&scratch.join("after"), &after, &fixture.ruff_toml);
        let before = unsorted_files(&ruff, &scratch.join("before"));
        let after = unsorted_files(&ruff, &scratch.join("after"));
        let grown: Vec<(&String, usize)> = after
            .iter()
            .filter(|(file, n)| **n > before.get(*file).copied().unwrap_or(0))
            .map(|(file, n)| (file, *n))
            .collect();
        assert!(
            grown.is_empty(),
            "{name}: ruff reports more unsorted blocks after the fix in {grown:?}"
        );
    }
    std::fs::remove_dir_all(&scratch).ok();
}
