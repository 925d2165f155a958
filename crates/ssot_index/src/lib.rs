//! The pure project model of ssot: no I/O, no parser, only facts in and findings out.
//!
//! - [`modules`]: which file is which module (import roots, packages, PEP 420 namespace
//!   packages, stubs, scripts, two files claiming one name);
//! - [`namespace`]: which bindings each module makes at its top level;
//! - [`resolve`]: following a `module:name` path through re-exports to its [`Origin`];
//! - [`references`]: every import binding of every file, with its path and resolution;
//!   [`references_of_files`]: the same for some files only;
//! - [`re_exports`]: which import bindings are a module's public re-export, not a use;
//! - [`census`]: the `scan` view: symbols reached through several paths, dangling paths;
//! - [`concept_discovery`]: families of definitions that look like one concept;
//! - [`family_factories`]: the factories of families a caller names (a declared concept);
//! - [`first_party_uses`]: dropping uses of third-party modules from a file's facts;
//! - [`import_time`]: whether a module has bound a name when an import reads it at import time
//!   (partially initialised modules, circular imports).
//!
//! Everything here is deterministic: inputs are sorted by path before indexing and every
//! output list is sorted before it is returned.

pub mod census;
pub mod concept_discovery;
pub mod concept_factories;
pub mod concept_names;
pub mod family_factories;
pub mod first_party_uses;
pub mod import_time;
pub mod incremental;
pub mod modules;
pub mod namespace;
pub mod re_exports;
pub mod references;
pub mod references_of_files;
pub mod resolve;
pub mod stdlib;

pub use census::{
    census, Census, CensusPath, CensusSymbol, DanglingKind, DanglingPath, Location, PathCounts,
    ReExport,
};
pub use import_time::{same_import_time_behaviour, ImportTimeModel, ImportTimeVerdict};
pub use modules::{ModuleConflict, ModuleId, ModuleSettings, ModuleTable};
pub use references::{collect_references, ImportPath, Reference};
pub use resolve::{Alternatives, DanglingReason, OpenReason, Origin, Resolution, Resolver};

use ssot_facts::FileFacts;

/// Index of a file in [`Project::files`].
pub type FileId = u32;

/// One analysed source file.
#[derive(Clone, Debug)]
pub struct ProjectFile {
    /// Path relative to the project root, `/`-separated.
    pub path: String,
    pub facts: FileFacts,
    /// Matches the project's test paths.
    pub is_test: bool,
}

/// The files of a project and the module table built from them.
#[derive(Debug)]
pub struct Project {
    pub files: Vec<ProjectFile>,
    pub modules: ModuleTable,
}

impl Project {
    /// Builds the module table for `files` under the import `roots` (relative directories,
    /// `""` for the project root, in `sys.path` order).
    pub fn new(files: Vec<ProjectFile>, roots: &[String]) -> Self {
        Self::with_unread_modules(files, &[], roots)
    }

    /// Like [`Project::new`], with the paths of modules that exist but are not read: extension
    /// modules (`.pyx`, `.so`, `.pyd`) and git-ignored or excluded sources in analysed packages.
    pub fn with_unread_modules(
        files: Vec<ProjectFile>,
        unread_modules: &[String],
        roots: &[String],
    ) -> Self {
        Self::with_settings(files, unread_modules, roots, &ModuleSettings::default())
    }

    /// Like [`Project::with_unread_modules`], with what the configuration says about
    /// third-party and external modules.
    pub fn with_settings(
        mut files: Vec<ProjectFile>,
        unread_modules: &[String],
        roots: &[String],
        settings: &ModuleSettings,
    ) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let modules = ModuleTable::build_with(
            files.iter().map(|f| f.path.as_str()),
            unread_modules,
            roots,
            settings,
        );
        Self { files, modules }
    }

    /// A project from `files` sorted by path and the module table built from exactly their
    /// paths, in that order, with this project's settings (a table built before the files
    /// were loaded, when every file loaded): the same project [`Project::with_settings`]
    /// builds, without building the table a second time.
    pub fn with_module_table(files: Vec<ProjectFile>, modules: ModuleTable) -> Self {
        debug_assert!(files.windows(2).all(|w| w[0].path < w[1].path));
        debug_assert_eq!(files.len(), modules.file_roles.len());
        Self { files, modules }
    }

    pub fn file(&self, id: FileId) -> &ProjectFile {
        &self.files[id as usize]
    }
}
