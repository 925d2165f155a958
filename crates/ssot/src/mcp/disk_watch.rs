//! Notice of activity in the project's directories between two tool calls, so that a call
//! after a quiet spell skips comparing every file's size and modification time.
//!
//! On Linux an inotify instance watches every directory holding an analysed file: writing,
//! truncating, touching, creating, deleting or renaming a file in one of them queues an event.
//! The watch says only *that* something happened; what changed is still found by comparing
//! the stamps ([`super::warm`]). Where inotify is not available (another system, the limit of
//! watches reached) there is no watch and every call compares the stamps.
//!
//! inotify reports what is done through the watched directories: a file changed through a
//! hard link in another directory, or by another machine on a network file system, raises no
//! event, so the caller still compares the stamps every few seconds.

use std::path::Path;

/// Activity in a set of directories since the watch was made or last asked.
pub(crate) struct DirectoryWatch {
    #[cfg(target_os = "linux")]
    fd: std::os::fd::OwnedFd,
}

impl DirectoryWatch {
    /// Watches `directories`; `None` when they cannot all be watched.
    #[cfg(target_os = "linux")]
    pub(crate) fn new<'a>(directories: impl IntoIterator<Item = &'a Path>) -> Option<Self> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        use std::os::unix::ffi::OsStrExt;

        // SAFETY: plain system calls; the descriptor is owned by `OwnedFd` from here on.
        let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if raw < 0 {
            return None;
        }
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let mask = libc::IN_MODIFY
            | libc::IN_ATTRIB
            | libc::IN_CLOSE_WRITE
            | libc::IN_CREATE
            | libc::IN_DELETE
            | libc::IN_DELETE_SELF
            | libc::IN_MOVE_SELF
            | libc::IN_MOVED_FROM
            | libc::IN_MOVED_TO
            | libc::IN_ONLYDIR;
        for directory in directories {
            let path = std::ffi::CString::new(directory.as_os_str().as_bytes()).ok()?;
            // SAFETY: `path` is a valid C string for the length of the call.
            let watch = unsafe { libc::inotify_add_watch(fd.as_raw_fd(), path.as_ptr(), mask) };
            if watch < 0 {
                return None;
            }
        }
        Some(Self { fd })
    }

    #[cfg(not(target_os = "linux"))]
    pub(crate) fn new<'a>(_directories: impl IntoIterator<Item = &'a Path>) -> Option<Self> {
        None
    }

    /// Whether anything happened in the watched directories since the watch was made or
    /// last asked (an overflowing queue counts as activity). Empties the queue.
    #[cfg(target_os = "linux")]
    pub(crate) fn saw_activity(&mut self) -> bool {
        use std::os::fd::AsRawFd;

        let mut activity = false;
        let mut buffer = [0u8; 16 * 1024];
        loop {
            // SAFETY: reads at most `buffer.len()` bytes into `buffer`.
            let read = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                )
            };
            if read > 0 {
                activity = true;
                continue;
            }
            if read < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            }
            // Nothing more queued (`EAGAIN`), or the descriptor failed: then it cannot be
            // trusted to have seen everything.
            return activity
                || (read < 0
                    && std::io::Error::last_os_error().kind() != std::io::ErrorKind::WouldBlock);
        }
    }

    #[cfg(not(target_os = "linux"))]
    pub(crate) fn saw_activity(&mut self) -> bool {
        true
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn writing_a_file_in_a_watched_directory_is_activity() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.py");
        std::fs::write(&file, "x = 1\n").unwrap();
        let mut watch = DirectoryWatch::new([dir.path()]).expect("inotify is available");
        assert!(!watch.saw_activity());
        std::fs::write(&file, "x = 2\n").unwrap();
        assert!(watch.saw_activity());
        assert!(!watch.saw_activity(), "the queue is emptied");
        std::fs::write(dir.path().join("b.py"), "").unwrap();
        assert!(watch.saw_activity());
    }
}
