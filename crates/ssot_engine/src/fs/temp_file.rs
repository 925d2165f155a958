//! Temporary files beside the files they replace: `.NAME.ssot-PID.tmp`, created with the
//! final owner, group, mode and extended attributes before any byte is written (the new
//! content of a 0600 file is never readable by others), removed unless swapped in, and
//! cleaned up after a killed run by the next one (when no process has that id any more).

use std::ffi::OsString;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::write::{exchange, sync_directory};

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

    /// Where the temporary file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Leaves the temporary file in place (it holds someone's data) and returns its path.
    pub fn keep(mut self) -> PathBuf {
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
}
