//! The files on disk, as the walk found them.

use std::io;
use std::path::{Path, PathBuf};

use super::{FileSource, SourceFile};

/// Reads a file on disk, refusing more than the given number of bytes.
pub type DiskReader = dyn Fn(&Path, u64) -> io::Result<Vec<u8>> + Sync + Send;

/// The working tree: files found by a walk, read from disk when asked.
pub struct WorkingTree {
    files: Vec<SourceFile>,
    absolute: Vec<PathBuf>,
    reader: Box<DiskReader>,
}

impl WorkingTree {
    /// A source over `(root-relative path, path on disk)` pairs, reading with `reader` (the
    /// caller's file-system layer, which words errors and may inject faults in tests).
    pub fn new(found: Vec<(String, PathBuf)>, reader: Box<DiskReader>) -> Self {
        let mut found = found;
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found.dedup_by(|a, b| a.0 == b.0);
        let (files, absolute) = found
            .into_iter()
            .map(|(path, absolute)| {
                (
                    SourceFile {
                        path,
                        known_key: None,
                    },
                    absolute,
                )
            })
            .unzip();
        Self {
            files,
            absolute,
            reader,
        }
    }

    /// A source over `paths` below `root`, read with the standard library.
    pub fn from_paths(root: &Path, paths: impl IntoIterator<Item = String>) -> Self {
        let found = paths
            .into_iter()
            .map(|path| {
                let absolute = root.join(&path);
                (path, absolute)
            })
            .collect();
        Self::new(found, Box::new(read_limited))
    }

    /// The path on disk of one of [`FileSource::files`].
    pub fn absolute_path(&self, file: &SourceFile) -> Option<&Path> {
        self.index_of(&file.path)
            .map(|index| self.absolute[index].as_path())
    }

    fn index_of(&self, path: &str) -> Option<usize> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
    }
}

impl FileSource for WorkingTree {
    fn files(&self) -> &[SourceFile] {
        &self.files
    }

    fn read(&self, file: &SourceFile, max_size: u64) -> io::Result<Vec<u8>> {
        let index = self
            .index_of(&file.path)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        (self.reader)(&self.absolute[index], max_size)
    }
}

/// Reads a whole file with the standard library, refusing more than `max_size` bytes.
pub fn read_limited(path: &Path, max_size: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_size {
        return Err(super::too_large(bytes.len() as u64, max_size));
    }
    Ok(bytes)
}
