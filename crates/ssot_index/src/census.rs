//! The `scan` view of references: every first-party symbol imported through two or more
//! distinct paths, and every first-party path that leads nowhere.
//!
//! `files` counts distinct files with at least one binding through a path; `statements` counts
//! bindings. A module's public re-export of a name ([`re_exports`]) is not a use: it is listed
//! as the symbol's re-export and left out of every path's counts, so a symbol whose only other
//! path was its package's own re-export statement is reached through one path and is not listed. Symbols are ordered most-spread first (distinct files over all paths, then number
//! of paths, then name); paths within a symbol and dangling paths likewise by files, then path.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use ssot_facts::DefinitionKind;

use crate::re_exports::is_public_re_export;
use crate::references::{ImportPath, Reference};
use crate::resolve::{DanglingReason, Origin, Resolution};
use crate::{FileId, Project};

/// How many example locations each path keeps.
pub const EXAMPLES_PER_PATH: usize = 3;

/// A place in a file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub path: String,
    pub line: u32,
}

/// Counts for one path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathCounts {
    /// Distinct files with a binding through the path.
    pub files: u32,
    /// Of those, test files.
    pub test_files: u32,
    /// (import statement, name) bindings.
    pub statements: u32,
    /// Of those, in test files.
    pub test_statements: u32,
    /// Bindings inside a `try` that catches `ImportError`.
    pub guarded_statements: u32,
    /// The first few bindings, in path order.
    pub examples: Vec<Location>,
}

/// One path to a symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CensusPath {
    pub path: ImportPath,
    pub counts: PathCounts,
}

/// A first-party symbol and the paths it is imported through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CensusSymbol {
    pub origin: Origin,
    /// `module:Qualified.Name` of the definition.
    pub origin_path: String,
    pub kind: DefinitionKind,
    pub defined_at: Location,
    /// Distinct files over all paths.
    pub files: u32,
    pub paths: Vec<CensusPath>,
    /// The statements that re-export the symbol publicly, by the path each makes, in path order.
    pub re_exported_by: Vec<ReExport>,
}

/// A module's public re-export of a symbol: `from ._data import Scaler` in `pkg/__init__.py`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReExport {
    /// The path the statement makes (`pkg:Scaler`).
    pub path: ImportPath,
    /// The statement.
    pub at: Location,
}

/// A first-party path that resolves to nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DanglingPath {
    pub path: ImportPath,
    /// Why the link where the chain breaks leads nowhere.
    pub reason: DanglingKind,
    /// That link when it is not the path itself: `module:name` for a name the module does
    /// not bind, the module for a missing one (`pkg:Thing` re-exported from a missing
    /// `pkg._external.x` breaks at `pkg._external.x`).
    pub broken_at: Option<String>,
    pub counts: PathCounts,
}

impl DanglingPath {
    /// The reason as `scan` prints it: `missing-module`, or `via pkg._external.x: missing
    /// module` when the chain breaks further on.
    pub fn reason_text(&self) -> String {
        match &self.broken_at {
            Some(link) => format!("via {link}: {}", self.reason.as_str().replace('-', " ")),
            None => self.reason.as_str().to_string(),
        }
    }
}

/// Why a dangling path leads nowhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DanglingKind {
    Dangling(DanglingReason),
    Cycle,
    BeyondTopLevel,
}

impl DanglingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DanglingKind::Dangling(reason) => reason.as_str(),
            DanglingKind::Cycle => "cycle",
            DanglingKind::BeyondTopLevel => "beyond-top-level",
        }
    }
}

/// The result of a census.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Origins reached through two or more paths.
    pub symbols: Vec<CensusSymbol>,
    pub dangling: Vec<DanglingPath>,
}

#[derive(Default)]
struct PathTally {
    files: Vec<FileId>,
    counts: PathCounts,
}

impl PathTally {
    fn add(&mut self, project: &Project, reference: &Reference) {
        let file = project.file(reference.file);
        if self.files.last() != Some(&reference.file) {
            self.files.push(reference.file);
            self.counts.files += 1;
            self.counts.test_files += u32::from(file.is_test);
        }
        self.counts.statements += 1;
        self.counts.test_statements += u32::from(file.is_test);
        self.counts.guarded_statements += u32::from(reference.context.guarded_by_import_error);
        if self.counts.examples.len() < EXAMPLES_PER_PATH {
            self.counts.examples.push(Location {
                path: file.path.clone(),
                line: reference.position.line,
            });
        }
    }
}

/// Builds the census from references (in file order, as [`collect_references`] returns them).
///
/// [`collect_references`]: crate::references::collect_references
pub fn census(project: &Project, references: &[Reference]) -> Census {
    let mut by_origin: FxHashMap<Origin, BTreeMap<&ImportPath, PathTally>> = FxHashMap::default();
    let mut re_exports: FxHashMap<Origin, Vec<ReExport>> = FxHashMap::default();
    let mut dangling: BTreeMap<(&ImportPath, DanglingKind), PathTally> = BTreeMap::new();
    let mut broken_at: FxHashMap<&ImportPath, String> = FxHashMap::default();
    for reference in references {
        match &reference.resolution {
            Resolution::Definition(origin) if is_public_re_export(project, reference) => re_exports
                .entry(*origin)
                .or_default()
                .push(re_export(project, reference)),
            Resolution::Definition(origin) => by_origin
                .entry(*origin)
                .or_default()
                .entry(&reference.path)
                .or_default()
                .add(project, reference),
            Resolution::Dangling {
                reason,
                module,
                name,
            } => {
                let path = &reference.path;
                if path.module != *module || path.name != *name {
                    // A missing module is the broken link whatever name was asked of it.
                    broken_at
                        .entry(path)
                        .or_insert_with(|| match (reason, name) {
                            (DanglingReason::NotBound, Some(name)) => format!("{module}:{name}"),
                            _ => module.clone(),
                        });
                }
                dangling
                    .entry((path, DanglingKind::Dangling(*reason)))
                    .or_default()
                    .add(project, reference)
            }
            Resolution::Cycle => dangling
                .entry((&reference.path, DanglingKind::Cycle))
                .or_default()
                .add(project, reference),
            Resolution::BeyondTopLevel => dangling
                .entry((&reference.path, DanglingKind::BeyondTopLevel))
                .or_default()
                .add(project, reference),
            Resolution::Module(_)
            | Resolution::ModuleAttribute
            | Resolution::External { .. }
            | Resolution::Open(_) => {}
        }
    }

    let mut symbols: Vec<CensusSymbol> = by_origin
        .into_iter()
        .filter(|(_, paths)| paths.len() >= 2)
        .map(|(origin, paths)| {
            let mut files: Vec<FileId> = paths
                .values()
                .flat_map(|t| t.files.iter().copied())
                .collect();
            files.sort_unstable();
            files.dedup();
            let mut paths: Vec<CensusPath> = paths
                .into_iter()
                .map(|(path, tally)| CensusPath {
                    path: path.clone(),
                    counts: tally.counts,
                })
                .collect();
            paths.sort_by(|a, b| {
                b.counts
                    .files
                    .cmp(&a.counts.files)
                    .then(a.path.cmp(&b.path))
            });
            let file = project.file(origin.file);
            let definition = &file.facts.definitions[origin.definition as usize];
            CensusSymbol {
                origin,
                origin_path: origin_path(project, origin),
                kind: definition.kind,
                defined_at: Location {
                    path: file.path.clone(),
                    line: definition.position.line,
                },
                files: files.len() as u32,
                paths,
                re_exported_by: {
                    let mut list = re_exports.remove(&origin).unwrap_or_default();
                    list.sort();
                    list
                },
            }
        })
        .collect();
    symbols.sort_by(|a, b| {
        b.files
            .cmp(&a.files)
            .then(b.paths.len().cmp(&a.paths.len()))
            .then(a.origin_path.cmp(&b.origin_path))
    });

    let mut dangling: Vec<DanglingPath> = dangling
        .into_iter()
        .map(|((path, reason), tally)| DanglingPath {
            path: path.clone(),
            broken_at: match reason {
                DanglingKind::Dangling(_) => broken_at.get(path).cloned(),
                DanglingKind::Cycle | DanglingKind::BeyondTopLevel => None,
            },
            reason,
            counts: tally.counts,
        })
        .collect();
    dangling.sort_by(|a, b| {
        b.counts
            .files
            .cmp(&a.counts.files)
            .then(a.path.cmp(&b.path))
    });
    Census { symbols, dangling }
}

/// The path a re-export statement makes (`pkg:Scaler` for `from ._data import Scaler` in
/// `pkg/__init__.py`, under the `as` name when there is one) and where it is.
fn re_export(project: &Project, reference: &Reference) -> ReExport {
    let file = project.file(reference.file);
    let import = &file.facts.imports[reference.statement as usize];
    let bound = import.names[reference.name as usize].bound_name(&import.kind);
    ReExport {
        path: ImportPath {
            module: module_label(project, reference.file),
            name: Some(bound.to_string()),
        },
        at: Location {
            path: file.path.clone(),
            line: reference.position.line,
        },
    }
}

/// `module:Qualified.Name` of a first-party definition.
pub fn origin_path(project: &Project, origin: Origin) -> String {
    let definition = &project.file(origin.file).facts.definitions[origin.definition as usize];
    format!(
        "{}:{}",
        module_label(project, origin.file),
        definition.qualname
    )
}

/// The dotted module name of a file, or its path when it is a script outside every root.
pub fn module_label(project: &Project, file: FileId) -> String {
    project.modules.module_of_file(file).map_or_else(
        || project.file(file).path.clone(),
        |id| project.modules.module(id).name.clone(),
    )
}
