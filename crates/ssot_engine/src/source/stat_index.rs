//! The working tree's shortcut around reading unchanged files: the content key each file had
//! when a previous run read it, with the file's metadata then (device, inode, size,
//! modification and status-change times).
//!
//! An entry is trusted only when every one of those is unchanged, and it is recorded only when
//! the file's times are at least [`RACY_MARGIN`] older than the moment that run started to read
//! files: a file written in the same clock tick as it was read would keep its times through a
//! second write (git's "racily clean" problem), so such files are read again next time. Every
//! write to a file sets its status-change time to the current time, which no program can set
//! back, so a changed file never matches its old entry. Any doubt means reading the file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64;

use crate::cache::{ContentKey, Reader};

/// How much older than the start of the reading a file's times must be for its entry to be
/// recorded: far above any file system's timestamp granularity.
pub const RACY_MARGIN: Duration = Duration::from_secs(2);

const MAGIC: &[u8; 8] = b"SSOTSTA\0";
const FORMAT: u32 = 1;

/// What a file's metadata said when it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    device: u64,
    inode: u64,
    size: u64,
    modified_ns: i128,
    changed_ns: i128,
}

impl FileStamp {
    /// The stamp of the file at `path` (following symbolic links, as reading does).
    #[cfg(unix)]
    pub fn of(path: &Path) -> io::Result<Self> {
        use std::os::unix::fs::MetadataExt;
        let metadata = fs::metadata(path)?;
        Ok(Self {
            device: metadata.dev(),
            inode: metadata.ino(),
            size: metadata.size(),
            modified_ns: i128::from(metadata.mtime()) * 1_000_000_000
                + i128::from(metadata.mtime_nsec()),
            changed_ns: i128::from(metadata.ctime()) * 1_000_000_000
                + i128::from(metadata.ctime_nsec()),
        })
    }

    /// Without status-change times there is no safe shortcut.
    #[cfg(not(unix))]
    pub fn of(_path: &Path) -> io::Result<Self> {
        Err(io::Error::other("no status-change time on this platform"))
    }

    fn is_settled_before(&self, started_ns: i128) -> bool {
        let margin = RACY_MARGIN.as_nanos() as i128;
        self.modified_ns < started_ns - margin && self.changed_ns < started_ns - margin
    }
}

/// An entry of the index a previous run saved, and whether this run found it still true.
struct PreviousEntry {
    stamp: FileStamp,
    key: ContentKey,
    confirmed: AtomicBool,
}

/// The stamps and keys of one project's files, loaded from and saved to the cache directory.
///
/// A warm run confirms nearly every entry and reads nearly no file: a confirmed entry is a
/// flag and a count, not a copy of its path, and an index whose every entry was confirmed
/// and that learnt nothing new is not written again.
pub struct StatIndex {
    path: PathBuf,
    started_ns: i128,
    previous: FxHashMap<String, PreviousEntry>,
    /// How many entries of `previous` this run confirmed.
    confirmed: AtomicUsize,
    /// Files this run read, with their stamp from before the read.
    read: Mutex<Vec<(String, FileStamp, ContentKey)>>,
}

impl StatIndex {
    /// The index for the project at `root`, kept in `cache_dir`; an unreadable or corrupt
    /// index is empty. Call this before reading any file: its time is the start of the reading.
    pub fn open(cache_dir: &Path, root: &Path) -> Self {
        let started_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        let name = format!("{:016x}.bin", xxh3_64(root.as_os_str().as_encoded_bytes()));
        let path = cache_dir.join("stat").join(name);
        let previous = crate::fs::read_regular_file(&path, u64::MAX)
            .ok()
            .and_then(|bytes| parse(&bytes))
            .unwrap_or_default();
        Self {
            path,
            started_ns,
            previous,
            confirmed: AtomicUsize::new(0),
            read: Mutex::new(Vec::new()),
        }
    }

    /// The content key of the file at `absolute` (`relative` to the root) when it provably
    /// has not changed since a previous run read it; records the stamp for the next run.
    pub fn unchanged_key(&self, relative: &str, absolute: &Path) -> Option<ContentKey> {
        let entry = self.previous.get(relative)?;
        let stamp = FileStamp::of(absolute).ok()?;
        if entry.stamp != stamp {
            return None;
        }
        if !entry.confirmed.swap(true, Ordering::Relaxed) {
            self.confirmed.fetch_add(1, Ordering::Relaxed);
        }
        Some(entry.key)
    }

    /// Notes what a file held when it was read, given its stamp from before the read.
    pub fn note_read(&self, relative: &str, stamp: FileStamp, key: ContentKey) {
        if stamp.is_settled_before(self.started_ns) {
            self.read.lock().unwrap_or_else(|e| e.into_inner()).push((
                relative.to_string(),
                stamp,
                key,
            ));
        }
    }

    /// Writes the index when it changed (atomically). Errors are for the caller to ignore or
    /// warn about; the facts cache's own write says the same thing.
    pub fn save(self) -> io::Result<()> {
        let mut current = self.read.into_inner().unwrap_or_else(|e| e.into_inner());
        let confirmed = self.confirmed.into_inner();
        // Every entry still true and none learnt: the saved index is this run's already.
        let learnt = current.iter().any(|(path, stamp, key)| {
            self.previous
                .get(path)
                .is_none_or(|entry| entry.stamp != *stamp || entry.key != *key)
        });
        if confirmed == self.previous.len() && !learnt {
            return Ok(());
        }
        // A file read this run wins over its confirmed entry (there is at most one of each).
        current.sort_by(|a, b| a.0.cmp(&b.0));
        let read_count = current.len();
        for (path, entry) in self.previous {
            if entry.confirmed.into_inner()
                && current[..read_count]
                    .binary_search_by(|(read, _, _)| read.as_str().cmp(&path))
                    .is_err()
            {
                current.push((path, entry.stamp, entry.key));
            }
        }
        current.sort_by(|a, b| a.0.cmp(&b.0));
        let mut bytes = Vec::with_capacity(current.len() * 96 + 24);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT.to_le_bytes());
        bytes.extend_from_slice(&(current.len() as u64).to_le_bytes());
        for (path, stamp, key) in &current {
            bytes.extend_from_slice(&(path.len() as u32).to_le_bytes());
            bytes.extend_from_slice(path.as_bytes());
            bytes.extend_from_slice(&stamp.device.to_le_bytes());
            bytes.extend_from_slice(&stamp.inode.to_le_bytes());
            bytes.extend_from_slice(&stamp.size.to_le_bytes());
            bytes.extend_from_slice(&stamp.modified_ns.to_le_bytes());
            bytes.extend_from_slice(&stamp.changed_ns.to_le_bytes());
            bytes.extend_from_slice(&key.0.to_le_bytes());
        }
        let checksum = xxh3_64(&bytes);
        bytes.extend_from_slice(&checksum.to_le_bytes());
        if let Some(parent) = self.path.parent() {
            fs::create_dir_all(parent)?;
        }
        crate::cache::write_atomically(&self.path, &bytes)
    }
}

fn parse(bytes: &[u8]) -> Option<FxHashMap<String, PreviousEntry>> {
    let (body, checksum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if xxh3_64(body) != u64::from_le_bytes(checksum.try_into().ok()?) {
        return None;
    }
    let mut reader = Reader { bytes: body, at: 0 };
    if reader.take(MAGIC.len())? != MAGIC || reader.u32()? != FORMAT {
        return None;
    }
    let count = reader.u64()?;
    let mut entries = FxHashMap::default();
    entries.reserve(count.min(1 << 20) as usize);
    for _ in 0..count {
        let len = reader.u32()? as usize;
        let path = std::str::from_utf8(reader.take(len)?).ok()?.to_string();
        let stamp = FileStamp {
            device: reader.u64()?,
            inode: reader.u64()?,
            size: reader.u64()?,
            modified_ns: reader.i128()?,
            changed_ns: reader.i128()?,
        };
        let key = ContentKey(reader.u128()?);
        entries.insert(
            path,
            PreviousEntry {
                stamp,
                key,
                confirmed: AtomicBool::new(false),
            },
        );
    }
    Some(entries)
}
