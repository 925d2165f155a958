//! The file-system layer: the one place that reads source files, so tests can put a fault
//! between ssot and the disk (an unreadable file stays unreadable even when tests run as root).

use std::io;
use std::path::Path;

/// Reads source files.
pub trait FileSystem: Sync {
    /// Reads a whole file, refusing ones larger than `max_size` bytes.
    fn read(&self, path: &Path, max_size: u64) -> io::Result<Vec<u8>>;
}

/// The real disk. `SSOT_FAULT_UNREADABLE` (a `:`-separated list of file-name suffixes) makes
/// matching files fail with "permission denied": a test hook, documented in the README ("Development").
pub struct RealFileSystem {
    unreadable_suffixes: Vec<String>,
}

impl RealFileSystem {
    pub fn from_env() -> Self {
        let unreadable_suffixes = std::env::var("SSOT_FAULT_UNREADABLE")
            .map(|value| {
                value
                    .split(':')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        Self {
            unreadable_suffixes,
        }
    }
}

impl FileSystem for RealFileSystem {
    fn read(&self, path: &Path, max_size: u64) -> io::Result<Vec<u8>> {
        let text = path.to_string_lossy();
        if self
            .unreadable_suffixes
            .iter()
            .any(|suffix| text.ends_with(suffix.as_str()))
        {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "cannot read file: permission denied",
            ));
        }
        let metadata = std::fs::metadata(path).map_err(|err| describe(err, "cannot read file"))?;
        if metadata.is_dir() {
            return Err(io::Error::other("is a directory, not a file"));
        }
        if metadata.len() > max_size {
            return Err(io::Error::other(format!(
                "file too large: {} (the limit is {}; raise it with `max-file-size`)",
                human_size(metadata.len()),
                human_size(max_size)
            )));
        }
        std::fs::read(path).map_err(|err| describe(err, "cannot read file"))
    }
}

fn describe(err: io::Error, what: &str) -> io::Error {
    let reason = match err.kind() {
        io::ErrorKind::NotFound => "no such file (a dangling symbolic link?)".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    };
    io::Error::new(err.kind(), format!("{what}: {reason}"))
}

/// Bytes as `512 B`, `3.4 KiB` or `20.0 MiB`.
fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let value = bytes as f64;
    if value < KIB {
        format!("{bytes} B")
    } else if value < KIB * KIB {
        format!("{:.1} KiB", value / KIB)
    } else {
        format!("{:.1} MiB", value / (KIB * KIB))
    }
}

/// What [`replace_if_unchanged`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    /// The file no longer holds the bytes the fix was computed from: left alone.
    ChangedSinceRead,
}

/// Replaces the file at `path` with `bytes`, atomically (a temporary file in the same
/// directory, flushed to disk, then renamed over the file), keeping its permissions, and only
/// while it still holds `expected`. A symbolic link is followed, so the link stays a link.
///
/// `SSOT_FAULT_CHANGE_BEFORE_WRITE` (a `:`-separated list of file-name suffixes) appends a line
/// to matching files just before the final check: a test hook for the changed-file path,
/// documented in the README ("Development").
pub fn replace_if_unchanged(
    path: &Path,
    expected: &[u8],
    bytes: &[u8],
) -> io::Result<WriteOutcome> {
    let real = std::fs::canonicalize(path)?;
    let directory = real
        .parent()
        .ok_or_else(|| io::Error::other("the file has no parent directory"))?;
    let name = real
        .file_name()
        .ok_or_else(|| io::Error::other("the path names no file"))?
        .to_string_lossy()
        .into_owned();
    let permissions = std::fs::metadata(&real)?.permissions();
    let temporary = directory.join(format!(".{name}.ssot-{}.tmp", std::process::id()));
    let write = || -> io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        io::Write::write_all(&mut file, bytes)?;
        file.set_permissions(permissions.clone())?;
        file.sync_all()
    };
    if let Err(err) = write() {
        let _ = std::fs::remove_file(&temporary);
        return Err(err);
    }
    fault_change_before_write(&real);
    if std::fs::read(&real)? != expected {
        let _ = std::fs::remove_file(&temporary);
        return Ok(WriteOutcome::ChangedSinceRead);
    }
    if let Err(err) = std::fs::rename(&temporary, &real) {
        let _ = std::fs::remove_file(&temporary);
        return Err(err);
    }
    // Make the rename itself durable; not every file system can sync a directory.
    if let Ok(dir) = std::fs::File::open(directory) {
        let _ = dir.sync_all();
    }
    Ok(WriteOutcome::Written)
}

fn fault_change_before_write(path: &Path) {
    fault_append_line("SSOT_FAULT_CHANGE_BEFORE_WRITE", path);
}

/// A test hook: when `path` ends with one of the `:`-separated suffixes in the environment
/// variable `var`, appends a line to the file, as someone else editing it would.
pub fn fault_append_line(var: &str, path: &Path) {
    let Ok(suffixes) = std::env::var(var) else {
        return;
    };
    let text = path.to_string_lossy();
    if suffixes
        .split(':')
        .any(|s| !s.is_empty() && text.ends_with(s))
    {
        if let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(path) {
            let _ = io::Write::write_all(&mut file, b"# edited by someone else\n");
        }
    }
}
