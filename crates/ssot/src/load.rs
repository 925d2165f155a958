//! Reading, decoding and parsing every file in parallel, one file's trouble never stopping the
//! run: an unreadable, undecodable or oversized file becomes an SSOT002 problem, a panic while
//! extracting facts becomes an internal-error problem (exit 2), and a syntax error keeps the
//! facts the parser recovered.

use std::panic::{catch_unwind, AssertUnwindSafe};

use globset::GlobSet;
use rayon::prelude::*;
use ssot_facts::FileFacts;
use ssot_index::ProjectFile;
use ssot_python::{CallDetail, DecodeError, SourceKind, TargetVersion};

use crate::discovery::FoundFile;
use crate::fs::FileSystem;

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

/// A file's bytes, fingerprinted: `fix` refuses to rewrite a file whose bytes are no longer
/// the ones analysed.
pub fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(bytes);
    hasher.finish() ^ (bytes.len() as u64).rotate_left(32)
}

/// How big a file may be before it is reported instead of analysed.
#[derive(Clone, Copy, Debug)]
pub struct FileLimits {
    /// Bytes (`max-file-size`).
    pub max_size: u64,
    /// Estimated tokens (`max-file-tokens`): bounds the memory of one syntax tree.
    pub max_tokens: u64,
}

/// Loads every file; returns the analysed files (each with the hash of its bytes) and the
/// problems, both sorted by path.
///
/// `is_first_party` says which imported modules belong to the project: attribute uses of other
/// modules (`os.path.join`) are dropped from the facts once extracted.
pub fn load_files(
    found: &[FoundFile],
    fs: &dyn FileSystem,
    test_paths: &GlobSet,
    limits: FileLimits,
    is_first_party: &(dyn Fn(&str) -> bool + Sync),
    calls: CallDetail,
    target: TargetVersion,
) -> (Vec<(ProjectFile, u64)>, Vec<FileProblem>) {
    let results: Vec<Result<(ProjectFile, u64), FileProblem>> = found
        .par_iter()
        .map(|file| load_one(file, fs, test_paths, limits, is_first_party, calls, target))
        .collect();
    let mut files = Vec::with_capacity(results.len());
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok(file) => files.push(file),
            Err(problem) => problems.push(problem),
        }
    }
    problems.sort();
    (files, problems)
}

fn load_one(
    file: &FoundFile,
    fs: &dyn FileSystem,
    test_paths: &GlobSet,
    limits: FileLimits,
    is_first_party: &(dyn Fn(&str) -> bool + Sync),
    calls: CallDetail,
    target: TargetVersion,
) -> Result<(ProjectFile, u64), FileProblem> {
    let problem = |kind, message: String| FileProblem {
        path: file.relative.clone(),
        kind,
        message,
    };
    let bytes = fs
        .read(&file.absolute, limits.max_size)
        .map_err(|err| problem(ProblemKind::Unreadable, err.to_string()))?;
    // Bounds the memory one file can take: its syntax tree grows with its tokens.
    // Every token takes at least one byte, so a file no longer than the limit is within it.
    let over_budget = bytes.len() as u64 > limits.max_tokens;
    let tokens = if over_budget {
        crate::token_budget::estimate_tokens(&bytes)
    } else {
        0
    };
    if tokens > limits.max_tokens {
        return Err(problem(
            ProblemKind::Unreadable,
            format!(
                "too large to analyse: about {tokens} tokens (the limit is {}; \
                 raise it with `max-file-tokens`)",
                limits.max_tokens
            ),
        ));
    }
    let mut facts = extract_guarded_for(&bytes, &file.relative, calls, target)
        .map_err(|message| problem(ProblemKind::Internal, message))?
        .map_err(|err| problem(ProblemKind::Unreadable, err.to_string()))?;
    ssot_index::first_party_uses::keep_first_party_uses(&mut facts, is_first_party);
    Ok((
        ProjectFile {
            is_test: test_paths.is_match(&file.relative),
            path: file.relative.clone(),
            facts,
        },
        content_hash(&bytes),
    ))
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
