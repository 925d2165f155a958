//! The path an agent should import a definition through, and the line to write for it.
//!
//! A declared concept's canonical path wins; then the canonical a discovered family proposes
//! for its canonical member (or an alias of it); otherwise the canonical policy of the README
//! ("Canonical policy") applied to the paths the project already uses: the defining module's
//! path, unless the module is private (or the name is private and a public alias of it is
//! imported), in which case the shallowest public path in use, the most used first.

use ssot_index::census::origin_path;
use ssot_index::re_exports::{is_legacy_module, is_private_module};
use ssot_index::Origin;

use super::warm::WarmProject;

/// Where a canonical path comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CanonicalSource {
    /// A concept declared in the configuration.
    Declared,
    /// The canonical a discovered (undeclared) concept family proposes.
    Discovered,
    /// The canonical policy applied to the definition alone.
    Policy,
}

impl CanonicalSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CanonicalSource::Declared => "declared-concept",
            CanonicalSource::Discovered => "discovered-concept",
            CanonicalSource::Policy => "canonical-policy",
        }
    }
}

/// The canonical `module:Name` of `origin`, and why.
pub fn canonical_path(warm: &WarmProject, origin: Origin) -> (String, CanonicalSource) {
    let project = warm.project();
    if let Some(concept) = warm.declared_concept(origin) {
        if concept.canonical == origin {
            return (concept.canonical_path.clone(), CanonicalSource::Declared);
        }
    }
    if let Some(candidate) = warm.candidate_of(origin) {
        if candidate.canonical_origin == origin {
            return (candidate.canonical.clone(), CanonicalSource::Discovered);
        }
    }
    let defining = origin_path(project, origin);
    let (module, name) = defining
        .split_once(':')
        .map(|(m, n)| (m.to_string(), n.to_string()))
        .unwrap_or_default();
    let public = |path: &str| {
        let (module, name) = path.split_once(':').unwrap_or((path, "_"));
        !is_private_module(module) && !is_legacy_module(module) && !name.starts_with('_')
    };
    let depth = |path: &str| {
        path.split(':')
            .next()
            .unwrap_or_default()
            .split('.')
            .count()
    };
    let used = warm.derived().uses.get(&origin);
    let best_used = |filter: &dyn Fn(&str) -> bool| {
        used.into_iter()
            .flat_map(|uses| uses.paths.iter())
            .filter(|(path, _)| public(path) && filter(path))
            .min_by_key(|(path, count)| {
                (
                    depth(path),
                    std::cmp::Reverse(**count),
                    String::as_str(path),
                )
            })
            .map(|(path, _)| path.clone())
    };
    if is_private_module(&module) {
        if let Some(path) = best_used(&|_| true) {
            return (path, CanonicalSource::Policy);
        }
    }
    if name.starts_with('_') {
        let own = format!("{module}:");
        if let Some(path) =
            best_used(&|path| path.starts_with(&own)).or_else(|| best_used(&|_| true))
        {
            return (path, CanonicalSource::Policy);
        }
    }
    (defining, CanonicalSource::Policy)
}

/// The statement that imports `path` (`module:Name`, or `module:Outer.Inner`, which imports
/// `Outer`).
pub fn import_line(path: &str) -> String {
    match path.split_once(':') {
        Some((module, name)) => {
            let first = name.split('.').next().unwrap_or(name);
            format!("from {module} import {first}")
        }
        None => format!("import {path}"),
    }
}
