//! The bad-input suite, part two (part one is `cli.rs`'s
//! `bad_files_are_reported_and_the_run_goes_on`): the real binary on temporary projects with
//! a file over the default size limit, odd line endings and tabs, two files claiming one
//! module, re-export loops, relative imports above the top package, and a reader that closes
//! the pipe early. Each run reports the problem clearly, goes on with the other files, exits
//! with the right code and never panics.

mod common;

use common::{project, run, ssot};

use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::Value;

fn json_of(command: &mut Command) -> (i32, Value) {
    let (code, stdout, stderr) = run(command.args(["--output-format", "json"]));
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("invalid JSON ({err}):\n{stdout}\n{stderr}"));
    (code, value)
}

fn scan_json(dir: &tempfile::TempDir) -> (i32, Value) {
    json_of(ssot().arg("scan").arg(dir.path()))
}

fn check_json(dir: &tempfile::TempDir) -> (i32, Value) {
    json_of(ssot().arg("check").arg(dir.path()))
}

/// `check` diagnostics as `path:line:column-end_column CODE message`, in output order.
fn diagnostics(check: &Value) -> Vec<String> {
    check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}-{} {} {}",
                d["path"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["end_column"],
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Scan's dangling paths as `path reason example-path:line`.
fn dangling(scan: &Value) -> Vec<String> {
    scan["dangling"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let example = &d["examples"][0];
            format!(
                "{} {} {}:{}",
                d["path"].as_str().unwrap(),
                d["reason"].as_str().unwrap(),
                example["path"].as_str().unwrap(),
                example["line"]
            )
        })
        .collect()
}

const CORE: (&str, &[u8]) = ("pkg/core.py", b"class Manager:\n    pass\n");
const INIT: (&str, &[u8]) = ("pkg/__init__.py", b"from pkg.core import Manager\n");

#[test]
fn a_20_mb_file_is_too_large_by_default_and_the_other_files_are_analysed() {
    let line = b"# a generated file, far too long to be worth reading\n";
    let huge = line.repeat(20 * 1024 * 1024 / line.len() + 1);
    let dir = project(&[
        INIT,
        CORE,
        (
            "app.py",
            b"from pkg import Manager\nfrom pkg.core import Gone\n",
        ),
        ("huge.py", &huge),
    ]);

    let (code, scan) = scan_json(&dir);
    assert_eq!(code, 0);
    assert_eq!(
        scan["unreadable"],
        serde_json::json!([{
            "path": "huge.py",
            "code": "SSOT002",
            "message": "file too large: 20.0 MiB (the limit is 10.0 MiB; raise it with `max-file-size`)",
        }])
    );
    // `pkg/__init__.py`'s `from .core import Manager` is the package's re-export, not a second
    // path, so `Manager` is reached through one path (`pkg:Manager`) and is not in the census.
    assert_eq!(scan["symbols"], serde_json::json!([]));
    assert_eq!(dangling(&scan), vec!["pkg.core:Gone not-bound app.py:2"]);

    let (code, check) = check_json(&dir);
    assert_eq!(code, 1);
    assert_eq!(
        diagnostics(&check),
        vec![
            "app.py:2:22-26 SSOT103 `pkg.core:Gone` leads nowhere: `pkg.core` does not bind `Gone`",
            "huge.py:1:1-1 SSOT002 file too large: 20.0 MiB (the limit is 10.0 MiB; raise it with `max-file-size`)",
        ]
    );
}

#[test]
fn lone_cr_line_endings_and_tabs_give_the_right_positions() {
    let dir = project(&[
        INIT,
        CORE,
        (
            "old_mac.py",
            b"import os\r\r\"\"\"Doc\rstring.\"\"\"\rif os:\r\tfrom pkg.core import Manager, Gone\r",
        ),
        (
            "tabs.py",
            b"try:\n\tif True:\n\t\tfrom pkg.core import \tMissing\nexcept ImportError:\n\tpass\n",
        ),
    ]);
    let (code, check) = check_json(&dir);
    assert_eq!(code, 1);
    // Columns count characters: a tab is one.
    assert_eq!(
        diagnostics(&check),
        vec![
            "old_mac.py:6:32-36 SSOT103 `pkg.core:Gone` leads nowhere: `pkg.core` does not bind `Gone`",
            "tabs.py:3:25-32 SSOT103 `pkg.core:Missing` leads nowhere: `pkg.core` does not bind `Missing`; the surrounding `except ImportError` hides it",
        ]
    );
    let (code, scan) = scan_json(&dir);
    assert_eq!(code, 0);
    assert_eq!(scan["summary"]["parse_errors"], 0);
    assert_eq!(
        dangling(&scan),
        vec![
            "pkg.core:Gone not-bound old_mac.py:6",
            "pkg.core:Missing not-bound tabs.py:3",
        ]
    );
}

#[test]
fn crlf_file_reports_its_dangling_import_at_the_right_line() {
    let dir = project(&[
        INIT,
        CORE,
        (
            "windows.py",
            b"\"\"\"A module\r\nsaved on Windows.\"\"\"\r\n\r\nfrom pkg import (\r\n    Manager,\r\n    Missing,\r\n)\r\n",
        ),
    ]);
    let (code, check) = check_json(&dir);
    assert_eq!(code, 1);
    assert_eq!(
        diagnostics(&check),
        vec![
            "windows.py:6:5-12 SSOT103 `pkg:Missing` leads nowhere: `pkg` does not bind `Missing`"
        ]
    );
    let (code, scan) = scan_json(&dir);
    assert_eq!(code, 0);
    assert_eq!(dangling(&scan), vec!["pkg:Missing not-bound windows.py:6"]);
}

#[test]
fn a_module_and_a_package_of_one_name_are_reported_and_the_package_wins() {
    let dir = project(&[
        ("a.py", b"class FromModule: ...\n"),
        ("a/__init__.py", b"class FromPackage: ...\n"),
        (
            "use.py",
            b"from a import FromPackage\nfrom a import FromModule\n",
        ),
    ]);
    let (code, scan) = scan_json(&dir);
    assert_eq!(code, 0);
    assert_eq!(
        scan["module_conflicts"],
        serde_json::json!([{"module": "a", "imported": "a/__init__.py", "shadowed": "a.py"}])
    );
    // Python imports the package; the module's names are unreachable.
    assert_eq!(dangling(&scan), vec!["a:FromModule not-bound use.py:2"]);

    let (code, text, _) = run(ssot().arg("scan").arg(dir.path()));
    assert_eq!(code, 0);
    assert!(
        text.contains(
            "Files claiming one module name\n  a: a/__init__.py is imported, a.py is shadowed\n"
        ),
        "{text}"
    );
}

#[test]
fn circular_re_exports_are_ssot104_and_the_run_goes_on() {
    let dir = project(&[
        INIT,
        CORE,
        ("pkg/a.py", b"from pkg.b import Thing\n"),
        ("pkg/b.py", b"from pkg.c import Thing\n"),
        ("pkg/c.py", b"from pkg.a import Thing\n"),
        ("self_loop.py", b"from self_loop import Itself\n"),
        (
            "use.py",
            b"from pkg.a import Thing\nfrom pkg import Manager\n",
        ),
    ]);
    let (code, check) = check_json(&dir);
    assert_eq!(code, 1);
    assert_eq!(
        diagnostics(&check),
        vec![
            "pkg/a.py:1:19-24 SSOT104 `pkg.b:Thing` is re-exported in a loop: no module on the chain defines it",
            "pkg/b.py:1:19-24 SSOT104 `pkg.c:Thing` is re-exported in a loop: no module on the chain defines it",
            "pkg/c.py:1:19-24 SSOT104 `pkg.a:Thing` is re-exported in a loop: no module on the chain defines it",
            "self_loop.py:1:23-29 SSOT104 `self_loop:Itself` is re-exported in a loop: no module on the chain defines it",
            "use.py:1:19-24 SSOT104 `pkg.a:Thing` is re-exported in a loop: no module on the chain defines it",
        ]
    );
    let (code, scan) = scan_json(&dir);
    assert_eq!(code, 0);
    // `pkg/__init__.py`'s `from .core import Manager` is the package's re-export, not a second
    // path, so `Manager` is reached through one path (`pkg:Manager`) and is not in the census.
    assert_eq!(scan["symbols"], serde_json::json!([]));
}

#[test]
fn relative_import_above_the_top_package_is_ssot103() {
    let dir = project(&[
        INIT,
        CORE,
        ("pkg/sub/__init__.py", b""),
        (
            "pkg/sub/deep.py",
            b"from .. import Manager\nfrom ... import beyond\nfrom ....far import away\n",
        ),
        ("top.py", b"from . import sibling\n"),
    ]);
    let (code, check) = check_json(&dir);
    assert_eq!(code, 1);
    assert_eq!(
        diagnostics(&check),
        vec![
            "pkg/sub/deep.py:2:17-23 SSOT103 `...:beyond`: the relative import climbs above the top-level package",
            "pkg/sub/deep.py:3:21-25 SSOT103 `....far:away`: the relative import climbs above the top-level package",
            "top.py:1:15-22 SSOT103 `.:sibling`: the relative import climbs above the top-level package",
        ]
    );
}

/// A project whose reports are far larger than a pipe's buffer, so that ssot is still
/// writing when the reader goes away.
fn project_with_long_reports() -> tempfile::TempDir {
    let names: Vec<String> = (0..4000).map(|i| format!("Missing{i}")).collect();
    let source = format!("from pkg.core import {}\n", names.join(", "));
    project(&[INIT, CORE, ("many.py", source.as_bytes())])
}

/// `ssot ... | head -c 10`: read a few bytes, close the pipe, and expect a quiet exit with the
/// exit code of a run whose reader reads everything (under `pipefail`, a CI gate must not
/// pass because the output was large).
fn run_into_a_reader_that_closes_early(args: &[&str], dir: &tempfile::TempDir) {
    let mut child = ssot()
        .args(args)
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssot runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr, "", "{args:?}");
    let read_to_the_end = ssot()
        .args(args)
        .arg(dir.path())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(output.status.code(), read_to_the_end.code(), "{args:?}");
}

#[test]
fn a_reader_that_closes_early_ends_the_run_quietly() {
    let dir = project_with_long_reports();
    run_into_a_reader_that_closes_early(&["scan"], &dir);
    run_into_a_reader_that_closes_early(&["scan", "--output-format", "json"], &dir);
    run_into_a_reader_that_closes_early(&["check"], &dir);
    run_into_a_reader_that_closes_early(&["check", "--output-format", "json"], &dir);
}
