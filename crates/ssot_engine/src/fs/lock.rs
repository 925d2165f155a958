//! The project lock: one writing ssot command at a time per project.
//!
//! `.ssot.lock` at the project root holds the process id of the command holding it. The lock
//! itself is an advisory `flock`, which the kernel releases when the holder exits or is
//! killed, so a lock file left by a killed run is stale by construction: the next run takes
//! it. A second command waits briefly for the first, then stops with a message naming it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The lock file's name, at the project root.
pub const LOCK_FILE: &str = ".ssot.lock";

/// How long a second command waits for the first before giving up.
const WAIT: Duration = Duration::from_secs(3);

/// A held project lock; released (and its file removed) when dropped.
pub struct ProjectLock {
    path: PathBuf,
    _file: File,
}

impl ProjectLock {
    /// Takes the lock of the project at `root` for `command`. `Ok(None)` when the root is not
    /// writable: the command's own writes will fail and say so.
    pub fn acquire(root: &Path, command: &str) -> Result<Option<Self>> {
        let path = root.join(LOCK_FILE);
        let started = Instant::now();
        loop {
            let mut file = match open_lock_file(&path) {
                Ok(file) => file,
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
                    ) =>
                {
                    return Ok(None)
                }
                Err(err) => {
                    return Err(err).with_context(|| format!("cannot lock {}", path.display()))
                }
            };
            if try_lock(&file)? {
                // The holder before us may have removed the file after we opened it: the lock
                // is only ours if the name still leads to the file we locked.
                if !names_file(&path, &file) {
                    continue;
                }
                file.set_len(0)?;
                writeln!(file, "{} ssot {command}", std::process::id())?;
                return Ok(Some(Self { path, _file: file }));
            }
            if started.elapsed() >= WAIT {
                let mut holder = String::new();
                let _ = file.rewind();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                bail!(
                    "another ssot command is writing this project ({}, holding {}); wait for it \
                     to finish, then run this one again",
                    if holder.is_empty() {
                        "process unknown".to_string()
                    } else {
                        format!("process {holder}")
                    },
                    path.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ProjectLock {
    fn drop(&mut self) {
        // Removed while still held, so no other command can hold a removed file's lock
        // (`names_file` makes a waiter that opened it try again).
        let _ = std::fs::remove_file(&self.path);
    }
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o644).custom_flags(libc::O_CLOEXEC);
    }
    options.open(path)
}

#[cfg(unix)]
fn try_lock(file: &File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for the duration of the call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err)
    }
}

#[cfg(not(unix))]
fn try_lock(_: &File) -> io::Result<bool> {
    Ok(true)
}

#[cfg(unix)]
fn names_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(named), Ok(open)) => named.dev() == open.dev() && named.ino() == open.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn names_file(_: &Path, _: &File) -> bool {
    true
}
