//! Where a project's files come from: the working tree, a git tree at a commit, or unsaved
//! editor buffers over the working tree, all behind [`FileSource`].
//!
//! A source lists its Python files (root-relative, `/`-separated, sorted) and reads one. A
//! source that knows what a file holds without reading it (a git blob id) says so, and the
//! facts cache is keyed by that instead of the bytes' hash, so a warm run over a commit reads
//! no blob at all.

mod git_tree;
mod overlay;
mod stat_index;
mod working_tree;

use std::io;

pub use git_tree::{GitTree, GitTreeError};
pub use overlay::Overlay;
pub use stat_index::{FileStamp, StatIndex, RACY_MARGIN};
pub use working_tree::WorkingTree;

use crate::cache::ContentKey;

/// One file of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    /// The content key when the source knows it without reading the file.
    pub known_key: Option<ContentKey>,
}

/// A set of files to analyse and a way to read them.
pub trait FileSource: Sync {
    /// Every file, sorted by path.
    fn files(&self) -> &[SourceFile];

    /// The bytes of one of [`FileSource::files`], refusing more than `max_size` bytes.
    fn read(&self, file: &SourceFile, max_size: u64) -> io::Result<Vec<u8>>;

    /// The content key of a file when the source can prove, without reading it, that its
    /// bytes are the ones that key was computed from: a git blob id, or a working-tree file
    /// whose metadata has not changed since a previous run read it.
    fn unchanged_key(&self, file: &SourceFile) -> Option<ContentKey> {
        file.known_key
    }
}

/// The error for a file larger than the limit, worded as the working tree words it.
pub(crate) fn too_large(size: u64, max_size: u64) -> io::Error {
    io::Error::other(format!(
        "file too large: {size} bytes (the limit is {max_size}; raise it with `max-file-size`)"
    ))
}
