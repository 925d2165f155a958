//! End-to-end tests: the real `ssot` binary on temporary projects and on the bundled example.

mod common;

use common::{count_per_code, example_dir, example_findings_per_code, project, run, ssot};

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn scan_json(dir: &Path) -> (i32, Value, String) {
    let (code, stdout, stderr) = run(ssot().args(["scan", "--output-format", "json"]).arg(dir));
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("invalid JSON ({err}):\n{stdout}\n{stderr}"));
    (code, value, stderr)
}

fn path_counts(symbol: &Value) -> Vec<(String, u64, u64, u64)> {
    symbol["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["files"].as_u64().unwrap(),
                p["test_files"].as_u64().unwrap(),
                p["statements"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn example_census_matches_the_hand_count() {
    let (code, scan, _) = scan_json(&example_dir());
    assert_eq!(code, 0);
    assert_eq!(scan["schema"], "ssot.scan/1");
    let symbols = scan["symbols"].as_array().unwrap();
    assert_eq!(symbols.len(), 2, "EXPECTED.md lists two symbols");
    let manager = &symbols[0];
    assert_eq!(
        manager["origin"],
        "app.websocket_core.unified_manager:_UnifiedWebSocketManagerImplementation"
    );
    assert_eq!(manager["files"], 17);
    // (path, files, test files, bindings) from examples/chat_backend/EXPECTED.md, table (a),
    // less the three public re-export statements, which are listed apart.
    let expected = [
        (
            "app.websocket_core.unified_manager:UnifiedWebSocketManager",
            7,
            2,
            8,
        ),
        ("app.websocket_core:UnifiedWebSocketManager", 5, 3, 5),
        (
            "app.websocket_core.websocket_manager:WebSocketManager",
            4,
            1,
            4,
        ),
        ("app.websocket_core.manager:WebSocketManager", 3, 1, 3),
        (
            "app.websocket_core.canonical_import_patterns:UnifiedWebSocketManager",
            2,
            1,
            2,
        ),
        (
            "app.websocket_core.unified_manager:_UnifiedWebSocketManagerImplementation",
            1,
            1,
            1,
        ),
        (
            "app.websocket_core.websocket_manager:UnifiedWebSocketManager",
            1,
            0,
            1,
        ),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(p, f, t, s)| (p.to_string(), *f, *t, *s))
        .collect();
    assert_eq!(path_counts(manager), expected);
    let re_exports: Vec<(&str, &str, u64)> = manager["re_exported_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap(),
                r["at"]["path"].as_str().unwrap(),
                r["at"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        re_exports,
        vec![
            (
                "app.websocket_core:UnifiedWebSocketManager",
                "app/websocket_core/__init__.py",
                4
            ),
            (
                "app.websocket_core.manager:WebSocketManager",
                "app/websocket_core/manager.py",
                3
            ),
            (
                "app.websocket_core.websocket_manager:UnifiedWebSocketManager",
                "app/websocket_core/websocket_manager.py",
                7
            ),
        ]
    );
    assert_eq!(
        path_counts(&symbols[1]),
        vec![
            ("app.websocket_core.types:MessageType".to_string(), 7, 3, 7),
            (
                "app.websocket_core.canonical_import_patterns:MessageType".to_string(),
                1,
                0,
                1
            ),
        ]
    );

    let mut dangling: Vec<(String, String)> = scan["dangling"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    dangling.sort();
    let mut expected_dangling = vec![
        ("app.websocket_core.manager:ConnectionRegistry", "not-bound"),
        (
            "app.websocket_core.old_manager:UnifiedWebSocketManager",
            "missing-module",
        ),
        (
            "app.websocket_core.manager:UnifiedWebSocketManager",
            "not-bound",
        ),
        (
            "app.websocket_core.unified_manager:WebSocketManager",
            "not-bound",
        ),
        (
            "app.websocket_core.canonical_import_patterns:MAX_MESSAGE_SIZE",
            "not-bound",
        ),
        (
            "app.websocket_core.websocket_manager:WebSocketManagerFactory",
            "not-bound",
        ),
        (
            "app.websocket_core.factory:get_websocket_manager_factory",
            "not-bound",
        ),
    ]
    .into_iter()
    .map(|(p, r)| (p.to_string(), r.to_string()))
    .collect::<Vec<_>>();
    expected_dangling.sort();
    assert_eq!(dangling, expected_dangling);

    assert_eq!(scan["summary"]["parse_errors"], 1);
    assert_eq!(
        scan["parse_errors"][0]["path"],
        "scripts/broken_migration.py"
    );
    assert_eq!(scan["parse_errors"][0]["line"], 12);
}

#[test]
fn example_scan_json_snapshot() {
    let (_, stdout, _) = run(ssot()
        .args(["scan", "--output-format", "json"])
        .arg(example_dir()));
    insta::assert_snapshot!(stdout);
}

#[test]
fn example_scan_text_snapshot() {
    let (code, stdout, _) = run(ssot().arg("scan").arg(example_dir()));
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout);
}

#[test]
fn scan_output_is_identical_whatever_the_thread_count() {
    let one = run(ssot()
        .env("RAYON_NUM_THREADS", "1")
        .args(["scan", "--output-format", "json"])
        .arg(example_dir()));
    let many = run(ssot()
        .env("RAYON_NUM_THREADS", "8")
        .args(["scan", "--output-format", "json"])
        .arg(example_dir()));
    assert_eq!(one, many);
}

#[test]
fn bad_files_are_reported_and_the_run_goes_on() {
    let big = vec![b'#'; 3000];
    let dir = project(&[
        ("ssot.toml", b"max-file-size = 2000\n"),
        ("pkg/__init__.py", b"from pkg.core import Manager\n"),
        ("pkg/core.py", b"class Manager:\n    pass\n"),
        ("pkg/compat.py", b"from pkg import Manager\n"),
        (
            "use.py",
            b"from pkg.compat import Manager\nfrom pkg.core import Manager as M\n",
        ),
        ("py2.py", b"from pkg.core import Manager\nprint 'hello'\n"),
        ("bad_utf8.py", b"from pkg.core import Manager\nx = '\xff'\n"),
        (
            "latin.py",
            b"# -*- coding: latin-1 -*-\nfrom pkg.compat import Manager\nx = '\xe9'\n",
        ),
        ("secret.py", b"from pkg.core import Manager\n"),
        ("huge.py", &big),
        ("empty.py", b""),
        ("pkg/deep.py", b"from ... import beyond\n"),
        (
            "unterminated.py",
            b"from pkg.core import Manager\nx = '''never closed\n",
        ),
    ]);
    std::fs::create_dir_all(dir.path().join("weird.py")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("missing-target.py", dir.path().join("dangling_link.py"))
            .unwrap();
        std::fs::create_dir_all(dir.path().join("loop")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("loop/back")).unwrap();
    }
    let (code, stdout, stderr) = run(ssot()
        .env("SSOT_FAULT_UNREADABLE", "secret.py")
        .args(["scan", "--output-format", "json"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    let scan: Value = serde_json::from_str(&stdout).unwrap();
    let problems: Vec<String> = scan["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {} {}",
                p["path"].as_str().unwrap(),
                p["code"].as_str().unwrap(),
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    let joined = problems.join("\n");
    assert!(
        joined.contains("bad_utf8.py SSOT002 invalid UTF-8 at byte 34 (line 2)"),
        "{joined}"
    );
    assert!(
        joined.contains("secret.py SSOT002 cannot read file: permission denied"),
        "{joined}"
    );
    assert!(
        joined.contains("huge.py SSOT002 file too large: 2.9 KiB (the limit is 2.0 KiB"),
        "{joined}"
    );
    assert!(
        joined.contains("weird.py SSOT002 a directory with a Python file name"),
        "{joined}"
    );
    #[cfg(unix)]
    {
        assert!(
            joined.contains("dangling_link.py SSOT002 broken symbolic link"),
            "{joined}"
        );
        assert!(
            joined.contains("loop/back SSOT002 symbolic link loop"),
            "{joined}"
        );
    }
    let parse_errors: Vec<&str> = scan["parse_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(parse_errors, vec!["py2.py", "unterminated.py"]);
    // The Python 2 file and the latin-1 file still count their imports.
    let manager = &scan["symbols"][0];
    assert_eq!(manager["origin"], "pkg.core:Manager");
    let counts = path_counts(manager);
    assert!(
        counts.contains(&("pkg.compat:Manager".to_string(), 2, 0, 2)),
        "{counts:?}"
    );
    // `pkg/__init__.py`'s own `from pkg.core import Manager` is the package's re-export.
    assert!(
        counts.contains(&("pkg.core:Manager".to_string(), 3, 0, 3)),
        "{counts:?}"
    );
    let dangling = &scan["dangling"][0];
    assert_eq!(dangling["path"], "...:beyond");
    assert_eq!(dangling["reason"], "beyond-top-level");
}

#[test]
fn unknown_config_key_is_a_usage_error_naming_the_line() {
    let dir = project(&[
        (
            "pyproject.toml",
            b"[project]\nname = 'x'\n\n[tool.ssot]\nsrcs = ['.']\n",
        ),
        ("a.py", b"import b\n"),
    ]);
    let (code, _, stderr) = run(ssot().arg("scan").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(stderr.contains("pyproject.toml"), "{stderr}");
    assert!(stderr.contains("line 5"), "{stderr}");
    assert!(stderr.contains("srcs"), "{stderr}");
}

#[test]
fn missing_path_is_a_usage_error() {
    let (code, _, stderr) = run(ssot().args(["scan", "/definitely/not/here"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no such file or directory"), "{stderr}");
}

#[test]
fn unknown_option_is_a_usage_error() {
    let (code, _, _) = run(ssot().args(["scan", "--no-such-flag"]));
    assert_eq!(code, 2);
}

#[test]
fn src_layout_is_detected_and_gitignored_files_are_skipped() {
    let dir = project(&[
        (".gitignore", b"generated/\n"),
        ("src/lib/__init__.py", b"from lib.core import Thing\n"),
        ("src/lib/core.py", b"class Thing: ...\n"),
        (
            "tests/test_lib.py",
            b"from lib import Thing\nfrom lib.core import Thing as T\n",
        ),
        ("generated/copy.py", b"from lib.gone import Thing\n"),
        (".venv/lib/site.py", b"from lib.gone import Thing\n"),
    ]);
    let (_, scan, _) = scan_json(dir.path());
    assert_eq!(scan["summary"]["files"], 3);
    assert_eq!(scan["dangling"].as_array().unwrap().len(), 0);
    assert_eq!(scan["symbols"][0]["origin"], "lib.core:Thing");
    assert_eq!(scan["symbols"][0]["paths"][0]["test_files"], 1);
}

#[test]
fn explicit_src_roots_and_excludes_from_config() {
    let dir = project(&[
        (
            "ssot.toml",
            b"src = ['backend']\nextend-exclude = ['backups/**']\ntest-paths = ['checks/**']\n",
        ),
        ("backend/app/__init__.py", b""),
        ("backend/app/core.py", b"class Thing: ...\n"),
        ("backend/app/compat.py", b"from app.core import Thing\n"),
        ("checks/check_app.py", b"from app.compat import Thing\n"),
        ("backups/old.py", b"from app.old import Thing\n"),
    ]);
    let (_, scan, _) = scan_json(dir.path());
    assert_eq!(scan["dangling"].as_array().unwrap().len(), 0);
    let counts = path_counts(&scan["symbols"][0]);
    assert_eq!(
        counts,
        vec![
            ("app.compat:Thing".to_string(), 1, 1, 1),
            ("app.core:Thing".to_string(), 1, 0, 1),
        ]
    );
}

#[test]
fn example_check_matches_the_hand_count() {
    let dir = common::example_with_concept();
    let (code, stdout, stderr) = run(ssot()
        .args(["check", "--output-format", "json"])
        .arg(dir.path()));
    assert_eq!(code, 1, "{stderr}");
    let check: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(check["schema"], "ssot.check/1");
    // EXPECTED.md (e): canonical-path references 11 of 29 (9/19 production, 2/10 tests).
    let concept = &check["concepts"][0];
    assert_eq!(concept["name"], "websocket-manager");
    assert_eq!(concept["references"], 29);
    assert_eq!(concept["canonical_references"], 11);
    assert_eq!(concept["production"]["references"], 19);
    assert_eq!(concept["production"]["canonical_references"], 9);
    assert_eq!(concept["tests"]["references"], 10);
    assert_eq!(concept["tests"]["canonical_references"], 2);
    let per_code = count_per_code(&check);
    assert_eq!(per_code, example_findings_per_code());
}

#[test]
fn check_with_a_canonical_that_does_not_exist_is_a_configuration_error() {
    let dir = project(&[
        (
            "ssot.toml",
            b"[concepts.m]\ncanonical = 'pkg.core:Managr'\n",
        ),
        ("pkg/__init__.py", b""),
        ("pkg/core.py", b"class Manager: ...\n"),
    ]);
    let (code, _, stderr) = run(ssot().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`pkg.core:Managr` does not exist: `pkg.core` does not bind `Managr`"),
        "{stderr}"
    );
}

#[test]
fn explain_prints_rule_documentation() {
    let (code, stdout, _) = run(ssot().args(["explain", "SSOT101"]));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("# non-canonical-import (SSOT101)"),
        "{stdout}"
    );
    let (code, _, stderr) = run(ssot().args(["explain", "SSOT999"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown rule `SSOT999`"), "{stderr}");
}

/// Compliance equals what CPython itself says: `tests/oracle/compliance.py` imports the
/// project and compares the identity of every imported name with the concept's objects.
#[test]
fn example_compliance_agrees_with_a_cpython_oracle() {
    let dir = common::example_with_concept();
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/compliance.py");
    let output = Command::new("python3")
        .arg("-B")
        .arg(oracle)
        .arg(dir.path())
        .args([
            "app.websocket_core.unified_manager:UnifiedWebSocketManager",
            "app.websocket_core.simple:SimpleWebSocketManager",
            "--tests",
            "tests/*",
            "*/test_*.py",
            "test_*.py",
            "conftest.py",
            "*/conftest.py",
        ])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let oracle: Value = serde_json::from_slice(&output.stdout).unwrap();
    let (_, stdout, _) = run(ssot()
        .args(["check", "--output-format", "json"])
        .arg(dir.path()));
    let check: Value = serde_json::from_str(&stdout).unwrap();
    let concept = &check["concepts"][0];
    for part in ["production", "tests"] {
        for count in ["references", "canonical_references"] {
            assert_eq!(concept[part][count], oracle[part][count], "{part} {count}");
        }
    }
}

/// The whole project is resolved whatever paths are given; only the paths given are reported.
#[test]
fn check_on_a_subdirectory_resolves_the_whole_project() {
    let dir = common::example_with_concept();
    let (code, stdout, stderr) = run(ssot().current_dir(dir.path()).args([
        "check",
        "--output-format",
        "json",
        "app/routes",
    ]));
    assert_eq!(code, 1, "{stderr}");
    let check: Value = serde_json::from_str(&stdout).unwrap();
    let paths: std::collections::BTreeSet<&str> = check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        vec!["app/routes/admin.py", "app/routes/chat.py"]
    );
    // app/routes: chat.py's `as WSM` import is canonical; admin.py has two non-canonical
    // paths and SimpleWebSocketManager, chat.py one non-canonical path (EXPECTED.md (a), (e)).
    assert_eq!(check["concepts"][0]["references"], 5);
    assert_eq!(check["concepts"][0]["canonical_references"], 1);
    let (code, stdout, _) =
        run(ssot()
            .current_dir(dir.path())
            .args(["scan", "--output-format", "json", "app/routes"]));
    assert_eq!(code, 0);
    let scan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(scan["dangling"].as_array().unwrap().len(), 1);
}

/// A git-ignored generated module (`_version.py` from setuptools-scm) exists at run time: its
/// imports are open, not dangling.
#[test]
fn git_ignored_module_in_a_package_is_not_dangling() {
    let dir = project(&[
        (".gitignore", b"pkg/_version.py\n"),
        ("pkg/__init__.py", b"from pkg._version import version\n"),
        ("pkg/_version.py", b"version = '1.0'\n"),
        ("pkg/gone.py", b"from pkg._missing import version\n"),
    ]);
    let (_, scan, _) = scan_json(dir.path());
    assert_eq!(scan["summary"]["files"], 2);
    let dangling: Vec<&str> = scan["dangling"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(dangling, vec!["pkg._missing:version"]);
}
