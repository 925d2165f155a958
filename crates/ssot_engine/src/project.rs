//! From a file source to the project model the index and the rules read: which modules are
//! first-party (from the file paths alone), every file's facts (through the cache), and the
//! module table.

use globset::GlobSet;
use ssot_index::{ModuleSettings, ModuleTable, Project, ProjectFile};

use crate::cache::{ExtractOptions, FactsCache};
use crate::load::{load_files, FileLimits, FileProblem, LoadStats};
use crate::source::FileSource;

/// What the configuration says about the project, as far as building it goes.
pub struct ProjectSettings<'a> {
    /// Import roots relative to the project root (`""` for the root), in `sys.path` order.
    pub import_roots: &'a [String],
    /// Modules that exist but are not read (extension modules, excluded sources in packages).
    pub unread_modules: &'a [String],
    /// Third-party and external modules.
    pub modules: &'a ModuleSettings,
    /// Which files are test code.
    pub test_paths: &'a GlobSet,
    pub limits: FileLimits,
    pub options: ExtractOptions,
}

/// A project built from a source.
pub struct BuiltProject {
    pub project: Project,
    /// Files that could not be analysed, sorted by path.
    pub problems: Vec<FileProblem>,
    /// Each analysed file's [`crate::load::content_hash`], sorted by path.
    pub content_hashes: Vec<(String, u64)>,
    pub stats: LoadStats,
    /// How long building the module table took (after loading).
    pub index_time: std::time::Duration,
}

/// Loads every file of `source` (facts from `cache` where it has them) and builds the project.
pub fn build_project(
    source: &dyn FileSource,
    settings: &ProjectSettings<'_>,
    cache: Option<&FactsCache>,
) -> BuiltProject {
    // Which modules are first-party follows from file paths alone, before any file is parsed:
    // every file the source lists counts, even one that then cannot be read.
    let first_party = ModuleTable::build_with(
        source.files().iter().map(|f| f.path.as_str()),
        settings.unread_modules,
        settings.import_roots,
        settings.modules,
    );
    let is_first_party = |module: &str| first_party.is_first_party(module);
    let (files, problems, stats) = load_files(
        source,
        settings.limits,
        settings.options,
        cache,
        &is_first_party,
    );
    let content_hashes = files
        .iter()
        .map(|file| (file.path.clone(), file.content_hash))
        .collect();
    let files: Vec<ProjectFile> = files
        .into_iter()
        .map(|file| ProjectFile {
            is_test: settings.test_paths.is_match(&file.path),
            path: file.path,
            facts: file.facts,
        })
        .collect();
    let started = std::time::Instant::now();
    // When every listed file loaded, the first-party table is the project's module table:
    // both are built from the same sorted, deduplicated paths.
    let every_file_loaded = files.len() == source.files().len()
        && files
            .iter()
            .zip(source.files())
            .all(|(file, listed)| file.path == listed.path);
    let project = if every_file_loaded {
        Project::with_module_table(files, first_party)
    } else {
        Project::with_settings(
            files,
            settings.unread_modules,
            settings.import_roots,
            settings.modules,
        )
    };
    BuiltProject {
        project,
        problems,
        content_hashes,
        stats,
        index_time: started.elapsed(),
    }
}
