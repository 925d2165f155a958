//! `ssot check` in every output format, run as the real binary on a temporary project with a
//! declared concept: one snapshot per format, exit codes, `--exit-zero` and `--output-file`.

mod common;

use common::{run, ssot, text_project};

use tempfile::TempDir;

const PYPROJECT: &str = r#"[project]
name = "demo"

[tool.ssot.concepts.manager]
canonical = "pkg.core:Manager"
members = ["pkg.simple:SimpleManager"]
"#;

/// A concept `manager` reached through its canonical path, a package re-export and an alias in
/// a compat module, with a competing definition, a dangling import inside `try`, and a file
/// whose name holds a comma, a space and an ampersand (for the formats' escaping).
fn violating_project() -> TempDir {
    text_project(&[
        ("pyproject.toml", PYPROJECT),
        ("pkg/core.py", "class Manager:\n    pass\n"),
        (
            "pkg/__init__.py",
            "from pkg.core import Manager\n\n__all__ = [\"Manager\"]\n",
        ),
        (
            "pkg/compat.py",
            "from pkg.core import Manager as LegacyManager\n",
        ),
        ("pkg/simple.py", "class SimpleManager:\n    pass\n"),
        (
            "app/main.py",
            "from pkg.core import Manager\nfrom pkg.compat import LegacyManager\n\ntry:\n\tfrom pkg.old import Thing\nexcept ImportError:\n    Thing = None\n",
        ),
        (
            "app/admin.py",
            "from pkg.simple import SimpleManager\nfrom pkg import Manager\n",
        ),
        (
            "scripts/odd, name&co.py",
            "from pkg.core import Manager\nfrom pkg import Missing\n",
        ),
        (
            "tests/test_core.py",
            "from pkg.core import Manager\n\n\ndef test_manager():\n    assert Manager\n",
        ),
    ])
}

/// A concept with no competing member, used only through its canonical path.
fn clean_project() -> TempDir {
    text_project(&[
        (
            "pyproject.toml",
            "[tool.ssot.concepts.manager]\ncanonical = \"pkg.core:Manager\"\n",
        ),
        ("pkg/__init__.py", ""),
        ("pkg/core.py", "class Manager:\n    pass\n"),
        (
            "app/main.py",
            "from pkg.core import Manager\n\n\ndef main():\n    return Manager()\n",
        ),
    ])
}

/// `ssot check DIR --output-format FORMAT`: exit code and standard output, checked to hold no
/// temporary path (output paths are relative to the project root).
fn check(dir: &TempDir, format: &str, extra: &[&str]) -> (i32, String) {
    let (code, stdout, stderr) = run(ssot()
        .arg("check")
        .arg(dir.path())
        .args(["--output-format", format])
        .args(extra));
    let root = dir.path().to_str().unwrap();
    assert!(
        !stdout.contains(root),
        "{format}: the temporary path leaks into the output:\n{stdout}"
    );
    assert!(!stderr.contains("not available"), "{format}: {stderr}");
    (code, stdout.replace(env!("CARGO_PKG_VERSION"), "[VERSION]"))
}

/// SARIF with the rule documentation replaced by a marker: the snapshot follows the format,
/// not edits to rule docs (ssot_report's tests check the docs are carried).
fn sarif_without_rule_docs(output: &str) -> String {
    let mut log: serde_json::Value = serde_json::from_str(output).unwrap();
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        rule["shortDescription"]["text"] = "[doc]".into();
        rule["fullDescription"]["text"] = "[doc]".into();
        rule["help"]["text"] = "[doc]".into();
        rule["help"]["markdown"] = "[doc]".into();
    }
    serde_json::to_string_pretty(&log).unwrap()
}

#[test]
fn full_format_snapshot() {
    let dir = violating_project();
    let (code, stdout) = check(&dir, "full", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn full_is_the_default_format() {
    let dir = violating_project();
    let (_, full) = check(&dir, "full", &[]);
    let (code, stdout, _) = run(ssot().arg("check").arg(dir.path()));
    assert_eq!(code, 1);
    assert_eq!(stdout, full);
}

#[test]
fn concise_format_snapshot() {
    let dir = violating_project();
    let (code, stdout) = check(&dir, "concise", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_format_snapshot() {
    let dir = violating_project();
    let (code, stdout) = check(&dir, "json", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn github_format_snapshot() {
    let dir = violating_project();
    let (code, stdout) = check(&dir, "github", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn sarif_format_snapshot() {
    let dir = violating_project();
    let (code, stdout) = check(&dir, "sarif", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(sarif_without_rule_docs(&stdout));
}

#[test]
fn junit_format_snapshot() {
    let dir = violating_project();
    let (code, stdout) = check(&dir, "junit", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn gitlab_format_snapshot() {
    let dir = violating_project();
    let (code, stdout) = check(&dir, "gitlab", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

#[test]
fn statistics_snapshot() {
    let dir = violating_project();
    let (code, stdout) = check(&dir, "full", &["--statistics"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout);
}

const FORMATS: [&str; 7] = [
    "full", "concise", "json", "github", "sarif", "junit", "gitlab",
];

#[test]
fn every_format_exits_1_on_violations_and_0_with_exit_zero() {
    let dir = violating_project();
    for format in FORMATS {
        let (code, with_violations) = check(&dir, format, &[]);
        assert_eq!(code, 1, "{format}");
        let (code, exit_zero) = check(&dir, format, &["--exit-zero"]);
        assert_eq!(code, 0, "{format} --exit-zero");
        assert_eq!(
            exit_zero, with_violations,
            "{format}: --exit-zero changes only the code"
        );
    }
}

#[test]
fn clean_project_exits_0_in_every_format() {
    let dir = clean_project();
    let outputs: String = FORMATS
        .iter()
        .map(|format| {
            let (code, stdout) = check(&dir, format, &[]);
            assert_eq!(code, 0, "{format}:\n{stdout}");
            let stdout = if *format == "sarif" {
                sarif_without_rule_docs(&stdout)
            } else {
                stdout
            };
            format!("--- {format}\n{stdout}")
        })
        .collect();
    insta::assert_snapshot!(outputs);
}

#[test]
fn output_file_gets_what_stdout_would() {
    let dir = violating_project();
    let out_dir = tempfile::tempdir().unwrap();
    for format in FORMATS {
        let (_, expected) = check(&dir, format, &[]);
        let file = out_dir.path().join(format!("report.{format}"));
        let (code, stdout, stderr) = run(ssot()
            .arg("check")
            .arg(dir.path())
            .args(["--output-format", format, "--output-file"])
            .arg(&file));
        assert_eq!(code, 1, "{format}: {stderr}");
        assert_eq!(stdout, "", "{format}: nothing on standard output");
        let written = std::fs::read_to_string(&file)
            .unwrap()
            .replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
        assert_eq!(written, expected, "{format}");
    }
}

#[test]
fn no_colour_when_not_a_terminal() {
    let dir = violating_project();
    // NO_COLOR unset: standard output is a pipe, so still no escape codes.
    let (_, stdout, _) = run(ssot().env_remove("NO_COLOR").arg("check").arg(dir.path()));
    assert!(stdout.contains("SSOT101"));
    assert!(!stdout.contains('\x1b'), "{stdout}");
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let dir = violating_project();
    for format in ["full", "sarif", "junit"] {
        let (_, default_threads) = check(&dir, format, &[]);
        let (code, one_thread, _) = run(ssot()
            .env("RAYON_NUM_THREADS", "1")
            .arg("check")
            .arg(dir.path())
            .args(["--output-format", format]));
        assert_eq!(code, 1);
        assert_eq!(
            one_thread.replace(env!("CARGO_PKG_VERSION"), "[VERSION]"),
            default_threads,
            "{format}"
        );
    }
}

/// One non-canonical import in production, test, a default scope (`examples`, `archive`) and
/// a configured one: each diagnostic carries its file's scope, compliance is split by scope,
/// and `--scope` (repeatable) limits the report.
#[test]
fn diagnostics_carry_their_scope_and_scope_limits_the_report() {
    let import = "from pkg.compat import Manager\n";
    let dir = text_project(&[
        (
            "ssot.toml",
            "scopes = { vendor = ['third/**'] }\n\n[concepts.manager]\ncanonical = 'pkg.core:Manager'\n",
        ),
        ("pkg/__init__.py", ""),
        ("pkg/core.py", "class Manager:\n    pass\n"),
        ("pkg/compat.py", "from pkg.core import Manager\n"),
        ("app/main.py", import),
        ("tests/test_main.py", import),
        ("examples/demo.py", import),
        ("app/backup_2023/main.py", import),
        ("third/lib.py", import),
    ]);
    let check = |extra: &[&str]| {
        let (code, stdout, stderr) = run(ssot()
            .args(["check", "--output-format", "json", "--select", "SSOT101"])
            .args(extra)
            .arg(dir.path()));
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_default();
        (code, report, stderr)
    };
    let scopes_of = |report: &serde_json::Value| -> Vec<(String, String)> {
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["path"].as_str().unwrap().to_string(),
                    d["scope"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (code, report, stderr) = check(&[]);
    assert_eq!(code, 1, "{stderr}");
    let expected: Vec<(String, String)> = [
        ("app/backup_2023/main.py", "archive"),
        ("app/main.py", "production"),
        ("examples/demo.py", "examples"),
        ("tests/test_main.py", "test"),
        ("third/lib.py", "vendor"),
    ]
    .iter()
    .map(|(path, scope)| (path.to_string(), scope.to_string()))
    .collect();
    assert_eq!(scopes_of(&report), expected);
    let concept = &report["concepts"][0];
    // `production` keeps its meaning (every file outside `test-paths`, `pkg/compat.py`'s
    // canonical import included); `scopes` splits it.
    assert_eq!(concept["production"]["references"], 5);
    assert_eq!(concept["tests"]["references"], 1);
    assert_eq!(concept["scopes"]["production"]["references"], 2);
    for scope in ["archive", "examples", "test", "vendor"] {
        assert_eq!(concept["scopes"][scope]["references"], 1, "{scope}");
    }

    let (code, report, stderr) = check(&["--scope", "production", "--scope", "test"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        scopes_of(&report),
        expected[1..2]
            .iter()
            .chain(&expected[3..4])
            .cloned()
            .collect::<Vec<_>>()
    );

    let (code, _, stderr) = check(&["--scope", "nowhere"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown scope `nowhere`"), "{stderr}");
}
