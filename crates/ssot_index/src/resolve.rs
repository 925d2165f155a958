//! Following a `module:name` path through re-exports to where it really leads.
//!
//! A path ends at a first-party definition ([`Origin`]), a first-party module, something outside
//! the project, or one of the honest failures: dangling (the module does not bind the name, or
//! the module does not exist), a cycle, an open module (module `__getattr__`, a dynamic
//! `__all__`, a star import from outside the project), or a relative import that climbs above its
//! top-level package. Nothing is guessed. Results per `(module, name)` are memoised, so every
//! chain is walked once however many files import through it.

use rustc_hash::{FxHashMap, FxHashSet};
use ssot_facts::{DunderAll, ImportKind, ScopeKind};

use crate::modules::ModuleId;
use crate::namespace::{BindingSource, BindingStep, Namespace};
use crate::{FileId, Project};

mod alternatives;
pub use alternatives::Alternatives;

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
    /// The module writes its namespace through `globals()`/`locals()`/`vars()`.
    DynamicNamespace(ModuleId),
    /// A submodule without a file, under a module that registers modules at run time
    /// (`sys.modules[...] = ...`, an import hook).
    DynamicModules(ModuleId),
    /// Another module assigns the name (`base.dialect = X` in a sibling module).
    AssignedElsewhere(ModuleId),
    /// A module ssot does not read: a compiled or Cython extension module, or a source file
    /// that is git-ignored or excluded (a generated `_version.py`).
    Unread(ModuleId),
    /// A module listed in `external-modules` (or below one): it exists at run time, not in
    /// the tree.
    ExternalModule(String),
}

/// Where a path leads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resolution {
    /// A first-party class, function or variable.
    Definition(Origin),
    /// A first-party module.
    Module(ModuleId),
    /// An attribute every module has (`__name__`, `__file__`, `__path__` of a package,
    /// `__all__` when defined).
    ModuleAttribute,
    /// Something outside the project (standard library or third party).
    External {
        module: String,
        name: Option<String>,
    },
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
    /// Results that met a path still being resolved (at the depth kept beside them): right
    /// only while that path is in progress, so they are dropped when it finishes.
    provisional: FxHashMap<(ModuleId, &'p str), (Resolution, u32)>,
    /// Paths being resolved, with their depth in the chain.
    in_progress: FxHashMap<(ModuleId, &'p str), u32>,
    /// The shallowest in-progress depth met since the current path started.
    cycle_floor: u32,
    depth: u32,
    /// Read a module's namespace from its `.pyi` stub when it has one, as imports written in
    /// stubs are resolved by type checkers.
    prefer_stubs: bool,
    /// `(module, name)` pairs that some module assigns from outside (`base.dialect = X`).
    assigned_elsewhere: FxHashSet<(ModuleId, String)>,
}

impl<'p> Resolver<'p> {
    pub fn new(project: &'p Project) -> Self {
        let mut resolver = Self::without_assignments(project);
        resolver.find_assignments_elsewhere();
        resolver
    }

    fn without_assignments(project: &'p Project) -> Self {
        Self {
            project,
            namespaces: FxHashMap::default(),
            memo: FxHashMap::default(),
            provisional: FxHashMap::default(),
            in_progress: FxHashMap::default(),
            cycle_floor: u32::MAX,
            depth: 0,
            prefer_stubs: false,
            assigned_elsewhere: FxHashSet::default(),
        }
    }

    /// A resolver that reads stubs before modules: for the imports written in `.pyi` files.
    pub fn for_stubs(project: &'p Project) -> Self {
        let mut resolver = Self {
            prefer_stubs: true,
            ..Self::without_assignments(project)
        };
        resolver.find_assignments_elsewhere();
        resolver
    }

    /// The file whose top level is `module`'s namespace for this resolver.
    fn namespace_file(&self, module: ModuleId) -> Option<FileId> {
        let module = self.project.modules.module(module);
        if self.prefer_stubs {
            module.stub.or(module.file)
        } else {
            module.file
        }
    }

    pub fn project(&self) -> &'p Project {
        self.project
    }

    /// The absolute module of `from <level dots><module> import ...` written in `file`, or `None`
    /// when the dots climb above the top-level package.
    pub fn absolute_module(
        &self,
        file: FileId,
        level: u32,
        module: Option<&str>,
    ) -> Option<String> {
        if level == 0 {
            return Some(module.unwrap_or_default().to_string());
        }
        let modules = &self.project.modules;
        let this = modules.module_of_file(file)?;
        let this = modules.module(this);
        relative_module(
            &this.name,
            is_package_file(&self.project.file(file).path),
            level,
            module,
        )
    }

    /// Where `from module import name` leads.
    pub fn resolve_from(&mut self, module: &str, name: &'p str) -> Resolution {
        match self.project.modules.get(module) {
            Some(id) => self.resolve_member(id, name),
            None => self.missing_module(module, Some(name)),
        }
    }

    /// Where `import module` leads.
    pub fn resolve_module(&self, module: &str) -> Resolution {
        match self.project.modules.get(module) {
            Some(id) => Resolution::Module(id),
            None => self.missing_module(module, None),
        }
    }

    /// Whether `module` is neither in the project nor first-party: every path through it is
    /// [`Resolution::External`], which [`Resolver::resolve_from`] would build only to have
    /// it dropped.
    pub fn is_outside_project(&self, module: &str) -> bool {
        let modules = &self.project.modules;
        modules.get(module).is_none()
            && (!modules.is_first_party(module) || modules.is_third_party_portion(module))
    }

    /// A module path the project has no file for. Outside the project it is external, and so
    /// is a declared dependency's portion of one of the tree's namespace packages
    /// (`jaraco.path` beside a vendored `jaraco/`); below a module that registers modules at
    /// run time (or an extension module) it may exist: open. Otherwise it dangles, also below
    /// a namespace package: another installed distribution could provide that portion, but
    /// unless the project declares it, ssot judges the tree it is given, as CPython would with
    /// only that tree on the path.
    fn missing_module(&self, module: &str, name: Option<&str>) -> Resolution {
        let modules = &self.project.modules;
        let external = || Resolution::External {
            module: module.to_string(),
            name: name.map(str::to_string),
        };
        if !modules.is_first_party(module) || modules.is_third_party_portion(module) {
            return external();
        }
        if modules.is_external(module) {
            return Resolution::Open(OpenReason::ExternalModule(module.to_string()));
        }
        let mut ancestor = module;
        while let Some((parent, _)) = ancestor.rsplit_once('.') {
            ancestor = parent;
            let Some(id) = modules.get(ancestor) else {
                continue;
            };
            match modules.module(id).file {
                None if modules.module(id).is_unread => {
                    return Resolution::Open(OpenReason::Unread(id));
                }
                None => {}
                Some(file) if self.project.file(file).facts.registers_modules => {
                    return Resolution::Open(OpenReason::DynamicModules(id));
                }
                Some(_) => {}
            }
        }
        Resolution::Dangling {
            reason: DanglingReason::MissingModule,
            module: module.to_string(),
            name: name.map(str::to_string),
        }
    }

    /// Where `module.name` leads (the attribute `name` of a first-party module).
    pub fn resolve_member(&mut self, module: ModuleId, name: &'p str) -> Resolution {
        let key = (module, name);
        if let Some(known) = self.memo.get(&key) {
            return known.clone();
        }
        if let Some((known, floor)) = self.provisional.get(&key) {
            self.cycle_floor = self.cycle_floor.min(*floor);
            return known.clone();
        }
        let in_progress_at = self.in_progress.get(&key).copied();
        if in_progress_at.is_some() || self.depth >= MAX_CHAIN {
            if let Some(depth) = in_progress_at {
                self.cycle_floor = self.cycle_floor.min(depth);
            }
            // `from . import sub` in a package's `__init__` reaches itself before the submodule.
            if let Some(submodule) = self.project.modules.submodule(module, name) {
                return Resolution::Module(submodule);
            }
            return Resolution::Cycle;
        }
        let outer_floor = std::mem::replace(&mut self.cycle_floor, u32::MAX);
        let depth = self.depth;
        self.in_progress.insert(key, depth);
        self.depth += 1;
        let resolution = self.resolve_member_uncached(module, name);
        self.depth -= 1;
        self.in_progress.remove(&key);
        // Answers that met this path while it was in progress are stale now that it is done.
        if !self.provisional.is_empty() {
            self.provisional.retain(|_, (_, floor)| *floor < depth);
        }
        if self.cycle_floor < depth {
            // This answer met a path that is still being resolved further up, and that path may
            // yet find a binding (an `except ImportError` fallback, say): `b` in `a -> b -> a`
            // is a cycle only while `a` is in progress. Memoising it would make the answer
            // depend on which path was asked first; keeping it until `a` is done still saves
            // walking the same loop again within one query.
            self.provisional
                .insert(key, (resolution.clone(), self.cycle_floor));
            self.cycle_floor = self.cycle_floor.min(outer_floor);
        } else if self.cycle_floor == depth {
            // This path led back into itself: its answer is the one it gives when asked
            // first, and another path of the same loop, asked first, would have found this one
            // in progress and answered differently. Remembering it would make that other
            // path's answer depend on which of the two was asked first; it is worked out
            // again each time (the loop's other answers stay provisional meanwhile).
            self.cycle_floor = outer_floor;
        } else {
            self.memo.insert(key, resolution.clone());
            self.cycle_floor = outer_floor;
        }
        resolution
    }

    fn namespace(&mut self, module: ModuleId) -> Option<&Namespace<'p>> {
        let file = self.namespace_file(module)?;
        let project = self.project;
        Some(
            self.namespaces
                .entry(module)
                .or_insert_with(|| Namespace::build(&project.file(file).facts)),
        )
    }

    fn resolve_member_uncached(&mut self, module: ModuleId, name: &'p str) -> Resolution {
        let steps: Vec<BindingStep> = match self.namespace(module) {
            Some(namespace) => namespace.steps(name),
            None => Vec::new(),
        };
        let mut first_failure = None;
        let mut open = None;
        for step in steps {
            let resolution = match step {
                BindingStep::Binding(source) => self.resolve_binding(module, source, name),
                // A star import that may bring the name but cannot be known does not displace an
                // explicit binding: ssot does not guess.
                BindingStep::Star(statement) => match self.star_import(module, statement, name) {
                    StarExport::Yes(resolution) => resolution,
                    StarExport::No => continue,
                    StarExport::Unknown(reason) => {
                        open.get_or_insert(reason);
                        continue;
                    }
                },
            };
            match resolution {
                Resolution::Dangling { .. } | Resolution::Cycle => {
                    first_failure.get_or_insert(resolution);
                }
                found => return found,
            }
        }
        if let Some(failure) = first_failure {
            // `from package import name` imports the submodule `package.name` when the package
            // does not bind `name` yet, so a re-export loop through a package's binding of its
            // own submodule's name ends at the submodule, wherever the loop was entered.
            if failure == Resolution::Cycle {
                if let Some(submodule) = self.project.modules.submodule(module, name) {
                    return Resolution::Module(submodule);
                }
            }
            return failure;
        }
        self.resolve_unexported(module, name, open)
    }

    /// A name the module does not bind explicitly: star imports, submodules, `__getattr__`.
    fn resolve_unbound(&mut self, module: ModuleId, name: &'p str) -> Resolution {
        let stars = self.star_import_statements(module);
        let mut open = None;
        // Later star imports overwrite earlier ones.
        for statement in stars.into_iter().rev() {
            match self.star_import(module, statement, name) {
                StarExport::Yes(resolution) => return resolution,
                StarExport::No => {}
                StarExport::Unknown(reason) => {
                    open.get_or_insert(reason);
                }
            }
        }
        self.resolve_unexported(module, name, open)
    }

    /// The star-import statements of `module`, in source order.
    fn star_import_statements(&mut self, module: ModuleId) -> Vec<u32> {
        self.namespace(module)
            .map(|namespace| {
                namespace
                    .star_imports
                    .iter()
                    .map(|star| star.statement)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether one of the star imports of `module` is known to bring `name`.
    fn star_import_brings(&mut self, module: ModuleId, name: &'p str) -> bool {
        let stars = self.star_import_statements(module);
        for statement in stars {
            if let StarExport::Yes(_) = self.star_import(module, statement, name) {
                return true;
            }
        }
        false
    }

    /// Whether the star import `imports[statement]` of `module` brings `name`.
    fn star_import(&mut self, module: ModuleId, statement: u32, name: &'p str) -> StarExport {
        let project = self.project;
        let Some(file) = self.namespace_file(module) else {
            return StarExport::No;
        };
        let import = &project.file(file).facts.imports[statement as usize];
        let ImportKind::From {
            module: source,
            level,
        } = &import.kind
        else {
            return StarExport::No;
        };
        let Some(source) = self.absolute_module(file, *level, source.as_deref()) else {
            return StarExport::No;
        };
        match project.modules.get(&source) {
            Some(source_id) => self.star_export(source_id, name),
            // A module that exists only at run time brings names nobody can list.
            None if project.modules.is_external(&source) => {
                StarExport::Unknown(OpenReason::ExternalModule(source))
            }
            None if project.modules.is_first_party(&source) => StarExport::No,
            None => StarExport::Unknown(OpenReason::ExternalStar(source)),
        }
    }

    /// A name neither bound nor brought by a star import: a submodule, an open module, or
    /// dangling.
    fn resolve_unexported(
        &mut self,
        module: ModuleId,
        name: &'p str,
        open: Option<OpenReason>,
    ) -> Resolution {
        let project = self.project;
        let file = self.namespace_file(module);
        if let Some(submodule) = project.modules.submodule(module, name) {
            return Resolution::Module(submodule);
        }
        if let Some(reason) = open {
            return Resolution::Open(reason);
        }
        if file.is_none() {
            // `from jaraco import path`: a declared dependency's portion of the namespace.
            let submodule = format!("{}.{name}", project.modules.module(module).name);
            if project.modules.is_third_party_portion(&submodule) {
                return Resolution::External {
                    module: submodule,
                    name: None,
                };
            }
        }
        if project.modules.has_external_modules() {
            let submodule = format!("{}.{name}", project.modules.module(module).name);
            if project.modules.is_external(&submodule) {
                return Resolution::Open(OpenReason::ExternalModule(submodule));
            }
        }
        if is_module_attribute(project, module, name) {
            return Resolution::ModuleAttribute;
        }
        if self.is_assigned_elsewhere(module, name) {
            return Resolution::Open(OpenReason::AssignedElsewhere(module));
        }
        let info = project.modules.module(module);
        if info.is_unread {
            return Resolution::Open(OpenReason::Unread(module));
        }

        if let Some(file) = file {
            let facts = &project.file(file).facts;
            if facts.has_module_getattr {
                return Resolution::Open(OpenReason::ModuleGetattr(module));
            }
            if facts.dynamic_namespace {
                return Resolution::Open(OpenReason::DynamicNamespace(module));
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
        let Some(file) = self.namespace_file(source) else {
            // A compiled module's names are unknown, so is what its star import brings.
            if project.modules.module(source).is_unread {
                return StarExport::Unknown(OpenReason::Unread(source));
            }
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
                    // A submodule is exported only when the module binds it itself (or imports
                    // it, which binds it too), and `__getattr__` does not take part in star
                    // imports. A module the source's own star import brought (`weighted`,
                    // bound in `shortest_paths` by importing it, star-imported from there
                    // into `algorithms`) is bound in the source and exported like any name.
                    Resolution::Module(module)
                        if !explicitly_bound
                            && project.modules.submodule(source, name) == Some(module)
                            && !self.imports_own_submodule(source, name) =>
                    {
                        StarExport::No
                    }
                    Resolution::Open(OpenReason::ModuleGetattr(_)) => StarExport::No,
                    found => StarExport::Yes(found),
                }
            }
        }
    }

    /// Whether the top level of `package` imports its submodule `name` (`from .name import X`,
    /// `import package.name.deeper`). Importing a submodule binds it in its parent package, and
    /// a package's own imports have all run before anyone can star-import from it.
    fn imports_own_submodule(&self, package: ModuleId, name: &str) -> bool {
        let project = self.project;
        let module = project.modules.module(package);
        let Some(file) = self.namespace_file(package) else {
            return false;
        };
        let submodule = format!("{}.{name}", module.name);
        let is_submodule_or_below = |target: &str| {
            target
                .strip_prefix(submodule.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        };
        project
            .file(file)
            .facts
            .imports
            .iter()
            .filter(|import| {
                import.context.scope == ScopeKind::Module && !import.context.type_checking
            })
            .any(|import| match &import.kind {
                ImportKind::Import => import.names.iter().any(|n| is_submodule_or_below(&n.name)),
                ImportKind::From {
                    module: from,
                    level,
                } => self
                    .absolute_module(file, *level, from.as_deref())
                    .is_some_and(|target| is_submodule_or_below(&target)),
            })
    }

    fn resolve_binding(
        &mut self,
        module: ModuleId,
        source: BindingSource,
        name: &'p str,
    ) -> Resolution {
        let project = self.project;
        let file = self
            .namespace_file(module)
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
            BindingSource::Import {
                statement,
                name: alias,
            } => {
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
                    ImportKind::From {
                        module: from,
                        level,
                    } => match self.absolute_module(file, *level, from.as_deref()) {
                        Some(absolute) => {
                            if absolute == project.modules.module(module).name {
                                if let Some(submodule) =
                                    self.own_submodule_import(module, statement, &imported.name)
                                {
                                    return Resolution::Module(submodule);
                                }
                            }
                            self.resolve_from(&absolute, &imported.name)
                        }
                        None => Resolution::BeyondTopLevel,
                    },
                }
            }
        }
    }

    /// Where a dotted expression written in `module` leads (`Base`, `mod.Base`), as used in
    /// class bases; `None` for a name the module does not bind (a builtin) or an attribute of
    /// something that is not a module.
    pub fn resolve_dotted(&mut self, module: ModuleId, dotted: &'p str) -> Option<Resolution> {
        let mut segments = dotted.split('.');
        let first = segments.next()?;
        let bound = self
            .namespace(module)
            .is_some_and(|namespace| namespace.binds(first))
            || self.star_import_brings(module, first);
        if !bound {
            return None;
        }
        let mut current = self.resolve_member(module, first);
        for segment in segments {
            current = match current {
                Resolution::Module(id) => self.resolve_member(id, segment),
                Resolution::External { .. } => return Some(current),
                _ => return None,
            };
        }
        Some(current)
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
        // A name a star import brings is bound as surely as an explicit one (`from m import *`
        // then `Old = New`); a star import that cannot be known does not count, or every
        // `X = str` after `from os.path import *` would turn open.
        let binds_first = self
            .namespace(module)
            .is_some_and(|namespace| namespace.binds(first))
            || self.star_import_brings(module, first);
        if !binds_first {
            return own;
        }
        let own_name = self.project.file(file).facts.definitions[definition as usize]
            .name
            .as_str();
        // The alias captures the binding in force when it runs: the preferred one written
        // before it (`from a import X; Y = X; from b import X` makes `Y` a's `X`).
        let mut current = if first == own_name {
            // `X = X` rebinds an earlier binding of the same name.
            self.resolve_earlier_binding(module, first, definition)
        } else {
            match self.resolve_binding_before(module, first, definition) {
                Some(found) => found,
                None => self.resolve_member(module, first),
            }
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

    /// Finds the `(module, name)` pairs that a module-level `M.name = value` binds from
    /// outside `M`, by resolving each assignment's target. Results memoised meanwhile did not
    /// know them, so the memo starts afresh afterwards.
    fn find_assignments_elsewhere(&mut self) {
        let project = self.project;
        let mut assigned = FxHashSet::default();
        for (file_id, file) in project.files.iter().enumerate() {
            let Some(writer) = project.modules.module_of_file(file_id as FileId) else {
                continue;
            };
            for dotted in &file.facts.attribute_assignments {
                let Some((target, attribute)) = dotted.rsplit_once('.') else {
                    continue;
                };
                if let Some(Resolution::Module(target)) = self.resolve_dotted(writer, target) {
                    assigned.insert((target, attribute.to_string()));
                }
            }
        }
        self.memo.clear();
        self.provisional.clear();
        self.assigned_elsewhere = assigned;
    }

    /// The `(module, name)` pairs that some module assigns from outside (`base.dialect = X`),
    /// which resolve as open: a front end that keeps references between edits compares them
    /// to know whether names of files that did not change resolve differently now.
    pub fn assigned_elsewhere(&self) -> &FxHashSet<(ModuleId, String)> {
        &self.assigned_elsewhere
    }

    fn is_assigned_elsewhere(&self, module: ModuleId, name: &str) -> bool {
        !self.assigned_elsewhere.is_empty()
            && self
                .assigned_elsewhere
                .contains(&(module, name.to_string()))
    }

    /// `from . import sub` in a package's own `__init__`: Python looks the name up on the
    /// package being initialised, finds it unbound unless an earlier statement bound it, and
    /// imports the submodule. A later binding of the same name (`from .x import f as sub`)
    /// does not change what this statement bound.
    pub fn own_submodule_import(
        &mut self,
        module: ModuleId,
        statement: u32,
        name: &'p str,
    ) -> Option<ModuleId> {
        let project = self.project;
        let submodule = project.modules.submodule(module, name)?;
        let file = self.namespace_file(module)?;
        let facts = &project.file(file).facts;
        let this_start = facts.imports[statement as usize].span.start;
        let start_of = |source: &BindingSource| match source {
            BindingSource::Definition(index) => facts.definitions[*index as usize].span.start,
            BindingSource::Import { statement, .. } => {
                facts.imports[*statement as usize].span.start
            }
        };
        let bound_earlier = self.namespace(module).is_some_and(|namespace| {
            namespace
                .candidates(name)
                .any(|source| start_of(&source) < this_start)
        });
        (!bound_earlier).then_some(submodule)
    }

    /// `X = X`: resolves the latest binding of `X` written before this definition. Only
    /// strictly earlier bindings qualify, so a file with several `X = X` lines cannot loop.
    fn resolve_earlier_binding(
        &mut self,
        module: ModuleId,
        name: &'p str,
        definition: u32,
    ) -> Resolution {
        match self.resolve_binding_before(module, name, definition) {
            Some(found) => found,
            // Nothing earlier in the module: a builtin (`str = str`), its own definition.
            None => match self.resolve_unbound(module, name) {
                Resolution::Dangling { .. } => {
                    let file = self.namespace_file(module).expect("an alias has a file");
                    Resolution::Definition(Origin { file, definition })
                }
                found => found,
            },
        }
    }

    /// Where `name` leads through the bindings written before `definitions[definition]`, in
    /// the usual preference (plain before fallbacks, later before earlier), trying the next
    /// when one dangles; `None` when no binding comes before it. Only strictly earlier
    /// bindings qualify, so a file with several `X = X` lines cannot loop.
    fn resolve_binding_before(
        &mut self,
        module: ModuleId,
        name: &'p str,
        definition: u32,
    ) -> Option<Resolution> {
        let project = self.project;
        let file = self.namespace_file(module)?;
        let facts = &project.file(file).facts;
        let start_of = |source: &BindingSource| match source {
            BindingSource::Definition(index) => facts.definitions[*index as usize].span.start,
            BindingSource::Import { statement, name } => {
                facts.imports[*statement as usize].names[*name as usize]
                    .span
                    .start
            }
        };
        let this_start = facts.definitions[definition as usize].span.start;
        let earlier: Vec<BindingSource> = self
            .namespace(module)?
            .candidates(name)
            .filter(|source| start_of(source) < this_start)
            .collect();
        let mut first_failure = None;
        for source in earlier {
            match self.resolve_binding(module, source, name) {
                failure @ (Resolution::Dangling { .. } | Resolution::Cycle) => {
                    first_failure.get_or_insert(failure);
                }
                found => return Some(found),
            }
        }
        first_failure
    }
}

/// Attributes the import system gives every module (and `__path__` every package, `__all__`
/// every module that defines it).
fn is_module_attribute(project: &Project, module: ModuleId, name: &str) -> bool {
    match name {
        "__name__" | "__file__" | "__doc__" | "__spec__" | "__loader__" | "__package__"
        | "__builtins__" | "__dict__" | "__cached__" | "__annotations__" => true,
        "__path__" => project.modules.module(module).is_package,
        "__all__" => project
            .modules
            .module(module)
            .file
            .is_some_and(|file| project.file(file).facts.dunder_all != DunderAll::Absent),
        _ => false,
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

/// The absolute name of the module a `from` import (`level` dots, then `written`) names,
/// from inside module `current` (a package when `is_package`); `None` when it climbs above
/// the top-level package.
pub(crate) fn relative_module(
    current: &str,
    is_package: bool,
    level: u32,
    written: Option<&str>,
) -> Option<String> {
    if level == 0 {
        return written.map(str::to_string);
    }
    let mut package: Vec<&str> = current.split('.').collect();
    if !is_package {
        package.pop();
    }
    let climb = level.saturating_sub(1) as usize;
    if climb >= package.len() {
        return None;
    }
    package.truncate(package.len() - climb);
    let mut absolute = package.join(".");
    if let Some(written) = written.filter(|w| !w.is_empty()) {
        absolute.push('.');
        absolute.push_str(written);
    }
    Some(absolute)
}

#[cfg(test)]
mod tests {
    use ssot_python::{extract_facts, SourceKind};

    use super::*;
    use crate::ProjectFile;

    #[test]
    fn from_import_modules_absolute_and_relative() {
        let module = |current, is_package, level, written| {
            relative_module(current, is_package, level, written)
        };
        assert_eq!(
            module("pkg.a", false, 0, Some("os.path")).as_deref(),
            Some("os.path")
        );
        assert_eq!(
            module("pkg.a", false, 1, Some("b")).as_deref(),
            Some("pkg.b")
        );
        assert_eq!(module("pkg", true, 1, None).as_deref(), Some("pkg"));
        assert_eq!(
            module("pkg.sub.a", false, 2, Some("c")).as_deref(),
            Some("pkg.c")
        );
        assert_eq!(module("pkg.a", false, 3, None), None);
    }

    fn project(files: &[(&str, &str)]) -> Project {
        let files = files
            .iter()
            .map(|(path, source)| ProjectFile {
                path: path.to_string(),
                facts: extract_facts(source, SourceKind::Python),
                is_test: false,
            })
            .collect();
        Project::new(files, &["".to_string()])
    }

    fn resolve(resolver: &mut Resolver<'_>, module: &str, name: &'static str) -> Resolution {
        resolver.resolve_from(module, name)
    }

    #[test]
    fn only_modules_that_resolve_externally_are_outside_the_project() {
        let project = project(&[
            (
                "pkg/__init__.py",
                "from pkg.gone import Old\nfrom os import path\n",
            ),
            ("pkg/core.py", "import json\nimport pkg.missing\n"),
        ]);
        let resolver = Resolver::new(&project);
        for module in ["os", "os.path", "json", "numpy.linalg"] {
            assert!(resolver.is_outside_project(module), "{module}");
            assert!(
                matches!(resolver.resolve_module(module), Resolution::External { .. }),
                "{module}"
            );
        }
        // In the project, or first-party but missing: never skipped, they dangle.
        for module in ["pkg", "pkg.core", "pkg.gone", "pkg.missing"] {
            assert!(!resolver.is_outside_project(module), "{module}");
        }
        let references = crate::collect_references(&mut Resolver::new(&project));
        let paths: Vec<String> = references.iter().map(|r| r.path.to_string()).collect();
        assert_eq!(paths, ["pkg.gone:Old", "pkg.missing"]);
    }

    #[test]
    fn cycle_broken_by_import_error_fallback_resolves_whichever_side_is_asked_first() {
        let project = project(&[
            (
                "a.py",
                "try:\n    from b import Value\nexcept ImportError:\n    Value = 1\n",
            ),
            ("b.py", "from a import Value\n"),
        ]);
        let value = Resolution::Definition(Origin {
            file: 0,
            definition: 0,
        });
        for order in [["a", "b"], ["b", "a"]] {
            let mut resolver = Resolver::new(&project);
            for module in order {
                assert_eq!(resolve(&mut resolver, module, "Value"), value, "{order:?}");
            }
        }
    }

    fn definition(project: &Project, path: &str, name: &str) -> Resolution {
        let file = project.files.iter().position(|f| f.path == path).unwrap();
        let definition = project.files[file]
            .facts
            .definitions
            .iter()
            .position(|d| d.name == name)
            .unwrap();
        Resolution::Definition(Origin {
            file: file as FileId,
            definition: definition as u32,
        })
    }

    #[test]
    fn star_import_after_a_definition_rebinds_the_name() {
        let project = project(&[
            ("m.py", "__all__ = ['X']\nclass X: pass\n"),
            (
                "late.py",
                "class X: pass\nclass Y: pass\nfrom m import *\nfrom os.path import *\n",
            ),
            ("early.py", "from m import *\nclass X: pass\n"),
        ]);
        let mut resolver = Resolver::new(&project);
        assert_eq!(
            resolve(&mut resolver, "late", "X"),
            definition(&project, "m.py", "X")
        );
        // A star import that cannot be known does not displace an explicit binding.
        assert_eq!(
            resolve(&mut resolver, "late", "Y"),
            definition(&project, "late.py", "Y")
        );
        assert_eq!(
            resolve(&mut resolver, "early", "X"),
            definition(&project, "early.py", "X")
        );
    }

    #[test]
    fn star_import_from_a_package_exports_submodules_its_init_imports() {
        let project = project(&[
            ("pkg/__init__.py", "from .used import X\n"),
            ("pkg/used.py", "X = 1\n"),
            ("pkg/unused.py", "Y = 1\n"),
            ("star.py", "from pkg import *\n"),
        ]);
        let mut resolver = Resolver::new(&project);
        let used = project.modules.get("pkg.used").unwrap();
        assert_eq!(
            resolve(&mut resolver, "star", "used"),
            Resolution::Module(used)
        );
        assert!(resolve(&mut resolver, "star", "unused").is_dangling());
    }

    #[test]
    fn alias_of_a_star_imported_name_follows_the_star_import() {
        let project = project(&[
            ("m.py", "class New: pass\n"),
            (
                "compat.py",
                "from m import *\nfrom os.path import *\nOld = New\nText = str\n",
            ),
        ]);
        let mut resolver = Resolver::new(&project);
        assert_eq!(
            resolve(&mut resolver, "compat", "Old"),
            definition(&project, "m.py", "New")
        );
        assert_eq!(
            resolve(&mut resolver, "compat", "Text"),
            definition(&project, "compat.py", "Text")
        );
    }

    #[test]
    fn loop_through_a_packages_own_submodule_name_ends_at_the_submodule() {
        let project = project(&[
            ("ring/__init__.py", "from ring.relay import sub\n"),
            ("ring/relay.py", "from .sub import sub\n"),
            ("ring/sub.py", "from . import sub\n"),
        ]);
        let sub = Resolution::Module(project.modules.get("ring.sub").unwrap());
        for first in ["ring", "ring.relay", "ring.sub"] {
            let mut resolver = Resolver::new(&project);
            resolve(&mut resolver, first, "sub");
            for module in ["ring", "ring.relay", "ring.sub"] {
                assert_eq!(resolve(&mut resolver, module, "sub"), sub, "{first} first");
            }
        }
    }

    #[test]
    fn true_cycles_stay_cycles_whichever_side_is_asked_first() {
        let project = project(&[
            ("a.py", "from b import Y\n"),
            ("b.py", "from c import Y\n"),
            ("c.py", "from a import Y\n"),
        ]);
        for first in ["a", "b", "c"] {
            let mut resolver = Resolver::new(&project);
            resolve(&mut resolver, first, "Y");
            for module in ["a", "b", "c"] {
                assert_eq!(resolve(&mut resolver, module, "Y"), Resolution::Cycle);
            }
        }
    }
}
