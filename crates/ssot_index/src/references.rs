//! Every first-party import binding of every file, with the path it is written through and
//! where that path leads.
//!
//! A reference is one (import statement, name) binding, as DESIGN.md §4 defines it:
//! `from M import N` gives one per name; `import M` used as `M.N` gives one per statement and
//! path however many uses follow. Star imports are resolution steps, not references. Bindings
//! that lead outside the project are not kept.

use std::fmt;

use rustc_hash::FxHashSet;
use ssot_facts::{ImportKind, Position, StmtContext};

use crate::resolve::{Resolution, Resolver};
use crate::{FileId, Project};

/// How an import reaches a symbol: `module:name` as written, relative imports made absolute.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImportPath {
    pub module: String,
    /// `None` for `import module` itself.
    pub name: Option<String>,
}

impl fmt::Display for ImportPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{}:{}", self.module, name),
            None => f.write_str(&self.module),
        }
    }
}

/// One first-party import binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub file: FileId,
    /// Index of the import statement in the file's facts.
    pub statement: u32,
    /// Index of the name in that statement.
    pub name: u32,
    pub path: ImportPath,
    /// Reached as `M.N` after `import M`.
    pub via_attribute: bool,
    /// Where the name (or the first attribute use) is written.
    pub position: Position,
    pub context: StmtContext,
    pub resolution: Resolution,
}

/// All first-party references of the project, in file order then source order.
///
/// Imports written in `.pyi` stubs are resolved against stubs first, as type checkers do.
pub fn collect_references<'p>(module_resolver: &mut Resolver<'p>) -> Vec<Reference> {
    let project: &'p Project = module_resolver.project();
    let mut stub_resolver = has_stubs(project).then(|| Resolver::for_stubs(project));
    // At most one reference per imported name and per attribute use: reserved at once, the
    // vector is never copied as it grows (a large project has hundreds of thousands).
    let bound: usize = project
        .files
        .iter()
        .map(|file| {
            let facts = &file.facts;
            facts.attribute_refs.len()
                + facts
                    .imports
                    .iter()
                    .map(|import| import.names.len())
                    .sum::<usize>()
        })
        .sum();
    let mut references = Vec::with_capacity(bound);
    for file_id in 0..project.files.len() as FileId {
        file_references(
            module_resolver,
            stub_resolver.as_mut(),
            file_id,
            &mut references,
        );
    }
    references
}

/// Whether any file is a `.pyi` stub (whose imports are resolved against stubs first).
pub(crate) fn has_stubs(project: &Project) -> bool {
    project.files.iter().any(|file| file.path.ends_with(".pyi"))
}

/// The references of one file, appended to `references`.
pub(crate) fn file_references<'p>(
    module_resolver: &mut Resolver<'p>,
    stub_resolver: Option<&mut Resolver<'p>>,
    file_id: FileId,
    references: &mut Vec<Reference>,
) {
    let project: &'p Project = module_resolver.project();
    let file = project.file(file_id);
    let facts = &file.facts;
    let resolver = match stub_resolver {
        Some(stubs) if file.path.ends_with(".pyi") => stubs,
        _ => module_resolver,
    };
    for (statement_index, import) in facts.imports.iter().enumerate() {
        for (name_index, imported) in import.names.iter().enumerate() {
            let reference = |path: ImportPath, resolution: Resolution| Reference {
                file: file_id,
                statement: statement_index as u32,
                name: name_index as u32,
                path,
                via_attribute: false,
                position: imported.position,
                context: import.context,
                resolution,
            };
            match &import.kind {
                ImportKind::From { module, level } => {
                    if imported.name == "*" {
                        continue;
                    }
                    match resolver.absolute_module(file_id, *level, module.as_deref()) {
                        // Outside the project: never a reference, so not resolved.
                        Some(absolute) if resolver.is_outside_project(&absolute) => {}
                        Some(absolute) => {
                            let own_module = project
                                .modules
                                .module_of_file(file_id)
                                .filter(|&id| project.modules.module(id).name == absolute);
                            let own_submodule = own_module.and_then(|id| {
                                resolver.own_submodule_import(
                                    id,
                                    statement_index as u32,
                                    &imported.name,
                                )
                            });
                            let resolution = match own_submodule {
                                Some(submodule) => Resolution::Module(submodule),
                                None => resolver.resolve_from(&absolute, &imported.name),
                            };
                            if !matches!(resolution, Resolution::External { .. }) {
                                let path = ImportPath {
                                    module: absolute,
                                    name: Some(imported.name.to_string()),
                                };
                                references.push(reference(path, resolution));
                            }
                        }
                        None => {
                            let dots = ".".repeat(*level as usize);
                            let path = ImportPath {
                                module: format!("{dots}{}", module.as_deref().unwrap_or("")),
                                name: Some(imported.name.to_string()),
                            };
                            references.push(reference(path, Resolution::BeyondTopLevel));
                        }
                    }
                }
                // Only a dangling module is a reference here (its uses `M.N` are below), and
                // a module outside the project never dangles.
                ImportKind::Import if resolver.is_outside_project(&imported.name) => {}
                ImportKind::Import => {
                    let resolution = resolver.resolve_module(&imported.name);
                    if resolution.is_dangling() {
                        let path = ImportPath {
                            module: imported.name.to_string(),
                            name: None,
                        };
                        references.push(reference(path, resolution));
                    }
                }
            }
        }
    }
    attribute_references(resolver, file_id, references);
}

/// `import M` then `M.a.N`: walks submodules from the bound module and records the first
/// attribute that is not a module, once per (statement, path).
fn attribute_references(resolver: &mut Resolver<'_>, file_id: FileId, out: &mut Vec<Reference>) {
    let project = resolver.project();
    let facts = &project.file(file_id).facts;
    let mut seen: FxHashSet<(u32, ImportPath)> = FxHashSet::default();
    for attribute_ref in &facts.attribute_refs {
        let import = &facts.imports[attribute_ref.import_index as usize];
        let imported = &import.names[attribute_ref.name_index as usize];
        let bound_module = if imported.asname.is_some() {
            imported.name.as_str()
        } else {
            imported.bound_name(&import.kind)
        };
        let Some(mut current) = project.modules.get(bound_module) else {
            continue;
        };
        for attribute in &attribute_ref.attributes {
            let resolution = resolver.resolve_member(current, attribute);
            if let Resolution::Module(next) = resolution {
                current = next;
                continue;
            }
            let path = ImportPath {
                module: project.modules.module(current).name.clone(),
                name: Some(attribute.to_string()),
            };
            if seen.insert((attribute_ref.import_index, path.clone()))
                && !matches!(resolution, Resolution::External { .. })
            {
                out.push(Reference {
                    file: file_id,
                    statement: attribute_ref.import_index,
                    name: attribute_ref.name_index,
                    path,
                    via_attribute: true,
                    position: attribute_ref.position,
                    context: import.context,
                    resolution,
                });
            }
            break;
        }
    }
}
