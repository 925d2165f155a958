//! Each file source lists and reads what it should, and loading through the cache gives the
//! facts a cold load gives.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use ssot_engine::cache::{ContentKey, ExtractOptions, FactsCache, GlobalKey};
use ssot_engine::load::{load_files, FileLimits, LoadStats};
use ssot_engine::source::{FileSource, GitTree, Overlay, WorkingTree};
use ssot_python::{CallDetail, TargetVersion};

const LIMITS: FileLimits = FileLimits {
    max_size: 1 << 20,
    max_tokens: 1 << 20,
};
const OPTIONS: ExtractOptions = ExtractOptions {
    calls: CallDetail::Sites,
    target: TargetVersion::NEWEST,
};

fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

fn git(root: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn read_all(source: &dyn FileSource) -> Vec<(String, String)> {
    source
        .files()
        .iter()
        .map(|f| {
            let bytes = source.read(f, LIMITS.max_size).unwrap();
            (f.path.clone(), String::from_utf8(bytes).unwrap())
        })
        .collect()
}

fn paths(source: &dyn FileSource) -> Vec<&str> {
    source.files().iter().map(|f| f.path.as_str()).collect()
}

#[test]
fn working_tree_reads_the_files_it_was_given() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pkg/__init__.py", "");
    write(dir.path(), "pkg/a.py", "import pkg\n");
    let tree = WorkingTree::from_paths(dir.path(), ["pkg/a.py".into(), "pkg/__init__.py".into()]);
    assert_eq!(
        read_all(&tree),
        vec![
            ("pkg/__init__.py".to_string(), String::new()),
            ("pkg/a.py".to_string(), "import pkg\n".to_string())
        ]
    );
    assert!(tree.files().iter().all(|f| f.known_key.is_none()));
    let small = FileLimits {
        max_size: 3,
        ..LIMITS
    };
    let err = tree.read(&tree.files()[1], small.max_size).unwrap_err();
    assert!(err.to_string().contains("file too large"), "{err}");
}

#[test]
fn git_tree_reads_a_commit_not_the_working_tree() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    write(root, "app/__init__.py", "");
    write(root, "app/core.py", "class Manager: ...\n");
    write(root, "app/data.txt", "not python\n");
    write(root, "other/skip.py", "x = 1\n");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "first"]);
    let first = git(root, &["rev-parse", "HEAD"]).trim().to_string();
    write(root, "app/core.py", "class Manager:\n    pass\n");
    write(root, "app/new.py", "from app.core import Manager\n");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "second"]);
    // Uncommitted changes are not part of any commit.
    write(root, "app/core.py", "garbage that is not committed (\n");

    let tree = GitTree::open(root, &first, "").unwrap();
    assert_eq!(
        paths(&tree),
        ["app/__init__.py", "app/core.py", "other/skip.py"]
    );
    assert_eq!(read_all(&tree)[1].1, "class Manager: ...\n");
    assert!(tree.files().iter().all(|f| f.known_key.is_some()));

    let head = GitTree::open(root, "HEAD", "app").unwrap();
    assert_eq!(paths(&head), ["__init__.py", "core.py", "new.py"]);
    assert_eq!(read_all(&head)[1].1, "class Manager:\n    pass\n");
    // Unchanged blobs keep their key from one commit to the next; changed ones do not.
    assert_eq!(tree.files()[0].known_key, head.files()[0].known_key);
    assert_ne!(tree.files()[1].known_key, head.files()[1].known_key);

    assert!(GitTree::open(root, "no-such-revision", "").is_err());
}

#[test]
fn overlay_buffers_win_over_the_files_below() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.py", "on disk\n");
    write(dir.path(), "b.py", "b on disk\n");
    let tree = WorkingTree::from_paths(dir.path(), ["a.py".into(), "b.py".into()]);
    let buffers = BTreeMap::from([
        ("a.py".to_string(), b"unsaved\n".to_vec()),
        ("new.py".to_string(), b"never saved\n".to_vec()),
    ]);
    let overlay = Overlay::new(tree, buffers);
    assert_eq!(
        read_all(&overlay),
        vec![
            ("a.py".to_string(), "unsaved\n".to_string()),
            ("b.py".to_string(), "b on disk\n".to_string()),
            ("new.py".to_string(), "never saved\n".to_string()),
        ]
    );
}

fn load(source: &dyn FileSource, cache: Option<&FactsCache>) -> (String, LoadStats) {
    let (files, problems, stats) = load_files(source, LIMITS, OPTIONS, cache, &|m: &str| {
        m.starts_with("app")
    });
    assert!(problems.is_empty(), "{problems:?}");
    let text = files
        .iter()
        .map(|f| format!("{} {:?}\n", f.path, f.facts))
        .collect();
    (text, stats)
}

#[test]
fn loading_through_the_cache_gives_the_cold_facts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    let cache_dir = dir.path().join("cache");
    git(dir.path(), &["init", "-q", "project"]);
    write(&root, "app/__init__.py", "from app.core import *\n");
    write(
        &root,
        "app/core.py",
        "import os\nimport app.util\nclass Manager:\n    def run(self):\n        return app.util.helper(os.getcwd())\n",
    );
    write(&root, "app/util.py", "def helper(x):\n    return x\n");
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "c"]);
    let key = GlobalKey::new(OPTIONS, LIMITS);
    let names = ["app/__init__.py", "app/core.py", "app/util.py"].map(String::from);

    let tree = WorkingTree::from_paths(&root, names.clone());
    let (cold, _) = load(&tree, None);
    let cache = FactsCache::open(&cache_dir, key);
    let (first, stats) = load(&tree, Some(&cache));
    assert_eq!(stats.extracted, 3);
    cache.save().unwrap();
    let cache = FactsCache::open(&cache_dir, key);
    let (warm, stats) = load(&tree, Some(&cache));
    assert_eq!((stats.cached, stats.extracted), (3, 0));
    assert_eq!(cold, first);
    assert_eq!(cold, warm);

    // A git tree keys files by blob id: a cold load fills the cache, a warm one reads no blob.
    let git_tree = GitTree::open(&root, "HEAD", "").unwrap();
    let (git_cold, stats) = load(&git_tree, Some(&cache));
    assert_eq!(stats.extracted, 3);
    cache.save().unwrap();
    let cache = FactsCache::open(&cache_dir, key);
    let (git_warm, stats) = load(&git_tree, Some(&cache));
    assert_eq!((stats.cached, stats.extracted), (3, 0));
    assert_eq!(git_cold, cold);
    assert_eq!(git_warm, cold);

    // An edited file is extracted again; the others still come from the cache.
    write(
        &root,
        "app/util.py",
        "def helper(x, y=None):\n    return x\n",
    );
    let (edited_cold, _) = load(&tree, None);
    let (edited_warm, stats) = load(&tree, Some(&cache));
    assert_eq!((stats.cached, stats.extracted), (2, 1));
    assert_eq!(edited_cold, edited_warm);
    assert_ne!(
        ContentKey::of_bytes(b"a"),
        ContentKey::of_git_blob(b"a"),
        "the two kinds of key never meet"
    );
}

#[test]
fn the_stat_index_skips_reading_only_files_that_provably_did_not_change() {
    use ssot_engine::source::{StatIndex, RACY_MARGIN};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    let cache_dir = dir.path().join("cache");
    write(&root, "app/__init__.py", "");
    write(&root, "app/core.py", "from app import x\n");
    let reads = Arc::new(AtomicUsize::new(0));
    let tree = |reads: &Arc<AtomicUsize>| {
        let counter = Arc::clone(reads);
        let found = ["app/__init__.py", "app/core.py"]
            .map(|p| (p.to_string(), root.join(p)))
            .to_vec();
        WorkingTree::new(
            found,
            Box::new(move |path: &Path, _| {
                counter.fetch_add(1, Ordering::SeqCst);
                std::fs::read(path)
            }),
        )
        .with_stat_index(StatIndex::open(&cache_dir, &root))
    };
    let key = GlobalKey::new(OPTIONS, LIMITS);
    let run = |reads: &Arc<AtomicUsize>| {
        let mut source = tree(reads);
        let cache = FactsCache::open(&cache_dir, key);
        let (text, stats) = load(&source, Some(&cache));
        cache.save().unwrap();
        source.save_stat_index().unwrap();
        (text, stats)
    };

    // Files written just now are "racily clean": read on every run until they settle.
    run(&reads);
    run(&reads);
    assert_eq!(reads.swap(0, Ordering::SeqCst), 4);

    std::thread::sleep(RACY_MARGIN + std::time::Duration::from_millis(200));
    let (settled, _) = run(&reads);
    assert_eq!(
        reads.swap(0, Ordering::SeqCst),
        2,
        "read once more, then recorded"
    );
    let index_file = || {
        let stat_dir = cache_dir.join("stat");
        let entry = std::fs::read_dir(&stat_dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        std::os::unix::fs::MetadataExt::ino(&entry.metadata().unwrap())
    };
    let before_warm = index_file();
    let (warm, stats) = run(&reads);
    assert_eq!(reads.swap(0, Ordering::SeqCst), 0, "nothing read");
    assert_eq!(stats.cached, 2);
    assert_eq!(settled, warm);
    assert_eq!(
        index_file(),
        before_warm,
        "an index whose every entry held is not written again"
    );

    // The same size, written in the same second: the status-change time still tells.
    write(&root, "app/core.py", "from app import y\n");
    let (edited, _) = run(&reads);
    assert_eq!(reads.swap(0, Ordering::SeqCst), 1);
    assert_ne!(edited, warm);
    let (cold, _) = load(
        &WorkingTree::from_paths(&root, ["app/__init__.py".into(), "app/core.py".into()]),
        None,
    );
    assert_eq!(edited, cold);

    // Once the edit settles, the file read again joins the entry that held: neither is read
    // on the next run.
    std::thread::sleep(RACY_MARGIN + std::time::Duration::from_millis(200));
    let (settled_edit, _) = run(&reads);
    assert_eq!(reads.swap(0, Ordering::SeqCst), 1);
    let (warm_edit, stats) = run(&reads);
    assert_eq!(reads.swap(0, Ordering::SeqCst), 0, "both entries kept");
    assert_eq!(stats.cached, 2);
    assert_eq!(settled_edit, warm_edit);
    assert_eq!(warm_edit, cold);
}
