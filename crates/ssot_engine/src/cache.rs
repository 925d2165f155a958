//! The persistent facts cache: a file's facts, keyed by the hash of its bytes.
//!
//! Facts are a pure function of (bytes, path kind, ssot version, extraction options), so an
//! entry is keyed by a [`ContentKey`] (XXH3-128 of the bytes, or of the blob id for a git
//! source) inside a pack whose name is the [`GlobalKey`] (ssot version, cache format, options).
//! A pack is one file, `facts/<global key>.bin` under the cache directory, read whole at the
//! start of a run and replaced atomically (a temporary file in the same directory, renamed
//! over the old one) at the end when anything changed. Each entry carries the day it was last
//! used, and entries unused for [`PRUNE_AFTER_DAYS`] are dropped when a pack is written; packs
//! of other versions or options not written for that long are deleted.
//!
//! Nothing a cache holds is trusted: a pack with the wrong magic, version or key is ignored;
//! an entry whose checksum or encoding is wrong is a miss, extracted again and rewritten; a
//! truncated pack keeps the entries before the cut. Only cross-file work is left out of the
//! cache: the index and the rules run on the facts every time.

use std::collections::hash_map::Entry;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustc_hash::{FxHashMap, FxHashSet};
use ssot_facts::{CallDetail, FileFacts};
use ssot_python::TargetVersion;
use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

use crate::load::FileLimits;

/// The cache directory's name in the project root.
pub const CACHE_DIR_NAME: &str = ".ssot_cache";

/// Entries (and packs) not used for this many days are removed.
pub const PRUNE_AFTER_DAYS: u32 = 30;

/// Bumped whenever the pack layout changes. Changes to the facts or to extraction need no
/// bump: the build fingerprints that code (`build.rs`) into the [`GlobalKey`].
const FORMAT: u32 = 1;
const MAGIC: &[u8; 8] = b"SSOTFCT\0";
const PACK_DIR: &str = "facts";

/// What, besides a file's bytes and kind, its facts depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtractOptions {
    /// How much of the calls to record.
    pub calls: CallDetail,
    /// Syntax newer than this is a syntax error.
    pub target: TargetVersion,
}

/// The key shared by every entry of one pack: the ssot version, the cache format, the
/// extraction options and the file limits (an entry exists only for a file within them, so a
/// source that keys files without reading them can trust a hit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalKey(u64);

impl GlobalKey {
    /// The key for this build of ssot and `options`.
    pub fn new(options: ExtractOptions, limits: FileLimits) -> Self {
        let calls = match options.calls {
            CallDetail::Nothing => 0u8,
            CallDetail::Names => 1,
            CallDetail::Sites => 2,
        };
        let text = format!(
            "ssot {} format {FORMAT} extraction {} calls {calls} target {}.{} limits {} {}",
            env!("CARGO_PKG_VERSION"),
            env!("SSOT_EXTRACTION_FINGERPRINT"),
            options.target.major,
            options.target.minor,
            limits.max_size,
            limits.max_tokens,
        );
        GlobalKey(xxh3_64(text.as_bytes()))
    }

    fn file_name(self) -> String {
        format!("{:016x}.bin", self.0)
    }
}

/// What identifies a file's content: the XXH3-128 of its bytes (or of a git blob id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentKey(pub u128);

impl ContentKey {
    /// The key of a file's bytes.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        ContentKey(xxh3_128(bytes))
    }

    /// The key of a git blob: its object id says what its bytes are without reading them.
    pub fn of_git_blob(object_id: &[u8]) -> Self {
        let mut tagged = Vec::with_capacity(object_id.len() + 9);
        tagged.extend_from_slice(b"git-blob:");
        tagged.extend_from_slice(object_id);
        ContentKey(xxh3_128(&tagged))
    }
}

/// Where an entry's encoded facts are in the pack read at the start of the run.
#[derive(Debug)]
struct StoredEntry {
    offset: usize,
    len: usize,
    checksum: u64,
    last_used_day: u32,
    /// This run read the entry (a flag, not a shared set: every thread of a warm run reads
    /// entries at once, and would otherwise take turns at one lock).
    used: AtomicBool,
}

/// Why the cache could not be written; the run goes on without it.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the cache at {}: {source}", path.display())]
pub struct CacheWriteError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// One pack of the cache, opened for a run.
pub struct FactsCache {
    directory: PathBuf,
    key: GlobalKey,
    today: u32,
    bytes: Vec<u8>,
    stored: FxHashMap<ContentKey, StoredEntry>,
    fresh: Mutex<Vec<(ContentKey, Vec<u8>)>>,
}

impl FactsCache {
    /// Opens the pack for `key` in `directory` (which need not exist). An unreadable, foreign
    /// or corrupt pack is an empty cache, never an error.
    pub fn open(directory: &Path, key: GlobalKey) -> Self {
        Self::open_on(directory, key, today())
    }

    /// [`FactsCache::open`] as if today were `today` (days since the Unix epoch).
    fn open_on(directory: &Path, key: GlobalKey, today: u32) -> Self {
        let path = directory.join(PACK_DIR).join(key.file_name());
        let bytes = crate::fs::read_regular_file(&path, u64::MAX).unwrap_or_default();
        let stored = read_index(&bytes, key).unwrap_or_default();
        Self {
            directory: directory.to_path_buf(),
            key,
            today,
            bytes,
            stored,
            fresh: Mutex::new(Vec::new()),
        }
    }

    /// The facts stored for `content`, if an intact entry holds them.
    pub fn get(&self, content: ContentKey) -> Option<FileFacts> {
        let entry = self.stored.get(&content)?;
        let encoded = &self.bytes[entry.offset..entry.offset + entry.len];
        if xxh3_64(encoded) != entry.checksum {
            return None;
        }
        let facts = postcard::from_bytes(encoded).ok()?;
        entry.used.store(true, Ordering::Relaxed);
        Some(facts)
    }

    /// Stores the facts of `content` (written by [`FactsCache::save`]).
    pub fn insert(&self, content: ContentKey, facts: &FileFacts) {
        let Ok(encoded) = postcard::to_stdvec(facts) else {
            return;
        };
        self.fresh
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((content, encoded));
    }

    /// How many entries the pack held when it was opened.
    pub fn stored_entries(&self) -> usize {
        self.stored.len()
    }

    /// Writes the pack back when this run added entries, used entries last used on another
    /// day, or left entries old enough to prune; deletes packs of other keys unused for
    /// [`PRUNE_AFTER_DAYS`]. Returns whether the pack was written.
    pub fn save(&self) -> Result<bool, CacheWriteError> {
        let used: FxHashSet<ContentKey> = self
            .stored
            .iter()
            .filter(|(_, entry)| entry.used.swap(false, Ordering::Relaxed))
            .map(|(key, _)| *key)
            .collect();
        let mut fresh = std::mem::take(&mut *self.fresh.lock().unwrap_or_else(|e| e.into_inner()));
        let oldest_kept = self.today.saturating_sub(PRUNE_AFTER_DAYS);
        let stale_use = used
            .iter()
            .any(|key| self.stored[key].last_used_day != self.today);
        let prunable = self
            .stored
            .values()
            .any(|entry| entry.last_used_day < oldest_kept);
        if fresh.is_empty() && !stale_use && !prunable {
            return Ok(false);
        }
        // Entries: this run's (fresh ones win over stored ones with the same key), then the
        // stored ones still young enough, in key order so that equal caches are equal files.
        let mut entries: FxHashMap<ContentKey, (u32, &[u8])> = FxHashMap::default();
        fresh.sort_by_key(|(key, _)| *key);
        for (key, encoded) in &fresh {
            entries.insert(*key, (self.today, encoded.as_slice()));
        }
        for (key, entry) in &self.stored {
            let day = if used.contains(key) {
                self.today
            } else {
                entry.last_used_day
            };
            if day < oldest_kept {
                continue;
            }
            if let Entry::Vacant(slot) = entries.entry(*key) {
                slot.insert((day, &self.bytes[entry.offset..entry.offset + entry.len]));
            }
        }
        let mut keys: Vec<&ContentKey> = entries.keys().collect();
        keys.sort();
        let packs = self.directory.join(PACK_DIR);
        create_cache_dir(&self.directory)?;
        fs::create_dir_all(&packs).map_err(|source| CacheWriteError {
            path: packs.clone(),
            source,
        })?;
        let path = packs.join(self.key.file_name());
        // Streamed to the file: a cold run's entries are not copied into one more buffer.
        let write_pack = |out: &mut dyn Write| -> io::Result<()> {
            out.write_all(MAGIC)?;
            out.write_all(&FORMAT.to_le_bytes())?;
            out.write_all(&self.key.0.to_le_bytes())?;
            out.write_all(&(keys.len() as u64).to_le_bytes())?;
            for key in &keys {
                let (day, encoded) = entries[*key];
                out.write_all(&key.0.to_le_bytes())?;
                out.write_all(&day.to_le_bytes())?;
                out.write_all(&(encoded.len() as u64).to_le_bytes())?;
                out.write_all(&xxh3_64(encoded).to_le_bytes())?;
                out.write_all(encoded)?;
            }
            Ok(())
        };
        write_atomically_with(&path, &write_pack).map_err(|source| CacheWriteError {
            path: path.clone(),
            source,
        })?;
        prune_other_packs(&packs, self.key);
        Ok(true)
    }
}

/// Parses a pack's index; `None` when it is not a pack of this key. A truncated pack keeps
/// the entries before the cut.
fn read_index(bytes: &[u8], key: GlobalKey) -> Option<FxHashMap<ContentKey, StoredEntry>> {
    let mut reader = Reader { bytes, at: 0 };
    if reader.take(MAGIC.len())? != MAGIC || reader.u32()? != FORMAT || reader.u64()? != key.0 {
        return None;
    }
    let count = reader.u64()?;
    let mut stored = FxHashMap::default();
    stored.reserve(count.min(1 << 20) as usize);
    for _ in 0..count {
        let Some(entry) = read_entry(&mut reader) else {
            break;
        };
        stored.insert(entry.0, entry.1);
    }
    Some(stored)
}

fn read_entry(reader: &mut Reader<'_>) -> Option<(ContentKey, StoredEntry)> {
    let key = u128::from_le_bytes(reader.take(16)?.try_into().ok()?);
    let last_used_day = reader.u32()?;
    let len = usize::try_from(reader.u64()?).ok()?;
    let checksum = reader.u64()?;
    let offset = reader.at;
    reader.take(len)?;
    Some((
        ContentKey(key),
        StoredEntry {
            offset,
            len,
            checksum,
            last_used_day,
            used: AtomicBool::new(false),
        },
    ))
}

/// Reads little-endian fields off a byte slice; `None` past its end.
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(len)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub(crate) fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    pub(crate) fn i128(&mut self) -> Option<i128> {
        Some(i128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }
}

/// Days since the Unix epoch.
fn today() -> u32 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (now.as_secs() / 86_400) as u32
}

const CACHEDIR_TAG: &[u8] = b"Signature: 8a477f597d28d172789f06886806bc55\n\
    # This file is a cache directory tag created by ssot.\n\
    # For information about cache directory tags, see https://bford.info/cachedir/\n";

/// Creates the cache directory with the markers that keep it out of version control and
/// backups (`.gitignore` with `*`, `CACHEDIR.TAG`).
pub fn create_cache_dir(directory: &Path) -> Result<(), CacheWriteError> {
    let error = |source| CacheWriteError {
        path: directory.to_path_buf(),
        source,
    };
    fs::create_dir_all(directory).map_err(error)?;
    let markers: [(&str, &[u8]); 2] = [
        (
            ".gitignore",
            b"# Created by ssot: this directory is its facts cache.\n*\n",
        ),
        ("CACHEDIR.TAG", CACHEDIR_TAG),
    ];
    for (name, contents) in markers {
        let path = directory.join(name);
        if !path.exists() {
            write_atomically(&path, contents).map_err(|source| CacheWriteError {
                path: path.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`: a reader sees
/// the old file or the new one, never half of one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically_with(path, &|out: &mut dyn Write| out.write_all(bytes))
}

/// [`write_atomically`] with the bytes written by `write`.
fn write_atomically_with(
    path: &Path,
    write: &dyn Fn(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let directory = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    let temp = directory.join(format!(".{file_name}.{}.{nanos}.tmp", std::process::id()));
    let result = (|| {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let mut out = io::BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|err| err.into_error())?;
        file.sync_data()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Deletes packs of other keys (other ssot versions or options) and leftover temporary files
/// not written for [`PRUNE_AFTER_DAYS`].
fn prune_other_packs(packs: &Path, keep: GlobalKey) {
    let Ok(entries) = fs::read_dir(packs) else {
        return;
    };
    let keep_name = keep.file_name();
    let max_age = Duration::from_secs(u64::from(PRUNE_AFTER_DAYS) * 86_400);
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy() == keep_name {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > max_age);
        if old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether `directory` holds the `CACHEDIR.TAG` ssot writes (what `ssot clean` checks before
/// removing a directory it was pointed at).
pub fn is_ssot_cache_dir(directory: &Path) -> bool {
    crate::fs::read_regular_file(&directory.join("CACHEDIR.TAG"), 4096)
        .is_ok_and(|tag| tag == CACHEDIR_TAG)
}

/// Removes the cache directory (`ssot clean`); returns whether there was one.
pub fn remove_cache_dir(directory: &Path) -> io::Result<bool> {
    match fs::symlink_metadata(directory) {
        Ok(_) => {
            fs::remove_dir_all(directory)?;
            Ok(true)
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(source: &str) -> FileFacts {
        ssot_python::extract_facts(source, ssot_python::SourceKind::Python)
    }

    fn key() -> GlobalKey {
        GlobalKey::new(
            ExtractOptions {
                calls: CallDetail::Sites,
                target: TargetVersion::NEWEST,
            },
            FileLimits {
                max_size: 1 << 20,
                max_tokens: 1 << 20,
            },
        )
    }

    fn pack_path(dir: &Path) -> PathBuf {
        dir.join(PACK_DIR).join(key().file_name())
    }

    #[test]
    fn stored_facts_come_back_equal() {
        let dir = tempfile::tempdir().unwrap();
        let source = "from pkg.core import Manager\nimport os\nos.path.join(Manager())\n";
        let content = ContentKey::of_bytes(source.as_bytes());
        let cache = FactsCache::open(dir.path(), key());
        assert!(cache.get(content).is_none());
        cache.insert(content, &facts(source));
        assert!(cache.save().unwrap());
        let cache = FactsCache::open(dir.path(), key());
        assert_eq!(cache.get(content), Some(facts(source)));
        // Nothing new, same day: the pack is not written again.
        assert!(!cache.save().unwrap());
        assert!(dir.path().join("CACHEDIR.TAG").exists());
        assert_eq!(
            fs::read_to_string(dir.path().join(".gitignore"))
                .unwrap()
                .lines()
                .last(),
            Some("*")
        );
        assert!(is_ssot_cache_dir(dir.path()));
    }

    #[test]
    fn corrupt_truncated_and_foreign_packs_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let sources = ["import a\n", "import b\n", "import c\n"];
        let cache = FactsCache::open(dir.path(), key());
        for source in sources {
            cache.insert(ContentKey::of_bytes(source.as_bytes()), &facts(source));
        }
        cache.save().unwrap();
        let intact = fs::read(pack_path(dir.path())).unwrap();
        let keys: Vec<ContentKey> = sources
            .iter()
            .map(|s| ContentKey::of_bytes(s.as_bytes()))
            .collect();

        // A flipped byte in the last entry: that entry is a miss, the others still hit.
        let mut flipped = intact.clone();
        let last = flipped.len() - 2;
        flipped[last] ^= 0x55;
        fs::write(pack_path(dir.path()), &flipped).unwrap();
        let cache = FactsCache::open(dir.path(), key());
        let hits = keys.iter().filter(|k| cache.get(**k).is_some()).count();
        assert_eq!(hits, 2);
        // The miss is extracted again and rewritten.
        let missing = keys
            .iter()
            .find(|k| cache.get(**k).is_none())
            .copied()
            .unwrap();
        let source = sources[keys.iter().position(|k| *k == missing).unwrap()];
        cache.insert(missing, &facts(source));
        assert!(cache.save().unwrap());
        let cache = FactsCache::open(dir.path(), key());
        assert!(keys.iter().all(|k| cache.get(*k).is_some()));

        // Truncated in the middle of the last entry: the entries before the cut still hit.
        fs::write(pack_path(dir.path()), &intact[..intact.len() - 3]).unwrap();
        let cache = FactsCache::open(dir.path(), key());
        assert_eq!(keys.iter().filter(|k| cache.get(**k).is_some()).count(), 2);

        // Another format or key, or garbage: an empty cache, no error.
        for garbage in [
            b"SSOTFCT\0\x09\0\0\0".to_vec(),
            b"not a pack".to_vec(),
            Vec::new(),
        ] {
            fs::write(pack_path(dir.path()), &garbage).unwrap();
            let cache = FactsCache::open(dir.path(), key());
            assert!(keys.iter().all(|k| cache.get(*k).is_none()));
        }
        let mut foreign = intact.clone();
        foreign[12] ^= 1; // the global key stored in the header
        fs::write(pack_path(dir.path()), &foreign).unwrap();
        let cache = FactsCache::open(dir.path(), key());
        assert!(keys.iter().all(|k| cache.get(*k).is_none()));
    }

    #[test]
    fn entries_unused_for_thirty_days_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let day = 20_000;
        let old = ContentKey::of_bytes(b"old");
        let kept = ContentKey::of_bytes(b"kept");
        let cache = FactsCache::open_on(dir.path(), key(), day);
        cache.insert(old, &facts("import old\n"));
        cache.insert(kept, &facts("import kept\n"));
        cache.save().unwrap();
        // Day 20: `kept` is used, which renews it.
        let cache = FactsCache::open_on(dir.path(), key(), day + 20);
        assert!(cache.get(kept).is_some());
        assert!(cache.save().unwrap());
        // Day 31 after the first write: `old` was last used 31 days ago.
        let cache = FactsCache::open_on(dir.path(), key(), day + PRUNE_AFTER_DAYS + 1);
        assert!(cache.save().unwrap());
        let cache = FactsCache::open_on(dir.path(), key(), day + PRUNE_AFTER_DAYS + 1);
        assert!(cache.get(old).is_none());
        assert!(cache.get(kept).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_cache_directory_is_an_error_to_warn_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        create_cache_dir(dir.path()).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
        // Root may write anywhere: then there is nothing to check.
        let writable = fs::write(dir.path().join("probe"), b"").is_ok();
        let cache = FactsCache::open(dir.path(), key());
        cache.insert(ContentKey::of_bytes(b"x"), &facts("x = 1\n"));
        let result = cache.save();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        if !writable {
            let err = result.unwrap_err();
            assert!(
                err.to_string().starts_with("cannot write the cache at"),
                "{err}"
            );
        }
    }
}
