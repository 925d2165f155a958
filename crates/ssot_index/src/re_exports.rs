//! Which import bindings are a module's public re-export of a name rather than a use of it.
//!
//! A module-level `from M import N` in module `P` re-exports `N` when `M` lies inside the
//! package `P` belongs to and `P` makes the name part of its interface:
//! - the import is written `N as N` (the explicit re-export form of PEP 484);
//! - `P` is a package (`__init__`) and `M` is one of its submodules: the bound name is public
//!   (no leading underscore) or in `P`'s static `__all__`;
//! - `P` is a plain module and `M` is in `P`'s parent package: the bound name is in `P`'s
//!   static `__all__`.
//!
//! These statements are how the package's paths come to exist (`from ._data import Scaler` in
//! `pkg/__init__.py` is what makes `pkg:Scaler` importable): the census shows them as the
//! symbol's re-exports, not as paths anybody imports through.

use ssot_facts::{DunderAll, ImportKind, ScopeKind};

use crate::references::Reference;
use crate::Project;

/// Whether `reference` is its module's public re-export of the name it imports.
pub fn is_public_re_export(project: &Project, reference: &Reference) -> bool {
    if reference.via_attribute || reference.context.scope != ScopeKind::Module {
        return false;
    }
    let Some(module_id) = project.modules.module_of_file(reference.file) else {
        return false;
    };
    let module = project.modules.module(module_id);
    // A file that Python shadows is not the module's namespace.
    if module.file != Some(reference.file) && module.stub != Some(reference.file) {
        return false;
    }
    let facts = &project.file(reference.file).facts;
    let import = &facts.imports[reference.statement as usize];
    if !matches!(import.kind, ImportKind::From { .. }) {
        return false;
    }
    let imported = &import.names[reference.name as usize];
    let bound = imported.bound_name(&import.kind);
    let package = if module.is_package {
        module.name.as_str()
    } else {
        match module.name.rsplit_once('.') {
            Some((parent, _)) => parent,
            None => return false,
        }
    };
    let source = reference.path.module.as_str();
    let inside = source
        .strip_prefix(package)
        .is_some_and(|rest| rest.starts_with('.'));
    if !inside {
        return false;
    }
    // `N as N` says "re-exported" whatever `__all__` holds (PEP 484).
    if imported.asname.as_deref() == Some(imported.name.as_str()) {
        return true;
    }
    // A public package's `__init__` importing a public name is its public API, listed in
    // `__all__` or not (`django.template` imports `Origin` without listing it).
    if module.is_package && !bound.starts_with('_') {
        return true;
    }
    match &facts.dunder_all {
        DunderAll::Static(names) => names.iter().any(|name| name == bound),
        DunderAll::Absent | DunderAll::Dynamic => false,
    }
}

/// What a module that re-exports a concept's canonical object is to the canonical policy
/// (README.md, "Canonical policy").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReExporter {
    /// A public package: its re-exports are the public API, never a legacy shim.
    PublicApi,
    /// A module that only re-exports (no public class or function of its own) and is not the
    /// public API: an old module name, a `compat` or `legacy` module, a private module.
    ShimCandidate,
    /// A module with code of its own that also makes the name importable.
    Other,
}

/// Segments that mark a module kept for old callers.
const LEGACY_SEGMENTS: &[&str] = &[
    "compat",
    "compatibility",
    "backcompat",
    "backwards_compat",
    "backward_compat",
    "legacy",
    "deprecated",
    "old",
];

/// Whether a dotted module name marks it as kept for old callers (`pkg.compat`,
/// `pkg.legacy_api`, `pkg.old_manager`, `pkg.py3_compat`).
pub fn is_legacy_module(module: &str) -> bool {
    module.split('.').any(|segment| {
        let segment = segment.trim_start_matches('_').to_ascii_lowercase();
        LEGACY_SEGMENTS.iter().any(|word| {
            segment == *word
                || segment.starts_with(&format!("{word}_"))
                || segment.ends_with(&format!("_{word}"))
        })
    })
}

/// Whether a dotted module name has a private segment (`pkg._data`).
pub fn is_private_module(module: &str) -> bool {
    module.split('.').any(|segment| segment.starts_with('_'))
}

/// How the canonical policy sees `module`, a module that re-exports a concept's canonical.
pub fn classify_re_exporter(project: &Project, module: &str) -> ReExporter {
    let Some(id) = project.modules.get(module) else {
        return ReExporter::Other;
    };
    let info = project.modules.module(id);
    if info.is_package && !is_private_module(module) && !is_legacy_module(module) {
        return ReExporter::PublicApi;
    }
    let Some(file) = info.file.or(info.stub) else {
        return ReExporter::Other;
    };
    let own_code = project
        .file(file)
        .facts
        .definitions
        .iter()
        .any(|definition| {
            definition.module_level
                && definition.alias_of.is_none()
                && matches!(
                    definition.kind,
                    ssot_facts::DefinitionKind::Class | ssot_facts::DefinitionKind::Function
                )
                && !definition.name.starts_with('_')
        });
    if own_code {
        return ReExporter::Other;
    }
    if is_private_module(module) || is_legacy_module(module) {
        return ReExporter::ShimCandidate;
    }
    // A public module that only re-exports is the public API when its package's `__init__`
    // imports from it (`sqlalchemy.types`) or it gathers names from private modules of its
    // own package (`pkg.types` over `pkg._types`). Otherwise it is an old module name kept for old
    // callers, `__all__` or not.
    let sources = from_import_modules(project, module, info.is_package, file);
    let parent = module.rsplit_once('.').map_or("", |(parent, _)| parent);
    let private_inside = sources.iter().any(|source| {
        source
            .strip_prefix(parent)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|rest| !parent.is_empty() && is_private_module(rest))
    });
    if private_inside {
        return ReExporter::PublicApi;
    }
    if imported_by_public_package(project, module) {
        return ReExporter::PublicApi;
    }
    ReExporter::ShimCandidate
}

/// The absolute modules named by `file`'s `from` imports:
/// `from M import N` yields `M` and, for `from . import N`, also `M.N`.
fn from_import_modules(
    project: &Project,
    module: &str,
    is_package: bool,
    file: crate::FileId,
) -> Vec<String> {
    let mut modules = Vec::new();
    for import in &project.file(file).facts.imports {
        let ImportKind::From {
            module: written,
            level,
        } = &import.kind
        else {
            continue;
        };
        let Some(absolute) =
            crate::resolve::relative_module(module, is_package, *level, written.as_deref())
        else {
            continue;
        };
        for name in &import.names {
            modules.push(format!("{absolute}.{}", name.name));
        }
        modules.push(absolute);
    }
    modules
}

/// Whether a public (not private, not legacy) package `__init__` above `module` imports from
/// it (`from .types import X`, `from . import types`).
fn imported_by_public_package(project: &Project, module: &str) -> bool {
    let mut package = module;
    while let Some((parent, _)) = package.rsplit_once('.') {
        package = parent;
        if is_private_module(package) || is_legacy_module(package) {
            return false;
        }
        let Some(id) = project.modules.get(package) else {
            continue;
        };
        let info = project.modules.module(id);
        let Some(file) = info.file.or(info.stub) else {
            continue;
        };
        if from_import_modules(project, package, true, file)
            .iter()
            .any(|source| source == module)
        {
            return true;
        }
    }
    false
}
