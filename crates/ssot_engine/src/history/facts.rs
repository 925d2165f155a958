//! The facts of every blob a history run meets, kept in memory from one commit to the next.
//!
//! A commit's tree keys each file by its blob id, and a blob's facts never change, so a file
//! unchanged since an earlier sampled commit is neither read nor decoded again: its facts come
//! from memory. Only blobs this run has not met yet go through the persistent facts cache
//! (opened once for the whole run) or are read and parsed, the new blobs of several commits
//! in one parallel batch ([`HistoryFacts::load`]); the cache is written once, at the end
//! ([`HistoryFacts::save`]). Once loaded, the store is only read, so several commits build
//! their projects from it at once ([`HistoryFacts::build`]).
//!
//! A blob the cache does not hold under its id is read and looked up by the hash of its bytes
//! before it is parsed: the working tree's run (the report's main part, or an earlier
//! `check`) stores facts that way, and the newest commits' files are mostly the working
//! tree's. Facts found or extracted that way are stored under the blob id as well, so the
//! next run over the same commits reads no blob at all.
//!
//! Facts are kept as extracted, before they are filtered to the first-party uses of a commit
//! (which modules are first-party follows from that commit's file paths): each commit's
//! project gets its own filtered copy, so the figures of a commit are those a fresh load of
//! its tree would give.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use ssot_facts::FileFacts;
use ssot_index::{ModuleTable, Project, ProjectFile};

use crate::cache::{CacheWriteError, ContentKey, ExtractOptions, FactsCache};
use crate::load::{load_files, FileLimits, FileProblem, LoadStats, ProblemKind};
use crate::project::{BuiltProject, ProjectSettings};
use crate::source::{FileSource, SourceFile};

/// What a blob gave: its facts as extracted, or why it could not be analysed.
enum Known {
    /// With the [`crate::load::content_hash`] of the bytes.
    Facts(Box<FileFacts>, u64),
    Problem(ProblemKind, String),
}

/// Facts by blob, for every commit of one run.
pub struct HistoryFacts {
    cache: Option<FactsCache>,
    limits: FileLimits,
    options: ExtractOptions,
    known: FxHashMap<ContentKey, Known>,
    from_memory: AtomicUsize,
    from_cache: AtomicUsize,
    extracted: AtomicUsize,
}

/// Where the facts of a run's files came from, summed over its commits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistoryStats {
    pub from_memory: usize,
    pub from_cache: usize,
    pub extracted: usize,
}

/// Files of a source to load, each looked up in the cache by its blob id first and then, once
/// read, by the hash of its bytes (the files are listed without their key for that).
struct Unknown<'a> {
    source: &'a dyn FileSource,
    files: Vec<SourceFile>,
    /// Path → blob key, for the files that have one.
    keys: FxHashMap<String, ContentKey>,
}

impl FileSource for Unknown<'_> {
    fn files(&self) -> &[SourceFile] {
        &self.files
    }

    fn read(&self, file: &SourceFile, max_size: u64) -> std::io::Result<Vec<u8>> {
        self.source.read(file, max_size)
    }

    fn unchanged_key(&self, file: &SourceFile) -> Option<ContentKey> {
        self.keys.get(&file.path).copied()
    }
}

impl HistoryFacts {
    /// A store over `cache` (opened once by the caller; `None` for no persistent cache),
    /// extracting with `options` under `limits`.
    pub fn new(cache: Option<FactsCache>, limits: FileLimits, options: ExtractOptions) -> Self {
        Self {
            cache,
            limits,
            options,
            known: FxHashMap::default(),
            from_memory: AtomicUsize::new(0),
            from_cache: AtomicUsize::new(0),
            extracted: AtomicUsize::new(0),
        }
    }

    /// Files taken from memory, from the cache, and parsed, over every commit so far.
    pub fn stats(&self) -> HistoryStats {
        HistoryStats {
            from_memory: self.from_memory.load(Ordering::Relaxed),
            from_cache: self.from_cache.load(Ordering::Relaxed),
            extracted: self.extracted.load(Ordering::Relaxed),
        }
    }

    /// Loads, in one parallel batch, every keyed file of `sources` (commits' trees) that
    /// memory does not hold yet; a blob several of them share is loaded once.
    pub fn load(&mut self, sources: &[&dyn FileSource]) {
        let mut claimed: FxHashSet<ContentKey> = FxHashSet::default();
        let mut batches: Vec<Unknown<'_>> = Vec::new();
        let mut from_memory = 0;
        for &source in sources {
            let mut batch = Unknown {
                source,
                files: Vec::new(),
                keys: FxHashMap::default(),
            };
            for file in source.files() {
                let Some(key) = file.known_key else {
                    continue;
                };
                if self.known.contains_key(&key) || !claimed.insert(key) {
                    from_memory += 1;
                    continue;
                }
                batch.files.push(SourceFile {
                    path: file.path.clone(),
                    known_key: None,
                });
                batch.keys.insert(file.path.clone(), key);
            }
            if !batch.files.is_empty() {
                batches.push(batch);
            }
        }
        self.from_memory.fetch_add(from_memory, Ordering::Relaxed);
        let (limits, options, cache) = (self.limits, self.options, self.cache.as_ref());
        let loaded: Vec<Vec<(ContentKey, Known)>> = batches
            .par_iter()
            .map(|batch| {
                // Every module counts as first-party here: the facts are kept whole, and
                // each commit filters its own copy. (Facts loaded without call sites hold no
                // calls to filter, and with call sites the filter keeps or drops each call by
                // its own root name alone, so filtering a whole copy later gives what
                // filtering at load time would have.)
                let (files, problems, stats) = load_files(batch, limits, options, cache, &|_| true);
                self.from_cache.fetch_add(stats.cached, Ordering::Relaxed);
                self.extracted.fetch_add(stats.extracted, Ordering::Relaxed);
                let key_of = |path: &str| batch.keys[path];
                let mut known: Vec<(ContentKey, Known)> = files
                    .into_par_iter()
                    .map(|file| {
                        let key = key_of(&file.path);
                        // Not found under the blob id (found by the bytes' hash, or
                        // parsed): stored under the blob id too.
                        if file.content_hash != key.0 as u64 {
                            if let Some(cache) = cache {
                                cache.insert(key, &file.facts);
                            }
                        }
                        (key, Known::Facts(Box::new(file.facts), file.content_hash))
                    })
                    .collect();
                known.extend(problems.into_iter().map(|problem| {
                    (
                        key_of(&problem.path),
                        Known::Problem(problem.kind, problem.message),
                    )
                }));
                known
            })
            .collect();
        self.known.extend(loaded.into_iter().flatten());
    }

    /// Builds the project of `source` (a commit's tree, loaded first with
    /// [`HistoryFacts::load`]), as [`crate::project::build_project`] does for one run; a
    /// file without a key is read now.
    pub fn build(&self, source: &dyn FileSource, settings: &ProjectSettings<'_>) -> BuiltProject {
        let first_party = ModuleTable::build_with(
            source.files().iter().map(|f| f.path.as_str()),
            settings.unread_modules,
            settings.import_roots,
            settings.modules,
        );
        let unkeyed = self.load_unkeyed(source);
        let is_first_party = |module: &str| first_party.is_first_party(module);
        let kept: Vec<Option<Result<(ProjectFile, u64), FileProblem>>> = source
            .files()
            .par_iter()
            .map(|file| {
                let known = match file.known_key {
                    Some(key) => self.known.get(&key),
                    None => unkeyed.get(&file.path),
                }?;
                Some(match known {
                    Known::Facts(facts, content_hash) => {
                        let mut facts = FileFacts::clone(facts);
                        ssot_index::first_party_uses::keep_first_party_uses(
                            &mut facts,
                            &is_first_party,
                        );
                        Ok((
                            ProjectFile {
                                is_test: settings.test_paths.is_match(&file.path),
                                path: file.path.clone(),
                                facts,
                            },
                            *content_hash,
                        ))
                    }
                    Known::Problem(kind, message) => Err(FileProblem {
                        path: file.path.clone(),
                        kind: *kind,
                        message: message.clone(),
                    }),
                })
            })
            .collect();
        let mut files = Vec::with_capacity(kept.len());
        let mut problems = Vec::new();
        let mut content_hashes = Vec::with_capacity(kept.len());
        for result in kept.into_iter().flatten() {
            match result {
                Ok((file, content_hash)) => {
                    content_hashes.push((file.path.clone(), content_hash));
                    files.push(file);
                }
                Err(problem) => problems.push(problem),
            }
        }
        problems.sort();
        let started = std::time::Instant::now();
        let project = Project::with_settings(
            files,
            settings.unread_modules,
            settings.import_roots,
            settings.modules,
        );
        BuiltProject {
            project,
            problems,
            content_hashes,
            stats: LoadStats {
                cached: 0,
                extracted: 0,
            },
            index_time: started.elapsed(),
        }
    }

    /// Reads, through the persistent cache, the files of `source` that have no key (a source
    /// that cannot name its files' contents); what each gave, by path.
    fn load_unkeyed(&self, source: &dyn FileSource) -> FxHashMap<String, Known> {
        let files: Vec<SourceFile> = source
            .files()
            .iter()
            .filter(|file| file.known_key.is_none())
            .cloned()
            .collect();
        if files.is_empty() {
            return FxHashMap::default();
        }
        let subset = Unknown {
            source,
            files,
            keys: FxHashMap::default(),
        };
        let (loaded, problems, stats) = load_files(
            &subset,
            self.limits,
            self.options,
            self.cache.as_ref(),
            &|_| true,
        );
        self.from_cache.fetch_add(stats.cached, Ordering::Relaxed);
        self.extracted.fetch_add(stats.extracted, Ordering::Relaxed);
        loaded
            .into_iter()
            .map(|file| {
                (
                    file.path,
                    Known::Facts(Box::new(file.facts), file.content_hash),
                )
            })
            .chain(
                problems
                    .into_iter()
                    .map(|problem| (problem.path, Known::Problem(problem.kind, problem.message))),
            )
            .collect()
    }

    /// Writes the persistent cache once, with every blob this run extracted.
    pub fn save(&self) -> Result<bool, CacheWriteError> {
        match &self.cache {
            Some(cache) => cache.save(),
            None => Ok(false),
        }
    }
}
