//! A commit's tree as the working-tree walk would see it if the commit were checked out:
//! the Python files the configuration's excludes keep, hidden directories and files left
//! out, and the modules that exist without being read (extension modules, and excluded
//! sources sitting in an analysed package), so a commit's figures are those `check` gives on
//! a checkout of it.

use std::collections::BTreeSet;
use std::io;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::discovery::Excludes;
use crate::source::{FileSource, GitTree, GitTreeError, SourceFile};

/// The analysed files of one commit, read from the object database.
pub struct CommitTree {
    tree: GitTree,
    files: Vec<SourceFile>,
    /// Root-relative paths of modules that exist but are not read, sorted.
    pub unread_modules: Vec<String>,
    /// Every other file of the tree (not `.py` or `.pyi`), root-relative, in the tree's order.
    pub other_files: Vec<String>,
}

impl CommitTree {
    /// The tree of `commit` below `prefix` of the repository at `repository`.
    pub fn open(
        repository: &Path,
        commit: &str,
        prefix: &str,
        excludes: &Excludes,
    ) -> Result<Self, GitTreeError> {
        let (tree, other_files) = GitTree::open_with_other_files(repository, commit, prefix)?;
        let mut directories = DirectoryVerdicts {
            excludes,
            known: FxHashMap::default(),
        };
        let mut walked = |path: &str| !is_hidden(path) && directories.walks_file(path);
        let files: Vec<SourceFile> = tree
            .files()
            .iter()
            .filter(|file| walked(&file.path))
            .cloned()
            .collect();
        let packages: BTreeSet<&str> = files
            .iter()
            .filter_map(|f| f.path.strip_suffix("/__init__.py"))
            .collect();
        let kept: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        // Python files the walk skips but that sit directly in an analysed package (a
        // generated or excluded module): they exist at run time, so their names are open.
        let mut unread_modules: Vec<String> = tree
            .files()
            .iter()
            .map(|f| f.path.as_str())
            .filter(|path| !kept.contains(path))
            .filter(|path| {
                let parent = path.rsplit_once('/').map_or("", |(parent, _)| parent);
                packages.contains(parent)
            })
            .map(str::to_string)
            .collect();
        unread_modules.extend(
            other_files
                .iter()
                .filter(|path| is_extension_module(path) && walked(path))
                .cloned(),
        );
        unread_modules.sort();
        unread_modules.dedup();
        Ok(Self {
            tree,
            files,
            unread_modules,
            other_files,
        })
    }

    /// The hexadecimal blob id of a file of the tree.
    pub fn blob_id(&self, path: &str) -> Option<&str> {
        self.tree.blob_id(path)
    }

    /// The bytes of a root-relative path of the tree.
    pub fn read_path(&self, path: &str, max_size: u64) -> io::Result<Vec<u8>> {
        let file = SourceFile {
            path: path.to_string(),
            known_key: None,
        };
        self.tree.read(&file, max_size)
    }
}

impl FileSource for CommitTree {
    fn files(&self) -> &[SourceFile] {
        &self.files
    }

    fn read(&self, file: &SourceFile, max_size: u64) -> io::Result<Vec<u8>> {
        self.tree.read(file, max_size)
    }
}

/// Whether the walk skips a path for a hidden component (`.venv/`, `.hidden.py`).
fn is_hidden(path: &str) -> bool {
    path.split('/').any(|segment| segment.starts_with('.'))
}

/// Which directories the walk enters, each judged once.
struct DirectoryVerdicts<'a> {
    excludes: &'a Excludes,
    /// Directory → the walk enters it (and all its parents).
    known: FxHashMap<String, bool>,
}

impl DirectoryVerdicts<'_> {
    /// Whether the walk reaches the file: neither it nor a directory above it is excluded
    /// (the walk never enters an excluded directory).
    fn walks_file(&mut self, path: &str) -> bool {
        let directory = path.rsplit_once('/').map_or("", |(directory, _)| directory);
        self.walks_directory(directory) && !self.excludes.matches(path)
    }

    fn walks_directory(&mut self, directory: &str) -> bool {
        if directory.is_empty() {
            return true;
        }
        if let Some(&walks) = self.known.get(directory) {
            return walks;
        }
        let parent = directory.rsplit_once('/').map_or("", |(parent, _)| parent);
        let walks = self.walks_directory(parent) && !self.excludes.matches(directory);
        self.known.insert(directory.to_string(), walks);
        walks
    }
}

/// A compiled or Cython extension module (`.so`, `.pyd`, `.pyx`), as the walk records them:
/// importable, with no source ssot reads.
fn is_extension_module(path: &str) -> bool {
    path.ends_with(".so") || path.ends_with(".pyd") || path.ends_with(".pyx")
}
