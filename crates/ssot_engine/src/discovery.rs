//! Finding the Python files to analyse.
//!
//! Walks the given paths with the `ignore` crate: `.gitignore` and friends are respected,
//! default excludes skip virtual environments and build output, `exclude`/`extend-exclude`
//! globs (relative to the project root) add more. A path named explicitly on the command line is
//! always analysed.
//!
//! Symbolic links that stay inside the project root are followed; links out of it are skipped,
//! as ruff and ripgrep do, unless `follow-links = true`, so a link to `/` or `/proc` cannot make
//! the walk unbounded. A loop becomes a problem, not a hang. A FIFO, device or socket with a
//! Python name is a problem too, never read.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// An exclude pattern that is not a valid glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid exclude pattern `{pattern}`")]
pub struct ExcludeError {
    pub pattern: String,
    #[source]
    pub source: globset::Error,
}

/// Directories never worth analysing. `build`, `dist` and `_build` are excluded only at the
/// project root: deeper down they are often real packages (`pip/_internal/operations/build`),
/// and excluding a package makes every import of it look dangling.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pycache__",
    "__pypackages__",
    "/_build",
    "/build",
    "/dist",
    "node_modules",
    "site-packages",
    "venv",
];

/// A file found by the walk.
#[derive(Clone, Debug)]
pub struct FoundFile {
    pub absolute: PathBuf,
    /// Relative to the project root, `/`-separated.
    pub relative: String,
}

/// Something the walk could not get through.
#[derive(Clone, Debug)]
pub struct WalkProblem {
    pub path: String,
    pub message: String,
}

/// Compiled exclude globs.
pub struct Excludes {
    set: GlobSet,
}

impl Excludes {
    /// Whether a root-relative path is excluded.
    pub fn matches(&self, relative: &str) -> bool {
        self.set.is_match(relative)
    }

    /// `patterns` are matched against root-relative paths and, for patterns without a `/`,
    /// against every path component (so `venv` excludes any directory named venv); a leading
    /// `/` anchors a pattern at the project root (`/build` excludes only `build/`).
    pub fn new(patterns: &[String]) -> Result<Self, ExcludeError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let trimmed = pattern.trim_end_matches('/');
            let (pattern, anchored) = match trimmed.strip_prefix('/') {
                Some(rest) => (rest, true),
                None => (trimmed, false),
            };
            let glob = |p: &str| {
                Glob::new(p).map_err(|source| ExcludeError {
                    pattern: pattern.to_string(),
                    source,
                })
            };
            builder.add(glob(pattern)?);
            if !anchored && !pattern.contains('/') {
                builder.add(glob(&format!("**/{pattern}"))?);
            }
            builder.add(glob(&format!("{pattern}/**"))?);
        }
        let set = builder.build().map_err(|source| ExcludeError {
            pattern: patterns.join(", "),
            source,
        })?;
        Ok(Self { set })
    }
}

/// Relative path of `path` below `root`, `/`-separated (the path itself when outside the root).
///
/// Paths are text everywhere after the walk, and file names need not be: on Unix, bytes that
/// are not UTF-8 are written `\xHH` and a backslash `\\`, so two names never become one text
/// ([`os_path`] turns the text back into the name).
pub fn relative_path(root: &Path, path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (root_bytes, path_bytes) = (root.as_os_str().as_bytes(), path.as_os_str().as_bytes());
        if let Some(rest) = joined_rest(root_bytes, path_bytes) {
            return escape_name(rest);
        }
        let relative = path.strip_prefix(root).unwrap_or(path);
        escape_name(relative.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        let relative = path.strip_prefix(root).unwrap_or(path);
        let text = relative.to_string_lossy();
        text.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// What follows `root` in `path` when `path` is `root` joined with a plain relative path, as
/// every path the walk finds is: then the bytes after `root/` are what `Path::strip_prefix`
/// would give, found without splitting both paths into components (which was a tenth of a
/// warm run). `None` for any other shape (separators or `.` at the edges of the rest, an
/// empty root); the caller then strips component by component.
#[cfg(unix)]
fn joined_rest<'a>(root: &[u8], path: &'a [u8]) -> Option<&'a [u8]> {
    if root.is_empty() || root.ends_with(b"/") {
        return None;
    }
    let rest = path.strip_prefix(root)?.strip_prefix(b"/")?;
    let plain = !rest.is_empty()
        && rest != b"."
        && !rest.starts_with(b"/")
        && !rest.starts_with(b"./")
        && !rest.ends_with(b"/")
        && !rest.ends_with(b"/.");
    plain.then_some(rest)
}

/// The path on disk of a root-relative path made by [`relative_path`].
pub fn os_path(root: &Path, relative: &str) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        if relative.contains('\\') {
            let bytes = unescape_name(relative);
            return root.join(std::ffi::OsStr::from_bytes(&bytes));
        }
    }
    root.join(relative)
}

/// `bytes` as text: UTF-8 as it is, a backslash doubled, any other byte as `\xHH`.
#[cfg(unix)]
fn escape_name(mut bytes: &[u8]) -> String {
    // The common case, one copy: UTF-8 without a backslash is its own text.
    if let Ok(text) = std::str::from_utf8(bytes) {
        if !text.contains('\\') {
            return text.to_string();
        }
    }
    let mut text = String::with_capacity(bytes.len());
    while !bytes.is_empty() {
        let (valid, rest) = match std::str::from_utf8(bytes) {
            Ok(valid) => (valid, &[][..]),
            Err(err) => {
                let (valid, rest) = bytes.split_at(err.valid_up_to());
                (std::str::from_utf8(valid).expect("checked prefix"), rest)
            }
        };
        text.push_str(&valid.replace('\\', "\\\\"));
        if let Some((&invalid, rest)) = rest.split_first() {
            text.push_str(&format!("\\x{invalid:02x}"));
            bytes = rest;
        } else {
            bytes = rest;
        }
    }
    text
}

/// The inverse of [`escape_name`].
#[cfg(unix)]
fn unescape_name(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'x') {
                if let Some(value) = text
                    .get(i + 2..i + 4)
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                {
                    out.push(value);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// A compiled or Cython extension module (`speedups.pyx`, `_c.cpython-311-x86_64-linux-gnu.so`):
/// importable, but with no source ssot can read.
fn is_unread_module(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "pyx" || extension == "so" || extension == "pyd")
}

fn is_python(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "py" || extension == "pyi")
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Python sources (`.py`, `.pyi`), sorted.
    pub files: Vec<FoundFile>,
    /// Modules that exist but are not read (relative paths), sorted: extension modules, and
    /// git-ignored or excluded sources in analysed packages.
    pub unread_modules: Vec<String>,
    pub problems: Vec<WalkProblem>,
}

/// Walks `targets` (absolute) below `root` and returns the Python files, extension modules and
/// problems.
pub fn discover(
    root: &Path,
    targets: &[PathBuf],
    excludes: &Excludes,
    follow_links: bool,
) -> Discovered {
    // Links are judged by where they lead, so the boundary is the root with its own links
    // resolved.
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut unread_modules = Vec::new();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for target in targets {
        if !target.is_dir() {
            // Named explicitly: analysed whatever the excludes say; reading reports problems.
            if target.symlink_metadata().is_ok() {
                files.push(FoundFile {
                    absolute: target.clone(),
                    relative: relative_path(root, target),
                });
            } else {
                problems.push(WalkProblem {
                    path: relative_path(root, target),
                    message: "no such file or directory".to_string(),
                });
            }
            continue;
        }
        let mut builder = ignore::WalkBuilder::new(target);
        builder.follow_links(true).require_git(false).hidden(true);
        let filter_root = root.to_path_buf();
        let excludes_set = excludes.set.clone();
        let target_dir = target.clone();
        // A target outside the root (named on the command line) is its own boundary.
        let boundary = if target.starts_with(root) {
            real_root.clone()
        } else {
            std::fs::canonicalize(target).unwrap_or_else(|_| target.clone())
        };
        builder.filter_entry(move |entry| {
            if entry.path() == target_dir {
                return true;
            }
            let relative = relative_path(&filter_root, entry.path());
            if excludes_set.is_match(&relative) {
                return false;
            }
            if follow_links || !entry.path_is_symlink() {
                return true;
            }
            match std::fs::canonicalize(entry.path()) {
                Ok(real) => real.starts_with(&boundary),
                // Broken or looping: the walk reports it.
                Err(_) => true,
            }
        });
        // Directories are read on every core; each thread collects its own findings, merged
        // (and sorted) afterwards.
        let found = std::sync::Mutex::new(Vec::new());
        builder.build_parallel().run(|| {
            let mut collector = Collector {
                local: Vec::new(),
                shared: &found,
            };
            Box::new(move |entry| {
                collector.local.push(classify_entry(root, entry));
                ignore::WalkState::Continue
            })
        });
        for finding in found
            .into_inner()
            .expect("walk results lock")
            .into_iter()
            .flatten()
        {
            match finding {
                Finding::Source(file) => files.push(file),
                Finding::Extension(path) => unread_modules.push(path),
                Finding::Problem(problem) => problems.push(problem),
            }
        }
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    files.dedup_by(|a, b| a.relative == b.relative);
    problems.sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
    unread_modules.extend(unread_package_modules(root, &files));
    unread_modules.sort();
    unread_modules.dedup();
    Discovered {
        files,
        unread_modules,
        problems,
    }
}

/// Python files that sit in an analysed package but were not walked: git-ignored generated
/// modules (`_version.py` written by setuptools-scm) or excluded ones. They exist at run time,
/// so they are modules whose names ssot does not know, like extension modules, rather than
/// missing ones.
fn unread_package_modules(root: &Path, files: &[FoundFile]) -> Vec<String> {
    use rayon::prelude::*;
    let walked: rustc_hash::FxHashSet<&str> = files.iter().map(|f| f.relative.as_str()).collect();
    let packages: Vec<&str> = files
        .iter()
        .filter_map(|f| f.relative.strip_suffix("/__init__.py"))
        .collect();
    // One directory listing per package, on every core (the caller sorts the result).
    packages
        .par_iter()
        .flat_map_iter(|package| {
            let entries = std::fs::read_dir(root.join(package)).into_iter().flatten();
            let walked = &walked;
            entries.flatten().filter_map(move |entry| {
                let path = entry.path();
                if !is_python(&path) || !entry.file_type().is_ok_and(|t| t.is_file()) {
                    return None;
                }
                let relative = relative_path(root, &path);
                (!walked.contains(relative.as_str())).then_some(relative)
            })
        })
        .collect()
}

/// One walking thread's findings, handed over when the thread's visitor is dropped.
struct Collector<'a> {
    local: Vec<Option<Finding>>,
    shared: &'a std::sync::Mutex<Vec<Option<Finding>>>,
}

impl Drop for Collector<'_> {
    fn drop(&mut self) {
        if let Ok(mut shared) = self.shared.lock() {
            shared.append(&mut self.local);
        }
    }
}

/// What one walked entry is.
enum Finding {
    Source(FoundFile),
    Extension(String),
    Problem(WalkProblem),
}

fn classify_entry(root: &Path, entry: Result<ignore::DirEntry, ignore::Error>) -> Option<Finding> {
    let entry = match entry {
        Ok(entry) => entry,
        Err(err) => return Some(Finding::Problem(walk_problem(root, &err))),
    };
    let path = entry.path();
    let file_type = entry.file_type()?;
    let is_file = file_type.is_file() || file_type.is_symlink();
    if is_file && is_python(path) {
        Some(Finding::Source(FoundFile {
            absolute: path.to_path_buf(),
            relative: relative_path(root, path),
        }))
    } else if is_file && is_unread_module(path) {
        Some(Finding::Extension(relative_path(root, path)))
    } else if is_python(path) && !file_type.is_dir() && !is_file {
        Some(Finding::Problem(WalkProblem {
            path: relative_path(root, path),
            message: "not a regular file (a named pipe, device or socket); not read".into(),
        }))
    } else if file_type.is_dir() && is_python(path) {
        // A directory named `x.py` is not a module; say so once.
        Some(Finding::Problem(WalkProblem {
            path: relative_path(root, path),
            message: "a directory with a Python file name; not analysed".into(),
        }))
    } else {
        None
    }
}

fn walk_problem(root: &Path, err: &ignore::Error) -> WalkProblem {
    fn innermost<'e>(root: &Path, err: &'e ignore::Error) -> (Option<&'e Path>, String) {
        match err {
            ignore::Error::WithPath { path, err } => {
                let (inner, message) = innermost(root, err);
                (inner.or(Some(path.as_path())), message)
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                innermost(root, err)
            }
            ignore::Error::Loop { child, ancestor } => {
                let ancestor = relative_path(root, ancestor);
                let ancestor = if ancestor.is_empty() {
                    ".".to_string()
                } else {
                    ancestor
                };
                (
                    Some(child.as_path()),
                    format!("symbolic link loop: points back to {ancestor}; not followed"),
                )
            }
            ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => (
                None,
                "broken symbolic link: its target does not exist".to_string(),
            ),
            ignore::Error::Io(io) => (None, format!("cannot read: {io}")),
            other => (None, other.to_string()),
        }
    }
    let (path, message) = innermost(root, err);
    WalkProblem {
        path: path.map_or_else(String::new, |p| relative_path(root, p)),
        message,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_utf8_keep_distinct_texts_and_come_back() {
        let names: [&[u8]; 4] = [
            b"\xff.py",
            b"\xfe.py",
            "\u{fffd}.py".as_bytes(),
            b"a\\xff.py",
        ];
        let texts: Vec<String> = names.iter().map(|n| escape_name(n)).collect();
        let mut unique = texts.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{texts:?}");
        for (name, text) in names.iter().zip(&texts) {
            assert_eq!(unescape_name(text), *name);
        }
        assert_eq!(texts[0], "\\xff.py");
    }

    #[test]
    fn relative_paths_match_component_wise_stripping() {
        let cases = [
            ("/p/root", "/p/root/pkg/mod.py"),
            ("/p/root", "/p/root/pkg//mod.py"),
            ("/p/root", "/p/root//pkg/mod.py"),
            ("/p/root", "/p/root/./pkg/mod.py"),
            ("/p/root", "/p/root/pkg/"),
            ("/p/root", "/p/root/pkg/."),
            ("/p/root", "/p/root/."),
            ("/p/root", "/p/root"),
            ("/p/root", "/p/rootless/mod.py"),
            ("/p/root", "/elsewhere/mod.py"),
            ("/p/root/", "/p/root/pkg/mod.py"),
            ("/p/./root", "/p/./root/pkg/mod.py"),
            ("/p/./root", "/p/root/pkg/mod.py"),
            (".", "./pkg/mod.py"),
            ("", "/pkg/mod.py"),
            ("", "pkg/mod.py"),
            ("/p/root", "/p/root/../mod.py"),
        ];
        for (root, path) in cases {
            let (root, path) = (Path::new(root), Path::new(path));
            let expected = escape_name(
                path.strip_prefix(root)
                    .unwrap_or(path)
                    .as_os_str()
                    .as_encoded_bytes(),
            );
            assert_eq!(relative_path(root, path), expected, "{root:?} {path:?}");
        }
    }
}
