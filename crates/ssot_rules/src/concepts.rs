//! Declared concepts resolved against the index (the types are in [`crate::concept`]), and
//! compliance.
//!
//! Compliance of a concept = references through the canonical path ÷ all references to any
//! member of the concept (the canonical object or a competing definition), where a reference is
//! one (import statement, name) binding. It is reported for production code, test code and
//! both, and per scope. This is the only compliance formula in ssot. Bindings in the canonical module itself
//! and in declared shims are the re-exports that make those paths exist, not uses, and are
//! left out of both counts.

use std::collections::BTreeMap;

use ssot_index::census::origin_path;
use ssot_index::{FileId, ImportTimeModel, Origin, Project, Reference, Resolution, Resolver};

pub use crate::concept::{ConceptDeclaration, DeclaredCallable, ResolvedConcept};

/// A declared symbol that does not lead to a definition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("concept `{concept}`: {role} `{symbol}` {problem}")]
pub struct ConceptError {
    pub concept: String,
    pub role: &'static str,
    pub symbol: String,
    pub problem: String,
}

/// Resolves `module:Qualified.Name` to a first-party definition.
pub fn resolve_symbol<'p>(resolver: &mut Resolver<'p>, symbol: &'p str) -> Result<Origin, String> {
    let project = resolver.project();
    let Some((module, qualname)) = symbol.split_once(':') else {
        return Err("is not written `module:Qualified.Name`".into());
    };
    let Some(module_id) = project.modules.get(module) else {
        return Err(format!(
            "does not exist: there is no module `{module}` in the project"
        ));
    };
    let mut segments = qualname.split('.');
    let first = segments.next().unwrap_or(qualname);
    let mut origin =
        match resolver.resolve_member(module_id, first) {
            Resolution::Definition(origin) => origin,
            Resolution::Dangling { .. } => {
                return Err(format!(
                    "does not exist: `{module}` does not bind `{first}`"
                ))
            }
            Resolution::Module(_) => {
                return Err(format!(
                    "is a module, not a definition: a concept's members are classes, functions \
                 or variables (`{module}.{first}:Name`)"
                ))
            }
            Resolution::ModuleAttribute => {
                return Err("is an attribute every module has, not a definition".into())
            }
            Resolution::External { module, .. } => {
                return Err(format!(
                    "is not a definition in the project: it comes from `{module}`, outside it"
                ))
            }
            Resolution::Cycle => {
                return Err("is not a definition in the project: its re-exports loop".into())
            }
            Resolution::Open(_) => {
                return Err(format!(
                "cannot be resolved without running code (`{module}` defines names at run time)"
            ))
            }
            Resolution::BeyondTopLevel => return Err(
                "is not a definition in the project: its import climbs above the top-level package"
                    .into(),
            ),
        };
    for segment in segments {
        let file = project.file(origin.file);
        let parent = &file.facts.definitions[origin.definition as usize].qualname;
        let wanted = format!("{parent}.{segment}");
        let nested = file
            .facts
            .definitions
            .iter()
            .position(|definition| definition.qualname == wanted)
            .ok_or_else(|| format!("does not exist: `{parent}` has no nested `{segment}`"))?;
        origin = Origin {
            file: origin.file,
            definition: nested as u32,
        };
    }
    Ok(origin)
}

/// Resolves `module:function`, `module:Class` or `module:Class.method` (a method of a
/// first-party class, which the index does not keep as a definition of its own).
pub fn resolve_callable<'p>(
    resolver: &mut Resolver<'p>,
    symbol: &'p str,
) -> Result<DeclaredCallable, String> {
    let problem = match resolve_symbol(resolver, symbol) {
        Ok(origin) => {
            return Ok(DeclaredCallable {
                symbol: symbol.to_string(),
                origin,
                method: None,
            })
        }
        Err(problem) => problem,
    };
    let method = symbol
        .split_once(':')
        .and_then(|(_, qualname)| qualname.rsplit_once('.'))
        .map(|(_, method)| method);
    let owner = symbol.rsplit_once('.').map(|(owner, _)| owner);
    if let (Some(method), Some(owner)) = (method, owner) {
        if let Ok(origin) = resolve_symbol(resolver, owner) {
            let project = resolver.project();
            let definition =
                &project.file(origin.file).facts.definitions[origin.definition as usize];
            let has_method = definition.class.is_some()
                && crate::symbols::may_have_method(
                    &mut crate::symbols::DottedResolver::new(project),
                    origin,
                    method,
                );
            return if has_method {
                Ok(DeclaredCallable {
                    symbol: symbol.to_string(),
                    origin,
                    method: Some(method.to_string()),
                })
            } else {
                Err(format!(
                    "does not exist: neither `{}` nor its bases define a method `{method}`",
                    definition.qualname
                ))
            };
        }
    }
    Err(problem)
}

/// Resolves every declared concept; every symbol that does not exist is an error.
pub fn resolve_concepts<'p>(
    resolver: &mut Resolver<'p>,
    declarations: &'p [ConceptDeclaration],
) -> Result<Vec<ResolvedConcept>, Vec<ConceptError>> {
    let mut errors = Vec::new();
    let mut concepts = Vec::new();
    for declaration in declarations {
        let error = |role, symbol: &str, problem| ConceptError {
            concept: declaration.name.clone(),
            role,
            symbol: symbol.to_string(),
            problem,
        };
        let canonical = match resolve_symbol(resolver, &declaration.canonical) {
            Ok(origin) => origin,
            Err(problem) => {
                errors.push(error("canonical", &declaration.canonical, problem));
                continue;
            }
        };
        let mut members = Vec::new();
        for member in &declaration.members {
            match resolve_symbol(resolver, member) {
                Ok(origin) if origin == canonical => errors.push(error(
                    "member",
                    member,
                    "is the canonical object itself; list only competing definitions".into(),
                )),
                Ok(origin) => members.push((member.clone(), origin)),
                Err(problem) => errors.push(error("member", member, problem)),
            }
        }
        let mut accessors = Vec::new();
        for accessor in &declaration.accessors {
            match resolve_callable(resolver, accessor) {
                Ok(callable) => accessors.push(callable),
                Err(problem) => errors.push(error("accessor", accessor, problem)),
            }
        }
        let factory = match &declaration.factory {
            Some(factory) => match resolve_callable(resolver, factory) {
                Ok(callable) => Some(callable),
                Err(problem) => {
                    errors.push(error("factory", factory, problem));
                    None
                }
            },
            None => None,
        };
        let mut allow = Vec::new();
        for allowed in &declaration.allow {
            match resolve_symbol(resolver, allowed) {
                Ok(origin) => allow.push((allowed.clone(), origin)),
                Err(problem) => errors.push(error("allow", allowed, problem)),
            }
        }
        concepts.push(ResolvedConcept {
            allow,
            name: declaration.name.clone(),
            canonical_path: declaration.canonical.clone(),
            canonical,
            members,
            shims: declaration.shims.clone(),
            accessors,
            factory,
        });
    }
    if errors.is_empty() {
        Ok(concepts)
    } else {
        Err(errors)
    }
}

/// Reference counts for one slice of the code base.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Compliance {
    /// References to any member of the concept.
    pub references: u32,
    /// Of those, through the canonical path.
    pub canonical_references: u32,
}

impl Compliance {
    /// The ratio, or `None` when nothing references the concept.
    pub fn ratio(self) -> Option<f64> {
        (self.references > 0)
            .then(|| f64::from(self.canonical_references) / f64::from(self.references))
    }

    fn add(&mut self, canonical: bool) {
        self.references += 1;
        self.canonical_references += u32::from(canonical);
    }

    pub fn merge(self, other: Compliance) -> Compliance {
        Compliance {
            references: self.references + other.references,
            canonical_references: self.canonical_references + other.canonical_references,
        }
    }
}

/// A concept's figures for the report.
#[derive(Clone, Debug, PartialEq)]
pub struct ConceptReport {
    pub name: String,
    pub canonical: String,
    /// `module:Qualified.Name` of the canonical definition.
    pub canonical_origin: String,
    pub production: Compliance,
    pub tests: Compliance,
    /// The same references split by scope (`production`, `test`, configured scopes), each
    /// scope with references present; `production` here leaves out files of configured
    /// scopes, which the `production` field above counts.
    pub by_scope: BTreeMap<String, Compliance>,
    /// Definitions of the concept: the canonical one and the competing ones.
    pub definitions: Vec<String>,
    /// The file of the canonical definition.
    pub canonical_file: FileId,
    /// Every file with a counted reference to the concept, sorted, once each.
    pub reference_files: Vec<FileId>,
    /// The most critical critical-path tier among the canonical's file and the referencing
    /// files. The rules leave `None`; the caller, who knows the configuration, sets it.
    pub tier: Option<String>,
}

impl ConceptReport {
    pub fn total(&self) -> Compliance {
        self.production.merge(self.tests)
    }
}

/// Compliance of each concept, in declaration order, with scopes `production` and `test` only.
pub fn concept_reports(
    project: &Project,
    references: &[Reference],
    concepts: &[ResolvedConcept],
) -> Vec<ConceptReport> {
    let scope_of = |file: FileId| -> String {
        if project.file(file).is_test {
            "test".to_string()
        } else {
            "production".to_string()
        }
    };
    concept_reports_by_scope(project, references, concepts, &scope_of)
}

/// Compliance of each concept, in declaration order, split by the scope `scope_of` gives
/// each file.
pub fn concept_reports_by_scope(
    project: &Project,
    references: &[Reference],
    concepts: &[ResolvedConcept],
    scope_of: &dyn Fn(FileId) -> String,
) -> Vec<ConceptReport> {
    let mut model = ImportTimeModel::new(project);
    concepts
        .iter()
        .map(|concept| {
            let mut production = Compliance::default();
            let mut tests = Compliance::default();
            let mut by_scope: BTreeMap<String, Compliance> = BTreeMap::new();
            let mut reference_files: Vec<FileId> = Vec::new();
            for reference in references {
                let Resolution::Definition(origin) = reference.resolution else {
                    continue;
                };
                if !concept.contains(origin) || concept.is_sanctioned_re_export(project, reference)
                {
                    continue;
                }
                let path = reference.path.to_string();
                let canonical = origin == concept.canonical
                    && (path == concept.canonical_path
                        || concept.path_for(project, &mut model, reference).0 == path);
                reference_files.push(reference.file);
                by_scope
                    .entry(scope_of(reference.file))
                    .or_default()
                    .add(canonical);
                if project.file(reference.file).is_test {
                    tests.add(canonical);
                } else {
                    production.add(canonical);
                }
            }
            let definitions = std::iter::once(concept.canonical)
                .chain(concept.members.iter().map(|(_, origin)| *origin))
                .map(|origin| origin_path(project, origin))
                .collect();
            reference_files.sort_unstable();
            reference_files.dedup();
            ConceptReport {
                name: concept.name.clone(),
                canonical: concept.canonical_path.clone(),
                canonical_origin: origin_path(project, concept.canonical),
                production,
                tests,
                by_scope,
                definitions,
                canonical_file: concept.canonical.file,
                reference_files,
                tier: None,
            }
        })
        .collect()
}
