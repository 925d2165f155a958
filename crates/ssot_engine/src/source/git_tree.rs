//! A git tree at a commit, read straight from the object database with no checkout.
//!
//! The listing comes from one `git ls-tree -r -z` and the bytes from long-lived
//! `git cat-file --batch` processes, one per worker thread so reads run in parallel. Each file
//! is keyed by its blob id, so a warm run reads no blob whose facts are cached. (Why a
//! subprocess rather than a git library: BENCHMARKS.md, "File sources".)

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use rustc_hash::FxHashMap;

use super::{FileSource, SourceFile};
use crate::cache::ContentKey;

/// Why a git tree could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum GitTreeError {
    #[error("cannot run git: {0}")]
    Spawn(#[source] io::Error),
    #[error("git ls-tree {revision} failed: {message}")]
    ListTree { revision: String, message: String },
}

/// The Python files of a commit's tree below a directory of the repository.
pub struct GitTree {
    repository: PathBuf,
    files: Vec<SourceFile>,
    /// Path → hexadecimal blob id.
    blobs: FxHashMap<String, String>,
    readers: Vec<Mutex<Option<CatFile>>>,
}

struct CatFile {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Drop for CatFile {
    fn drop(&mut self) {
        // Closing stdin ends `git cat-file`; wait so no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl GitTree {
    /// The `.py` and `.pyi` files of `revision` (a commit, tag or tree) in the repository at
    /// `repository`, below `prefix` (`""` for the whole tree; paths are relative to it).
    pub fn open(repository: &Path, revision: &str, prefix: &str) -> Result<Self, GitTreeError> {
        Self::open_with_other_files(repository, revision, prefix).map(|(tree, _)| tree)
    }

    /// [`GitTree::open`], and the paths below `prefix` of every other entry of the tree (not
    /// named `.py` or `.pyi`: data files, extension modules, symbolic links, submodules),
    /// relative to it, in the listing's order, from the same one `git ls-tree`.
    pub fn open_with_other_files(
        repository: &Path,
        revision: &str,
        prefix: &str,
    ) -> Result<(Self, Vec<String>), GitTreeError> {
        let output = Command::new("git")
            .arg("-C")
            .arg(repository)
            .args(["ls-tree", "-r", "-z", "--full-tree", revision])
            .stdin(Stdio::null())
            .output()
            .map_err(GitTreeError::Spawn)?;
        if !output.status.success() {
            return Err(GitTreeError::ListTree {
                revision: revision.to_string(),
                message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        let prefix = prefix.trim_matches('/');
        let mut files = Vec::new();
        let mut blobs = FxHashMap::default();
        let mut other_files = Vec::new();
        for record in output.stdout.split(|b| *b == 0) {
            let Some((meta, path)) = split_record(record) else {
                continue;
            };
            let relative = if prefix.is_empty() {
                path
            } else {
                match path
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_prefix('/'))
                {
                    Some(rest) => rest,
                    None => continue,
                }
            };
            if !(relative.ends_with(".py") || relative.ends_with(".pyi")) {
                other_files.push(relative.to_string());
                continue;
            }
            let mut fields = meta.split(' ');
            let (Some(mode), Some(kind), Some(id)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            // Regular files only: symbolic links (120000) and submodules are not sources.
            if kind != "blob" || !(mode == "100644" || mode == "100755") {
                continue;
            }
            files.push(SourceFile {
                path: relative.to_string(),
                known_key: Some(ContentKey::of_git_blob(id.as_bytes())),
            });
            blobs.insert(relative.to_string(), id.to_string());
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let workers = rayon::current_num_threads().max(1) + 1;
        let tree = Self {
            repository: repository.to_path_buf(),
            files,
            blobs,
            readers: (0..workers).map(|_| Mutex::new(None)).collect(),
        };
        Ok((tree, other_files))
    }

    /// The hexadecimal blob id of a file.
    pub fn blob_id(&self, path: &str) -> Option<&str> {
        self.blobs.get(path).map(String::as_str)
    }

    fn start_cat_file(&self) -> io::Result<CatFile> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&self.repository)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let input = child.stdin.take().expect("stdin is piped");
        let output = BufReader::with_capacity(1 << 16, child.stdout.take().expect("piped"));
        Ok(CatFile {
            child,
            input,
            output,
        })
    }

    fn read_blob(&self, id: &str, max_size: u64) -> io::Result<Vec<u8>> {
        // One process per worker thread (plus one for callers outside the pool), so parallel
        // reads never wait for each other.
        let slot = rayon::current_thread_index().map_or(self.readers.len() - 1, |index| {
            index % (self.readers.len() - 1).max(1)
        });
        let mut reader = self.readers[slot].lock().unwrap_or_else(|e| e.into_inner());
        if reader.is_none() {
            *reader = Some(self.start_cat_file()?);
        }
        let result = {
            let cat_file = reader.as_mut().expect("started above");
            request(cat_file, id, max_size)
        };
        if result.is_err() {
            // A failed exchange may leave the stream out of step: start afresh next time.
            *reader = None;
        }
        result?
    }
}

/// Asks one `cat-file --batch` for a blob. The outer error means the process is out of step;
/// the inner one is about this blob only (too large).
fn request(cat_file: &mut CatFile, id: &str, max_size: u64) -> io::Result<io::Result<Vec<u8>>> {
    cat_file.input.write_all(id.as_bytes())?;
    cat_file.input.write_all(b"\n")?;
    cat_file.input.flush()?;
    let mut header = String::new();
    cat_file.output.read_line(&mut header)?;
    let mut fields = header.split_whitespace();
    let (Some(_), Some(kind), Some(size)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(io::Error::other(format!(
            "git cat-file: unexpected answer {:?}",
            header.trim()
        )));
    };
    if kind != "blob" {
        return Err(io::Error::other(format!("git cat-file: {id} is a {kind}")));
    }
    let size: u64 = size
        .parse()
        .map_err(|_| io::Error::other("git cat-file: bad size"))?;
    let mut bytes = vec![0; size as usize];
    cat_file.output.read_exact(&mut bytes)?;
    let mut newline = [0u8; 1];
    cat_file.output.read_exact(&mut newline)?;
    if size > max_size {
        return Ok(Err(super::too_large(size, max_size)));
    }
    Ok(Ok(bytes))
}

/// `<mode> <type> <id>\t<path>` → (`<mode> <type> <id>`, path); paths that are not UTF-8
/// are skipped (output paths are text).
fn split_record(record: &[u8]) -> Option<(&str, &str)> {
    let tab = record.iter().position(|b| *b == b'\t')?;
    let meta = std::str::from_utf8(&record[..tab]).ok()?;
    let path = std::str::from_utf8(&record[tab + 1..]).ok()?;
    Some((meta, path))
}

impl FileSource for GitTree {
    fn files(&self) -> &[SourceFile] {
        &self.files
    }

    fn read(&self, file: &SourceFile, max_size: u64) -> io::Result<Vec<u8>> {
        let id = self
            .blobs
            .get(&file.path)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file in the tree"))?;
        self.read_blob(id, max_size)
    }
}
