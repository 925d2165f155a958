//! The configuration and packaging metadata that resolution reads: `target-version` (or
//! `requires-python`), declared dependencies and `known-third-party`, `external-modules`.

mod common;

use common::{run, ssot, text_project};

/// `ssot check --output-format concise` lines, without the summary.
fn concise(dir: &std::path::Path) -> Vec<String> {
    let (_, stdout, stderr) = run(ssot()
        .args(["check", "--exit-zero", "--output-format", "concise"])
        .arg(dir));
    assert!(!stderr.contains("error"), "{stderr}");
    stdout
        .lines()
        .filter(|line| line.contains(": SSOT"))
        .map(str::to_string)
        .collect()
}

const NEW_SYNTAX: &str =
    "x = 1\nname = f\"{x!r:{'a'}} {\"nested\"}\"\nmatch x:\n    case 1:\n        pass\n";

#[test]
fn syntax_newer_than_requires_python_is_invalid_syntax() {
    let dir = text_project(&[
        (
            "pyproject.toml",
            "[project]\nname = 'x'\nrequires-python = '>=3.9'\n",
        ),
        ("app/__init__.py", ""),
        ("app/new.py", NEW_SYNTAX),
        // Stubs are read by type checkers, not run: not held to the target.
        ("app/typed.pyi", "type Alias = int\n"),
    ]);
    let lines = concise(dir.path());
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].starts_with("app/new.py:2:") && lines[0].contains("Python 3.12"));
    assert!(lines[1].starts_with("app/new.py:3:1: SSOT001") && lines[1].contains("`match`"));
}

#[test]
fn target_version_overrides_requires_python_and_defaults_to_the_newest() {
    let dir = text_project(&[
        (
            "pyproject.toml",
            "[project]\nname = 'x'\nrequires-python = '>=3.9'\n\n[tool.ssot]\ntarget-version = 'py311'\n",
        ),
        ("app/new.py", NEW_SYNTAX),
    ]);
    let lines = concise(dir.path());
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("on Python 3.11 (syntax was added in Python 3.12)"));

    let newest = text_project(&[("app/new.py", NEW_SYNTAX)]);
    assert_eq!(concise(newest.path()), Vec::<String>::new());
}

#[test]
fn bad_target_version_is_a_usage_error() {
    let dir = text_project(&[("ssot.toml", "target-version = 'python3.11'\n")]);
    let (code, _, stderr) = run(ssot().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(stderr.contains("target-version"), "{stderr}");
}

#[test]
fn namespace_folder_named_like_a_dependency_is_third_party() {
    let migration =
        "from alembic import op\nfrom app.models import Base\nfrom app.models import Gone\n";
    let files = |manifest: (&'static str, &'static str)| {
        text_project(&[
            manifest,
            ("app/__init__.py", ""),
            ("app/models.py", "class Base: pass\n"),
            ("alembic/env.py", "from alembic import context\n"),
            ("alembic/versions/0001_init.py", migration),
        ])
    };
    for manifest in [
        ("requirements.txt", "Alembic>=1.13  # migrations\n"),
        ("requirements-prod.txt", "alembic\n"),
        (
            "pyproject.toml",
            "[project]\nname = 'x'\ndependencies = ['alembic']\n",
        ),
        (
            "pyproject.toml",
            "[tool.poetry.dependencies]\npython = '^3.11'\nalembic = '*'\n",
        ),
        (
            "setup.cfg",
            "[options]\ninstall_requires =\n    alembic>=1\n",
        ),
        ("ssot.toml", "known-third-party = ['alembic']\n"),
    ] {
        let dir = files(manifest);
        let lines = concise(dir.path());
        // Only the first-party import that really dangles is left.
        assert_eq!(lines.len(), 1, "{manifest:?}: {lines:#?}");
        assert!(lines[0].contains("`app.models:Gone`"), "{lines:#?}");
    }
    let undeclared = files(("README.md", ""));
    assert_eq!(concise(undeclared.path()).len(), 3);
}

#[test]
fn external_modules_are_open_and_scan_names_the_broken_link() {
    let dir = text_project(&[
        (
            "ssot.toml",
            "external-modules = ['pkg._vendored', 'pkg.gen.*']\n",
        ),
        (
            "pkg/__init__.py",
            "from pkg._vendored.six import moves\nfrom pkg.gen.schema import Schema\nfrom pkg._external.x import Thing\n",
        ),
        ("pkg/gen/__init__.py", ""),
        ("pkg/_speedups.pyx", "def fast_sum(v):\n    return sum(v)\n"),
        (
            "app.py",
            "from pkg import moves, Schema, Thing\nfrom pkg._speedups import fast_sum\nimport pkg._vendored.six\n",
        ),
    ]);
    let lines = concise(dir.path());
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines.iter().all(|line| line.contains("Thing")),
        "{lines:#?}"
    );

    let (_, stdout, _) = run(ssot()
        .args(["scan", "--output-format", "json"])
        .arg(dir.path()));
    let scan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let dangling = scan["dangling"].as_array().unwrap();
    let through_package = dangling
        .iter()
        .find(|entry| entry["path"] == "pkg:Thing")
        .unwrap();
    assert_eq!(through_package["reason"], "missing-module");
    assert_eq!(through_package["broken_at"], "pkg._external.x");
    let (_, text, _) = run(ssot().arg("scan").arg(dir.path()));
    assert!(
        text.contains("via pkg._external.x: missing module"),
        "{text}"
    );
}

/// setuptools vendors part of the `jaraco` namespace (`_vendor/jaraco/text`, no
/// `__init__.py` in `jaraco/`) and its tests import `jaraco.path` from the installed test
/// extra: a declared dependency's portion of a namespace package is third-party, while a
/// portion nobody declares still dangles.
#[test]
fn declared_portion_of_a_namespace_package_is_third_party() {
    let dir = text_project(&[
        (
            "pyproject.toml",
            "[project]\nname = 'x'\ndependencies = ['jaraco.text']\n\
             [project.optional-dependencies]\ntest = ['jaraco.path>=3.2', 'jaraco.envs']\n",
        ),
        ("ssot.toml", "src = ['.', '_vendor']\n"),
        (
            "_vendor/jaraco/text/__init__.py",
            "def wrap(s):\n    return s\n",
        ),
        (
            "tests/test_a.py",
            "import jaraco.path\nfrom jaraco import path, envs\nfrom jaraco.envs import VEnv\n\
             from jaraco.text import wrap\nfrom jaraco.text import unwrap\nimport jaraco.gone\n",
        ),
    ]);
    let lines = concise(dir.path());
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].contains("`jaraco.text:unwrap`"), "{lines:#?}");
    assert!(lines[1].contains("`jaraco.gone`"), "{lines:#?}");
}
