//! The kill test: `ssot fix` is killed (SIGKILL) at random points of its write phase on a
//! generated 2,000-file project, 20 times. After each kill every file holds wholly its old
//! or wholly its new bytes; the next run removes what the killed one left (temporary files,
//! the lock), finishes the job, and a run after that has nothing left to do.
//!
//! The project lives on a RAM disk (`/dev/shm`) when there is one: the test is about what a
//! kill leaves, not about the disk, and `fsync` of 2,000 files on a slow disk would make it
//! take minutes. The random points come from a fixed seed, so a failure can be replayed.
#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::ssot;

const FILES: usize = 2_000;
const KILLS: usize = 20;
const OLD: &str = "from pkg.legacy import Manager\n";
const NEW: &str = "from pkg.core import Manager\n";

fn user_files(root: &Path) -> Vec<PathBuf> {
    (0..FILES)
        .map(|i| root.join(format!("users/d{}/m{}.py", i / 100, i % 100)))
        .collect()
}

/// The project, every user file importing through the legacy path.
fn generate(root: &Path) {
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(
        root.join("pyproject.toml"),
        "[tool.ssot]\n\n[tool.ssot.concepts.manager]\ncanonical = \"pkg.core:Manager\"\n",
    )
    .unwrap();
    std::fs::write(root.join("pkg/__init__.py"), "").unwrap();
    std::fs::write(root.join("pkg/core.py"), "class Manager:\n    pass\n").unwrap();
    std::fs::write(root.join("pkg/legacy.py"), "from pkg.core import Manager\n").unwrap();
    std::fs::create_dir_all(root.join("users")).unwrap();
    std::fs::write(root.join("users/__init__.py"), "").unwrap();
    for d in 0..FILES / 100 {
        let dir = root.join(format!("users/d{d}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("__init__.py"), "").unwrap();
    }
    reset(root);
}

/// Puts the old bytes back in every user file.
fn reset(root: &Path) {
    for path in user_files(root) {
        std::fs::write(path, OLD).unwrap();
    }
}

/// Files below `dir` whose name says they are ssot's temporary files or lock.
fn litter(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            found.extend(litter(&entry.path()));
        } else if name.contains(".ssot-") || name == ".ssot.lock" {
            found.push(entry.path());
        }
    }
    found
}

/// A small fixed-seed generator (xorshift): the kill points are the same on every run.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

/// Runs `fix`, killing it `kill_after` into its write phase (`None`: lets it finish).
/// Returns how long the write phase lasted (until exit or kill).
fn fix(root: &Path, kill_after: Option<Duration>) -> Duration {
    let mut child = ssot()
        .arg("fix")
        .arg(root)
        .env("SSOT_TIMINGS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The session's timing line is printed just before the first file is written.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if line.starts_with("timing fix: session") {
            break;
        }
    }
    let started = Instant::now();
    let drain = std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    if let Some(delay) = kill_after {
        std::thread::sleep(delay);
        let _ = child.kill();
    }
    let status = child.wait().unwrap();
    let _ = drain.join();
    if kill_after.is_none() {
        assert_eq!(status.code(), Some(0), "a full run succeeds");
    }
    started.elapsed()
}

#[test]
fn a_fix_killed_anywhere_in_its_write_phase_loses_nothing_and_converges() {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let root = dir.path();
    generate(root);
    let write_phase = fix(root, None);
    let mut random = Random(0x5eed_1600_0000_0001);
    // Kills that stopped the run before it was done, and those that left some files new and
    // some old.
    let (mut interrupted, mut partial) = (0, 0);
    for kill in 0..KILLS {
        reset(root);
        let delay = Duration::from_micros(random.below(write_phase.as_micros() as u64));
        fix(root, Some(delay));
        let mut new = 0;
        for path in user_files(root) {
            let bytes = std::fs::read_to_string(&path).unwrap();
            assert!(
                bytes == OLD || bytes == NEW,
                "kill {kill} after {delay:?}: {} holds {bytes:?}",
                path.display()
            );
            new += usize::from(bytes == NEW);
        }
        interrupted += usize::from(new < FILES);
        partial += usize::from(0 < new && new < FILES);
        fix(root, None);
        let left = litter(root);
        assert!(left.is_empty(), "kill {kill}: left behind {left:?}");
        for path in user_files(root) {
            assert_eq!(std::fs::read_to_string(&path).unwrap(), NEW);
        }
    }
    // A run after all that has nothing to do.
    let output = ssot().arg("fix").arg(root).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("No fixes applied."), "{stdout}");
    eprintln!(
        "write phase {write_phase:?}; of {KILLS} kills, {interrupted} stopped the writes, \
         {partial} with some files written"
    );
    // Most kills must land inside the write phase, or the test tests nothing.
    assert!(
        interrupted >= KILLS / 2 && partial > 0,
        "only {interrupted} of {KILLS} kills interrupted the writes ({partial} part-way)"
    );
}
