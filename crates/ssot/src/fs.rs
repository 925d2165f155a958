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
/// matching files fail with "permission denied": a test hook, documented in CONTRIBUTING.md.
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
