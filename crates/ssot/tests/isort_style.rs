//! `ssot fix` in a project whose import sorter is isort: the real binary reads isort's own
//! configuration files (`.isort.cfg`, `[tool.isort]`, `[isort]` / `[tool:isort]` in
//! `setup.cfg` or `tox.ini`) and writes imports that `isort --check-only` still accepts.
//!
//! Each fixture (`tests/isort_fixtures/*.txt`) is a project isort accepts: a header of
//! `concept: module:Name` lines (the declared canonicals), then files after `=== PATH` lines.
//! The diff `fix` makes is a snapshot; when `isort` is installed (`$SSOT_TEST_ISORT`, or `isort`
//! on the `PATH`), isort must accept the fixed project as it accepted the original.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run, ssot};

struct Fixture {
    concepts: Vec<String>,
    files: Vec<(String, String)>,
}

fn read_fixture(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap();
    let (header, body) = text.split_once("=== ").expect("a fixture has files");
    let concepts = header
        .lines()
        .filter_map(|l| l.trim().strip_prefix("concept:"))
        .map(|c| c.trim().to_string())
        .collect();
    let files = format!("=== {body}")
        .split("=== ")
        .skip(1)
        .map(|chunk| {
            let (name, content) = chunk.split_once('\n').unwrap_or((chunk, ""));
            (name.trim().to_string(), content.to_string())
        })
        .collect();
    Fixture { concepts, files }
}

/// The fixture written into `root`, with an `ssot.toml` declaring its concepts.
fn write_fixture(root: &Path, fixture: &Fixture) {
    for (path, content) in &fixture.files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    let mut config = String::new();
    for (i, canonical) in fixture.concepts.iter().enumerate() {
        config.push_str(&format!(
            "[concepts.concept{i}]\ncanonical = \"{canonical}\"\n\n"
        ));
    }
    std::fs::write(root.join("ssot.toml"), config).unwrap();
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/isort_fixtures");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    cases
}

/// The `isort` to run: `$SSOT_TEST_ISORT`, or `isort` on the `PATH`.
fn isort() -> Option<String> {
    let candidate = std::env::var("SSOT_TEST_ISORT").unwrap_or_else(|_| "isort".to_string());
    Command::new(&candidate)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| candidate)
}

/// `isort --check-only --diff .` in `root`: `None` when isort accepts every file, else its
/// diff. Run from the root, as a user runs it, so isort finds the fixture's configuration.
fn isort_rejects(isort: &str, root: &Path) -> Option<String> {
    let output = Command::new(isort)
        .args(["--check-only", "--diff", "."])
        .current_dir(root)
        .output()
        .expect("isort runs");
    (!output.status.success()).then(|| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `ssot fix --diff` on the fixture: what it would write (the diff) and the fixed tree.
fn fix_fixture(fixture: &Fixture, root: &Path) -> String {
    write_fixture(root, fixture);
    let (code, diff, stderr) = run(ssot()
        .args(["fix", "--diff", "--no-cache"])
        .arg(root)
        .current_dir(root));
    assert_eq!(
        code, 1,
        "fix --diff finds something to change\n{diff}{stderr}"
    );
    let (code, stdout, stderr) = run(ssot()
        .args(["fix", "--no-cache"])
        .arg(root)
        .current_dir(root));
    assert!(code == 0 || code == 1, "{stdout}{stderr}");
    assert!(
        !stderr.contains("skipped"),
        "no rewrite is skipped\n{stdout}{stderr}"
    );
    // Temporary paths differ from run to run.
    diff.lines()
        .filter(|l| !l.starts_with("---") && !l.starts_with("+++"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn fix_writes_imports_in_the_style_isort_is_configured_with() {
    for case in fixtures() {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let fixture = read_fixture(&case);
        let dir = tempfile::tempdir().unwrap();
        let diff = fix_fixture(&fixture, dir.path());
        insta::assert_snapshot!(format!("isort_{name}"), diff);
    }
}

#[test]
fn isort_accepts_what_fix_writes() {
    let Some(isort) = isort() else {
        println!("skipped: `isort` was not found (install it, or set SSOT_TEST_ISORT)");
        return;
    };
    for case in fixtures() {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let fixture = read_fixture(&case);
        let dir = tempfile::tempdir().unwrap();
        write_fixture(dir.path(), &fixture);
        if let Some(diff) = isort_rejects(&isort, dir.path()) {
            panic!("{name}: the fixture itself is not sorted the way isort wants:\n{diff}");
        }
        let _ = fix_fixture(&fixture, dir.path());
        if let Some(diff) = isort_rejects(&isort, dir.path()) {
            panic!("{name}: isort rejects what `ssot fix` wrote:\n{diff}");
        }
    }
}
