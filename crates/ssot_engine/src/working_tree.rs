//! The working tree as the walk found it, read through the file-system layer (which words
//! errors and lets tests inject faults), and where its facts cache lives.

use std::path::{Path, PathBuf};

use crate::source::{StatIndex, WorkingTree};

use crate::discovery::FoundFile;
use crate::fs::{FileSystem, RealFileSystem};

/// The working tree over the files the walk found. With a cache directory, files whose
/// metadata is unchanged since a previous run read them are not read again (see
/// [`StatIndex`]); never while a test makes files unreadable, which metadata cannot show.
/// Each read advances `progress`.
pub fn working_tree(
    root: &Path,
    found: &[FoundFile],
    cache_dir: Option<&Path>,
    progress: crate::events::Counter,
) -> WorkingTree {
    let fs = RealFileSystem::from_env();
    let tree = WorkingTree::new(
        found
            .iter()
            .map(|file| (file.relative.clone(), file.absolute.clone()))
            .collect(),
        Box::new(move |path: &Path, max_size| {
            progress.advance();
            fs.read(path, max_size)
        }),
    );
    match cache_dir {
        Some(dir) if std::env::var_os("SSOT_FAULT_UNREADABLE").is_none() => {
            tree.with_stat_index(StatIndex::open(dir, root))
        }
        _ => tree,
    }
}

/// Where the facts cache lives: `--cache-dir`, else `SSOT_CACHE_DIR`, else `.ssot_cache` in
/// the project root. A relative directory is relative to the current directory.
pub fn cache_dir(root: &Path, cache_dir: Option<&Path>) -> PathBuf {
    let chosen = cache_dir.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("SSOT_CACHE_DIR")
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    });
    match chosen {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => std::env::current_dir()
            .map(|current| current.join(&dir))
            .unwrap_or(dir),
        None => root.join(crate::cache::CACHE_DIR_NAME),
    }
}
