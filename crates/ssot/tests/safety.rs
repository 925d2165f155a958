//! The safety promises of README "Safety", each held against the fault that breaks it: edits
//! made by someone else at the worst moment, a second writer, special files and symbolic
//! links that hang a naive walk, read-only, foreign-owned and hard-linked files, a closed
//! pipe, a full disk, too little memory, and file names that are not UTF-8.
#![cfg(unix)]

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{read, run, ssot, temporary_files, text_project};

const CONCEPT: &str = "[tool.ssot.concepts.manager]\ncanonical = \"pkg.core:Manager\"\n";
const LEGACY: &str = "from pkg.legacy import Manager\n";
const FIXED: &str = "from pkg.core import Manager\n";

/// A package with a canonical `pkg.core:Manager`, a legacy re-export, and `app.py` importing
/// through the legacy path.
fn legacy_project() -> tempfile::TempDir {
    text_project(&[
        ("pyproject.toml", &format!("[tool.ssot]\n\n{CONCEPT}")),
        ("pkg/__init__.py", ""),
        ("pkg/core.py", "class Manager:\n    pass\n"),
        ("pkg/legacy.py", "from pkg.core import Manager\n"),
        ("app.py", LEGACY),
    ])
}

/// Runs a command that must finish within `limit`; a hang is killed and fails the test.
fn run_bounded(command: &mut Command, limit: Duration) -> (i32, String, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ssot did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    )
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

// 1. Concurrent edits.

#[test]
fn an_edit_in_place_just_before_the_exchange_is_kept_and_reported() {
    let dir = legacy_project();
    let (code, stdout, _) = run(ssot()
        .arg("fix")
        .arg(dir.path())
        .env("SSOT_FAULT_CHANGE_BEFORE_EXCHANGE", "app.py"));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("Not written: app.py: changed while fixing, left alone"),
        "{stdout}"
    );
    assert_eq!(
        read(dir.path(), "app.py"),
        format!("{LEGACY}# edited by someone else\n")
    );
    assert!(temporary_files(dir.path()).is_empty());
}

#[test]
fn an_editor_saving_by_rename_just_before_the_exchange_wins() {
    let dir = legacy_project();
    let (code, stdout, _) = run(ssot()
        .arg("fix")
        .arg(dir.path())
        .env("SSOT_FAULT_RENAME_BEFORE_EXCHANGE", "app.py"));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("changed while fixing, left alone"),
        "{stdout}"
    );
    assert_eq!(
        read(dir.path(), "app.py"),
        format!("{LEGACY}# saved by an editor\n")
    );
    assert!(temporary_files(dir.path()).is_empty());
}

/// Holds `.ssot.lock` the way a running ssot does.
fn hold_lock(root: &Path, pid_text: &str) -> std::fs::File {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    let mut file = std::fs::File::create(root.join(".ssot.lock")).unwrap();
    // SAFETY: the descriptor is open.
    assert_eq!(
        unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    writeln!(file, "{pid_text}").unwrap();
    file
}

#[test]
fn a_second_writer_waits_then_stops_without_writing() {
    let dir = legacy_project();
    let lock = hold_lock(dir.path(), "4242 ssot fix");
    let started = Instant::now();
    let (code, _, stderr) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("another ssot command is writing this project (process 4242 ssot fix"),
        "{stderr}"
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(read(dir.path(), "app.py"), LEGACY);
    let (code, _, stderr) = run(ssot().arg("baseline").arg(dir.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(!dir.path().join(".ssot-baseline.json").exists());
    drop(lock);
    // The holder is gone; its lock file is left, as after a kill: stale, taken, removed.
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(read(dir.path(), "app.py"), FIXED);
    assert!(!dir.path().join(".ssot.lock").exists());
}

#[test]
fn two_fix_runs_at_once_never_both_write_a_file() {
    let dir = legacy_project();
    // Enough files for the two write phases to overlap (without the lock, 300 files on a disk
    // had 9 written by both runs).
    for i in 0..299 {
        std::fs::write(dir.path().join(format!("user_{i}.py")), LEGACY).unwrap();
    }
    let spawn = || {
        ssot()
            .args(["fix", "--output-format", "json"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let mut written = 0;
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        if let Ok(report) = serde_json::from_slice::<serde_json::Value>(&output.stdout) {
            written += report["files"].as_array().unwrap().len();
        }
    }
    assert_eq!(written, 300, "each file is written by exactly one run");
    assert!(temporary_files(dir.path()).is_empty());
}

// 2. Hangs.

#[test]
fn a_named_pipe_is_reported_never_read() {
    let dir = legacy_project();
    let fifo = dir.path().join("pipe.py");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    std::os::unix::fs::symlink(&fifo, dir.path().join("link_to_pipe.py")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let outside_fifo = elsewhere.path().join("outside.py");
    let c_outside = std::ffi::CString::new(outside_fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid path.
    assert_eq!(unsafe { libc::mkfifo(c_outside.as_ptr(), 0o644) }, 0);
    // Found by the walk (itself and through a link), and named on the command line.
    let (code, stdout, _) = run_bounded(
        ssot()
            .args(["check", "--output-format", "concise"])
            .arg(dir.path())
            .arg(&fifo)
            .arg(&outside_fifo),
        Duration::from_secs(60),
    );
    assert!(
        stdout.contains("outside.py:1:1: SSOT002 not a regular file (a named pipe); not read"),
        "{stdout}"
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("pipe.py:1:1: SSOT002 not a regular file"),
        "{stdout}"
    );
    assert!(stdout.contains("link_to_pipe.py"), "{stdout}");
}

#[test]
fn a_link_to_the_file_system_root_is_not_walked() {
    let dir = legacy_project();
    std::os::unix::fs::symlink("/", dir.path().join("everything")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.py")).unwrap();
    std::fs::create_dir(dir.path().join("inside")).unwrap();
    std::fs::write(dir.path().join("inside/real.py"), LEGACY).unwrap();
    std::os::unix::fs::symlink("inside", dir.path().join("alias")).unwrap();
    let (code, stdout, _) = run_bounded(
        ssot()
            .args(["scan", "--output-format", "json"])
            .arg(dir.path()),
        Duration::from_secs(60),
    );
    assert_eq!(code, 0, "{stdout}");
    let scan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // app.py, three pkg files, and inside/real.py twice (a link inside the root is followed);
    // nothing through `everything`, and not zero.py.
    assert_eq!(scan["summary"]["files"], 6, "{stdout}");
    assert!(!stdout.contains("zero.py"), "{stdout}");
}

#[test]
fn follow_links_follows_out_of_the_root_and_still_never_hangs() {
    let dir = legacy_project();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("shared.py"), "X = 1\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("vendor")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("pkg/again")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.py")).unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("[tool.ssot]\nfollow-links = true\n\n{CONCEPT}"),
    )
    .unwrap();
    let (_, stdout, _) = run_bounded(
        ssot()
            .args(["scan", "--output-format", "json"])
            .arg(dir.path()),
        Duration::from_secs(60),
    );
    let scan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // vendor/shared.py, app.py and three pkg files.
    assert_eq!(scan["summary"]["files"], 5, "{stdout}");
    let (_, problems, _) = run_bounded(
        ssot()
            .args(["check", "--output-format", "concise"])
            .arg(dir.path()),
        Duration::from_secs(60),
    );
    assert!(
        problems.contains("pkg/again:1:1: SSOT002 symbolic link loop"),
        "{problems}"
    );
    assert!(
        problems.contains("zero.py:1:1: SSOT002 not a regular file"),
        "{problems}"
    );
}

// 3. Metadata.

#[test]
fn owner_group_and_extended_attributes_are_kept() {
    let dir = legacy_project();
    let app = dir.path().join("app.py");
    let c_path = std::ffi::CString::new(app.to_str().unwrap()).unwrap();
    let name = c"user.ssot-test";
    // SAFETY: valid strings and buffer.
    let xattrs = unsafe {
        libc::setxattr(
            c_path.as_ptr(),
            name.as_ptr(),
            b"kept".as_ptr().cast(),
            4,
            0,
        )
    } == 0;
    if is_root() {
        std::os::unix::fs::chown(&app, Some(1234), Some(2345)).unwrap();
    }
    std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(read(dir.path(), "app.py"), FIXED);
    let metadata = std::fs::metadata(&app).unwrap();
    assert_eq!(metadata.mode() & 0o7777, 0o640);
    if is_root() {
        assert_eq!((metadata.uid(), metadata.gid()), (1234, 2345));
    }
    if xattrs {
        let mut value = [0u8; 16];
        // SAFETY: valid strings and buffer.
        let size = unsafe {
            libc::getxattr(
                c_path.as_ptr(),
                name.as_ptr(),
                value.as_mut_ptr().cast(),
                value.len(),
            )
        };
        assert_eq!(size, 4);
        assert_eq!(&value[..4], b"kept");
    }
}

#[test]
fn a_hard_linked_file_is_left_alone_and_reported() {
    let dir = legacy_project();
    std::fs::hard_link(dir.path().join("app.py"), dir.path().join("app_copy.txt")).unwrap();
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("Not written: app.py: hard-linked (2 names): not rewritten"),
        "{stdout}"
    );
    assert_eq!(read(dir.path(), "app.py"), LEGACY);
    assert_eq!(
        std::fs::metadata(dir.path().join("app.py"))
            .unwrap()
            .nlink(),
        2
    );
}

// 4. Symbolic links to configuration and baseline are written through.

#[test]
fn a_symlinked_baseline_is_written_through_keeping_its_mode() {
    let dir = legacy_project();
    let (code, _, stderr) = run(ssot().arg("baseline").arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    std::fs::create_dir(dir.path().join("shared")).unwrap();
    let shared = dir.path().join("shared/baseline.json");
    std::fs::rename(dir.path().join(".ssot-baseline.json"), &shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(
        "shared/baseline.json",
        dir.path().join(".ssot-baseline.json"),
    )
    .unwrap();
    std::fs::write(dir.path().join("app.py"), FIXED).unwrap();
    let (code, stdout, stderr) = run(ssot().arg("baseline").arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Removed 1 entry"), "{stdout}");
    let link = std::fs::symlink_metadata(dir.path().join(".ssot-baseline.json")).unwrap();
    assert!(link.file_type().is_symlink());
    assert_eq!(std::fs::metadata(&shared).unwrap().mode() & 0o777, 0o600);
    assert!(!read(dir.path(), "shared/baseline.json").contains("SSOT101"));
}

// 5. Read-only files.

#[test]
fn a_read_only_source_is_not_rewritten() {
    let dir = legacy_project();
    let app = dir.path().join("app.py");
    std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o444)).unwrap();
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("Not written: app.py: read-only: not rewritten"),
        "{stdout}"
    );
    assert_eq!(read(dir.path(), "app.py"), LEGACY);
    assert_eq!(std::fs::metadata(&app).unwrap().mode() & 0o777, 0o444);
}

#[test]
fn a_read_only_baseline_is_not_rewritten() {
    let dir = legacy_project();
    run(ssot().arg("baseline").arg(dir.path()));
    let baseline = dir.path().join(".ssot-baseline.json");
    let before = std::fs::read(&baseline).unwrap();
    std::fs::set_permissions(&baseline, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::write(dir.path().join("app.py"), FIXED).unwrap();
    let (code, _, stderr) = run(ssot().arg("baseline").arg(dir.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("read-only: not rewritten"), "{stderr}");
    assert_eq!(std::fs::read(&baseline).unwrap(), before);
}

// 6. Exit codes do not depend on the pipe.

#[test]
fn a_closed_pipe_keeps_the_exit_code_of_the_violations() {
    let dir = legacy_project();
    for i in 0..200 {
        std::fs::write(dir.path().join(format!("user_{i}.py")), LEGACY).unwrap();
    }
    let mut child = ssot()
        .args(["check", "--output-format", "sarif"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_failed_write_to_standard_output_says_so() {
    let dir = legacy_project();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let Ok(full) = full else { return };
    let output = ssot()
        .arg("check")
        .arg(dir.path())
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
}

// 7. Reports after write failures say what is on disk.

#[test]
fn a_full_disk_is_reported_with_the_figures_on_disk() {
    let dir = legacy_project();
    std::fs::write(dir.path().join("other.py"), LEGACY).unwrap();
    let (code, stdout, _) = run(ssot()
        .args(["fix", "--output-format", "json"])
        .arg(dir.path())
        .env("SSOT_FAULT_FULL_DISK", "app.py"));
    assert_eq!(code, 1, "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["written"], true);
    assert_eq!(report["files"].as_array().unwrap().len(), 1, "{stdout}");
    assert_eq!(report["files"][0]["path"], "other.py");
    let reason = report["not_written"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("No space left on device"), "{reason}");
    assert_eq!(
        report["remaining"], 1,
        "app.py still imports the legacy path"
    );
    assert_eq!(report["concepts"][0]["after"]["canonical_references"], 2);
    assert_eq!(read(dir.path(), "app.py"), LEGACY);
    assert!(temporary_files(dir.path()).is_empty());

    // Nothing written at all: JSON says so.
    let dir = legacy_project();
    let (_, stdout, _) = run(ssot()
        .args(["fix", "--output-format", "json"])
        .arg(dir.path())
        .env("SSOT_FAULT_FULL_DISK", "app.py"));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["written"], false, "{stdout}");
    let (_, stdout, _) = run(ssot()
        .arg("fix")
        .arg(dir.path())
        .env("SSOT_FAULT_FULL_DISK", "app.py"));
    assert!(stdout.contains("1 violation remains"), "{stdout}");
    assert!(!stdout.contains("Fixed"), "{stdout}");
}

// 8. Output files.

#[test]
fn a_failed_report_write_keeps_the_previous_report() {
    let dir = legacy_project();
    let report = dir.path().join("report.sarif");
    std::fs::write(&report, "previous report\n").unwrap();
    let (code, _, stderr) = run(ssot()
        .args(["check", "--output-format", "sarif", "--output-file"])
        .arg(&report)
        .arg(dir.path())
        .env("SSOT_FAULT_FULL_DISK", "report.sarif"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(read(dir.path(), "report.sarif"), "previous report\n");
    assert!(temporary_files(dir.path()).is_empty());
}

#[test]
fn fix_writes_no_source_when_its_report_cannot_be_written() {
    let dir = legacy_project();
    let (code, _, stderr) = run(ssot()
        .args(["fix", "--output-file"])
        .arg(dir.path().join("missing/report.txt"))
        .arg(dir.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert_eq!(read(dir.path(), "app.py"), LEGACY);
}

// 9. Memory.

#[test]
fn a_file_with_too_many_tokens_is_reported_not_parsed() {
    let dir = legacy_project();
    let numbers: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
    std::fs::write(
        dir.path().join("data.py"),
        format!("x = [{}]\n", numbers.join(",")),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("[tool.ssot]\nmax-file-tokens = 10000\n\n{CONCEPT}"),
    )
    .unwrap();
    let (code, stdout, _) = run(ssot()
        .args(["check", "--output-format", "concise"])
        .arg(dir.path()));
    assert_eq!(code, 1);
    assert!(
        stdout.contains("data.py:1:1: SSOT002 too large to analyse: about 40004 tokens"),
        "{stdout}"
    );
}

#[test]
fn running_out_of_memory_exits_2_with_a_message() {
    let dir = legacy_project();
    // Far past the memory limit (a list of 2,000,000 numbers takes about 400 MB of syntax
    // tree), so the margin does not hang on the size of the binary or the allocator.
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("[tool.ssot]\nmax-file-tokens = 10000000\nmax-file-size = 100000000\n\n{CONCEPT}"),
    )
    .unwrap();
    let numbers: Vec<String> = (0..2_000_000).map(|i| i.to_string()).collect();
    std::fs::write(
        dir.path().join("data.py"),
        format!("x = [{}]\n", numbers.join(",")),
    )
    .unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 250000 && exec '{}' check --output-format concise '{}'",
            env!("CARGO_BIN_EXE_ssot"),
            dir.path().display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ssot: error: out of memory"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

// 10. Temporary files.

#[test]
fn temporary_files_of_dead_processes_are_removed() {
    let dir = legacy_project();
    // No process has this id (above the kernel's largest).
    let stale = dir.path().join("pkg/.core.py.ssot-99999999.tmp");
    std::fs::write(&stale, "half a file").unwrap();
    // This test's own process is alive: its file is not ssot's to remove.
    let alive = dir
        .path()
        .join(format!(".app.py.ssot-{}.tmp", std::process::id()));
    std::fs::write(&alive, "someone's").unwrap();
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert!(!stale.exists());
    assert!(alive.exists());
}

// 11. File names that are not UTF-8.

#[test]
fn names_that_are_not_utf8_never_collide_and_are_fixed() {
    use std::os::unix::ffi::OsStrExt;
    let dir = legacy_project();
    for name in [&b"\xff.py"[..], b"\xfe.py", "\u{fffd}.py".as_bytes()] {
        let path = dir.path().join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(path, LEGACY).unwrap();
    }
    let (_, stdout, _) = run(ssot()
        .args(["scan", "--output-format", "json"])
        .arg(dir.path()));
    let scan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(scan["summary"]["files"], 7, "{stdout}");
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("in 4 files"), "{stdout}");
    assert!(!stdout.contains("dangling symbolic link"), "{stdout}");
    let fixed = std::fs::read(dir.path().join(std::ffi::OsStr::from_bytes(b"\xff.py"))).unwrap();
    assert_eq!(fixed, FIXED.as_bytes());
}

// 12. Small items.

#[test]
fn a_bom_with_a_latin1_coding_declaration_is_not_rewritten() {
    let dir = legacy_project();
    let bytes = format!("\u{feff}# -*- coding: latin-1 -*-\n{LEGACY}");
    std::fs::write(dir.path().join("bom.py"), &bytes).unwrap();
    let (code, stdout, _) = run(ssot().arg("fix").arg(dir.path()));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("Not written: bom.py: a UTF-8 byte order mark and a `coding: latin-1`"),
        "{stdout}"
    );
    assert_eq!(read(dir.path(), "bom.py"), bytes);
    assert_eq!(read(dir.path(), "app.py"), FIXED);
}

#[test]
fn a_canonical_declared_by_two_concepts_is_a_config_error() {
    let dir = legacy_project();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("[tool.ssot]\n\n{CONCEPT}[tool.ssot.concepts.again]\ncanonical = \"pkg.core:Manager\"\n"),
    )
    .unwrap();
    let (code, _, stderr) = run(ssot().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "concepts `again` and `manager` declare the same canonical `pkg.core:Manager`"
        ),
        "{stderr}"
    );
}

#[test]
fn a_module_given_as_canonical_is_explained_in_words() {
    let dir = legacy_project();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.ssot.concepts.manager]\ncanonical = \"pkg:core\"\n",
    )
    .unwrap();
    let (code, _, stderr) = run(ssot().arg("check").arg(dir.path()));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("canonical `pkg:core` is a module, not a definition"),
        "{stderr}"
    );
    assert!(!stderr.contains("Module("), "{stderr}");
}

// 4. (continued) A symlinked configuration is written through by `init`.

#[test]
fn init_writes_through_a_symlinked_pyproject() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::example_dir(), dir.path());
    let root = dir.path();
    let _ = std::fs::remove_file(root.join("ssot.toml"));
    let _ = std::fs::remove_file(root.join("pyproject.toml"));
    std::fs::create_dir(root.join("shared")).unwrap();
    let shared = root.join("shared/pyproject.toml");
    std::fs::write(&shared, "[project]\nname = \"chat\"\n").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("shared/pyproject.toml", root.join("pyproject.toml")).unwrap();
    let (code, _, stderr) = run(ssot().arg("init").arg(root));
    assert_eq!(code, 0, "{stderr}");
    let link = std::fs::symlink_metadata(root.join("pyproject.toml")).unwrap();
    assert!(link.file_type().is_symlink());
    assert!(read(root, "shared/pyproject.toml").contains("[tool.ssot"));
    assert_eq!(std::fs::metadata(&shared).unwrap().mode() & 0o777, 0o600);
}

#[test]
fn init_leaves_a_read_only_pyproject_alone() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::example_dir(), dir.path());
    let root = dir.path();
    let _ = std::fs::remove_file(root.join("ssot.toml"));
    let pyproject = root.join("pyproject.toml");
    std::fs::write(&pyproject, "[project]\nname = \"chat\"\n").unwrap();
    std::fs::set_permissions(&pyproject, std::fs::Permissions::from_mode(0o444)).unwrap();
    let (code, _, stderr) = run(ssot().arg("init").arg(root));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("pyproject.toml: read-only: not rewritten"),
        "{stderr}"
    );
    assert_eq!(read(root, "pyproject.toml"), "[project]\nname = \"chat\"\n");
}
