//! Helpers shared by the CLI test binaries: running the real `ssot` binary and copying the
//! bundled example.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real binary, without test hooks from the environment and without colour.
pub fn ssot() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ssot"));
    command
        .env_remove("SSOT_FAULT_UNREADABLE")
        .env_remove("SSOT_FAULT_CHANGE_BEFORE_WRITE")
        .env_remove("SSOT_FAULT_CHANGE_BEFORE_EXCHANGE")
        .env_remove("SSOT_FAULT_RENAME_BEFORE_EXCHANGE")
        .env_remove("SSOT_FAULT_FULL_DISK")
        .env_remove("SSOT_CACHE_DIR")
        .env("NO_COLOR", "1");
    command
}

/// Runs a command: (exit code, stdout, stderr). Whatever the test, ssot must never panic.
pub fn run(command: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("ssot runs");
    let stderr = String::from_utf8(stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).unwrap(),
        stderr,
    )
}

/// `examples/chat_backend`.
pub fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/chat_backend")
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A temporary project from `(path, bytes)` pairs.
pub fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

/// A temporary project from `(path, text)` pairs.
pub fn text_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    project(&files)
}

/// Diagnostics per rule code in `ssot.check/1` JSON.
pub fn count_per_code(check: &serde_json::Value) -> std::collections::BTreeMap<String, i32> {
    let mut per_code = std::collections::BTreeMap::new();
    for diagnostic in check["diagnostics"].as_array().unwrap() {
        *per_code
            .entry(diagnostic["code"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    per_code
}

/// What `check` reports on the bundled example with the concept of DESIGN.md §3 declared:
/// 16 non-canonical bindings, 2 competing-member imports, 7 dangling paths, the broken script
/// and the competing class itself (EXPECTED.md (a), (b), (e)), and the isolation findings of
/// EXPECTED.md (f): one delegating wrapper, two drifting classes, two accessor calls, two
/// shared instances, five test-double bypasses.
pub fn example_findings_per_code() -> std::collections::BTreeMap<String, i32> {
    [
        ("SSOT001", 1),
        ("SSOT101", 16),
        ("SSOT102", 2),
        ("SSOT103", 7),
        ("SSOT201", 1),
        ("SSOT202", 1),
        ("SSOT203", 2),
        ("SSOT301", 2),
        ("SSOT302", 2),
        ("SSOT401", 5),
    ]
    .into_iter()
    .map(|(code, count)| (code.to_string(), count))
    .collect()
}

/// Copies the bundled example into a temporary directory and declares the concept of
/// DESIGN.md §3 (canonical and one competing member) in its pyproject.toml.
pub fn example_with_concept() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&example_dir(), dir.path());
    let pyproject = dir.path().join("pyproject.toml");
    let mut text = std::fs::read_to_string(&pyproject).unwrap();
    text.push_str(
        "\n[tool.ssot]\n\n[tool.ssot.concepts.websocket-manager]\n\
         canonical = \"app.websocket_core.unified_manager:UnifiedWebSocketManager\"\n\
         members = [\"app.websocket_core.simple:SimpleWebSocketManager\"]\n",
    );
    std::fs::write(pyproject, text).unwrap();
    dir
}

/// The text of `path` below `dir`.
pub fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap()
}

/// Files whose name marks them as ssot's temporary files, anywhere below `dir`.
pub fn temporary_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            found.extend(temporary_files(&entry.path()));
        } else if name.contains(".ssot-") && name.ends_with(".tmp") {
            found.push(name);
        }
    }
    found
}
