//! A concept as declared (`[tool.ssot.concepts.NAME]`) and as resolved against the index:
//! its canonical object, competing members, shims, accessors and factory. The types the rules
//! read; resolving declarations into them is [`crate::concepts`]'s job.

use ssot_facts::ScopeKind;
use ssot_index::census::origin_path;
use ssot_index::re_exports::{classify_re_exporter, is_public_re_export, ReExporter};
use ssot_index::{ImportTimeModel, ImportTimeVerdict, Origin, Project, Reference, Resolution};

/// A concept as the user declared it (`[tool.ssot.concepts.NAME]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConceptDeclaration {
    pub name: String,
    /// `module:Qualified.Name` everybody should import.
    pub canonical: String,
    /// Competing definitions to retire.
    pub members: Vec<String>,
    /// Modules allowed to re-export the canonical object, reported as legacy.
    pub shims: Vec<String>,
    /// Forbidden shared-instance accessors (`module:function` or `module:Class.method`).
    pub accessors: Vec<String>,
    /// The sanctioned constructor (`module:function` or `module:Class.method`).
    pub factory: Option<String>,
    /// Definitions that look like the concept but are not copies of it: SSOT204 leaves them be.
    pub allow: Vec<String>,
}

/// A callable declared in a concept: a module-level function or class, or a method of a
/// class (`module:Class.method`), which is not a definition of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredCallable {
    /// The symbol as declared.
    pub symbol: String,
    /// The function or class, or the class owning `method`.
    pub origin: Origin,
    pub method: Option<String>,
}

/// A declared concept whose symbols exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedConcept {
    pub name: String,
    /// The canonical path as declared.
    pub canonical_path: String,
    /// What the canonical path resolves to.
    pub canonical: Origin,
    /// Competing definitions, with their declared symbols.
    pub members: Vec<(String, Origin)>,
    pub shims: Vec<String>,
    /// Declared shared-instance accessors.
    pub accessors: Vec<DeclaredCallable>,
    /// The declared sanctioned constructor.
    pub factory: Option<DeclaredCallable>,
    /// Definitions declared not to be copies (SSOT204), with their declared symbols.
    pub allow: Vec<(String, Origin)>,
}

impl ResolvedConcept {
    /// Whether `origin` belongs to this concept (canonical or competing).
    pub fn contains(&self, origin: Origin) -> bool {
        origin == self.canonical || self.members.iter().any(|(_, member)| *member == origin)
    }

    /// The canonical module's own import of the object (what makes the canonical path exist),
    /// the re-exports in declared shims, and the public API's re-export of the object when it
    /// does not go through the canonical path: straight from the defining module (`from
    /// pkg._core import Manager` at module level in `pkg/api/__init__.py`, canonical
    /// `pkg:Manager`) or from inside its own package (`from .types import Time as Time` in
    /// `sqlalchemy/__init__.py`); a public package, which the canonical policy never makes a
    /// shim, states its interface there: sanctioned, so neither
    /// violations nor counted in compliance. A statement through the canonical path itself
    /// stays a canonical reference wherever it is (the hand counts of the example and the
    /// CPython oracle count it so).
    pub fn is_sanctioned_re_export(&self, project: &Project, reference: &Reference) -> bool {
        let Some(module_id) = project.modules.module_of_file(reference.file) else {
            return false;
        };
        let module = project.modules.module(module_id).name.as_str();
        let canonical_module = self.canonical_path.split(':').next().unwrap_or_default();
        if module == canonical_module || self.shims.iter().any(|shim| shim == module) {
            return true;
        }
        if reference.resolution != Resolution::Definition(self.canonical)
            || reference.via_attribute
            || reference.context.scope != ScopeKind::Module
            || classify_re_exporter(project, module) != ReExporter::PublicApi
        {
            return false;
        }
        let path = reference.path.to_string();
        path != self.canonical_path
            && (path == origin_path(project, self.canonical)
                || is_public_re_export(project, reference))
    }

    /// The path `reference`'s module should use: the declared canonical path, or (with the
    /// reason) the defining module's path when reading the canonical path there would be a
    /// circular import. The typical case is code inside the package whose `__init__`
    /// re-exports the canonical object: going through the package from a module the package
    /// imports before binding the name reads a partially initialised module.
    pub fn path_for(
        &self,
        project: &Project,
        model: &mut ImportTimeModel<'_>,
        reference: &Reference,
    ) -> (String, Option<String>) {
        let declared = (self.canonical_path.clone(), None);
        let Some((module, name)) = self.canonical_path.split_once(':') else {
            return declared;
        };
        let Some(module) = project.modules.get(module) else {
            return declared;
        };
        let verdict = model.reading(reference.file, reference.context, module, name);
        if !matches!(verdict, ImportTimeVerdict::Circular { .. }) {
            return declared;
        }
        let defining = origin_path(project, self.canonical);
        let Some((defining_module, defining_name)) = defining.split_once(':') else {
            return declared;
        };
        let safe = !defining_name.contains('.')
            && defining != self.canonical_path
            && project.modules.get(defining_module).is_some_and(|m| {
                model.reading(reference.file, reference.context, m, defining_name)
                    == ImportTimeVerdict::Bound
            });
        if !safe {
            return declared;
        }
        let why = verdict.reason().unwrap_or_default();
        (
            defining.clone(),
            Some(format!("`{}` {why} here", self.canonical_path)),
        )
    }

    /// The canonical definition and every competing one.
    pub fn classes(&self) -> impl Iterator<Item = Origin> + '_ {
        std::iter::once(self.canonical).chain(self.members.iter().map(|(_, origin)| *origin))
    }

    /// Whether `origin` (with `method` of a class) is the declared factory.
    pub fn is_factory(&self, origin: Origin, method: Option<&str>) -> bool {
        self.factory
            .as_ref()
            .is_some_and(|f| f.origin == origin && f.method.as_deref() == method)
    }

    pub fn member(&self, origin: Origin) -> Option<&str> {
        self.members
            .iter()
            .find(|(_, member)| *member == origin)
            .map(|(symbol, _)| symbol.as_str())
    }
}
