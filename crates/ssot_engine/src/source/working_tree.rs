//! The files on disk, as the walk found them.

use std::io;
use std::path::{Path, PathBuf};

use super::{FileSource, FileStamp, SourceFile, StatIndex};
use crate::cache::ContentKey;

/// Reads a file on disk, refusing more than the given number of bytes.
pub type DiskReader = dyn Fn(&Path, u64) -> io::Result<Vec<u8>> + Sync + Send;

/// The working tree: files found by a walk, read from disk when asked.
pub struct WorkingTree {
    files: Vec<SourceFile>,
    absolute: Vec<PathBuf>,
    reader: Box<DiskReader>,
    stat_index: Option<StatIndex>,
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
            stat_index: None,
        }
    }

    /// Skips reading files whose metadata says they are unchanged since a previous run read
    /// them (see [`StatIndex`]); only worth it with a facts cache to take their facts from.
    pub fn with_stat_index(mut self, index: StatIndex) -> Self {
        self.stat_index = Some(index);
        self
    }

    /// Saves the stat index, if there is one, for the next run.
    pub fn save_stat_index(&mut self) -> io::Result<()> {
        match self.stat_index.take() {
            Some(index) => index.save(),
            None => Ok(()),
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

    /// The index of `file`: found by its address when it is one of [`FileSource::files`] (as
    /// every caller's is: a warm run asks for 25,000 files, and comparing paths showed in its
    /// profile), else by its path.
    fn index_of_file(&self, file: &SourceFile) -> Option<usize> {
        let base = self.files.as_ptr() as usize;
        let address = file as *const SourceFile as usize;
        let size = std::mem::size_of::<SourceFile>();
        if address >= base && (address - base).is_multiple_of(size) {
            let index = (address - base) / size;
            if self
                .files
                .get(index)
                .is_some_and(|listed| std::ptr::eq(listed, file))
            {
                return Some(index);
            }
        }
        self.index_of(&file.path)
    }
}

impl FileSource for WorkingTree {
    fn files(&self) -> &[SourceFile] {
        &self.files
    }

    fn read(&self, file: &SourceFile, max_size: u64) -> io::Result<Vec<u8>> {
        let index = self
            .index_of_file(file)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        let absolute = &self.absolute[index];
        let Some(stat_index) = &self.stat_index else {
            return (self.reader)(absolute, max_size);
        };
        // The stamp from before the read: a write during the read changes the file's times
        // after it, so the next run sees a different stamp and reads the file again.
        let stamp = FileStamp::of(absolute);
        let bytes = (self.reader)(absolute, max_size)?;
        if let Ok(stamp) = stamp {
            stat_index.note_read(&file.path, stamp, ContentKey::of_bytes(&bytes));
        }
        Ok(bytes)
    }

    fn unchanged_key(&self, file: &SourceFile) -> Option<ContentKey> {
        let stat_index = self.stat_index.as_ref()?;
        let index = self.index_of_file(file)?;
        stat_index.unchanged_key(&file.path, &self.absolute[index])
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
