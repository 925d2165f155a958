//! What a warm front end needs to analyse a project again after some files changed, without
//! resolving every file again: the references of chosen files, what changed in a module's
//! namespace between two versions of its file, and which files read a changed name (through
//! their imports, and through the modules that re-export it).
//!
//! The rule is conservative: a file is reported as depending on a changed `(module, name)` when
//! one of its imports could read that name — `from module import name`, a star import of
//! `module`, or `import module` (or a package above it) whose attribute uses walk into it — and
//! a module-level import that could read it changes the importing module's own binding of the
//! name, so the walk goes on from there. A change the walk cannot follow name by name (the
//! definitions' order, `__all__`, `__getattr__`, star imports, run-time registrations) marks
//! every name of the module.

use rustc_hash::{FxHashMap, FxHashSet};
use ssot_facts::{CompactString, Definition, FileFacts, ImportKind, ImportStmt, ScopeKind};

use crate::references::{file_references, Reference};
use crate::resolve::{relative_module, Resolver};
use crate::{FileId, Project};

/// Whether any file is a `.pyi` stub, whose imports are resolved against stubs first.
pub fn has_stubs(project: &Project) -> bool {
    project.files.iter().any(|file| file.path.ends_with(".pyi"))
}

/// The references of `file`, as [`crate::collect_references`] gives them for that file.
/// `stubs` is a resolver made with [`Resolver::for_stubs`], needed when the project has stubs.
pub fn references_of_file<'p>(
    resolver: &mut Resolver<'p>,
    stubs: Option<&mut Resolver<'p>>,
    file: FileId,
) -> Vec<Reference> {
    let mut references = Vec::new();
    file_references(resolver, stubs, file, &mut references);
    references
}

/// Names of a module whose bindings changed between two versions of its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamespaceChange {
    /// Nothing another module can see changed.
    None,
    /// These names are bound differently.
    Names(FxHashSet<String>),
    /// Something that touches every name changed.
    Everything,
}

/// One top-level binding event of a file, without its position: what resolution reads.
#[derive(Clone, Debug, PartialEq)]
enum BindingEvent<'f> {
    Definition(Definition),
    ImportName {
        /// The statement's index among the file's imports: references name their binding
        /// by it.
        statement: usize,
        statement_kind: &'f ImportKind,
        name: &'f str,
        asname: Option<&'f str>,
        context: ssot_facts::StmtContext,
    },
    Statement,
}

/// The top-level binding events of a file in source order, with each event's ordinal, by
/// the name each binds (`None` for a statement, which binds no name by itself).
fn binding_events(facts: &FileFacts) -> Vec<(Option<&str>, BindingEvent<'_>)> {
    let mut events: Vec<(u32, Option<&str>, BindingEvent<'_>)> = Vec::new();
    for definition in &facts.definitions {
        if !definition.module_level {
            continue;
        }
        let mut bare = definition.clone();
        bare.span = Default::default();
        bare.position = Default::default();
        events.push((
            definition.span.start,
            Some(definition.name.as_str()),
            BindingEvent::Definition(bare),
        ));
    }
    for (index, statement) in facts.imports.iter().enumerate() {
        if statement.context.scope != ScopeKind::Module {
            continue;
        }
        events.push((statement.span.start, None, BindingEvent::Statement));
        for name in &statement.names {
            let bound = if name.name == "*" {
                None
            } else {
                Some(name.bound_name(&statement.kind))
            };
            events.push((
                name.span.start,
                bound,
                BindingEvent::ImportName {
                    statement: index,
                    statement_kind: &statement.kind,
                    name: &name.name,
                    asname: name.asname.as_deref(),
                    context: statement.context,
                },
            ));
        }
    }
    // Statements sort before their names (a statement starts where its first name's line
    // does, or earlier).
    events.sort_by_key(|(start, name, _)| (*start, name.is_some()));
    events
        .into_iter()
        .map(|(_, name, event)| (name, event))
        .collect()
}

/// What resolution reads of a file besides its top-level bindings: when any of it differs,
/// every name may resolve differently.
fn module_wide_equal(old: &FileFacts, new: &FileFacts) -> bool {
    let identities =
        |facts: &FileFacts| -> Vec<(CompactString, CompactString, ssot_facts::DefinitionKind)> {
            facts
                .definitions
                .iter()
                .map(|d| (d.name.clone(), d.qualname.clone(), d.kind))
                .collect()
        };
    let stars = |facts: &FileFacts| -> Vec<(ImportKind, ssot_facts::StmtContext)> {
        facts
            .imports
            .iter()
            .filter(|s| s.names.iter().any(|n| n.name == "*"))
            .map(|s| (s.kind.clone(), s.context))
            .collect()
    };
    let shared = |facts: &FileFacts| -> Vec<ssot_facts::SharedInstanceShape> {
        facts
            .shared_instances
            .iter()
            .map(|shape| {
                let mut shape = shape.clone();
                shape.span = Default::default();
                shape.position = Default::default();
                shape
            })
            .collect()
    };
    old.dunder_all == new.dunder_all
        && old.has_module_getattr == new.has_module_getattr
        && old.dynamic_namespace == new.dynamic_namespace
        && old.registers_modules == new.registers_modules
        && old.registers_modules_at_import == new.registers_modules_at_import
        && old.attribute_assignments == new.attribute_assignments
        && identities(old) == identities(new)
        && stars(old) == stars(new)
        && shared(old) == shared(new)
}

/// The names of a module whose bindings differ between the `old` and `new` facts of its file.
///
/// A name's bindings are compared with their place among all the file's top-level binding
/// events, so a binding added before others (which can change which binding an alias or a
/// fallback sees) changes every later name.
pub fn namespace_change(old: &FileFacts, new: &FileFacts) -> NamespaceChange {
    if !module_wide_equal(old, new) {
        return NamespaceChange::Everything;
    }
    let old_names = bindings_by_name(old);
    let new_names = bindings_by_name(new);
    let mut changed = FxHashSet::default();
    for (name, bindings) in &old_names {
        if new_names.get(name) != Some(bindings) {
            changed.insert(name.clone());
        }
    }
    for name in new_names.keys() {
        if !old_names.contains_key(name) {
            changed.insert(name.clone());
        }
    }
    if changed.is_empty() {
        NamespaceChange::None
    } else {
        NamespaceChange::Names(changed)
    }
}

/// A file's top-level bindings by name, each with its ordinal among all binding events.
fn bindings_by_name(facts: &FileFacts) -> FxHashMap<String, Vec<(usize, BindingEvent<'_>)>> {
    let mut names: FxHashMap<String, Vec<(usize, BindingEvent<'_>)>> = FxHashMap::default();
    for (ordinal, (name, event)) in binding_events(facts).into_iter().enumerate() {
        if let Some(name) = name {
            names
                .entry(name.to_string())
                .or_default()
                .push((ordinal, event));
        }
    }
    names
}

/// Where every import statement of a project reads from: by absolute module name, the
/// `(file, statement)` pairs that import from it (`from module import ...`) or import it
/// (`import module`).
#[derive(Clone, Debug, Default)]
pub struct ImportIndex {
    by_module: FxHashMap<String, Vec<(FileId, u32)>>,
    /// Per file, the modules it has entries under (to take them out again).
    modules_of_file: Vec<Vec<String>>,
}

impl ImportIndex {
    /// The index of every file's imports.
    pub fn build(project: &Project) -> Self {
        let mut index = ImportIndex {
            by_module: FxHashMap::default(),
            modules_of_file: vec![Vec::new(); project.files.len()],
        };
        for file in 0..project.files.len() as FileId {
            index.add(project, file);
        }
        index
    }

    /// Takes a file's entries out and puts those of its current facts in.
    pub fn update(&mut self, project: &Project, file: FileId) {
        for module in std::mem::take(&mut self.modules_of_file[file as usize]) {
            if let Some(entries) = self.by_module.get_mut(&module) {
                entries.retain(|(f, _)| *f != file);
            }
        }
        self.add(project, file);
    }

    fn add(&mut self, project: &Project, file: FileId) {
        let facts = &project.file(file).facts;
        let mut modules = Vec::new();
        for (index, statement) in facts.imports.iter().enumerate() {
            for module in statement_modules(project, file, statement) {
                self.by_module
                    .entry(module.clone())
                    .or_default()
                    .push((file, index as u32));
                modules.push(module);
            }
        }
        modules.sort();
        modules.dedup();
        self.modules_of_file[file as usize] = modules;
    }

    fn importers(&self, module: &str) -> &[(FileId, u32)] {
        self.by_module.get(module).map_or(&[], Vec::as_slice)
    }
}

/// The absolute modules an import statement reads: the `from` module, or each imported module.
fn statement_modules(project: &Project, file: FileId, statement: &ImportStmt) -> Vec<String> {
    match &statement.kind {
        ImportKind::From { module, level } => absolute_from(project, file, *level, module)
            .into_iter()
            .collect(),
        ImportKind::Import => statement.names.iter().map(|n| n.name.to_string()).collect(),
    }
}

fn absolute_from(
    project: &Project,
    file: FileId,
    level: u32,
    module: &Option<CompactString>,
) -> Option<String> {
    if level == 0 {
        return Some(module.as_deref().unwrap_or_default().to_string());
    }
    let modules = &project.modules;
    let this = modules.module(modules.module_of_file(file)?);
    let path = &project.file(file).path;
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let is_package = file_name == "__init__.py" || file_name == "__init__.pyi";
    relative_module(&this.name, is_package, level, module.as_deref())
}

/// A changed binding: a name of a module, or every name of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Changed {
    module: String,
    /// `None`: every name.
    name: Option<String>,
}

/// The files whose references or rule inputs may differ because of `changes` (module name and
/// what changed in it), following re-exports; stops and returns `None` once more than
/// `limit` files are found.
pub fn dependent_files(
    project: &Project,
    index: &ImportIndex,
    changes: &[(String, NamespaceChange)],
    limit: usize,
) -> Option<FxHashSet<FileId>> {
    let mut affected: FxHashSet<FileId> = FxHashSet::default();
    let mut seen: FxHashSet<Changed> = FxHashSet::default();
    let mut pending: Vec<Changed> = Vec::new();
    for (module, change) in changes {
        match change {
            NamespaceChange::None => {}
            NamespaceChange::Everything => pending.push(Changed {
                module: module.clone(),
                name: None,
            }),
            NamespaceChange::Names(names) => pending.extend(names.iter().map(|name| Changed {
                module: module.clone(),
                name: Some(name.clone()),
            })),
        }
    }
    while let Some(changed) = pending.pop() {
        if !seen.insert(changed.clone()) {
            continue;
        }
        // Aliases (`Y = name`, `Y = name.attr`) of a changed name change with it.
        if let (Some(name), Some(file)) = (
            &changed.name,
            project
                .modules
                .get(&changed.module)
                .and_then(|id| project.modules.module(id).file),
        ) {
            push_aliases(
                &project.file(file).facts,
                &changed.module,
                name,
                &mut pending,
            );
        }
        // `import P` for P the module or a package above it: attribute uses walk down.
        let mut prefix = changed.module.as_str();
        loop {
            for &(file, statement) in index.importers(prefix) {
                let import = &project.file(file).facts.imports[statement as usize];
                if matches!(import.kind, ImportKind::Import) {
                    affected.insert(file);
                }
            }
            match prefix.rsplit_once('.') {
                Some((parent, _)) => prefix = parent,
                None => break,
            }
        }
        for &(file, statement) in index.importers(&changed.module) {
            let facts = &project.file(file).facts;
            let import = &facts.imports[statement as usize];
            if !matches!(import.kind, ImportKind::From { .. }) {
                continue;
            }
            let importer = project
                .modules
                .module_of_file(file)
                .map(|id| project.modules.module(id).name.clone());
            for name in &import.names {
                let reads = name.name == "*"
                    || changed.name.is_none()
                    || changed.name.as_deref() == Some(name.name.as_str());
                if !reads {
                    continue;
                }
                affected.insert(file);
                let (Some(importer), ScopeKind::Module) = (&importer, import.context.scope) else {
                    continue;
                };
                let name = if name.name == "*" {
                    changed.name.clone()
                } else {
                    Some(name.bound_name(&import.kind).to_string())
                };
                pending.push(Changed {
                    module: importer.clone(),
                    name,
                });
            }
        }
        if affected.len() > limit {
            return None;
        }
    }
    Some(affected)
}

/// Every alias (`Y = name`, `Y = name.attr`) of `module:name` in the module's file.
fn push_aliases(facts: &FileFacts, module: &str, name: &str, pending: &mut Vec<Changed>) {
    for definition in &facts.definitions {
        let Some(alias_of) = &definition.alias_of else {
            continue;
        };
        let first = alias_of.split('.').next().unwrap_or(alias_of);
        if definition.module_level && first == name && definition.name != name {
            pending.push(Changed {
                module: module.to_string(),
                name: Some(definition.name.to_string()),
            });
        }
    }
}
