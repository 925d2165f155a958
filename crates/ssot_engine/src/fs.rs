//! The file-system layer: the one place that reads and writes project files, so tests can put
//! a fault between ssot and the disk (an unreadable file stays unreadable even when tests run
//! as root, a disk fills up, someone edits a file at the worst moment).
//!
//! Reads never block: files are opened with `O_NONBLOCK` and only regular files are read, so a
//! FIFO or a device named `*.py` is a problem to report, not a hang. Writes are in [`write`] (through
//! [`temp_file`]); the project lock is in [`lock`].

pub mod lock;
pub mod temp_file;
pub mod write;

use std::io::{self, Read};
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
        read_regular_file(path, max_size)
    }
}

/// Reads a whole regular file of at most `max_size` bytes, without blocking: a named pipe, a
/// device or a directory at `path` is an error, never a hang. For ssot's own files (the
/// cache) as much as for sources.
pub fn read_regular_file(path: &Path, max_size: u64) -> io::Result<Vec<u8>> {
    let file =
        write::open_for_check(path).map_err(|err| describe(err, path, "cannot read file"))?;
    let metadata = file
        .metadata()
        .map_err(|err| describe(err, path, "cannot read file"))?;
    if metadata.is_dir() {
        return Err(io::Error::other("is a directory, not a file"));
    }
    if !metadata.is_file() {
        return Err(io::Error::other(format!(
            "not a regular file ({}); not read",
            special_kind(&metadata)
        )));
    }
    let too_large = |size: u64| {
        io::Error::other(format!(
            "file too large: {} (the limit is {}; raise it with `max-file-size`)",
            human_size(size),
            human_size(max_size)
        ))
    };
    if metadata.len() > max_size {
        return Err(too_large(metadata.len()));
    }
    // A file that grows while it is read is still read no further than the limit.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    (&file)
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| describe(err, path, "cannot read file"))?;
    if bytes.len() as u64 > max_size {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// What kind of special file this is, in words.
fn special_kind(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let file_type = metadata.file_type();
        if file_type.is_fifo() {
            return "a named pipe";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    let _ = metadata;
    "a special file"
}

fn describe(err: io::Error, path: &Path, what: &str) -> io::Error {
    let reason = match err.kind() {
        io::ErrorKind::NotFound
            if path
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink()) =>
        {
            "broken symbolic link: its target does not exist".to_string()
        }
        io::ErrorKind::NotFound => "no such file".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::WouldBlock => "the file would block (a special file); not read".to_string(),
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

/// A test hook: whether `path` ends with one of the `:`-separated suffixes in the
/// environment variable `var` (hooks are documented in the README, "Development").
pub fn fault_matches(var: &str, path: &Path) -> bool {
    let Ok(suffixes) = std::env::var(var) else {
        return false;
    };
    let text = path.to_string_lossy();
    suffixes
        .split(':')
        .any(|s| !s.is_empty() && text.ends_with(s))
}

/// A test hook: when `path` ends with one of the `:`-separated suffixes in the environment
/// variable `var`, appends a line to the file, as someone else editing it would.
pub fn fault_append_line(var: &str, path: &Path) {
    if fault_matches(var, path) {
        if let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(path) {
            let _ = io::Write::write_all(&mut file, b"# edited by someone else\n");
        }
    }
}
