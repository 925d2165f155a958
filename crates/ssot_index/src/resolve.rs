//! Following a `module:name` path through re-exports to where it really leads.
//!
//! A path ends at a first-party definition ([`Origin`]), a first-party module, something outside
//! the project, or one of the honest failures: dangling (the module does not bind the name, or
//! the module does not exist), a cycle, an open module (module `__getattr__`, a dynamic
//! `__all__`, a star import from outside the project), or a relative import that climbs above its
//! top-level package. Nothing is guessed. Results per `(module, name)` are memoised, so every
//! chain is walked once however many files import through it.

use rustc_hash::{FxHashMap, FxHashSet};
use ssot_facts::{DunderAll, ImportKind};

use crate::modules::ModuleId;
use crate::namespace::{BindingSource, Namespace};
use crate::{FileId, Project};

/// A first-party definition: `definitions[definition]` of `file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: FileId,
    pub definition: u32,
}

/// Why a first-party path leads nowhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DanglingReason {
    /// The module exists but does not bind the name.
    NotBound,
    /// The module does not exist in the project.
    MissingModule,
}

impl DanglingReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DanglingReason::NotBound => "not-bound",
            DanglingReason::MissingModule => "missing-module",
        }
    }
}

/// Why ssot cannot know what a name is bound to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpenReason {
    /// The module defines `__getattr__` (PEP 562).
    ModuleGetattr(ModuleId),
    /// A star import from a module whose `__all__` is computed at run time.
    DynamicAll(ModuleId),
    /// A star import from a module outside the project.
    ExternalStar(String),
}

/// Where a path leads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resolution {
    /// A first-party class, function or variable.
    Definition(Origin),
    /// A first-party module.
    Module(ModuleId),
    /// Something outside the project (standard library or third party).
    External { module: String, name: Option<String> },
    /// A first-party path that leads nowhere; `module:name` is where the chain broke.
    Dangling {
        reason: DanglingReason,
        module: String,
        name: Option<String>,
    },
    /// A re-export chain that loops.
    Cycle,
    /// ssot cannot know without running code.
    Open(OpenReason),
    /// A relative import that climbs above its top-level package (or sits in a script).
    BeyondTopLevel,
}

impl Resolution {
    pub fn is_dangling(&self) -> bool {
        matches!(self, Resolution::Dangling { .. })
    }
}

/// Re-export chains longer than this are reported as cycles rather than followed further.
const MAX_CHAIN: u32 = 256;

/// Resolves paths of one project, memoising per `(module, name)`.
pub struct Resolver<'p> {
    project: &'p Project,
    namespaces: FxHashMap<ModuleId, Namespace<'p>>,
    memo: FxHashMap<(ModuleId, &'p str), Resolution>,
    in_progress: FxHashSet<(ModuleId, &'p str)>,
    depth: u32,
}

impl<'p> Resolver<'p> {
    pub fn new(project: &'p Project) -> Self {
        Self {
            project,
            namespaces: FxHashMap::default(),
            memo: FxHashMap::default(),
            in_progress: FxHashSet::default(),
            depth: 0,
        }
    }

    pub fn project(&self) -> &'p Project {
        self.project
    }

    /// The absolute module of `from <level dots><module> import ...` written in `file`, or `None`
    /// when the dots climb above the top-level package.
    pub fn absolute_module(&self, file: FileId, level: u32, module: Option<&str>) -> Option<String> {
        if level == 0 {
            return Some(module.unwrap_or_default().to_string());
        }
        let modules = &self.project.modules;
        let this = modules.module_of_file(file)?;
        let this = modules.module(this);
        let mut package: Vec<&str> = this.name.split('.').collect();
        if !is_package_file(&self.project.file(file).path) {
            package.pop();
        }
        let climb = (level - 1) as usize;
        if climb >= package.len() {
            return None;
        }
        package.truncate(package.len() - climb);
        let mut absolute = package.join(".");
        if let Some(module) = module.filter(|m| !m.is_empty()) {
            absolute.push('.');
            absolute.push_str(module);
        }
        Some(absolute)
    }

    /// Where `from module import name` leads.
    pub fn resolve_from(&mut self, module: &str, name: &'p str) -> Resolution {
        match self.project.modules.get(module) {
            Some(id) => self.resolve_member(id, name),
            None if self.project.modules.is_first_party(module) => Resolution::Dangling {
                reason: DanglingReason::MissingModule,
                module: module.to_string(),
                name: Some(name.to_string()),
            },
            None => Resolution::External {
                module: module.to_string(),
                name: Some(name.to_string()),
            },
        }
    }

    /// Where `import module` leads.
    pub fn resolve_module(&self, module: &str) -> Resolution {
        match self.project.modules.get(module) {
            Some(id) => Resolution::Module(id),
            None if self.project.modules.is_first_party(module) => Resolution::Dangling {
                reason: DanglingReason::MissingModule,
                module: module.to_string(),
                name: None,
            },
            None => Resolution::External {
                module: module.to_string(),
                name: None,
            },
        }
    }

    /// Where `module.name` leads (the attribute `name` of a first-party module).
    pub fn resolve_member(&mut self, module: ModuleId, name: &'p str) -> Resolution {
        let key = (module, name);
        if let Some(known) = self.memo.get(&key) {
            return known.clone();
        }
        if self.in_progress.contains(&key) || self.depth >= MAX_CHAIN {
            // `from . import sub` in a package's `__init__` reaches itself before the submodule.
            if let Some(submodule) = self.project.modules.submodule(module, name) {
                return Resolution::Module(submodule);
            }
            return Resolution::Cycle;
        }
        self.in_progress.insert(key);
        self.depth += 1;
        let resolution = self.resolve_member_uncached(module, name);
        self.depth -= 1;
        self.in_progress.remove(&key);
        self.memo.insert(key, resolution.clone());
        resolution
    }

    fn namespace(&mut self, module: ModuleId) -> Option<&Namespace<'p>> {
        let file = self.project.modules.module(module).file?;
        let project = self.project;
        Some(
            self.namespaces
                .entry(module)
                .or_insert_with(|| Namespace::build(&project.file(file).facts)),
        )
    }

    fn resolve_member_uncached(&mut self, module: ModuleId, name: &'p str) -> Resolution {
        let candidates: Vec<BindingSource> = match self.namespace(module) {
            Some(namespace) => namespace.candidates(name).collect(),
            None => Vec::new(),
        };
        let mut first_failure = None;
        for source in candidates {
            let resolution = self.resolve_binding(module, source, name);
            match resolution {
                Resolution::Dangling { .. } | Resolution::Cycle => {
                    first_failure.get_or_insert(resolution);
                }
                found => return found,
            }
        }
        if let Some(failure) = first_failure {
            return failure;
        }
        self.resolve_unbound(module, name)
    }

    /// A name the module does not bind explicitly: star imports, submodules, `__getattr__`.
    fn resolve_unbound(&mut self, module: ModuleId, name: &'p str) -> Resolution {
        let project = self.project;
        let stars: Vec<u32> = self
            .namespace(module)
            .map(|namespace| namespace.star_imports.clone())
            .unwrap_or_default();
        let mut open = None;
        let file = project.modules.module(module).file;
        // Later star imports overwrite earlier ones.
        for statement in stars.into_iter().rev() {
            let Some(file) = file else { break };
            let import = &project.file(file).facts.imports[statement as usize];
            let ImportKind::From { module: source, level } = &import.kind else {
                continue;
            };
            let Some(source) = self.absolute_module(file, *level, source.as_deref()) else {
                continue;
            };
            match project.modules.get(&source) {
                Some(source_id) => match self.star_export(source_id, name) {
                    StarExport::Yes(resolution) => return resolution,
                    StarExport::No => {}
                    StarExport::Unknown(reason) => {
                        open.get_or_insert(reason);
                    }
                },
                None if project.modules.is_first_party(&source) => {}
                None => {
                    open.get_or_insert(OpenReason::ExternalStar(source));
                }
            }
        }
        if let Some(submodule) = project.modules.submodule(module, name) {
            return Resolution::Module(submodule);
        }
        if let Some(reason) = open {
            return Resolution::Open(reason);
        }
        if let Some(file) = file {
            if project.file(file).facts.has_module_getattr {
                return Resolution::Open(OpenReason::ModuleGetattr(module));
            }
        }
        Resolution::Dangling {
            reason: DanglingReason::NotBound,
            module: project.modules.module(module).name.clone(),
            name: Some(name.to_string()),
        }
    }

    /// Whether `from source import *` brings `name`, and where it leads.
    fn star_export(&mut self, source: ModuleId, name: &'p str) -> StarExport {
        let project = self.project;
        let Some(file) = project.modules.module(source).file else {
            return StarExport::No;
        };
        match &project.file(file).facts.dunder_all {
            DunderAll::Static(names) => {
                if names.iter().any(|n| n == name) {
                    StarExport::Yes(self.resolve_member(source, name))
                } else {
                    StarExport::No
                }
            }
            DunderAll::Dynamic => StarExport::Unknown(OpenReason::DynamicAll(source)),
            DunderAll::Absent => {
                if name.starts_with('_') {
                    return StarExport::No;
                }
                let explicitly_bound = self
                    .namespace(source)
                    .is_some_and(|namespace| namespace.binds(name));
                let resolution = self.resolve_member(source, name);
                match resolution {
                    Resolution::Dangling { .. } | Resolution::Cycle => StarExport::No,
                    // A submodule is exported only when the module binds it itself, and
                    // `__getattr__` does not take part in star imports.
                    Resolution::Module(_) if !explicitly_bound => StarExport::No,
                    Resolution::Open(OpenReason::ModuleGetattr(_)) => StarExport::No,
                    found => StarExport::Yes(found),
                }
            }
        }
    }

    fn resolve_binding(
        &mut self,
        module: ModuleId,
        source: BindingSource,
        name: &'p str,
    ) -> Resolution {
        let project = self.project;
        let file = project
            .modules
            .module(module)
            .file
            .expect("a module with bindings has a file");
        let facts = &project.file(file).facts;
        match source {
            BindingSource::Definition(index) => {
                let definition = &facts.definitions[index as usize];
                match &definition.alias_of {
                    Some(target) => self.resolve_alias(module, file, index, target),
                    None => Resolution::Definition(Origin {
                        file,
                        definition: index,
                    }),
                }
            }
            BindingSource::Import { statement, name: alias } => {
                let import = &facts.imports[statement as usize];
                let imported = &import.names[alias as usize];
                match &import.kind {
                    ImportKind::Import => {
                        let target = if imported.asname.is_some() {
                            imported.name.as_str()
                        } else {
                            name
                        };
                        self.resolve_module(target)
                    }
                    ImportKind::From { module: from, level } => {
                        match self.absolute_module(file, *level, from.as_deref()) {
                            Some(absolute) => self.resolve_from(&absolute, &imported.name),
                            None => Resolution::BeyondTopLevel,
                        }
                    }
                }
            }
        }
    }

    /// `X = Y` or `X = a.b.Y`: follows the right-hand side; anything that is not a re-export
    /// of a module attribute (a builtin, an attribute of a class) makes `X` its own definition.
    fn resolve_alias(
        &mut self,
        module: ModuleId,
        file: FileId,
        definition: u32,
        target: &'p str,
    ) -> Resolution {
        let own = Resolution::Definition(Origin { file, definition });
        let mut segments = target.split('.');
        let first = segments.next().unwrap_or(target);
        let binds_first = self
            .namespace(module)
            .is_some_and(|namespace| namespace.binds(first));
        if !binds_first {
            return own;
        }
        let own_name = self.project.file(file).facts.definitions[definition as usize]
            .name
            .as_str();
        let mut current = if first == own_name {
            // `X = X` rebinds an earlier binding of the same name.
            self.resolve_earlier_binding(module, first, definition)
        } else {
            self.resolve_member(module, first)
        };
        for segment in segments {
            current = match current {
                Resolution::Module(id) => self.resolve_member(id, segment),
                Resolution::External { module, name: None } => Resolution::External {
                    module,
                    name: Some(segment.to_string()),
                },
                Resolution::External {
                    module,
                    name: Some(name),
                } => Resolution::External {
                    module,
                    name: Some(format!("{name}.{segment}")),
                },
                Resolution::Definition(_) => return own,
                failure => return failure,
            };
        }
        current
    }

    fn resolve_earlier_binding(
        &mut self,
        module: ModuleId,
        name: &'p str,
        definition: u32,
    ) -> Resolution {
        let candidates: Vec<BindingSource> = self
            .namespace(module)
            .map(|namespace| {
                namespace
                    .candidates(name)
                    .filter(|source| *source != BindingSource::Definition(definition))
                    .collect()
            })
            .unwrap_or_default();
        match candidates.first() {
            Some(source) => self.resolve_binding(module, *source, name),
            None => self.resolve_unbound(module, name),
        }
    }
}

/// `__init__.py` or `__init__.pyi`: relative imports in it start from its own package.
fn is_package_file(path: &str) -> bool {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    file_name == "__init__.py" || file_name == "__init__.pyi"
}

enum StarExport {
    Yes(Resolution),
    No,
    Unknown(OpenReason),
}
