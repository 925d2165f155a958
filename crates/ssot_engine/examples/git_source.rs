//! Times the git-tree source: listing a commit's Python files and reading every blob (in
//! parallel, through the long-lived `git cat-file --batch` processes), against reading the
//! same files from the working tree.
//!
//!     cargo run --release -p ssot_engine --example git_source -- REPOSITORY [REVISION]
//!
//! BENCHMARKS.md ("File sources") records a run.

use std::time::Instant;

use rayon::prelude::*;
use ssot_engine::source::{FileSource, GitTree, WorkingTree};

fn read_all(source: &dyn FileSource) -> usize {
    source
        .files()
        .par_iter()
        .map(|file| source.read(file, u64::MAX).map_or(0, |bytes| bytes.len()))
        .sum()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let repository = std::path::PathBuf::from(args.next().expect("usage: git_source REPO [REV]"));
    let revision = args.next().unwrap_or_else(|| "HEAD".to_string());
    for _ in 0..3 {
        let started = Instant::now();
        let tree = GitTree::open(&repository, &revision, "").expect("a git repository");
        let listed = started.elapsed();
        let bytes = read_all(&tree);
        println!(
            "git cat-file: {} files, {bytes} bytes, list {:.3} s, total {:.3} s",
            tree.files().len(),
            listed.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
        let paths: Vec<String> = tree.files().iter().map(|f| f.path.clone()).collect();
        let started = Instant::now();
        let working = WorkingTree::from_paths(&repository, paths);
        let bytes = read_all(&working);
        println!(
            "working tree: {} files, {bytes} bytes, read {:.3} s",
            working.files().len(),
            started.elapsed().as_secs_f64()
        );
    }
}
