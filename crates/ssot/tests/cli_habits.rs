//! ruff's command-line habits: `check --fix` is `ssot fix`, `--show-settings`, `--show-files`,
//! `--color`, `-q`/`-v`, the progress bar on a terminal only, `scan --help` listing the formats
//! `scan` accepts, and the warning on a tree without Python files.

mod common;

use std::path::Path;
use std::process::Command;

use common::{copy_tree, example_with_concept, run, ssot, text_project};

/// Every file below `dir` (relative path, bytes), sorted, without the facts cache.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_name() == ".ssot_cache" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap().display().to_string();
                out.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Runs `check <check_args>` on one copy of the example and `fix <fix_args>` on another:
/// same exit code, same output and same files afterwards.
fn assert_check_does_what_fix_does(check_args: &[&str], fix_args: &[&str]) {
    let by_check = example_with_concept();
    let by_fix = tempfile::tempdir().unwrap();
    copy_tree(by_check.path(), by_fix.path());
    let check = run(ssot()
        .current_dir(by_check.path())
        .arg("check")
        .args(check_args));
    let fix = run(ssot().current_dir(by_fix.path()).arg("fix").args(fix_args));
    assert_eq!(check, fix, "check {check_args:?} vs fix {fix_args:?}");
    assert_eq!(tree(by_check.path()), tree(by_fix.path()));
}

#[test]
fn check_fix_rewrites_as_fix_does() {
    assert_check_does_what_fix_does(&["--fix"], &[]);
}

#[test]
fn check_fix_changes_files_and_reports_as_fix() {
    let dir = example_with_concept();
    let before = tree(dir.path());
    let (code, stdout, _) = run(ssot().current_dir(dir.path()).args(["check", "--fix"]));
    assert_eq!(code, 1, "violations remain after the safe fixes:\n{stdout}");
    assert!(stdout.contains("Fixed 15 violations"), "{stdout}");
    assert_ne!(before, tree(dir.path()));
}

#[test]
fn check_diff_is_fix_diff_and_writes_nothing() {
    assert_check_does_what_fix_does(&["--diff"], &["--diff"]);
    let dir = example_with_concept();
    let before = tree(dir.path());
    let (code, stdout, _) = run(ssot().current_dir(dir.path()).args(["check", "--diff"]));
    assert_eq!(code, 1);
    assert!(stdout.starts_with("--- a/"), "{stdout}");
    assert_eq!(before, tree(dir.path()));
}

#[test]
fn check_fix_unsafe_fixes_is_fix_unsafe_fixes() {
    assert_check_does_what_fix_does(
        &["--fix", "--unsafe-fixes", "--output-format", "json"],
        &["--unsafe-fixes", "--output-format", "json"],
    );
    assert_check_does_what_fix_does(&["--fix-only"], &["--fix-only"]);
}

#[test]
fn check_fix_refuses_the_formats_fix_refuses() {
    assert_check_does_what_fix_does(
        &["--fix", "--output-format", "github"],
        &["--output-format", "github"],
    );
}

#[test]
fn unsafe_fixes_without_fix_is_a_usage_error() {
    let dir = example_with_concept();
    let (code, _, stderr) = run(ssot()
        .current_dir(dir.path())
        .args(["check", "--unsafe-fixes"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`--unsafe-fixes` applies with `--fix`"),
        "{stderr}"
    );
    let (code, _, stderr) =
        run(ssot()
            .current_dir(dir.path())
            .args(["check", "--fix", "--statistics"]));
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn show_settings_names_the_config_file_and_the_concepts() {
    let dir = example_with_concept();
    let (code, stdout, stderr) = run(ssot()
        .current_dir(dir.path())
        .args(["check", "--show-settings"]));
    assert_eq!(code, 0, "{stderr}");
    let config = dir.path().join("pyproject.toml");
    assert!(
        stdout.contains(&format!("Configuration: {}\n", config.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("  src = [\".\"] (auto-detected)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Concepts (1)\n  websocket-manager\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "    canonical = \"app.websocket_core.unified_manager:UnifiedWebSocketManager\""
        ),
        "{stdout}"
    );
    assert!(stdout.contains("baseline = \".ssot-baseline.json\" (absent)"));
}

#[test]
fn show_settings_without_config_shows_the_defaults_and_where_values_come_from() {
    let dir = text_project(&[
        (
            "pyproject.toml",
            "[project]\nname = 'x'\nrequires-python = '>=3.9'\ndependencies = ['Flask-Login>=1']\n",
        ),
        ("ssot.toml", "extend-exclude = ['gen/**']\nsrc = ['src']\n"),
        ("src/pkg/__init__.py", ""),
    ]);
    let (code, stdout, stderr) = run(ssot().current_dir(dir.path()).args([
        "check",
        "--show-settings",
        "--exclude",
        "old/**",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("ssot.toml\n"), "{stdout}");
    assert!(
        stdout.contains("  src = [\"src\"] (configured)"),
        "{stdout}"
    );
    assert!(stdout.contains("\"gen/**\", \"old/**\"]"), "{stdout}");
    assert!(
        stdout.contains("target-version = py39 (from requires-python)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("declared dependencies (third-party too) = [\"flask_login\"]"),
        "{stdout}"
    );
    assert!(stdout.contains("Concepts (0)"), "{stdout}");

    let bare = text_project(&[("a.py", "")]);
    let (_, stdout, _) = run(ssot()
        .current_dir(bare.path())
        .args(["check", "--show-settings"]));
    assert!(stdout.contains("Configuration: none found"), "{stdout}");
    assert!(
        stdout.contains("target-version = py314 (from the newest Python)"),
        "{stdout}"
    );
}

#[test]
fn show_files_lists_what_would_be_analysed_with_its_scope() {
    // The config file marks the project root, whichever path is asked about.
    let dir = text_project(&[
        ("ssot.toml", ""),
        ("pkg/__init__.py", ""),
        ("pkg/core.py", ""),
        ("pkg/core.pyi", ""),
        ("tests/test_core.py", ""),
        ("examples/demo.py", ""),
        (".venv/lib/site.py", ""),
        ("generated/out.py", ""),
        ("README.md", ""),
    ]);
    let (code, stdout, stderr) = run(ssot().current_dir(dir.path()).args([
        "check",
        "--show-files",
        "--exclude",
        "generated",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "examples    examples/demo.py\n\
         production  pkg/__init__.py\n\
         production  pkg/core.py\n\
         production  pkg/core.pyi\n\
         test        tests/test_core.py\n"
    );
    let (_, stdout, _) =
        run(ssot()
            .current_dir(dir.path())
            .args(["check", "--show-files", "tests"]));
    assert_eq!(stdout, "test  tests/test_core.py\n");
    let (code, _, stderr) = run(ssot().current_dir(dir.path()).args([
        "check",
        "--show-files",
        "--output-format",
        "json",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("print text"), "{stderr}");
}

/// The first lines of `check`'s full report on the example, with this environment and flags.
fn report_has_escapes(env: &[(&str, &str)], flags: &[&str]) -> bool {
    let dir = example_with_concept();
    let mut command = ssot();
    command.env_remove("NO_COLOR").env_remove("FORCE_COLOR");
    for (name, value) in env {
        command.env(name, value);
    }
    let (code, stdout, _) = run(command.current_dir(dir.path()).arg("check").args(flags));
    assert_eq!(code, 1);
    stdout.contains('\u{1b}')
}

#[test]
fn color_auto_is_plain_in_a_pipe_unless_forced() {
    assert!(!report_has_escapes(&[], &[]));
    assert!(report_has_escapes(&[("FORCE_COLOR", "1")], &[]));
    assert!(!report_has_escapes(&[("FORCE_COLOR", "0")], &[]));
    assert!(!report_has_escapes(
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")],
        &[]
    ));
}

#[test]
fn color_flag_overrides_the_environment() {
    assert!(report_has_escapes(
        &[("NO_COLOR", "1")],
        &["--color", "always"]
    ));
    assert!(!report_has_escapes(
        &[("FORCE_COLOR", "1")],
        &["--color=never"]
    ));
    // A global flag: before the command name too.
    let dir = example_with_concept();
    let (_, stdout, _) = run(ssot()
        .current_dir(dir.path())
        .args(["--color", "always", "scan"]));
    assert!(stdout.contains('\u{1b}'), "{stdout}");
    let (code, _, stderr) = run(ssot().args(["check", "--color", "sometimes"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("[possible values: auto, always, never]"),
        "{stderr}"
    );
}

#[test]
fn quiet_silences_notes_and_warnings_but_not_the_report() {
    let dir = example_with_concept();
    let (code, stdout, stderr) =
        run(ssot()
            .current_dir(dir.path())
            .args(["init", "--dry-run", "--force"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("ssot init: dry run"), "{stderr}");
    let (code, quiet_stdout, quiet_stderr) =
        run(ssot()
            .current_dir(dir.path())
            .args(["-q", "init", "--dry-run", "--force"]));
    assert_eq!(code, 0);
    assert_eq!(quiet_stderr, "");
    assert_eq!(quiet_stdout, stdout);

    let empty = tempfile::tempdir().unwrap();
    let (_, _, stderr) = run(ssot().arg("check").arg(empty.path()).arg("--quiet"));
    assert_eq!(stderr, "");
    let (code, _, stderr) = run(ssot().args(["check", "-q", "-v"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn verbose_says_where_the_configuration_came_from_and_what_was_read() {
    let dir = example_with_concept();
    let (_, _, stderr) = run(ssot()
        .current_dir(dir.path())
        .args(["check", "-v", "--no-cache"]));
    let config = dir.path().join("pyproject.toml");
    assert!(
        stderr.contains(&format!("; configuration {}\n", config.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("ssot: 31 files found, 0 read from the facts cache, 31 parsed"),
        "{stderr}"
    );
    let (_, _, stderr) = run(ssot().current_dir(dir.path()).args(["check", "--no-cache"]));
    assert!(!stderr.contains("files found"), "{stderr}");
}

#[test]
fn scan_help_lists_only_the_formats_scan_writes() {
    let (code, stdout, _) = run(ssot().args(["scan", "--help"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("[possible values: full, concise, json]"),
        "{stdout}"
    );
    for other in ["github", "sarif", "junit", "gitlab"] {
        assert!(!stdout.contains(other), "{other} in:\n{stdout}");
    }
    let dir = text_project(&[("a.py", "")]);
    let (code, _, stderr) =
        run(ssot()
            .current_dir(dir.path())
            .args(["scan", "--output-format", "sarif"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid value 'sarif'"), "{stderr}");
}

#[test]
fn check_without_python_files_warns_and_passes() {
    let dir = text_project(&[("README.md", "# nothing to see\n"), ("lib/data.json", "{}")]);
    let (code, stdout, stderr) = run(ssot().current_dir(dir.path()).arg("check"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("warning: no Python files found in"),
        "{stderr}"
    );
    // With a concept declared, which cannot resolve in an empty tree.
    std::fs::write(
        dir.path().join("ssot.toml"),
        "[concepts.m]\ncanonical = 'pkg.core:Manager'\n",
    )
    .unwrap();
    let (code, _, stderr) = run(ssot().current_dir(dir.path()).arg("check"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no Python files found"), "{stderr}");
    // Python files elsewhere in the project, none in the path asked about.
    let with_code = text_project(&[("pkg/__init__.py", ""), ("docs/notes.txt", "")]);
    let (code, _, stderr) = run(ssot().current_dir(with_code.path()).args(["check", "docs"]));
    assert_eq!(code, 0);
    assert!(stderr.contains("no Python files found in docs"), "{stderr}");
    let (_, _, stderr) = run(ssot().current_dir(with_code.path()).arg("check"));
    assert!(!stderr.contains("no Python files"), "{stderr}");
}

/// A project of 1,500 modules: parsing them takes long enough that the bar, shown at once,
/// is drawn while the files are being read.
fn many_modules() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..1500 {
        std::fs::write(
            dir.path().join(format!("module_{i}.py")),
            format!("import os\n\n\ndef f{i}(x):\n    return os.path.join(x, '{i}')\n"),
        )
        .unwrap();
    }
    dir
}

/// `ssot check` on [`many_modules`] under a pseudo-terminal (util-linux `script`), stdout
/// thrown away: what the terminal showed on stderr. The bar's delay is 0.
fn terminal_stderr(env: &[(&str, &str)]) -> String {
    let dir = many_modules();
    let command = format!(
        "'{}' check --no-cache >/dev/null",
        env!("CARGO_BIN_EXE_ssot")
    );
    let mut script = Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .env("SSOT_PROGRESS_DELAY_MS", "0")
        .env("TERM", "xterm")
        .env_remove("CI");
    for (name, value) in env {
        script.env(name, value);
    }
    let output = script.output().expect("util-linux `script` runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn progress_bar_shows_on_a_terminal_only() {
    let shown = terminal_stderr(&[]);
    assert!(shown.contains("parsing ["), "{shown:?}");
    assert!(shown.contains("/1500 files ("), "{shown:?}");
    assert!(!terminal_stderr(&[("CI", "true")]).contains("parsing"));
    assert!(!terminal_stderr(&[("TERM", "dumb")]).contains("parsing"));
    // A pipe: stderr captured by the test.
    let dir = example_with_concept();
    let (_, _, stderr) = run(ssot()
        .current_dir(dir.path())
        .env("SSOT_PROGRESS_DELAY_MS", "0")
        .env_remove("CI")
        .args(["check", "--no-cache"]));
    assert!(!stderr.contains("parsing"), "{stderr}");
}

#[test]
fn quiet_hides_the_progress_bar() {
    let dir = many_modules();
    let command = format!(
        "'{}' -q check --no-cache >/dev/null",
        env!("CARGO_BIN_EXE_ssot")
    );
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .env("SSOT_PROGRESS_DELAY_MS", "0")
        .env("TERM", "xterm")
        .env_remove("CI")
        .output()
        .expect("util-linux `script` runs");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
}
