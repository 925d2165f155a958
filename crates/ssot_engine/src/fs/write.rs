//! Replacing a file without losing anybody's data.
//!
//! Every file ssot writes (sources, configuration, baseline, `--output-file`) goes through
//! [`replace_file`]: the new bytes go to a temporary file in the same directory, created with
//! the final owner, group, mode and extended attributes before any byte is written, flushed to
//! disk, and then swapped in. The swap is a compare-and-swap: the file must still be the one
//! that was read (device, inode, size, modification time and bytes), it is exchanged with the
//! temporary file (`renameat2(RENAME_EXCHANGE)` on Linux), and the file swapped out is checked
//! once more; if somebody else wrote to it in between, the exchange is undone.
//!
//! Symbolic links are written through (the link stays a link and its target is updated).
//! Files the owner may not write, and files with several hard links, are left alone and
//! reported: replacing them would defeat the permission or split the link.

use std::ffi::OsString;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::temp_file::TempFile;

/// What the file is expected to hold just before it is replaced.
#[derive(Clone, Copy, Debug)]
pub enum Expected<'a> {
    /// Exactly these bytes (the ones the new content was computed from).
    Bytes(&'a [u8]),
    /// Nothing: the file must not exist yet.
    Absent,
}

/// What [`replace_file`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    /// The file no longer holds the bytes the new content was computed from: left alone.
    ChangedSinceRead,
    /// The owner may not write the file: left alone.
    ReadOnly,
    /// The file has this many names (hard links): replacing one name would split them.
    HardLinked(u64),
}

impl WriteOutcome {
    /// Why a file was not written, as the reports say it; `None` when it was.
    pub fn reason(self) -> Option<String> {
        match self {
            WriteOutcome::Written => None,
            WriteOutcome::ChangedSinceRead => {
                Some("changed while fixing, left alone (run `ssot fix` again)".to_string())
            }
            WriteOutcome::ReadOnly => Some("read-only: not rewritten".to_string()),
            WriteOutcome::HardLinked(links) => Some(format!(
                "hard-linked ({links} names): not rewritten, replacing one name would split the link"
            )),
        }
    }
}

/// Replaces the file at `path` (following symbolic links) with `bytes`, atomically, while it
/// still holds what `expected` says; see the module documentation.
pub fn replace_file(path: &Path, expected: Expected<'_>, bytes: &[u8]) -> io::Result<WriteOutcome> {
    let mut syncs = DirectorySyncs::default();
    let outcome = replace_file_deferring_sync(path, expected, bytes, &mut syncs);
    syncs.sync();
    outcome
}

/// Directories whose renames are still to be made durable: a command writing many files syncs
/// each directory once at the end rather than after every file (the files themselves are
/// flushed before they are swapped in, so a crash before the sync leaves each file wholly old
/// or wholly new either way).
#[derive(Default)]
pub struct DirectorySyncs(std::collections::BTreeSet<PathBuf>);

impl DirectorySyncs {
    /// Takes over the directories noted in `other`.
    pub fn absorb(&mut self, mut other: DirectorySyncs) {
        self.0.append(&mut other.0);
    }

    /// Syncs every directory noted.
    pub fn sync(self) {
        for directory in &self.0 {
            sync_directory(directory);
        }
    }
}

/// [`replace_file`], noting the directory to sync in `syncs` instead of syncing it.
pub fn replace_file_deferring_sync(
    path: &Path,
    expected: Expected<'_>,
    bytes: &[u8],
    syncs: &mut DirectorySyncs,
) -> io::Result<WriteOutcome> {
    let real = resolve_links(path)?;
    let (directory, name) = split(&real)?;
    let original = match open_for_check(&real) {
        Ok(file) => Some(file),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(err),
    };
    let Some(original) = original else {
        return match expected {
            Expected::Bytes(_) => Ok(WriteOutcome::ChangedSinceRead),
            Expected::Absent => create_new(&real, directory, &name, bytes, syncs),
        };
    };
    let before = original.metadata()?;
    if !before.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    if let Expected::Absent = expected {
        return Ok(WriteOutcome::ChangedSinceRead);
    }
    if !holds(&original, expected)? {
        return Ok(WriteOutcome::ChangedSinceRead);
    }
    if is_read_only(&real, &before) {
        return Ok(WriteOutcome::ReadOnly);
    }
    let links = link_count(&before);
    if links > 1 {
        return Ok(WriteOutcome::HardLinked(links));
    }
    let mut temporary = TempFile::create(directory, &name, Some(&before))?;
    temporary.write_all(bytes)?;
    temporary.finish()?;
    crate::fs::fault_append_line("SSOT_FAULT_CHANGE_BEFORE_WRITE", &real);
    // Compare: still the same file, still the same bytes.
    if !still_the_same(&real, &before)? || !holds(&open_for_check(&real)?, expected)? {
        return Ok(WriteOutcome::ChangedSinceRead);
    }
    crate::fs::fault_append_line("SSOT_FAULT_CHANGE_BEFORE_EXCHANGE", &real);
    fault_replace_by_rename(&real);
    // Swap, then check that what was swapped out is what was read.
    if exchange(temporary.path(), &real)? {
        let swapped_out = open_for_check(temporary.path())?;
        let intact = same_identity(&swapped_out.metadata()?, &before)
            && same_contents_stamp(&swapped_out.metadata()?, &before)
            && holds(&swapped_out, expected)?;
        if !intact {
            if let Err(err) = exchange(temporary.path(), &real) {
                // The other writer's file sits under the temporary name: it must survive.
                let kept = temporary.keep();
                return Err(io::Error::new(
                    err.kind(),
                    format!(
                        "the file changed during the write and could not be put back ({err}); \
                         its changed content is in {}",
                        kept.display()
                    ),
                ));
            }
            return Ok(WriteOutcome::ChangedSinceRead);
        }
        // The temporary name now holds the old file; dropping `temporary` removes it.
    } else {
        temporary.rename_over(&real)?;
    }
    drop(temporary);
    syncs.0.insert(directory.to_path_buf());
    Ok(WriteOutcome::Written)
}

/// Replaces a file a command exists to write (configuration, baseline) whose old bytes it
/// read (`None`: it did not exist); anything but a clean write is an error naming `shown`.
pub fn replace_read_file(
    path: &Path,
    original: Option<&[u8]>,
    bytes: &[u8],
    shown: &str,
    command: &str,
) -> anyhow::Result<()> {
    let expected = original.map_or(Expected::Absent, Expected::Bytes);
    match replace_file(path, expected, bytes) {
        Ok(WriteOutcome::Written) => Ok(()),
        Ok(WriteOutcome::ChangedSinceRead) => anyhow::bail!(
            "{shown} changed while `{command}` was running; nothing written, run it again"
        ),
        Ok(outcome) => anyhow::bail!("{shown}: {}", outcome.reason().unwrap_or_default()),
        Err(err) => Err(anyhow::Error::new(err).context(format!("cannot write {shown}"))),
    }
}

/// Creates a file that did not exist, refusing to replace one that appeared meanwhile.
fn create_new(
    real: &Path,
    directory: &Path,
    name: &OsString,
    bytes: &[u8],
    syncs: &mut DirectorySyncs,
) -> io::Result<WriteOutcome> {
    let mut temporary = TempFile::create(directory, name, None)?;
    temporary.write_all(bytes)?;
    temporary.finish()?;
    // A hard link fails when the name exists: creating the file cannot replace anyone's.
    match std::fs::hard_link(temporary.path(), real) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            return Ok(WriteOutcome::ChangedSinceRead)
        }
        Err(_) => {
            // File systems without hard links: check, then rename.
            if real.symlink_metadata().is_ok() {
                return Ok(WriteOutcome::ChangedSinceRead);
            }
            temporary.rename_over(real)?;
        }
    }
    drop(temporary);
    syncs.0.insert(directory.to_path_buf());
    Ok(WriteOutcome::Written)
}

/// The file a path names once symbolic links are followed; for a file that does not exist,
/// its would-be path in the real parent directory.
pub fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    match std::fs::canonicalize(path) {
        Ok(real) => Ok(real),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let parent = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            let name = path
                .file_name()
                .ok_or_else(|| io::Error::other("the path names no file"))?;
            Ok(std::fs::canonicalize(parent)?.join(name))
        }
        Err(err) => Err(err),
    }
}

fn split(real: &Path) -> io::Result<(&Path, OsString)> {
    let directory = real
        .parent()
        .ok_or_else(|| io::Error::other("the file has no parent directory"))?;
    let name = real
        .file_name()
        .ok_or_else(|| io::Error::other("the path names no file"))?
        .to_os_string();
    Ok((directory, name))
}

/// Opens a file for reading without blocking (a FIFO or device never hangs the run).
pub fn open_for_check(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC);
    }
    options.open(path)
}

/// Whether the open file holds what is expected.
fn holds(file: &File, expected: Expected<'_>) -> io::Result<bool> {
    match expected {
        Expected::Absent => Ok(false),
        Expected::Bytes(expected) => {
            let mut bytes = Vec::with_capacity(expected.len());
            file.take(expected.len() as u64 + 1)
                .read_to_end(&mut bytes)?;
            Ok(bytes == expected)
        }
    }
}

/// The path still names the same file, not modified since `before`.
fn still_the_same(path: &Path, before: &Metadata) -> io::Result<bool> {
    let now = std::fs::symlink_metadata(path)?;
    Ok(same_identity(&now, before) && same_contents_stamp(&now, before))
}

#[cfg(unix)]
fn same_identity(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_identity(_: &Metadata, _: &Metadata) -> bool {
    true
}

fn same_contents_stamp(a: &Metadata, b: &Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

#[cfg(unix)]
fn link_count(metadata: &Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    metadata.nlink()
}

#[cfg(not(unix))]
fn link_count(_: &Metadata) -> u64 {
    1
}

/// The owner may not write it (mode without `u+w`, even for root), or this process may not.
#[cfg(unix)]
fn is_read_only(path: &Path, metadata: &Metadata) -> bool {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    if metadata.permissions().mode() & 0o200 == 0 {
        return true;
    }
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c_path` is a valid NUL-terminated string for the duration of the call.
    unsafe { libc::access(c_path.as_ptr(), libc::W_OK) != 0 }
}

#[cfg(not(unix))]
fn is_read_only(_: &Path, metadata: &Metadata) -> bool {
    metadata.permissions().readonly()
}

/// Swaps two names atomically. `Ok(false)` when the platform or file system cannot.
#[cfg(target_os = "linux")]
pub(super) fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings for the duration of the call.
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        // Not offered here (old kernel, file system without it, an overlay that copies up).
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP | libc::EXDEV) => Ok(false),
        _ => Err(err),
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Makes a rename durable; not every file system can sync a directory.
pub(super) fn sync_directory(directory: &Path) {
    if let Ok(dir) = File::open(directory) {
        let _ = dir.sync_all();
    }
}

/// A test hook: `SSOT_FAULT_RENAME_BEFORE_EXCHANGE` (file-name suffixes) replaces matching
/// files with an edited copy by rename, as an editor saving would, just before the exchange.
fn fault_replace_by_rename(path: &Path) {
    if !crate::fs::fault_matches("SSOT_FAULT_RENAME_BEFORE_EXCHANGE", path) {
        return;
    }
    let Ok(mut text) = std::fs::read(path) else {
        return;
    };
    text.extend_from_slice(b"# saved by an editor\n");
    let mut saved = path.as_os_str().to_os_string();
    saved.push(".editor-save");
    if std::fs::write(&saved, text).is_ok() {
        let _ = std::fs::rename(&saved, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_created_and_an_existing_one_is_not_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.txt");
        assert_eq!(
            replace_file(&path, Expected::Absent, b"one").unwrap(),
            WriteOutcome::Written
        );
        assert_eq!(
            replace_file(&path, Expected::Absent, b"two").unwrap(),
            WriteOutcome::ChangedSinceRead
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        assert_eq!(
            replace_file(&path, Expected::Bytes(b"one"), b"three").unwrap(),
            WriteOutcome::Written
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_leftover_with_our_process_id_does_not_stop_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.py");
        std::fs::write(&path, "old").unwrap();
        let leftover = dir
            .path()
            .join(format!(".app.py.ssot-{}.tmp", std::process::id()));
        std::fs::write(&leftover, "from a killed run").unwrap();
        assert_eq!(
            replace_file(&path, Expected::Bytes(b"old"), b"new").unwrap(),
            WriteOutcome::Written
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert!(!leftover.exists());
    }
}
