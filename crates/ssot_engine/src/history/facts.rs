//! The facts of every blob a history run meets, kept in memory from one commit to the next.
//!
//! A commit's tree keys each file by its blob id, and a blob's facts never change, so a file
//! unchanged since an earlier sampled commit is neither read nor decoded again: its facts come
//! from memory. Only blobs this run has not met yet go through the persistent facts cache
//! (opened once for the whole run) or are read and parsed; the cache is written once, at the
//! end ([`HistoryFacts::save`]).
//!
//! Facts are kept as extracted, before they are filtered to the first-party uses of a commit
//! (which modules are first-party follows from that commit's file paths): each commit's
//! project gets its own filtered copy, so the figures of a commit are those a fresh load of
//! its tree would give.

use rustc_hash::FxHashMap;
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
    /// Files taken from memory, from the cache, and parsed, over every commit.
    pub stats: HistoryStats,
}

/// Where the facts of a run's files came from, summed over its commits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistoryStats {
    pub from_memory: usize,
    pub from_cache: usize,
    pub extracted: usize,
}

/// The files of a source that memory does not hold yet.
struct Unknown<'a> {
    source: &'a dyn FileSource,
    files: Vec<SourceFile>,
}

impl FileSource for Unknown<'_> {
    fn files(&self) -> &[SourceFile] {
        &self.files
    }

    fn read(&self, file: &SourceFile, max_size: u64) -> std::io::Result<Vec<u8>> {
        self.source.read(file, max_size)
    }

    fn unchanged_key(&self, file: &SourceFile) -> Option<ContentKey> {
        self.source.unchanged_key(file)
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
            stats: HistoryStats::default(),
        }
    }

    /// Loads every file of `source` (a commit's tree: every file keyed by its blob) and builds
    /// the project, as [`crate::project::build_project`] does for one run.
    pub fn build(
        &mut self,
        source: &dyn FileSource,
        settings: &ProjectSettings<'_>,
    ) -> BuiltProject {
        let first_party = ModuleTable::build_with(
            source.files().iter().map(|f| f.path.as_str()),
            settings.unread_modules,
            settings.import_roots,
            settings.modules,
        );
        let unknown: Vec<SourceFile> = source
            .files()
            .iter()
            .filter(|file| {
                file.known_key
                    .is_none_or(|key| !self.known.contains_key(&key))
            })
            .cloned()
            .collect();
        self.stats.from_memory += source.files().len() - unknown.len();
        let unkeyed = if unknown.is_empty() {
            FxHashMap::default()
        } else {
            self.load_unknown(source, unknown)
        };
        let is_first_party = |module: &str| first_party.is_first_party(module);
        let mut files = Vec::with_capacity(source.files().len());
        let mut problems = Vec::new();
        let mut content_hashes = Vec::with_capacity(source.files().len());
        for file in source.files() {
            let known = match file.known_key {
                Some(key) => self.known.get(&key),
                None => unkeyed.get(&file.path),
            };
            let Some(known) = known else {
                continue;
            };
            match known {
                Known::Facts(facts, content_hash) => {
                    let mut facts = FileFacts::clone(facts);
                    ssot_index::first_party_uses::keep_first_party_uses(
                        &mut facts,
                        &is_first_party,
                    );
                    content_hashes.push((file.path.clone(), *content_hash));
                    files.push(ProjectFile {
                        is_test: settings.test_paths.is_match(&file.path),
                        path: file.path.clone(),
                        facts,
                    });
                }
                Known::Problem(kind, message) => problems.push(FileProblem {
                    path: file.path.clone(),
                    kind: *kind,
                    message: message.clone(),
                }),
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

    /// Reads, through the persistent cache, the files memory does not hold, and remembers
    /// what each gave by its key; returns what the files without a key gave, by path.
    fn load_unknown(
        &mut self,
        source: &dyn FileSource,
        unknown: Vec<SourceFile>,
    ) -> FxHashMap<String, Known> {
        let keys: FxHashMap<String, ContentKey> = unknown
            .iter()
            .filter_map(|file| Some((file.path.clone(), file.known_key?)))
            .collect();
        let subset = Unknown {
            source,
            files: unknown,
        };
        // Every module counts as first-party here: the facts are kept whole, and each commit
        // filters its own copy. (Facts loaded without call sites hold no calls to filter, and
        // with call sites the filter keeps or drops each call by its own root name alone, so
        // filtering a whole copy later gives what filtering at load time would have.)
        let (loaded, problems, stats) = load_files(
            &subset,
            self.limits,
            self.options,
            self.cache.as_ref(),
            &|_| true,
        );
        self.stats.from_cache += stats.cached;
        self.stats.extracted += stats.extracted;
        let mut unkeyed = FxHashMap::default();
        let mut remember = |path: String, known: Known| match keys.get(&path) {
            Some(key) => {
                self.known.insert(*key, known);
            }
            None => {
                unkeyed.insert(path, known);
            }
        };
        for file in loaded {
            remember(
                file.path,
                Known::Facts(Box::new(file.facts), file.content_hash),
            );
        }
        for problem in problems {
            remember(problem.path, Known::Problem(problem.kind, problem.message));
        }
        unkeyed
    }

    /// Writes the persistent cache once, with every blob this run extracted.
    pub fn save(&self) -> Result<bool, CacheWriteError> {
        match &self.cache {
            Some(cache) => cache.save(),
            None => Ok(false),
        }
    }
}
