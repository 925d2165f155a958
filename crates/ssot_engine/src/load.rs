//! Reading and extracting every file of a source in parallel, through the facts cache, one
//! file's trouble never stopping the run: an unreadable, undecodable or oversized file becomes
//! an SSOT002 problem, a panic while extracting facts becomes an internal-error problem
//! (exit 2), and a syntax error keeps the facts the parser recovered.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rayon::prelude::*;
use ssot_facts::FileFacts;
use ssot_python::{CallDetail, DecodeError, SourceKind, TargetVersion};

use crate::cache::{ContentKey, ExtractOptions, FactsCache};
use crate::source::{FileSource, SourceFile};

/// What kind of trouble a file gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    /// SSOT002: could not be read, decoded, or was too large.
    Unreadable,
    /// The analysis itself failed on this file (a bug in ssot): exit code 2.
    Internal,
}

/// A file that could not be analysed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileProblem {
    pub path: String,
    pub kind: ProblemKind,
    pub message: String,
}

/// How big a file may be before it is reported instead of analysed.
#[derive(Clone, Copy, Debug)]
pub struct FileLimits {
    /// Bytes (`max-file-size`).
    pub max_size: u64,
    /// Estimated tokens (`max-file-tokens`): bounds the memory of one syntax tree.
    pub max_tokens: u64,
}

/// One analysed file.
#[derive(Debug)]
pub struct LoadedFile {
    /// Root-relative, `/`-separated.
    pub path: String,
    /// Filtered to the project's first-party modules.
    pub facts: FileFacts,
    /// [`content_hash`] of the bytes analysed; for a file the source keyed without reading
    /// (a git blob), derived from that key.
    pub content_hash: u64,
}

/// How many files came from the cache and how many were extracted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub cached: usize,
    pub extracted: usize,
}

/// A file's bytes, fingerprinted: `fix` refuses to rewrite a file whose bytes are no longer
/// the ones analysed.
pub fn content_hash(bytes: &[u8]) -> u64 {
    ContentKey::of_bytes(bytes).0 as u64
}

/// Loads every file of `source`; returns the analysed files and the problems, both sorted by
/// path. Facts come from `cache` when it holds them and are stored there when extracted;
/// either way they are then filtered to the first-party uses `is_first_party` names.
pub fn load_files(
    source: &dyn FileSource,
    limits: FileLimits,
    options: ExtractOptions,
    cache: Option<&FactsCache>,
    is_first_party: &(dyn Fn(&str) -> bool + Sync),
) -> (Vec<LoadedFile>, Vec<FileProblem>, LoadStats) {
    let results: Vec<(Result<LoadedFile, FileProblem>, bool)> = source
        .files()
        .par_iter()
        .map(|file| load_one(source, file, limits, options, cache, is_first_party))
        .collect();
    let mut files = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    let mut stats = LoadStats::default();
    for (result, cached) in results {
        match result {
            Ok(file) => {
                if cached {
                    stats.cached += 1;
                } else {
                    stats.extracted += 1;
                }
                files.push(file)
            }
            Err(problem) => problems.push(problem),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    problems.sort();
    (files, problems, stats)
}

/// One file; the flag says whether its facts came from the cache.
fn load_one(
    source: &dyn FileSource,
    file: &SourceFile,
    limits: FileLimits,
    options: ExtractOptions,
    cache: Option<&FactsCache>,
    is_first_party: &(dyn Fn(&str) -> bool + Sync),
) -> (Result<LoadedFile, FileProblem>, bool) {
    let loaded = |mut facts: FileFacts, content_hash| {
        ssot_index::first_party_uses::keep_first_party_uses(&mut facts, is_first_party);
        LoadedFile {
            path: file.path.clone(),
            facts,
            content_hash,
        }
    };
    if let Some(cache) = cache {
        if let Some(key) = source.unchanged_key(file) {
            if let Some(facts) = cache.get(key) {
                return (Ok(loaded(facts, key.0 as u64)), true);
            }
        }
    }
    let problem = |kind, message: String| FileProblem {
        path: file.path.clone(),
        kind,
        message,
    };
    let bytes = match source.read(file, limits.max_size) {
        Ok(bytes) => bytes,
        Err(err) => {
            return (
                Err(problem(ProblemKind::Unreadable, err.to_string())),
                false,
            )
        }
    };
    let key = file
        .known_key
        .unwrap_or_else(|| ContentKey::of_bytes(&bytes));
    let hash = if file.known_key.is_some() {
        content_hash(&bytes)
    } else {
        key.0 as u64
    };
    if file.known_key.is_none() {
        if let Some(facts) = cache.and_then(|cache| cache.get(key)) {
            return (Ok(loaded(facts, hash)), true);
        }
    }
    // Bounds the memory one file can take: its syntax tree grows with its tokens.
    // Every token takes at least one byte, so a file no longer than the limit is within it.
    let over_budget = bytes.len() as u64 > limits.max_tokens;
    let tokens = if over_budget {
        crate::token_budget::estimate_tokens(&bytes)
    } else {
        0
    };
    if tokens > limits.max_tokens {
        return (
            Err(problem(
                ProblemKind::Unreadable,
                format!(
                    "too large to analyse: about {tokens} tokens (the limit is {}; \
                     raise it with `max-file-tokens`)",
                    limits.max_tokens
                ),
            )),
            false,
        );
    }
    let facts = match extract_guarded_for(&bytes, &file.path, options.calls, options.target) {
        Ok(Ok(facts)) => facts,
        Ok(Err(err)) => {
            return (
                Err(problem(ProblemKind::Unreadable, err.to_string())),
                false,
            )
        }
        Err(message) => return (Err(problem(ProblemKind::Internal, message)), false),
    };
    drop(bytes);
    if let Some(cache) = cache {
        cache.insert(key, &facts);
    }
    (Ok(loaded(facts, hash)), false)
}

/// Decodes and extracts one file's facts; a panic becomes an internal-error message.
pub fn extract_guarded(
    bytes: &[u8],
    path: &str,
    calls: CallDetail,
) -> Result<Result<FileFacts, DecodeError>, String> {
    extract_guarded_for(bytes, path, calls, TargetVersion::NEWEST)
}

/// [`extract_guarded`] for a project that runs on `target`: syntax it lacks is a syntax error.
pub fn extract_guarded_for(
    bytes: &[u8],
    path: &str,
    calls: CallDetail,
    target: TargetVersion,
) -> Result<Result<FileFacts, DecodeError>, String> {
    let kind = SourceKind::from_path(path);
    catch_unwind(AssertUnwindSafe(|| {
        ssot_python::facts_from_bytes_for(bytes, kind, calls, target)
    }))
    .map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        format!("internal error while analysing this file: {message}")
    })
}
