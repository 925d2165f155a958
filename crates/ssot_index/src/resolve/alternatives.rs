//! Names a module binds by alternatives: `if WINDOWS: from ._win import Reader` / `else: from
//! ._posix import Reader`.
//!
//! Resolution follows the binding that counts by the source (the latest one), which is one
//! branch's answer: on another platform, or another Python version, the same path holds another
//! object. A rewrite between a path through such a name and a path that does not go through it
//! (or goes through another one) can change what the program gets where the other branch runs,
//! and classes selected by one such name are variants of one interface, not copies.

use rustc_hash::FxHashSet;
use ssot_facts::{FileFacts, ImportKind, ScopeKind, StmtContext};

use super::{Resolution, Resolver, StarExport, MAX_CHAIN};
use crate::namespace::{BindingSource, BindingStep};
use crate::{FileId, ModuleId};

/// A module-level name whose value depends on a condition when the module runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Alternatives {
    pub module: ModuleId,
    pub name: String,
}

fn context_of(facts: &FileFacts, source: BindingSource) -> StmtContext {
    match source {
        BindingSource::Definition(index) => facts.definitions[index as usize].context,
        BindingSource::Import { statement, .. } => facts.imports[statement as usize].context,
    }
}

fn bound_name(facts: &FileFacts, source: BindingSource) -> &str {
    match source {
        BindingSource::Definition(index) => &facts.definitions[index as usize].name,
        BindingSource::Import { statement, name } => {
            let import = &facts.imports[statement as usize];
            import.names[name as usize].bound_name(&import.kind)
        }
    }
}

fn failed(resolution: &Resolution) -> bool {
    matches!(resolution, Resolution::Dangling { .. } | Resolution::Cycle)
}

impl<'p> Resolver<'p> {
    /// What `module.name` can hold when the module binds it by alternatives: the distinct
    /// resolutions of its top-level bindings outside `if TYPE_CHECKING:`, the one that counts
    /// first, when that one is written under a condition (`if`, `match`, a loop, `with`) and
    /// another leads elsewhere. Empty when the name holds one object whatever runs.
    pub fn alternatives(&mut self, module: ModuleId, name: &str) -> Vec<Resolution> {
        let project = self.project;
        let Some(file) = self.namespace_file(module) else {
            return Vec::new();
        };
        let facts: &'p FileFacts = &project.file(file).facts;
        let Some(namespace) = self.namespace(module) else {
            return Vec::new();
        };
        let sources: Vec<BindingSource> = namespace
            .candidates(name)
            .filter(|&source| {
                let context = context_of(facts, source);
                context.scope == ScopeKind::Module && !context.type_checking
            })
            .collect();
        if sources.len() < 2 {
            return Vec::new();
        }
        let mut found: Vec<(Resolution, bool)> = Vec::new();
        for source in sources {
            let resolution = self.resolve_binding(module, source, bound_name(facts, source));
            if failed(&resolution) || found.iter().any(|(r, _)| *r == resolution) {
                continue;
            }
            found.push((resolution, context_of(facts, source).conditional));
        }
        match found.first() {
            Some((_, true)) if found.len() > 1 => found.into_iter().map(|(r, _)| r).collect(),
            _ => Vec::new(),
        }
    }

    /// The first name on the way from `module.name` to what it leads to that its module binds
    /// by alternatives ([`Resolver::alternatives`]): what the path reaches then depends on a
    /// condition when the program runs (a platform or version check), while resolution follows
    /// one branch. `None` when every step of the way holds one object.
    pub fn alternatives_on_path(&mut self, module: ModuleId, name: &str) -> Option<Alternatives> {
        let mut seen: FxHashSet<(ModuleId, String)> = FxHashSet::default();
        let (mut module, mut name) = (module, name.to_string());
        while seen.insert((module, name.clone())) && seen.len() < MAX_CHAIN as usize {
            if !self.alternatives(module, &name).is_empty() {
                return Some(Alternatives { module, name });
            }
            (module, name) = self.next_step(module, &name)?;
        }
        None
    }

    /// The module and name the binding of `module.name` that counts reads from, when it is a
    /// `from` import (or a star import) of a first-party module.
    fn next_step(&mut self, module: ModuleId, name: &str) -> Option<(ModuleId, String)> {
        let project = self.project;
        let file = self.namespace_file(module)?;
        let facts: &'p FileFacts = &project.file(file).facts;
        let steps = self.namespace(module)?.steps(name);
        for step in steps {
            match step {
                BindingStep::Binding(source) => {
                    let resolution =
                        self.resolve_binding(module, source, bound_name(facts, source));
                    if failed(&resolution) {
                        continue;
                    }
                    let BindingSource::Import { statement, name } = source else {
                        return None;
                    };
                    if matches!(resolution, Resolution::Module(_)) {
                        return None;
                    }
                    let import = &facts.imports[statement as usize];
                    let target = self.module_read_by(file, &import.kind)?;
                    return Some((target, import.names[name as usize].name.to_string()));
                }
                BindingStep::Star(statement) => {
                    let import = &facts.imports[statement as usize];
                    let target = self.module_read_by(file, &import.kind)?;
                    // A name the source binds itself; one it passes on from its own star
                    // imports is not followed further.
                    let key = self.namespace(target)?.bound_name(name)?;
                    match self.star_import(module, statement, key) {
                        StarExport::Yes(_) => return Some((target, name.to_string())),
                        StarExport::No => continue,
                        StarExport::Unknown(_) => return None,
                    }
                }
            }
        }
        None
    }

    /// The project module a `from` import written in `file` reads from.
    fn module_read_by(&self, file: FileId, kind: &ImportKind) -> Option<ModuleId> {
        let ImportKind::From { module, level } = kind else {
            return None;
        };
        let absolute = self.absolute_module(file, *level, module.as_deref())?;
        self.project.modules.get(&absolute)
    }
}
