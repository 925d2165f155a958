//! End-to-end tests of suppression comments, `per-file-ignores` and the baseline ratchet: the
//! real `ssot` binary on temporary projects.

mod common;

use common::{run, ssot};

use std::path::Path;

use serde_json::Value;

/// `pkg.core:Manager` is canonical; `pkg.compat` re-exports it (a non-canonical path).
const CONCEPT: &str = "[tool.ssot.concepts.manager]\ncanonical = \"pkg.core:Manager\"\n";
const NON_CANONICAL: &str = "from pkg.compat import Manager\n";
const CANONICAL: &str = "from pkg.core import Manager\n";
const DANGLING: &str = "from pkg.core import Missing\n";

/// A temporary project: the concept's package, the config (`[tool.ssot]` with `extra_config`,
/// and the concept), and `files`.
fn project(extra_config: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        &format!("[tool.ssot]\n{extra_config}\n{CONCEPT}"),
    );
    write(dir.path(), "pkg/__init__.py", "");
    write(dir.path(), "pkg/core.py", "class Manager:\n    pass\n");
    write(dir.path(), "pkg/compat.py", CANONICAL);
    write(dir.path(), "app/__init__.py", "");
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    dir
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `ssot check --output-format json`: exit code and the document.
fn check(dir: &Path) -> (i32, Value) {
    let (code, stdout, stderr) = run(ssot().args(["check", "--output-format", "json"]).arg(dir));
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("invalid JSON ({err}):\n{stdout}\n{stderr}"));
    (code, value)
}

/// `(path, line, code)` of every diagnostic shown.
fn shown(check: &Value) -> Vec<(String, u64, String)> {
    check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn diagnostic(path: &str, line: u64, code: &str) -> (String, u64, String) {
    (path.to_string(), line, code.to_string())
}

fn baseline(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run(ssot().arg("baseline").args(args).current_dir(dir))
}

fn baseline_entries(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(".ssot-baseline.json")).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["schema"], "ssot.baseline/1");
    value["entries"].as_array().unwrap().clone()
}

#[test]
fn suppression_with_a_reason_suppresses() {
    let dir = project(
        "",
        &[
            (
                "app/one.py",
                "from pkg.compat import Manager  # ssot: ignore[SSOT101] -- migrating in Q3\n",
            ),
            (
                "app/two.py",
                "from pkg.compat import (  # ssot: ignore[SSOT101]\n    Manager,\n)\n",
            ),
            (
                "app/three.py",
                "from pkg.core import Missing  # ssot: ignore\n",
            ),
        ],
    );
    let (code, check) = check(dir.path());
    assert_eq!(shown(&check), vec![]);
    assert_eq!(code, 0);
}

#[test]
fn suppression_of_another_code_does_not_suppress() {
    let dir = project(
        "",
        &[(
            "app/one.py",
            "from pkg.compat import Manager  # ssot: ignore[SSOT103]\n",
        )],
    );
    let (code, check) = check(dir.path());
    assert_eq!(
        shown(&check),
        vec![
            diagnostic("app/one.py", 1, "SSOT101"),
            diagnostic("app/one.py", 1, "SSOT900"),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn unused_suppression_is_reported_with_a_safe_fix() {
    let source = "from pkg.core import Manager  # ssot: ignore[SSOT101]\n\
                  TEXT = 'from pkg.compat import Manager  # ssot: ignore[SSOT101]'\n\
                  from pkg.compat import Manager as M  # ssot: ignore[SSOT101, SSOT999]\n";
    let dir = project("", &[("app/one.py", source)]);
    let (code, check) = check(dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        shown(&check),
        vec![
            diagnostic("app/one.py", 1, "SSOT900"),
            diagnostic("app/one.py", 3, "SSOT900"),
        ],
        "the directive inside the string literal is not a suppression"
    );
    let diagnostics = check["diagnostics"].as_array().unwrap();
    let unused = &diagnostics[0];
    assert_eq!(
        unused["message"],
        "unused suppression: `SSOT101` reports nothing on this line"
    );
    assert_eq!(unused["fix"]["applicability"], "safe");
    let edit = &unused["fix"]["edits"][0];
    let (start, end) = (
        edit["start"].as_u64().unwrap() as usize,
        edit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&source[start..end], "  # ssot: ignore[SSOT101]");
    assert_eq!(edit["content"], "");

    let unknown = &diagnostics[1];
    assert_eq!(
        unknown["message"],
        "unused suppression: `SSOT999` is not a rule code"
    );
    let edit = &unknown["fix"]["edits"][0];
    let (start, end) = (
        edit["start"].as_u64().unwrap() as usize,
        edit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&source[start..end], "# ssot: ignore[SSOT101, SSOT999]");
    assert_eq!(edit["content"], "# ssot: ignore[SSOT101]");
}

#[test]
fn unused_suppression_is_judged_only_for_rules_that_ran() {
    let dir = project(
        "",
        &[(
            "app/one.py",
            "from pkg.core import Manager  # ssot: ignore[SSOT101]\n",
        )],
    );
    let (code, stdout, _) = run(ssot()
        .args([
            "check",
            "--output-format",
            "json",
            "--select",
            "SSOT103,SSOT900",
        ])
        .arg(dir.path()));
    let check: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        shown(&check),
        vec![],
        "SSOT101 did not run: nothing to judge"
    );
    assert_eq!(code, 0);
    let (code, stdout, _) = run(ssot()
        .args(["check", "--output-format", "json", "--ignore", "SSOT900"])
        .arg(dir.path()));
    let check: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(shown(&check), vec![]);
    assert_eq!(code, 0);
}

#[test]
fn per_file_ignores_leave_out_rules_in_matching_files() {
    let dir = project(
        "\n[tool.ssot.per-file-ignores]\n\"tests/**\" = [\"SSOT101\"]\n\"app/legacy_*.py\" = [\"dangling-import\", \"SSOT101\"]\n",
        &[
            ("app/one.py", NON_CANONICAL),
            ("app/legacy_one.py", &format!("{NON_CANONICAL}{DANGLING}")),
            (
                "tests/test_one.py",
                // The suppression's rule is ignored in this file: not reported as unused.
                "from pkg.compat import Manager  # ssot: ignore[SSOT101]\nfrom pkg.core import Missing\n",
            ),
        ],
    );
    let (code, check) = check(dir.path());
    assert_eq!(
        shown(&check),
        vec![
            diagnostic("app/one.py", 1, "SSOT101"),
            diagnostic("tests/test_one.py", 2, "SSOT103"),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn per_file_ignores_with_an_unknown_rule_is_an_error() {
    let dir = project(
        "\n[tool.ssot.per-file-ignores]\n\"tests/**\" = [\"SSOT777\"]\n",
        &[("app/one.py", NON_CANONICAL)],
    );
    let (code, _, stderr) = run(ssot().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(stderr.contains("SSOT777"), "{stderr}");
}

#[test]
fn baseline_life_cycle() {
    let dir = project(
        "",
        &[
            ("app/one.py", &format!("import os\n{NON_CANONICAL}")),
            ("app/two.py", DANGLING),
            ("app/three.py", NON_CANONICAL),
        ],
    );
    let root = dir.path();

    // Create: every current violation, sorted, one entry per line.
    let (code, stdout, stderr) = baseline(root, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Created .ssot-baseline.json with 3 entries.\n");
    let text = std::fs::read_to_string(root.join(".ssot-baseline.json")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(lines[0], r#"{"schema": "ssot.baseline/1", "entries": ["#);
    assert!(lines[1].contains(r#""path": "app/one.py""#), "{text}");
    assert!(lines[2].contains(r#""path": "app/three.py""#), "{text}");
    assert!(lines[3].contains(r#""path": "app/two.py""#), "{text}");
    assert_eq!(lines[4], "]}");

    // Check passes: everything is baselined.
    let (code, report) = check(root);
    assert_eq!(shown(&report), vec![]);
    assert_eq!(report["summary"]["baselined"], 3);
    assert_eq!(report["summary"]["fixed_since_baseline"], 0);
    assert_eq!(code, 0);

    // A new violation fails.
    write(root, "app/four.py", DANGLING);
    let (code, report) = check(root);
    assert_eq!(
        shown(&report),
        vec![diagnostic("app/four.py", 1, "SSOT103")]
    );
    assert_eq!(code, 1);
    std::fs::remove_file(root.join("app/four.py")).unwrap();

    // Fixing a baselined violation passes and is reported.
    write(root, "app/three.py", CANONICAL);
    let (code, report) = check(root);
    assert_eq!(shown(&report), vec![]);
    assert_eq!(report["summary"]["baselined"], 2);
    assert_eq!(report["summary"]["fixed_since_baseline"], 1);
    assert_eq!(code, 0);

    // `ssot baseline` shrinks the file.
    let (code, stdout, _) = baseline(root, &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("Removed 1 entry that no longer occurs:\n  app/three.py: SSOT101 "),
        "{stdout}"
    );
    assert!(
        stdout.contains("Wrote .ssot-baseline.json (2 entries)."),
        "{stdout}"
    );
    assert_eq!(baseline_entries(root).len(), 2);
    let (_, report) = check(root);
    assert_eq!(report["summary"]["fixed_since_baseline"], 0);
    let (_, stdout, _) = baseline(root, &[]);
    assert_eq!(stdout, ".ssot-baseline.json is up to date (2 entries).\n");

    // A copy of a baselined violation into another file is new.
    write(root, "app/five.py", NON_CANONICAL);
    let (code, report) = check(root);
    assert_eq!(
        shown(&report),
        vec![diagnostic("app/five.py", 1, "SSOT101")]
    );
    assert_eq!(code, 1);
    std::fs::remove_file(root.join("app/five.py")).unwrap();

    // So is a second copy in the same file.
    write(
        root,
        "app/one.py",
        &format!("import os\n{NON_CANONICAL}from pkg.compat import Manager as Again\n"),
    );
    let (code, report) = check(root);
    assert_eq!(shown(&report), vec![diagnostic("app/one.py", 3, "SSOT101")]);
    assert_eq!(code, 1);

    // Moving a baselined violation down (blank lines above it) changes nothing.
    write(
        root,
        "app/one.py",
        &format!("import os\n\n\n\n# moved\n{NON_CANONICAL}"),
    );
    let (code, report) = check(root);
    assert_eq!(shown(&report), vec![]);
    assert_eq!(report["summary"]["baselined"], 2);
    assert_eq!(code, 0);

    // `ssot baseline` never adds, unless `--grow`.
    write(root, "app/six.py", DANGLING);
    let (code, stdout, _) = baseline(root, &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(
            ".ssot-baseline.json is up to date (2 entries).\n1 violation is not in the baseline"
        ),
        "{stdout}"
    );
    assert_eq!(baseline_entries(root).len(), 2);
    let (code, stdout, _) = baseline(root, &["--grow"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("Added 1 entry:\n  app/six.py: SSOT103 "),
        "{stdout}"
    );
    let entries = baseline_entries(root);
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().any(|e| e["path"] == "app/six.py"));
    let (code, report) = check(root);
    assert_eq!(shown(&report), vec![]);
    assert_eq!(code, 0);
}

#[test]
fn a_partial_run_keeps_entries_it_cannot_judge() {
    let dir = project(
        "",
        &[("app/one.py", NON_CANONICAL), ("app/two.py", DANGLING)],
    );
    let root = dir.path();
    baseline(root, &[]);
    write(root, "app/one.py", CANONICAL);
    write(root, "app/two.py", CANONICAL);

    // Only pkg/ and app/one.py are analysed: app/two.py's entry stays.
    let (code, stdout, _) = baseline(root, &["pkg", "app/one.py"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Removed 1 entry"), "{stdout}");
    let entries = baseline_entries(root);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["path"], "app/two.py");

    // SSOT103 is not selected: its entry is neither fixed nor removed.
    let (_, stdout, _) = run(ssot()
        .args(["check", "--output-format", "json", "--select", "SSOT101"])
        .current_dir(root));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["summary"]["fixed_since_baseline"], 0);
    baseline(root, &["--select", "SSOT101"]);
    assert_eq!(baseline_entries(root).len(), 1);
}

#[test]
fn configured_baseline_path() {
    let dir = project(
        "baseline = \"ci/known-violations.json\"\n",
        &[("app/one.py", NON_CANONICAL)],
    );
    let (code, stdout, _) = baseline(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "Created ci/known-violations.json with 1 entry.\n");
    assert!(dir.path().join("ci/known-violations.json").is_file());
    let (code, report) = check(dir.path());
    assert_eq!(report["summary"]["baselined"], 1);
    assert_eq!(code, 0);
    let (code, report) = {
        let (code, stdout, _) = run(ssot()
            .args(["check", "--output-format", "json", "--no-baseline"])
            .arg(dir.path()));
        (code, serde_json::from_str::<Value>(&stdout).unwrap())
    };
    assert_eq!(shown(&report), vec![diagnostic("app/one.py", 1, "SSOT101")]);
    assert_eq!(code, 1);
}

#[test]
fn malformed_baseline_is_an_error_naming_the_file() {
    let dir = project("", &[("app/one.py", NON_CANONICAL)]);
    for text in [
        "{\"schema\": \"ssot.baseline/1\", \"entries\": [\n",
        "{\"schema\": \"ssot.baseline/7\", \"entries\": []}\n",
        "[]\n",
    ] {
        write(dir.path(), ".ssot-baseline.json", text);
        for command in ["check", "baseline"] {
            let (code, _, stderr) = run(ssot().arg(command).current_dir(dir.path()));
            assert_eq!(code, 2, "{command} with {text:?}: {stderr}");
            assert!(stderr.contains(".ssot-baseline.json"), "{stderr}");
            assert!(stderr.contains("invalid baseline"), "{stderr}");
        }
    }
}

/// `baseline --scope test` records and removes the test scope's entries only; entries of
/// other scopes stay, and `check --scope` neither counts nor reports them as fixed.
#[test]
fn baseline_scope_records_and_shrinks_only_its_scopes() {
    let dir = project(
        "",
        &[
            ("app/one.py", NON_CANONICAL),
            ("tests/test_one.py", NON_CANONICAL),
        ],
    );
    let (code, stdout, stderr) = baseline(dir.path(), &["--scope", "test"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("with 1 entry"), "{stdout}");
    let paths = |dir: &Path| -> Vec<String> {
        baseline_entries(dir)
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(paths(dir.path()), ["tests/test_one.py"]);
    // The whole project: the production violation is new.
    let (code, report) = check(dir.path());
    assert_eq!(code, 1);
    assert_eq!(shown(&report), vec![diagnostic("app/one.py", 1, "SSOT101")]);

    // Grow the production entry in, then fix the test file: a `--scope production` run
    // cannot judge the test entry, so it keeps it.
    let (code, _, stderr) = baseline(dir.path(), &["--grow"]);
    assert_eq!(code, 0, "{stderr}");
    write(dir.path(), "tests/test_one.py", CANONICAL);
    let (code, stdout, stderr) = baseline(dir.path(), &["--scope", "production"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("is up to date (2 entries)"), "{stdout}");
    let (_, stdout, _) = run(ssot()
        .args(["check", "--output-format", "json", "--scope", "production"])
        .arg(dir.path()));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["summary"]["baselined"], 1, "{report}");
    assert_eq!(report["summary"]["fixed_since_baseline"], 0, "{report}");
    let (code, stdout, stderr) = baseline(dir.path(), &["--scope", "test"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Removed 1 entry"), "{stdout}");
    assert_eq!(paths(dir.path()), ["app/one.py"]);
}
