//! `ssot server` driven by an LSP client written independently of it: the Python tests in
//! `tests/lsp` use pygls's client through pytest-lsp, which also checks every message the
//! server sends against the protocol and the capabilities the client declared.
//!
//! They need a Python environment with `tests/lsp/requirements.txt` installed:
//! `$SSOT_TEST_LSP_PYTHON`, else `target/lsp-venv/bin/python` (what `.ci/run` creates).
//! Without one the test says it skipped; with `SSOT_TEST_LSP_PYTHON` set, a missing
//! client is a failure, so CI cannot skip it unnoticed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The Python with pytest-lsp installed, or why there is none.
fn client_python() -> Result<PathBuf, String> {
    let (python, explicit) = match std::env::var_os("SSOT_TEST_LSP_PYTHON") {
        Some(python) => (PathBuf::from(python), true),
        None => (repository().join("target/lsp-venv/bin/python"), false),
    };
    let importable = Command::new(&python)
        .args(["-c", "import pytest_lsp"])
        .output()
        .is_ok_and(|output| output.status.success());
    match (importable, explicit) {
        (true, _) => Ok(python),
        (false, true) => panic!(
            "SSOT_TEST_LSP_PYTHON={} cannot import pytest_lsp",
            python.display()
        ),
        (false, false) => Err(format!(
            "{} with pytest-lsp was not found (python3 -m venv target/lsp-venv && \
             target/lsp-venv/bin/pip install -r tests/lsp/requirements.txt)",
            python.display()
        )),
    }
}

#[test]
fn an_independent_lsp_client_drives_the_server() {
    let python = match client_python() {
        Ok(python) => python,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let output = Command::new(python)
        .args(["-m", "pytest", "tests/lsp", "-q", "-p", "no:cacheprovider"])
        .current_dir(repository())
        .env("SSOT_BIN", env!("CARGO_BIN_EXE_ssot"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("SSOT_CACHE_DIR")
        .output()
        .expect("pytest runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the LSP client tests failed:\n{stdout}\n{stderr}"
    );
    // pytest ends with "N passed": every test ran, none was skipped.
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains("passed") && !summary.contains("skipped"),
        "{stdout}"
    );
}
