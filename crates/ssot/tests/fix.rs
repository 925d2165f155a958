//! `ssot fix` end to end: the real binary on temporary projects.

mod common;

use std::path::Path;

use common::{read, run, ssot, text_project};

const CONCEPT: &str = "[tool.ssot.concepts.manager]\ncanonical = \"pkg.core:Manager\"\n";

/// A package with a canonical `pkg.core:Manager`, a legacy re-export, and `app.py` importing
/// through the legacy path.
fn legacy_project(app: &str) -> tempfile::TempDir {
    text_project(&[
        ("pyproject.toml", &format!("[tool.ssot]\n\n{CONCEPT}")),
        ("pkg/__init__.py", ""),
        ("pkg/core.py", "class Manager:\n    pass\n"),
        ("pkg/legacy.py", "from pkg.core import Manager\n"),
        ("app.py", app),
    ])
}

fn python_compiles(dir: &Path, files: &[&str]) -> bool {
    std::process::Command::new("python3")
        .args(["-B", "-m", "py_compile"])
        .args(files.iter().map(|f| dir.join(f)))
        .status()
        .expect("python3 runs")
        .success()
}

#[test]
fn fix_rewrites_the_example_and_a_second_run_changes_nothing() {
    let dir = common::example_with_concept();

    let (code, stdout, stderr) = run(ssot().arg("fix").arg(dir.path()));
    // Violations other than SSOT101 remain (dangling imports, competing definitions...).
    assert_eq!(code, 1, "{stdout}{stderr}");
    // EXPECTED.md: 16 non-canonical bindings; the one reached as `app.websocket_core.
    // websocket_manager.WebSocketManager` through `import app...` is an unsafe fix that is
    // refused because `app` is also bound by other imports in that file.
    assert!(
        stdout.contains("Fixed 15 violations in 14 files (SSOT101 ×15)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("compliance 11/29 (37.9%) → 26/29 (89.7%)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("app/routes/admin.py:14:12: SSOT101"),
        "{stdout}"
    );

    let (code, stdout, _) = run(ssot()
        .args(["fix", "--output-format", "json"])
        .arg(dir.path()));
    assert_eq!(code, 1);
    let second: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(second["schema"], "ssot.fix/1");
    assert_eq!(second["files"].as_array().unwrap().len(), 0, "{stdout}");
    assert_eq!(second["concepts"][0]["after"]["canonical_references"], 26);

    let (code, stdout, _) = run(ssot()
        .args(["check", "--select", "SSOT101", "--output-format", "concise"])
        .arg(dir.path()));
    assert_eq!(code, 1);
    assert_eq!(
        stdout.lines().filter(|l| l.contains("SSOT101")).count(),
        1,
        "{stdout}"
    );

    let status = std::process::Command::new("python3")
        .args(["-B", "-m", "compileall", "-q", "-x", "broken_migration"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn diff_prints_a_unified_diff_and_writes_nothing() {
    let dir = legacy_project("from pkg.legacy import Manager\n");
    let (code, stdout, stderr) = run(ssot().args(["fix", "--diff"]).arg(dir.path()));
    assert_eq!(code, 1, "changes pending: exit 1\n{stderr}");
    assert_eq!(
        stdout,
        "--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-from pkg.legacy import Manager\n\
         +from pkg.core import Manager\n"
    );
    assert!(
        stderr.contains("Would fix 1 violation in 1 file"),
        "{stderr}"
    );
    assert_eq!(
        read(dir.path(), "app.py"),
        "from pkg.legacy import Manager\n"
    );

    let (code, _, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 0);
    let (code, stdout, _) = run(ssot().args(["fix", "--diff"]).arg(dir.path()));
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn select_limits_the_fixes_to_the_chosen_rules() {
    let dir =
        legacy_project("from pkg.legacy import Manager\nimport os  # ssot: ignore[SSOT101]\n");
    // SSOT101 does not run, so the suppression is not known to be unused: nothing to do.
    let (code, stdout, _) = run(ssot().args(["fix", "--select", "SSOT900"]).arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("No fixes applied."), "{stdout}");
    // SSOT101 alone: the import is rewritten, the suppression stays.
    let (code, stdout, _) = run(ssot().args(["fix", "--select", "SSOT101"]).arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        read(dir.path(), "app.py"),
        "from pkg.core import Manager\nimport os  # ssot: ignore[SSOT101]\n"
    );
    // Every rule: the unused suppression goes too.
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        read(dir.path(), "app.py"),
        "from pkg.core import Manager\nimport os\n"
    );
}

#[test]
fn unsafe_fixes_are_opt_in() {
    let app = "from pkg.legacy import (  # the manager\n    Manager,\n)\n";
    let dir = legacy_project(app);
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 1);
    assert!(
        stdout.contains("the fix is unsafe (apply it with `--unsafe-fixes`)"),
        "{stdout}"
    );
    assert_eq!(read(dir.path(), "app.py"), app);
    let (code, _, _) = run(ssot().args(["fix", "--unsafe-fixes"]).arg(dir.path()));
    assert_eq!(code, 0);
    assert_eq!(
        read(dir.path(), "app.py"),
        "from pkg.core import (  # the manager\n    Manager,\n)\n"
    );
}

#[test]
fn fix_only_exits_zero_when_only_unfixable_violations_remain() {
    let dir = legacy_project("from pkg.legacy import Manager\nfrom pkg.gone import Thing\n");
    let (code, stdout, _) = run(ssot().args(["fix", "--fix-only"]).arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("remain"), "{stdout}");
    assert_eq!(
        read(dir.path(), "app.py"),
        "from pkg.core import Manager\nfrom pkg.gone import Thing\n"
    );
}

#[test]
fn a_file_changed_before_the_write_is_left_alone() {
    let dir = legacy_project("from pkg.legacy import Manager\n");
    let (code, stdout, _) = run(ssot()
        .arg("fix")
        .arg(dir.path())
        .env("SSOT_FAULT_CHANGE_BEFORE_WRITE", "app.py"));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("Not written: app.py: changed while fixing, left alone"),
        "{stdout}"
    );
    assert_eq!(
        read(dir.path(), "app.py"),
        "from pkg.legacy import Manager\n# edited by someone else\n"
    );
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".ssot-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[cfg(unix)]
#[test]
fn writes_keep_permissions_and_symbolic_links() {
    use std::os::unix::fs::PermissionsExt;
    let dir = legacy_project("from pkg.legacy import Manager\n");
    std::fs::set_permissions(
        dir.path().join("app.py"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("shared")).unwrap();
    std::fs::write(
        dir.path().join("shared/real_tool.py"),
        "from pkg.legacy import Manager\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("shared/real_tool.py", dir.path().join("tool.py")).unwrap();
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    let mode = std::fs::metadata(dir.path().join("app.py"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    assert!(std::fs::symlink_metadata(dir.path().join("tool.py"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        read(dir.path(), "shared/real_tool.py"),
        "from pkg.core import Manager\n"
    );
    assert!(python_compiles(dir.path(), &["app.py"]));
}

#[test]
fn files_that_cannot_be_rewritten_are_reported_and_untouched() {
    let latin1: &[u8] =
        b"# -*- coding: latin-1 -*-\nfrom pkg.legacy import Manager\nname = '\xe9'\n";
    let dir = legacy_project("from pkg.legacy import Manager\n");
    std::fs::write(dir.path().join("latin.py"), latin1).unwrap();
    std::fs::write(
        dir.path().join("broken.py"),
        "from pkg.legacy import Manager\nprint 'py2'\n",
    )
    .unwrap();
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("latin.py:2:24: SSOT101 the file is not UTF-8"),
        "{stdout}"
    );
    assert!(
        stdout.contains("broken.py:1:24: SSOT101 the file has syntax errors"),
        "{stdout}"
    );
    assert_eq!(std::fs::read(dir.path().join("latin.py")).unwrap(), latin1);
    assert_eq!(read(dir.path(), "app.py"), "from pkg.core import Manager\n");
}

#[test]
fn fix_refuses_ci_only_formats() {
    let dir = legacy_project("from pkg.legacy import Manager\n");
    let (code, _, stderr) = run(ssot()
        .args(["fix", "--output-format", "sarif"])
        .arg(dir.path()));
    assert_eq!(code, 2);
    assert!(stderr.contains("`ssot fix` reports in"), "{stderr}");
}

#[test]
fn shims_become_deprecation_shims_that_still_serve_old_callers() {
    let dir = text_project(&[
        (
            "pyproject.toml",
            &format!("[tool.ssot]\n\n{CONCEPT}shims = [\"pkg.legacy\"]\n"),
        ),
        ("pkg/__init__.py", ""),
        (
            "pkg/core.py",
            "class Manager:\n    pass\n\n\nclass Other:\n    pass\n",
        ),
        (
            "pkg/legacy.py",
            "import os\nfrom pkg.core import Manager, Other as O2\n\n__all__ = [\"Manager\"]\n",
        ),
        ("app.py", "from pkg.legacy import Manager\n"),
    ]);
    // Unsafe: without --unsafe-fixes only the import is rewritten.
    let (code, stdout, _) = run(ssot().args(["fix", "--shims"]).arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("Shim `pkg.legacy` not rewritten: the fix is unsafe"),
        "{stdout}"
    );
    assert_eq!(read(dir.path(), "app.py"), "from pkg.core import Manager\n");

    let (code, stdout, _) = run(ssot()
        .args(["fix", "--shims", "--unsafe-fixes"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("Shim `pkg.legacy` now serves `Manager`"),
        "{stdout}"
    );
    let shim = read(dir.path(), "pkg/legacy.py");
    assert!(
        shim.starts_with("import os\nfrom pkg.core import Other as O2\n"),
        "{shim}"
    );
    assert!(shim.contains("def __getattr__(name):"), "{shim}");

    // Old callers get the same class, with a DeprecationWarning naming the canonical path.
    let probe = "import warnings\n\
        import pkg.core\n\
        with warnings.catch_warnings(record=True) as caught:\n\
        \x20   warnings.simplefilter('always')\n\
        \x20   from pkg.legacy import Manager\n\
        assert Manager is pkg.core.Manager\n\
        assert caught[0].category is DeprecationWarning, caught\n\
        print(caught[0].message)\n\
        import pkg.legacy\n\
        try:\n\
        \x20   pkg.legacy.Missing\n\
        except AttributeError:\n\
        \x20   print('missing ok')\n";
    let output = std::process::Command::new("python3")
        .args(["-B", "-c", probe])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        printed,
        "pkg.legacy.Manager is deprecated; use pkg.core.Manager\nmissing ok\n"
    );
    // Converged: a second run changes nothing.
    let (code, stdout, _) = run(ssot()
        .args(["fix", "--shims", "--unsafe-fixes", "--diff"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn diff_in_json_is_one_document() {
    let dir = legacy_project("from pkg.legacy import Manager\n");
    let (code, stdout, _) = run(ssot()
        .args(["fix", "--diff", "--output-format", "json"])
        .arg(dir.path()));
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["written"], false);
    assert_eq!(report["files"][0]["path"], "app.py");
    assert!(report["files"][0]["diff"]
        .as_str()
        .unwrap()
        .contains("+from pkg.core import Manager"));
    assert_eq!(
        read(dir.path(), "app.py"),
        "from pkg.legacy import Manager\n"
    );
}

#[test]
fn fix_follows_the_line_length_and_sorter_settings_of_ruff() {
    let dir = text_project(&[
        (
            "pyproject.toml",
            &format!(
                "[tool.ruff]\nline-length = 28\n\n[tool.ruff.lint.isort]\n\
                 known-first-party = [\"pkg\"]\n\n[tool.ssot]\n\n{CONCEPT}"
            ),
        ),
        ("pkg/__init__.py", ""),
        ("pkg/core.py", "class Manager:\n    pass\n"),
        (
            "pkg/legacy.py",
            "from pkg.core import Manager\n\n\ndef helper():\n    pass\n",
        ),
        ("pkg/zeta.py", "Z = 1\n"),
        (
            "app.py",
            "import os\n\nfrom pkg.legacy import Manager, helper\nfrom pkg.zeta import Z\n\n\
             print(os, Manager, helper, Z)\n",
        ),
    ]);
    let (code, _, stderr) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    // The new import sorts before `pkg.legacy` (and fits in 28 columns); the shortened statement
    // is still 29 columns: it is wrapped.
    assert_eq!(
        read(dir.path(), "app.py"),
        "import os\n\nfrom pkg.core import Manager\nfrom pkg.legacy import (\n    helper,\n)\n\
         from pkg.zeta import Z\n\nprint(os, Manager, helper, Z)\n"
    );
}

/// The canonical policy's public API counted alike by `init`, `check` and `fix`: the public
/// package `pkg.api` is never proposed as a shim; its own re-export statements (straight from
/// the defining module, or from a submodule as another name) are neither reported nor counted; a user's import through it is a non-canonical reference before the
/// fix and a canonical one after it.
#[test]
fn public_api_re_exports_count_alike_in_init_check_and_fix() {
    let dir = text_project(&[
        (
            "pkg/__init__.py",
            "from ._core import Manager\n\n__all__ = ['Manager']\n",
        ),
        (
            "pkg/_core.py",
            "class Manager:\n    def send(self, m):\n        return m\n\n    def close(self):\n        pass\n",
        ),
        (
            "pkg/simple.py",
            "class SimpleManager:\n    def send(self, m):\n        return m\n\n    def close(self):\n        pass\n",
        ),
        (
            "pkg/api/__init__.py",
            "from pkg._core import Manager\nfrom ._v1 import Manager as V1Manager\n\n__all__ = ['Manager', 'V1Manager']\n",
        ),
        ("pkg/api/_v1.py", "from pkg.api import Manager\n"),
        ("pkg/compat.py", "from ._core import Manager\n"),
        ("app/__init__.py", ""),
        ("app/a.py", "from pkg import Manager\n"),
        ("app/b.py", "from pkg.api import Manager\n"),
        ("app/c.py", "from pkg._core import Manager\n"),
        ("app/d.py", "from pkg.compat import Manager\n"),
        ("app/e.py", "from pkg.simple import SimpleManager\n"),
        ("tests/test_a.py", "from pkg import Manager\n"),
    ]);
    let (code, _, stderr) = run(ssot().arg("init").arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    let config = read(dir.path(), "ssot.toml");
    assert!(config.contains("canonical = \"pkg:Manager\""), "{config}");
    assert!(config.contains("\"pkg.compat\""), "{config}");
    assert!(!config.contains("\"pkg.api\""), "{config}");

    let (_, stdout, stderr) = run(ssot()
        .args(["check", "--output-format", "json", "--select", "SSOT101"])
        .arg(dir.path()));
    let report: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
    let flagged: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    // Not `pkg/api/__init__.py` nor `pkg/__init__.py`: their statements are the public API.
    assert_eq!(flagged, ["app/b.py", "app/c.py", "app/d.py"]);
    let concept = &report["concepts"][0];
    assert_eq!(
        (
            concept["canonical_references"].clone(),
            concept["references"].clone()
        ),
        (2.into(), 6.into()),
        "{concept}"
    );

    let (_, stdout, stderr) = run(ssot()
        .args(["fix", "--output-format", "json"])
        .arg(dir.path()));
    let fixed: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
    let concept = &fixed["concepts"][0];
    assert_eq!(concept["before"]["canonical_references"], 2, "{concept}");
    assert_eq!(concept["before"]["references"], 6, "{concept}");
    assert_eq!(concept["after"]["canonical_references"], 5, "{concept}");
    assert_eq!(concept["after"]["references"], 6, "{concept}");
    assert_eq!(read(dir.path(), "app/b.py"), "from pkg import Manager\n");
    assert_eq!(
        read(dir.path(), "pkg/api/__init__.py"),
        "from pkg._core import Manager\nfrom ._v1 import Manager as V1Manager\n\n__all__ = ['Manager', 'V1Manager']\n"
    );
}

/// `fix --scope test` rewrites the test file's import only, counts only the test scope's
/// violations as remaining, and rejects an unknown scope.
#[test]
fn fix_scope_limits_the_files_it_rewrites() {
    let dir = text_project(&[
        ("pyproject.toml", &format!("[tool.ssot]\n\n{CONCEPT}")),
        ("pkg/__init__.py", ""),
        ("pkg/core.py", "class Manager:\n    pass\n"),
        ("pkg/legacy.py", "from pkg.core import Manager\n"),
        ("app.py", "from pkg.legacy import Manager\n"),
        ("tests/test_app.py", "from pkg.legacy import Manager\n"),
    ]);
    let (code, _, stderr) = run(ssot().args(["fix", "--scope", "nowhere"]).arg(dir.path()));
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown scope `nowhere`"), "{stderr}");
    let (code, _, stderr) = run(ssot().args(["fix", "--scope", "test"]).arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        read(dir.path(), "tests/test_app.py"),
        "from pkg.core import Manager\n"
    );
    assert_eq!(
        read(dir.path(), "app.py"),
        "from pkg.legacy import Manager\n"
    );
    let (code, _, stderr) = run(ssot()
        .args(["fix", "--scope", "production"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(read(dir.path(), "app.py"), "from pkg.core import Manager\n");
}

/// `check` marks an SSOT101 finding fixable as `fix` would treat it: an import through a
/// module that picks the class per platform (`if`/`else`) gets an unsafe fix, a plain
/// re-export a safe one, and the summary counts only the latter.
#[test]
fn check_marks_fixes_through_platform_alternatives_unsafe() {
    let dir = text_project(&[
        ("pkg/__init__.py", ""),
        (
            "pkg/_reader.py",
            "import sys\n\nif sys.platform == \"win32\":\n    from pkg._reader_windows import Reader\nelse:\n    from pkg._reader_posix import Reader\n",
        ),
        ("pkg/_reader_windows.py", "class Reader:\n    pass\n"),
        ("pkg/_reader_posix.py", "class Reader:\n    pass\n"),
        ("pkg/compat.py", "from pkg._reader_posix import Reader\n"),
        ("app.py", "from pkg._reader import Reader\n"),
        ("other.py", "from pkg.compat import Reader\n"),
        (
            "pyproject.toml",
            "[tool.ssot.concepts.reader]\ncanonical = \"pkg._reader_posix:Reader\"\n",
        ),
    ]);
    let (_, stdout, stderr) = run(ssot()
        .args(["check", "--output-format", "json"])
        .arg(dir.path()));
    let report: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
    let fixes: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "SSOT101")
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["fix"]["applicability"]
                    .as_str()
                    .unwrap_or("none")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        fixes,
        [
            ("app.py".to_string(), "unsafe".to_string()),
            ("other.py".to_string(), "safe".to_string())
        ]
    );
    let (_, text, _) = run(ssot().arg("check").arg(dir.path()));
    assert!(text.contains("[*] 1 fixable with `ssot fix`."), "{text}");
}
