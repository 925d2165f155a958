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
    if exchange(&temporary.path, &real)? {
        let swapped_out = open_for_check(&temporary.path)?;
        let intact = same_identity(&swapped_out.metadata()?, &before)
            && same_contents_stamp(&swapped_out.metadata()?, &before)
            && holds(&swapped_out, expected)?;
        if !intact {
            if let Err(err) = exchange(&temporary.path, &real) {
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
    match std::fs::hard_link(&temporary.path, real) {
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
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
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
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(err),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Makes a rename durable; not every file system can sync a directory.
fn sync_directory(directory: &Path) {
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

/// The marker in temporary file names: `.NAME.ssot-PID.tmp`.
const TEMP_MARKER: &str = ".ssot-";

/// A temporary file beside its target, removed when dropped unless renamed into place.
pub struct TempFile {
    path: PathBuf,
    file: Option<File>,
    /// A `SSOT_FAULT_FULL_DISK` test fault: half of the first write goes through, then the
    /// disk is full.
    full_disk: bool,
    written: usize,
}

impl TempFile {
    /// Creates `.NAME.ssot-PID.tmp` in `directory`, with the owner, group, extended
    /// attributes and mode of `like` (the file it will replace) set before any byte is
    /// written; a new file gets the default mode (0666 less the umask).
    pub fn create(directory: &Path, name: &OsString, like: Option<&Metadata>) -> io::Result<Self> {
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!("{TEMP_MARKER}{}.tmp", std::process::id()));
        let path = directory.join(temp_name);
        let file = match open_exclusive(&path, like) {
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                // Our process id on a leftover: a dead process that had the same id.
                std::fs::remove_file(&path)?;
                open_exclusive(&path, like)?
            }
            other => other?,
        };
        let full_disk = crate::fs::fault_matches("SSOT_FAULT_FULL_DISK", &directory.join(name));
        let mut temporary = Self {
            path,
            file: Some(file),
            full_disk,
            written: 0,
        };
        if let Some(like) = like {
            temporary.copy_metadata(like, &directory.join(name))?;
        }
        Ok(temporary)
    }

    #[cfg(unix)]
    fn copy_metadata(&mut self, like: &Metadata, original: &Path) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::MetadataExt;
        let file = self.file.as_ref().expect("open until renamed");
        let fd = file.as_raw_fd();
        let mine = file.metadata()?;
        if mine.uid() != like.uid() || mine.gid() != like.gid() {
            // SAFETY: `fd` is an open descriptor owned by `file`.
            if unsafe { libc::fchown(fd, like.uid(), like.gid()) } != 0 {
                let err = io::Error::last_os_error();
                return Err(io::Error::new(
                    err.kind(),
                    format!("cannot keep the file's owner and group ({err})"),
                ));
            }
        }
        copy_extended_attributes(original, fd)?;
        // After fchown, which clears set-id bits.
        // SAFETY: as above.
        if unsafe { libc::fchmod(fd, (like.mode() & 0o7777) as libc::mode_t) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn copy_metadata(&mut self, like: &Metadata, _: &Path) -> io::Result<()> {
        let file = self.file.as_ref().expect("open until renamed");
        file.set_permissions(like.permissions())
    }

    /// Leaves the temporary file in place (it holds someone's data) and returns its path.
    fn keep(mut self) -> PathBuf {
        self.file = None;
        std::mem::take(&mut self.path)
    }

    /// Flushes the bytes to disk.
    pub fn finish(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("open until renamed").sync_all()
    }

    /// Renames the temporary file over `target`.
    pub fn rename_over(&mut self, target: &Path) -> io::Result<()> {
        std::fs::rename(&self.path, target)?;
        self.file = None;
        self.path = PathBuf::new();
        Ok(())
    }

    /// Swaps the temporary file into place (exchange where offered, rename otherwise) and
    /// removes the file swapped out; for files whose old content is not compared.
    pub fn commit(mut self, target: &Path) -> io::Result<()> {
        self.finish()?;
        let exists = target.symlink_metadata().is_ok();
        if !exists || !exchange(&self.path, target)? {
            self.rename_over(target)?;
        }
        if let Some(directory) = target.parent() {
            sync_directory(directory);
        }
        Ok(())
    }
}

impl Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let buf = if self.full_disk {
            if self.written > 0 {
                return Err(io::Error::from_raw_os_error(libc::ENOSPC));
            }
            &buf[..buf.len().div_ceil(2)]
        } else {
            buf
        };
        let count = self.file.as_mut().expect("open until renamed").write(buf)?;
        self.written += count;
        Ok(count)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("open until renamed").flush()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn open_exclusive(path: &Path, like: Option<&Metadata>) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Owner-only until the final mode is set: the new content is never more visible than
        // the old. A new file gets the usual 0666 less the umask.
        options.mode(if like.is_some() { 0o600 } else { 0o666 });
        options.custom_flags(libc::O_CLOEXEC);
    }
    #[cfg(not(unix))]
    let _ = like;
    options.open(path)
}

fn find_marker(bytes: &[u8]) -> Option<usize> {
    let marker = TEMP_MARKER.as_bytes();
    bytes.windows(marker.len()).rposition(|w| w == marker)
}

/// Copies the extended attributes (and so POSIX ACLs and security labels) of `from` to `to`.
#[cfg(target_os = "linux")]
fn copy_extended_attributes(from: &Path, to: std::os::fd::RawFd) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let from = std::ffi::CString::new(from.as_os_str().as_bytes())?;
    let mut names = vec![0u8; 4096];
    let length = loop {
        // SAFETY: `names` is a writable buffer of the given length.
        let length =
            unsafe { libc::llistxattr(from.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
        if length >= 0 {
            break length as usize;
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::ERANGE) => names.resize(names.len() * 4, 0),
            Some(libc::ENOTSUP) => return Ok(()),
            _ => return Err(err),
        }
    };
    for name in names[..length].split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let c_name = std::ffi::CString::new(name)?;
        let mut value = vec![0u8; 256];
        let size = loop {
            // SAFETY: `value` is a writable buffer of the given length.
            let size = unsafe {
                libc::lgetxattr(
                    from.as_ptr(),
                    c_name.as_ptr(),
                    value.as_mut_ptr().cast(),
                    value.len(),
                )
            };
            if size >= 0 {
                break size as usize;
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::ERANGE) => value.resize(value.len() * 4, 0),
                _ => return Err(err),
            }
        };
        // SAFETY: `to` is an open descriptor; `value[..size]` is initialised.
        let set = unsafe { libc::fsetxattr(to, c_name.as_ptr(), value.as_ptr().cast(), size, 0) };
        if set != 0 {
            let err = io::Error::last_os_error();
            return Err(io::Error::new(
                err.kind(),
                format!(
                    "cannot keep the extended attribute {} ({err})",
                    String::from_utf8_lossy(name)
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(all(unix, not(target_os = "linux")))]
fn copy_extended_attributes(_: &Path, _: std::os::fd::RawFd) -> io::Result<()> {
    Ok(())
}

/// Removes `.NAME.ssot-PID.tmp` files left in `directory` by processes that no longer run
/// (a run killed mid-write); returns how many.
pub fn remove_stale_temporaries(directory: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let bytes = name.as_encoded_bytes();
        let Some(pid) = stale_temp_pid(bytes) else {
            continue;
        };
        if pid == std::process::id() || process_is_alive(pid) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_file())
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// The process id in a temporary file name of ours.
fn stale_temp_pid(name: &[u8]) -> Option<u32> {
    let stem = name.strip_prefix(b".")?.strip_suffix(b".tmp")?;
    let marker = find_marker(stem)?;
    let digits = &stem[marker + TEMP_MARKER.len()..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Whether a process with this id runs (or exists but is not ours to signal).
#[cfg(unix)]
pub fn process_is_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
pub fn process_is_alive(_: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_give_their_process_id() {
        assert_eq!(stale_temp_pid(b".app.py.ssot-1234.tmp"), Some(1234));
        assert_eq!(stale_temp_pid(b".a.ssot-b.py.ssot-7.tmp"), Some(7));
        assert_eq!(stale_temp_pid(b".app.py.ssot-.tmp"), None);
        assert_eq!(stale_temp_pid(b"app.py"), None);
    }

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

    #[cfg(unix)]
    #[test]
    fn a_temporary_file_has_the_final_mode_before_any_byte_is_written() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.py");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let like = std::fs::metadata(&path).unwrap();
        let temporary = TempFile::create(dir.path(), &"secret.py".into(), Some(&like)).unwrap();
        let mode = std::fs::metadata(&temporary.path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o7777, 0o600);
        assert_eq!(std::fs::metadata(&temporary.path).unwrap().len(), 0);
    }

    #[test]
    fn a_leftover_with_our_process_id_does_not_stop_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.py");
        std::fs::write(&path, "old").unwrap();
        let leftover = dir
            .path()
            .join(format!(".app.py{TEMP_MARKER}{}.tmp", std::process::id()));
        std::fs::write(&leftover, "from a killed run").unwrap();
        assert_eq!(
            replace_file(&path, Expected::Bytes(b"old"), b"new").unwrap(),
            WriteOutcome::Written
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert!(!leftover.exists());
    }
}
