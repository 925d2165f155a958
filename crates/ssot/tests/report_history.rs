//! `ssot report --history` against plain runs: each commit's figures equal those of
//! `ssot report` on a checkout of that commit, a bare clone's fixable count equals what
//! `ssot fix --diff` fixes on a checkout, and a `--since` date starts at midnight.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run, ssot};

fn git_with(dir: &Path, args: &[&str], date: Option<&str>) -> String {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    if let Some(date) = date {
        command
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date);
    }
    let output = command.output().expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn git(dir: &Path, args: &[&str]) -> String {
    git_with(dir, args, None)
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn commit(root: &Path, message: &str, date: &str) {
    git(root, &["add", "-A"]);
    git_with(root, &["commit", "-q", "-m", message], Some(date));
}

const CONFIG: &str = "[tool.ssot]\nextend-exclude = [\"pkg/generated.py\"]\n\n\
[tool.ssot.concepts.manager]\ncanonical = \"pkg.core:Manager\"\n\
members = [\"pkg.simple:SimpleManager\"]\naccessors = [\"pkg.core:get_manager\"]\n";

/// Four commits of a project whose `Manager` moves to `pkg.core`, with what a commit's tree
/// holds that a plain walk treats specially: an excluded module in a package and a Cython
/// module (both exist: importing from them never dangles), a hidden directory (not
/// analysed), a dangling import inside `try`, an accessor, a competing class, and a shim.
fn moving_manager() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("moving_manager");
    std::fs::create_dir_all(&root).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    write(&root, "pyproject.toml", CONFIG);
    write(&root, "pkg/__init__.py", "");
    write(&root, "pkg/old.py", "class Manager:\n    pass\n");
    write(&root, "pkg/a.py", "from pkg.old import Manager\n");
    commit(&root, "manager in pkg.old", "2024-01-01T12:00:00+00:00");

    write(
        &root,
        "pkg/core.py",
        "class Manager:\n    def run(self):\n        pass\n\n_shared = Manager()\n\n\
         def get_manager():\n    return _shared\n",
    );
    write(&root, "pkg/old.py", "from pkg.core import Manager\n");
    write(&root, "pkg/shim.py", "from pkg.old import Manager\n");
    write(
        &root,
        "pkg/simple.py",
        "class SimpleManager:\n    def run(self):\n        pass\n    def extra(self):\n        pass\n",
    );
    write(
        &root,
        "pkg/b.py",
        "from pkg.core import get_manager\n\n\ndef handler():\n    return get_manager()\n",
    );
    write(&root, "pkg/c.py", "from pkg.simple import SimpleManager\n");
    write(
        &root,
        "pkg/d.py",
        "try:\n    from pkg.gone import Thing\nexcept ImportError:\n    Thing = None\n",
    );
    write(&root, "pkg/generated.py", "class Generated:\n    pass\n");
    write(&root, "pkg/ext.pyx", "def fast():\n    pass\n");
    write(
        &root,
        "pkg/e.py",
        "from pkg.generated import Generated\nfrom pkg.ext import fast\n",
    );
    write(&root, ".tools/lint.py", "from pkg.old import Manager\n");
    commit(
        &root,
        "Manager moves to pkg.core",
        "2024-01-02T12:00:00+00:00",
    );

    write(
        &root,
        "pkg/a.py",
        "from pkg.shim import Manager\nfrom pkg.core import Manager as M2\n",
    );
    write(
        &root,
        "tests/test_a.py",
        "from pkg.old import Manager\nfrom pkg.core import get_manager\n\n\n\
         def test_it():\n    assert get_manager()\n",
    );
    commit(&root, "a test arrives", "2024-01-03T12:00:00+00:00");

    write(&root, "pkg/d.py", "from pkg.core import Manager\n");
    write(
        &root,
        "pkg/f.py",
        "import pkg.old\n\n\ndef make():\n    return pkg.old.Manager()\n",
    );
    commit(
        &root,
        "the dangling import goes",
        "2024-01-04T12:00:00+00:00",
    );
    (dir, root)
}

fn json(command: &mut Command) -> serde_json::Value {
    let (code, stdout, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// Writes the tree of `commit` into a fresh directory named like the project.
fn checkout(root: &Path, commit: &str, into: &Path) -> PathBuf {
    let target = into.join(commit).join("moving_manager");
    std::fs::create_dir_all(&target).unwrap();
    let archive = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["archive", "--format=tar", commit])
        .output()
        .unwrap();
    assert!(archive.status.success());
    let mut tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&target)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        tar.stdin
            .take()
            .unwrap()
            .write_all(&archive.stdout)
            .unwrap();
    }
    assert!(tar.wait().unwrap().success());
    target
}

/// Each commit's trend figures are those `ssot report` gives on a checkout of it.
#[test]
fn history_figures_equal_a_report_on_a_checkout_of_each_commit() {
    let (dir, root) = moving_manager();
    let history = json(
        ssot()
            .arg("report")
            .arg(&root)
            .args(["--history", "--format", "json"]),
    );
    let entries = history["history"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    // The canonical does not exist at the first commit: a plain run refuses the
    // configuration there, and the history says the concept is absent.
    assert_eq!(entries[0]["concepts"][0]["exists"], false);
    assert_eq!(
        entries[0]["concepts"][0]["compliance"],
        serde_json::Value::Null
    );
    let checkouts = dir.path().join("checkouts");
    let mut compared = 0;
    for entry in &entries[1..] {
        let commit = entry["commit"].as_str().unwrap();
        let tree = checkout(&root, commit, &checkouts);
        let plain = json(
            ssot()
                .arg("report")
                .arg(&tree)
                .args(["--format", "json", "--no-cache"]),
        );
        let ours = &entry["concepts"][0];
        let theirs = &plain["concepts"][0];
        for key in ["references", "canonical_references", "compliance"] {
            assert_eq!(ours[key], theirs[key], "{key} at {commit}");
        }
        assert_eq!(
            ours["definitions"].as_u64().unwrap() as usize,
            theirs["definitions"].as_array().unwrap().len(),
            "definitions at {commit}"
        );
        let accessor_calls: u64 = theirs["accessor_calls"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(ours["accessor_calls"], accessor_calls, "at {commit}");
        assert_eq!(
            entry["dangling"], plain["summary"]["dangling_imports"],
            "dangling at {commit}"
        );
        assert_eq!(entry["files"], plain["summary"]["files"], "at {commit}");
        compared += 1;
    }
    assert_eq!(compared, 3);
    // The figures move as the commits say (so the comparison compared something).
    let dangling: Vec<u64> = entries
        .iter()
        .map(|e| e["dangling"].as_u64().unwrap())
        .collect();
    assert_eq!(dangling, [0, 1, 1, 0]);
    let accessors: Vec<u64> = entries
        .iter()
        .map(|e| e["concepts"][0]["accessor_calls"].as_u64().unwrap())
        .collect();
    assert_eq!(accessors, [0, 1, 2, 2]);
    // Warm (facts from the cache the first run wrote): the same figures.
    let warm = json(
        ssot()
            .arg("report")
            .arg(&root)
            .args(["--history", "--format", "json"]),
    );
    assert_eq!(warm["history"], history["history"]);
}

/// Without a working tree the report is of the newest commit, and its fixable count is what
/// `ssot fix --diff` fixes on a checkout of it.
#[test]
fn a_bare_clone_counts_what_fix_would_fix() {
    let (dir, root) = moving_manager();
    let bare = dir.path().join("moving_manager.git");
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            root.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    let report = json(ssot().arg("report").arg(&bare).args(["--format", "json"]));
    let fixable = report["concepts"][0]["fixable"].as_u64().unwrap();
    assert!(fixable > 0, "{report:#}");
    let head = git(&root, &["rev-parse", "HEAD"]);
    let tree = checkout(&root, head.trim(), &dir.path().join("checkouts"));
    let (_, _, diff) = run(ssot().arg("fix").arg(&tree).arg("--diff"));
    assert!(
        diff.contains(&format!("Would fix {fixable} violation")),
        "report says {fixable}; fix --diff says:\n{diff}"
    );
    let plain = json(
        ssot()
            .arg("report")
            .arg(&tree)
            .args(["--format", "json", "--no-cache"]),
    );
    assert_eq!(
        report["concepts"][0]["fixable"],
        plain["concepts"][0]["fixable"]
    );
    assert_eq!(
        report["concepts"][0]["paths"],
        plain["concepts"][0]["paths"]
    );
}

/// `--since 2024-01-04` starts at midnight of that day (git alone would start at the current
/// time of day), in the time zone git reads dates in.
#[test]
fn a_since_date_starts_at_the_start_of_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("days");
    std::fs::create_dir_all(&root).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    write(&root, "pkg/__init__.py", "");
    for (index, date) in [
        "2024-01-03T23:59:00+00:00",
        "2024-01-04T00:01:00+00:00",
        "2024-01-04T23:58:00+00:00",
        "2024-01-05T00:01:00+00:00",
    ]
    .iter()
    .enumerate()
    {
        write(&root, &format!("pkg/m{index}.py"), "x = 1\n");
        commit(&root, date, date);
    }
    let subjects = |since: &str| -> Vec<String> {
        let report = json(ssot().env("TZ", "UTC").arg("report").arg(&root).args([
            "--history",
            "--format",
            "json",
            "--since",
            since,
        ]));
        report["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["subject"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        subjects("2024-01-04"),
        [
            "2024-01-04T00:01:00+00:00",
            "2024-01-04T23:58:00+00:00",
            "2024-01-05T00:01:00+00:00"
        ]
    );
    // A time given is git's to read, as written.
    assert_eq!(
        subjects("2024-01-04 23:59:00"),
        ["2024-01-05T00:01:00+00:00"]
    );
}

/// The figure `-v` prints of where a history run's facts came from: (from memory, from the
/// facts cache, parsed).
fn facts_sources(stderr: &str) -> (u64, u64, u64) {
    let line = stderr
        .lines()
        .find(|line| line.contains("files from memory"))
        .unwrap_or_else(|| panic!("no facts figures in {stderr}"));
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 3, "{line}");
    (numbers[0], numbers[1], numbers[2])
}

/// The history parses only the blobs the report's own working-tree run has not: a blob equal
/// to a working-tree file is found in the facts cache by its bytes, and the next run finds
/// every blob by its id without parsing or reading anything.
#[test]
fn history_parses_only_blobs_the_working_tree_lacks() {
    let (dir, root) = moving_manager();
    let cache = dir.path().join("cache");
    let report = |extra: &[&str]| {
        let (code, stdout, stderr) = run(ssot()
            .arg("report")
            .arg(&root)
            .arg("--cache-dir")
            .arg(&cache)
            .args(["--history", "--format", "json", "-v"])
            .args(extra));
        assert_eq!(code, 0, "{stderr}");
        (stdout, facts_sources(&stderr))
    };
    let (cold, (_, from_cache, parsed)) = report(&[]);
    // Two analysed blobs of older commits differ from every file of the working tree
    // (`HEAD`): the first `pkg/old.py` and `pkg/d.py`. (The first `pkg/a.py` holds what
    // `pkg/shim.py` holds now.)
    assert_eq!(parsed, 2);
    // The other eleven distinct blobs are the working tree's (`pkg/generated.py` is
    // excluded; `.tools/` is hidden; `pkg/old.py` and `pkg/d.py` end up alike).
    assert_eq!(from_cache, 11);
    let (warm, (_, from_cache, parsed)) = report(&[]);
    assert_eq!(parsed, 0);
    assert_eq!(from_cache, 13);
    assert_eq!(warm, cold);
    // Without a cache nothing is shared with the working tree: every distinct blob of the
    // analysed commits is parsed once, the rest come from memory.
    let (uncached, (from_memory, from_cache, parsed)) = report(&["--no-cache"]);
    assert_eq!((from_cache, parsed), (0, 13));
    assert!(from_memory > 0);
    assert_eq!(uncached, cold);
}
