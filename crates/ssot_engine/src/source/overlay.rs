//! Unsaved editor buffers over another source (the editor server's view of a project).

use std::collections::BTreeMap;
use std::io;

use super::{FileSource, SourceFile};
use crate::cache::ContentKey;

/// Another source with some files' bytes replaced by buffers, and files that exist only as
/// buffers added. A buffer is what the editor shows, so it wins over the disk.
pub struct Overlay<S> {
    base: S,
    buffers: BTreeMap<String, Vec<u8>>,
    files: Vec<SourceFile>,
}

impl<S: FileSource> Overlay<S> {
    /// `buffers` maps root-relative paths to their unsaved bytes.
    pub fn new(base: S, buffers: BTreeMap<String, Vec<u8>>) -> Self {
        let mut files: Vec<SourceFile> = base
            .files()
            .iter()
            .map(|file| SourceFile {
                path: file.path.clone(),
                // A buffer's key comes from its bytes, never from the file below it.
                known_key: if buffers.contains_key(&file.path) {
                    None
                } else {
                    file.known_key
                },
            })
            .collect();
        for path in buffers.keys() {
            if files
                .binary_search_by(|f| f.path.as_str().cmp(path))
                .is_err()
            {
                files.push(SourceFile {
                    path: path.clone(),
                    known_key: None,
                });
                files.sort_by(|a, b| a.path.cmp(&b.path));
            }
        }
        Self {
            base,
            buffers,
            files,
        }
    }

    /// The source below the buffers.
    pub fn base(&self) -> &S {
        &self.base
    }
}

impl<S: FileSource> FileSource for Overlay<S> {
    fn files(&self) -> &[SourceFile] {
        &self.files
    }

    fn read(&self, file: &SourceFile, max_size: u64) -> io::Result<Vec<u8>> {
        if let Some(buffer) = self.buffers.get(&file.path) {
            if buffer.len() as u64 > max_size {
                return Err(super::too_large(buffer.len() as u64, max_size));
            }
            return Ok(buffer.clone());
        }
        let base_file = self
            .base
            .files()
            .binary_search_by(|f| f.path.as_str().cmp(&file.path))
            .map(|index| &self.base.files()[index])
            .map_err(|_| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        self.base.read(base_file, max_size)
    }

    fn unchanged_key(&self, file: &SourceFile) -> Option<ContentKey> {
        if self.buffers.contains_key(&file.path) {
            return None;
        }
        let files = self.base.files();
        let index = files
            .binary_search_by(|f| f.path.as_str().cmp(&file.path))
            .ok()?;
        self.base.unchanged_key(&files[index])
    }
}
