//! When an import runs, has the module it reads from already bound the name?
//!
//! A static path can resolve to the right object and still fail at run time: Python runs a
//! module's body top to bottom, and a module that is still initialising (on the import stack)
//! offers only the names bound before the statement that led back into it. This model answers
//! that question for one binding, `from T import n` written in module `R`, the way CPython
//! behaves:
//!
//! - starting a module `a.b.c` first runs `a` and `a.b` (unless they are already running), then
//!   `a.b.c`'s body; `import a.b.c` and `from a.b import c` (a submodule) start those modules;
//! - imports at module level and in class bodies run when the module is imported; imports in
//!   functions run later (deferred, assumed after every module finished); imports under
//!   `if TYPE_CHECKING:` never run; imports in `try` bodies run;
//! - `T`'s body up to (and including) the statement that first binds `n` runs before `n` exists.
//!   If that part of `T`, through the modules it starts, can start `R`, then `R`'s statement can
//!   run while `T` is partially initialised and `n` is missing: the read is **circular**.
//!   `T` and its parent packages are already running at that point, so they are not started
//!   again.
//! - the statement itself starts `T` and the packages above it that are not running (the
//!   reader's own packages are), each body to its end. If a module started that way reads a
//!   name from `R` (`from R import x`; importing `R` as a module needs none of its names), it
//!   finds `R` partially initialised at this statement: the read is **circular** too.
//!
//! When `R` and `T` share a top-level package with an `__init__`, that package runs first
//! whatever is imported, so its order is simulated exactly (which modules start while which are
//! still initialising, at which statement): the answer is then CPython's. The reachability
//! above is the fallback when the simulation meets an import under a condition or a module that
//! imports by other means, or when `R` starts after the package finished and `T` did not start
//! during it.
//!
//! Where the model cannot know, the answer is **unknown** (a rewrite to such a read is unsafe):
//! the only path back to `R` goes through an import under a condition (`if`, a loop, `with`, an
//! `except` handler), `T` binds `n` only under a condition or not visibly at all (`__getattr__`,
//! a dynamic namespace), or a module started on the way registers modules by other means while
//! its body runs (a module-level write to `sys.modules`, an import hook on `sys.meta_path`).
//!
//! Limits, on purpose: a function called at module level runs its imports at import time, which
//! the model treats as deferred (so does a `sys.modules` write or an `importlib.util` load
//! inside a function: importing `importlib.util` loads nothing by itself, and flagging every
//! module that does made real trees unfixable); `exec`, `__import__`,
//! `importlib.import_module` and module-level code that reads a partially initialised
//! module's attributes (`pkg.B` after `import pkg`) are not modelled; and
//! the answer over-approximates (a path back to `R` is assumed taken even if `R` was already
//! imported earlier by whichever module the program imports first). Over-approximating only
//! ever keeps the import that was already there.
//!
//! The model reads import facts only (module order, no second parse) and memoises what each
//! `(module, position)` prefix can start, so asking about many bindings of a few canonical
//! paths costs a few graph walks.

use rustc_hash::{FxHashMap, FxHashSet};
use ssot_facts::{FileFacts, ImportKind, ImportStmt, ScopeKind, StmtContext};

use crate::{FileId, ModuleId, Project};

/// What happens when a statement reads a name from a module at import time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportTimeVerdict {
    /// The name is bound when the statement runs (or the statement never runs at import time).
    Bound,
    /// The module can still be initialising, without the name, when the statement runs.
    Circular {
        /// The partially initialised module.
        module: String,
        /// The module whose start (by this statement) leads back into `module`, when the
        /// partially initialised module is the reader itself.
        via: Option<String>,
    },
    /// The model cannot tell; the reason, for a person.
    Unknown(String),
}

impl ImportTimeVerdict {
    /// The reason a rewrite to this read is refused or unsafe, `None` when it is bound.
    pub fn reason(&self) -> Option<String> {
        match self {
            ImportTimeVerdict::Bound => None,
            ImportTimeVerdict::Circular { module, via: None } => Some(format!(
                "would import `{module}` while `{module}` is still initialising (circular import)"
            )),
            ImportTimeVerdict::Circular {
                module,
                via: Some(via),
            } => Some(format!(
                "would start `{via}`, which imports `{module}` while `{module}` is still \
                 initialising (circular import)"
            )),
            ImportTimeVerdict::Unknown(reason) => Some(reason.clone()),
        }
    }
}

/// One import a module runs at import time.
#[derive(Clone, Copy, Debug)]
struct Edge {
    /// Offset of the statement in its file.
    at: u32,
    target: ModuleId,
    /// Not under a condition: it runs whenever the module body reaches it.
    certain: bool,
    /// `from target import name` with a name that is not a submodule: it needs `target`'s
    /// binding, not only the module.
    reads: bool,
}

/// A module's import-time behaviour.
#[derive(Debug, Default)]
struct ModuleImports {
    /// In source order.
    edges: Vec<Edge>,
    /// Registers modules by other means while its body runs (`sys.modules`, import hooks).
    dynamic: bool,
}

/// What a module's body prefix can start.
#[derive(Debug, Default)]
struct Reach {
    /// Through imports that always run.
    certain: FxHashSet<ModuleId>,
    /// Through any import, conditional ones included.
    possible: FxHashSet<ModuleId>,
    /// A module started through imports that always run which imports by other means.
    dynamic: Option<ModuleId>,
    /// Modules whose names a started module reads (`from M import name`), through imports that
    /// always run, and through any import.
    read_certain: FxHashSet<ModuleId>,
    read_possible: FxHashSet<ModuleId>,
}

/// CPython's import order under one top-level package, which runs first whatever is
/// imported from it: which modules its body loads, and for each, which modules were still
/// initialising (and at which statement) when it started.
#[derive(Debug, Default)]
struct Simulation {
    /// Modules started while the package ran, with the import stack at their start:
    /// `(module, offset of the import statement in progress)`, outermost first.
    started: FxHashMap<ModuleId, Vec<(ModuleId, u32)>>,
    /// No import under a condition was skipped and no module imports by other means: the order
    /// is the one CPython follows.
    exact: bool,
}

/// Deeper import stacks than this are not simulated.
const MAX_DEPTH: usize = 400;

/// The import-time model of one project, memoising per module.
pub struct ImportTimeModel<'p> {
    project: &'p Project,
    imports: FxHashMap<ModuleId, ModuleImports>,
    reach: FxHashMap<(ModuleId, u32), Reach>,
    /// [`ImportTimeModel::start_reach`] by started module and the reader's parent package.
    start_reach: FxHashMap<(ModuleId, Option<ModuleId>), Reach>,
    simulations: FxHashMap<ModuleId, Simulation>,
}

impl<'p> ImportTimeModel<'p> {
    pub fn new(project: &'p Project) -> Self {
        Self {
            project,
            imports: FxHashMap::default(),
            reach: FxHashMap::default(),
            start_reach: FxHashMap::default(),
            simulations: FxHashMap::default(),
        }
    }

    /// Whether `name` is bound in `module` when a statement of `reader` in `context` reads it
    /// (`from module import name`).
    pub fn reading(
        &mut self,
        reader: FileId,
        context: StmtContext,
        module: ModuleId,
        name: &str,
    ) -> ImportTimeVerdict {
        if context.type_checking || context.scope == ScopeKind::Function {
            return ImportTimeVerdict::Bound;
        }
        let modules = &self.project.modules;
        let Some(reader_module) = modules.module_of_file(reader) else {
            // A script is nobody's import: it runs after what it imports.
            return ImportTimeVerdict::Bound;
        };
        if reader_module == module || modules.submodule(module, name).is_some() {
            // Its own name, or a submodule, which `from module import name` imports itself.
            return ImportTimeVerdict::Bound;
        }
        let Some(file) = modules.module(module).file else {
            return ImportTimeVerdict::Bound;
        };
        let module_name = modules.module(module).name.clone();
        let limit = match binding_end(&self.project.file(file).facts, name) {
            Ok(limit) => limit,
            Err(problem) => {
                return ImportTimeVerdict::Unknown(format!(
                    "`{module_name}` {problem}, so whether `{name}` is bound when this import \
                     runs is unknown"
                ))
            }
        };
        // The statement starts `module` (and its packages) unless they already run; what they
        // start must not lead back into the reader, which is still initialising.
        let back = self.start_reach(reader_module, module);
        if back.read_certain.contains(&reader_module) {
            return ImportTimeVerdict::Circular {
                module: modules.module(reader_module).name.clone(),
                via: Some(module_name),
            };
        }
        if back.read_possible.contains(&reader_module) {
            return ImportTimeVerdict::Unknown(format!(
                "starting `{module_name}` may import this module under a condition while it is \
                 still initialising (a possible circular import)"
            ));
        }
        if let Some(verdict) = self.simulated(reader_module, module, limit, &module_name) {
            return verdict;
        }
        let reach = self.reach_before(module, limit);
        if reach.certain.contains(&reader_module) {
            return ImportTimeVerdict::Circular {
                module: module_name,
                via: None,
            };
        }
        if reach.possible.contains(&reader_module) {
            return ImportTimeVerdict::Unknown(format!(
                "`{module_name}` may import this module under a condition before it binds \
                 `{name}` (a possible circular import)"
            ));
        }
        if let Some(dynamic) = reach.dynamic {
            return ImportTimeVerdict::Unknown(format!(
                "`{}` registers modules at import time (`sys.modules` or an import hook) while \
                 `{module_name}` initialises, so a circular import cannot be ruled out",
                self.project.modules.module(dynamic).name
            ));
        }
        ImportTimeVerdict::Bound
    }

    /// [`ImportTimeModel::reading`] for the `name_index`th name of an import statement of
    /// `reader`: `Bound` for `import M` (which reads no name) and star imports.
    pub fn reading_import(
        &mut self,
        reader: FileId,
        statement: &ImportStmt,
        name_index: usize,
    ) -> ImportTimeVerdict {
        let ImportKind::From { module, level } = &statement.kind else {
            return ImportTimeVerdict::Bound;
        };
        let Some(imported) = statement.names.get(name_index) else {
            return ImportTimeVerdict::Bound;
        };
        if imported.name == "*" {
            return ImportTimeVerdict::Bound;
        }
        let modules = &self.project.modules;
        let Some(current) = modules.module_of_file(reader).map(|m| modules.module(m)) else {
            return ImportTimeVerdict::Bound;
        };
        let absolute = crate::resolve::relative_module(
            &current.name,
            current.is_package,
            *level,
            module.as_deref(),
        );
        match absolute.and_then(|a| modules.get(&a)) {
            Some(target) => self.reading(reader, statement.context, target, &imported.name),
            None => ImportTimeVerdict::Bound,
        }
    }

    /// The exact answer when `reader` and `module` share a top-level package whose import
    /// order is known: every import of either runs that package first. `None` when unknown.
    fn simulated(
        &mut self,
        reader: ModuleId,
        module: ModuleId,
        limit: u32,
        module_name: &str,
    ) -> Option<ImportTimeVerdict> {
        let top = self.ancestors_and_self(reader)[0];
        if self.ancestors_and_self(module)[0] != top
            || self.project.modules.module(top).file.is_none()
        {
            return None;
        }
        if !self.simulations.contains_key(&top) {
            let simulation = self.simulate(top);
            self.simulations.insert(top, simulation);
        }
        let simulation = &self.simulations[&top];
        if !simulation.exact {
            return None;
        }
        match simulation.started.get(&reader) {
            Some(stack) => {
                let partial = stack.iter().any(|&(m, at)| m == module && at < limit);
                Some(if partial {
                    ImportTimeVerdict::Circular {
                        module: module_name.to_string(),
                        via: None,
                    }
                } else {
                    ImportTimeVerdict::Bound
                })
            }
            // The reader runs after the package finished; so did `module` if it started then.
            None if simulation.started.contains_key(&module) => Some(ImportTimeVerdict::Bound),
            None => None,
        }
    }

    fn simulate(&mut self, top: ModuleId) -> Simulation {
        let mut simulation = Simulation {
            started: FxHashMap::default(),
            exact: true,
        };
        let mut stack = Vec::new();
        self.run_module(top, &mut stack, &mut simulation);
        simulation
    }

    /// Runs `module`'s body as CPython would: each import starts its modules (parents first)
    /// unless they already started.
    fn run_module(
        &mut self,
        module: ModuleId,
        stack: &mut Vec<(ModuleId, u32)>,
        simulation: &mut Simulation,
    ) {
        if stack.len() > MAX_DEPTH {
            simulation.exact = false;
            return;
        }
        simulation.started.insert(module, stack.clone());
        let (edges, dynamic) = {
            let imports = self.imports_of(module);
            (imports.edges.clone(), imports.dynamic)
        };
        if dynamic {
            simulation.exact = false;
            return;
        }
        for edge in edges {
            for started in self.ancestors_and_self(edge.target) {
                if simulation.started.contains_key(&started) {
                    continue;
                }
                if !edge.certain {
                    // Whether it runs is unknown, so is every later order.
                    simulation.exact = false;
                    return;
                }
                stack.push((module, edge.at));
                self.run_module(started, stack, simulation);
                stack.pop();
                if !simulation.exact {
                    return;
                }
            }
        }
    }

    /// What `module`'s body before offset `limit` can start.
    fn reach_before(&mut self, module: ModuleId, limit: u32) -> &Reach {
        if !self.reach.contains_key(&(module, limit)) {
            let reach = self.walk(module, limit);
            self.reach.insert((module, limit), reach);
        }
        &self.reach[&(module, limit)]
    }

    fn walk(&mut self, module: ModuleId, limit: u32) -> Reach {
        // `module` and its packages are already running: they are not started again.
        let running: FxHashSet<ModuleId> = self.ancestors_and_self(module).into_iter().collect();
        let edges: Vec<Edge> = self
            .imports_of(module)
            .edges
            .iter()
            .filter(|e| e.at < limit)
            .copied()
            .collect();
        self.walk_from(&edges, &running)
    }

    /// What a statement of `reader` that starts `module` can start: `module`'s packages that
    /// are not running, then `module`, each body to its end. The reader's packages are running
    /// (they started before it); the reader is in the answer when the start leads back to it.
    fn start_reach(&mut self, reader: ModuleId, module: ModuleId) -> &Reach {
        let mut running = self.ancestors_and_self(reader);
        running.pop();
        let parent = running.last().copied();
        if !self.start_reach.contains_key(&(module, parent)) {
            let running: FxHashSet<ModuleId> = running.into_iter().collect();
            let starts: Vec<Edge> = self
                .ancestors_and_self(module)
                .into_iter()
                .map(|target| Edge {
                    at: 0,
                    target,
                    certain: true,
                    reads: false,
                })
                .collect();
            let reach = self.walk_from(&starts, &running);
            self.start_reach.insert((module, parent), reach);
        }
        &self.start_reach[&(module, parent)]
    }

    /// What the imports `first` start, through every module they start in turn, `running`
    /// excepted.
    fn walk_from(&mut self, first: &[Edge], running: &FxHashSet<ModuleId>) -> Reach {
        let mut reach = Reach::default();
        for certain_only in [true, false] {
            let mut seen: FxHashSet<ModuleId> = FxHashSet::default();
            let mut read: FxHashSet<ModuleId> = FxHashSet::default();
            let mut stack: Vec<ModuleId> = Vec::new();
            stack.extend(
                first
                    .iter()
                    .rev()
                    .filter(|e| e.certain || !certain_only)
                    .map(|e| e.target),
            );
            while let Some(next) = stack.pop() {
                for started in self.ancestors_and_self(next) {
                    if running.contains(&started) || !seen.insert(started) {
                        continue;
                    }
                    let imports = self.imports_of(started);
                    if certain_only && imports.dynamic && reach.dynamic.is_none() {
                        reach.dynamic = Some(started);
                    }
                    let edges: Vec<Edge> = imports
                        .edges
                        .iter()
                        .filter(|e| e.certain || !certain_only)
                        .copied()
                        .collect();
                    read.extend(edges.iter().filter(|e| e.reads).map(|e| e.target));
                    stack.extend(edges.into_iter().rev().map(|e| e.target));
                }
            }
            if certain_only {
                reach.certain = seen;
                reach.read_certain = read;
            } else {
                reach.possible = seen;
                reach.read_possible = read;
            }
        }
        reach
    }

    /// `a`, `a.b`, `a.b.c` for `a.b.c`: the modules starting it runs, in order.
    fn ancestors_and_self(&self, module: ModuleId) -> Vec<ModuleId> {
        let modules = &self.project.modules;
        let name = &modules.module(module).name;
        let mut chain = Vec::new();
        for (at, _) in name.match_indices('.') {
            if let Some(parent) = modules.get(&name[..at]) {
                chain.push(parent);
            }
        }
        chain.push(module);
        chain
    }

    fn imports_of(&mut self, module: ModuleId) -> &ModuleImports {
        if !self.imports.contains_key(&module) {
            let imports = self.collect_imports(module);
            self.imports.insert(module, imports);
        }
        &self.imports[&module]
    }

    fn collect_imports(&self, module: ModuleId) -> ModuleImports {
        let modules = &self.project.modules;
        let this = modules.module(module);
        let Some(file) = this.file else {
            return ModuleImports::default();
        };
        let facts = &self.project.file(file).facts;
        let mut imports = ModuleImports {
            edges: Vec::new(),
            dynamic: facts.registers_modules_at_import,
        };
        for statement in &facts.imports {
            let context = statement.context;
            if context.type_checking || context.scope == ScopeKind::Function {
                continue;
            }
            let certain = !(context.conditional || context.in_except_handler);
            let mut push = |name: &str, reads: bool| {
                if let Some(target) = modules.get(name) {
                    imports.edges.push(Edge {
                        at: statement.span.start,
                        target,
                        certain,
                        reads,
                    });
                }
            };
            match &statement.kind {
                ImportKind::Import => {
                    for imported in &statement.names {
                        push(&imported.name, false);
                    }
                }
                ImportKind::From {
                    module: written,
                    level,
                } => {
                    let Some(absolute) = crate::resolve::relative_module(
                        &this.name,
                        this.is_package,
                        *level,
                        written.as_deref(),
                    ) else {
                        continue;
                    };
                    let reads = statement.names.iter().any(|imported| {
                        imported.name == "*"
                            || modules
                                .get(&format!("{absolute}.{}", imported.name))
                                .is_none()
                    });
                    push(&absolute, reads);
                    for imported in &statement.names {
                        if imported.name != "*" {
                            push(&format!("{absolute}.{}", imported.name), false);
                        }
                    }
                }
            }
        }
        imports
    }
}

/// One thing the model reads of a file, without its offset: the model only compares offsets.
#[derive(Debug, PartialEq)]
enum TimedEvent<'f> {
    /// An import statement that can run at import time starts...
    StatementStart(&'f ImportStmt),
    /// ...and ends, binding its names.
    StatementEnd,
    /// A module-level definition ends, binding its name.
    DefinitionEnd(&'f str, StmtContext),
}

/// What the model reads of a file, in source order: its import statements that can run at
/// import time, where they end, and where module-level definitions end, with the flags that
/// make an answer unknown.
fn timed_events(facts: &FileFacts) -> (Vec<TimedEvent<'_>>, [bool; 3]) {
    let mut events: Vec<(u32, u8, TimedEvent<'_>)> = Vec::new();
    for statement in &facts.imports {
        if statement.context.scope == ScopeKind::Function || statement.context.type_checking {
            continue;
        }
        events.push((
            statement.span.start,
            0,
            TimedEvent::StatementStart(statement),
        ));
        events.push((statement.span.end, 1, TimedEvent::StatementEnd));
    }
    for definition in &facts.definitions {
        if definition.module_level
            && definition.context.scope == ScopeKind::Module
            && !definition.context.type_checking
        {
            events.push((
                definition.span.end,
                2,
                TimedEvent::DefinitionEnd(&definition.name, definition.context),
            ));
        }
    }
    events.sort_by_key(|(offset, tag, _)| (*offset, *tag));
    let flags = [
        facts.registers_modules_at_import,
        facts.has_module_getattr,
        facts.dynamic_namespace,
    ];
    (
        events.into_iter().map(|(_, _, event)| event).collect(),
        flags,
    )
}

/// Whether the model answers every question the same with either version of a file, given
/// the same module table: the import statements that run at import time and the module-level
/// bindings are the same, in the same order (statements compared without their positions).
pub fn same_import_time_behaviour(old: &FileFacts, new: &FileFacts) -> bool {
    let (old_events, old_flags) = timed_events(old);
    let (new_events, new_flags) = timed_events(new);
    old_flags == new_flags
        && old_events.len() == new_events.len()
        && old_events
            .iter()
            .zip(&new_events)
            .all(|(a, b)| match (a, b) {
                (TimedEvent::StatementStart(a), TimedEvent::StatementStart(b)) => {
                    a.kind == b.kind
                        && a.context == b.context
                        && a.names.len() == b.names.len()
                        && a.names
                            .iter()
                            .zip(&b.names)
                            .all(|(x, y)| x.name == y.name && x.asname == y.asname)
                }
                _ => a == b,
            })
}

/// The offset where the statement that first binds `name` at module level ends, or why it is
/// unknown.
fn binding_end(facts: &FileFacts, name: &str) -> Result<u32, String> {
    let unconditional = |context: StmtContext| {
        context.scope == ScopeKind::Module
            && !context.type_checking
            && !context.conditional
            && !context.in_except_handler
    };
    let mut first: Option<u32> = None;
    let mut conditional = false;
    let mut consider = |end: u32, context: StmtContext| {
        if context.scope != ScopeKind::Module || context.type_checking {
            return;
        }
        if unconditional(context) {
            first = Some(first.map_or(end, |f| f.min(end)));
        } else {
            conditional = true;
        }
    };
    for definition in &facts.definitions {
        if definition.module_level && definition.name == name {
            consider(definition.span.end, definition.context);
        }
    }
    let mut last_star: Option<u32> = None;
    for statement in &facts.imports {
        for imported in &statement.names {
            if imported.name == "*" {
                if unconditional(statement.context) {
                    last_star = Some(statement.span.end);
                }
            } else if imported.bound_name(&statement.kind) == name {
                consider(statement.span.end, statement.context);
            }
        }
    }
    if let Some(end) = first {
        // A star import before the explicit binding may bind it sooner; the later end is the
        // cautious answer either way.
        return Ok(end);
    }
    if let Some(end) = last_star {
        return Ok(end);
    }
    if conditional {
        return Err(format!("binds `{name}` only under a condition"));
    }
    if facts.has_module_getattr || facts.dynamic_namespace {
        return Err(format!("binds `{name}` at run time"));
    }
    Err(format!("does not visibly bind `{name}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProjectFile;

    fn project(files: &[(&str, &str)]) -> Project {
        let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
        let table = crate::ModuleTable::build(paths.iter().copied(), &[], &[String::new()]);
        let files = files
            .iter()
            .map(|(path, text)| ProjectFile {
                path: path.to_string(),
                facts: {
                    let mut facts = ssot_python::extract_facts_with(
                        text,
                        ssot_python::SourceKind::from_path(path),
                        ssot_python::CallDetail::Nothing,
                    );
                    crate::first_party_uses::keep_first_party_uses(&mut facts, &|m| {
                        table.is_first_party(m)
                    });
                    facts
                },
                is_test: false,
            })
            .collect();
        Project::new(files, &[String::new()])
    }

    fn verdict(project: &Project, reader: &str, module: &str, name: &str) -> ImportTimeVerdict {
        let file = project.files.iter().position(|f| f.path == reader).unwrap() as FileId;
        let module = project.modules.get(module).unwrap();
        ImportTimeModel::new(project).reading(file, StmtContext::default(), module, name)
    }

    #[test]
    fn package_that_imports_the_reader_before_binding_the_name_is_circular() {
        let project = project(&[
            ("pkg/__init__.py", "from . import _a\nfrom ._b import B\n"),
            ("pkg/_a.py", "from ._b import B\n"),
            ("pkg/_b.py", "class B:\n    pass\n"),
        ]);
        assert_eq!(
            verdict(&project, "pkg/_a.py", "pkg", "B"),
            ImportTimeVerdict::Circular {
                module: "pkg".to_string(),
                via: None,
            }
        );
        assert_eq!(
            verdict(&project, "pkg/_a.py", "pkg._b", "B"),
            ImportTimeVerdict::Bound
        );
    }

    #[test]
    fn package_that_binds_the_name_first_is_bound() {
        let project = project(&[
            ("pkg/__init__.py", "from ._b import B\nfrom . import _a\n"),
            ("pkg/_a.py", "from ._b import B\n"),
            ("pkg/_b.py", "class B:\n    pass\n"),
            ("app.py", "from pkg._b import B\n"),
        ]);
        assert_eq!(
            verdict(&project, "pkg/_a.py", "pkg", "B"),
            ImportTimeVerdict::Bound
        );
        assert_eq!(
            verdict(&project, "app.py", "pkg", "B"),
            ImportTimeVerdict::Bound
        );
    }

    #[test]
    fn a_path_back_that_the_package_order_never_takes_is_bound() {
        // `pkg` starts `app` first; `app`'s chain starts `out.base`, whose way back to `app`
        // finds it already running: `app` never starts while `base` initialises.
        let project = project(&[
            ("pkg/__init__.py", "from . import app\n"),
            ("pkg/app.py", "from pkg.out import Output\n"),
            ("pkg/out/__init__.py", "from .base import Output\n"),
            (
                "pkg/out/base.py",
                "from pkg import util\n\n\nclass Output:\n    pass\n",
            ),
            ("pkg/util.py", "from pkg import app\n"),
        ]);
        assert_eq!(
            verdict(&project, "pkg/app.py", "pkg.out.base", "Output"),
            ImportTimeVerdict::Bound
        );
        // `util` does start while `base` initialises.
        assert!(matches!(
            verdict(&project, "pkg/util.py", "pkg.out.base", "Output"),
            ImportTimeVerdict::Circular { .. }
        ));
    }

    #[test]
    fn a_conditional_path_back_is_unknown() {
        let project = project(&[
            (
                "pkg/__init__.py",
                "import sys\nif sys.version_info > (3,):\n    from . import _a\nfrom ._b import B\n",
            ),
            ("pkg/_a.py", "from ._b import B\n"),
            ("pkg/_b.py", "class B:\n    pass\n"),
        ]);
        assert!(matches!(
            verdict(&project, "pkg/_a.py", "pkg", "B"),
            ImportTimeVerdict::Unknown(_)
        ));
    }

    #[test]
    fn starting_a_module_whose_imports_read_the_reader_is_circular() {
        // `starlette.routing` reading `RedirectResponse` from `fastapi.responses` starts
        // `fastapi` first, whose chain reads `BaseRoute` from `starlette.routing`: still
        // initialising, without it.
        let tree = project(&[
            ("starlette/__init__.py", ""),
            ("starlette/responses.py", "class RedirectResponse:\n    pass\n"),
            (
                "starlette/routing.py",
                "from starlette.responses import RedirectResponse\n\n\nclass BaseRoute:\n    pass\n",
            ),
            ("fastapi/__init__.py", "from .applications import FastAPI\n"),
            (
                "fastapi/applications.py",
                "from fastapi.routing import APIRouter\n\n\nclass FastAPI:\n    pass\n",
            ),
            (
                "fastapi/routing.py",
                "from starlette.routing import BaseRoute\n\n\nclass APIRouter:\n    pass\n",
            ),
            (
                "fastapi/responses.py",
                "from starlette.responses import RedirectResponse as RedirectResponse\n",
            ),
        ]);
        let reason = verdict(
            &tree,
            "starlette/routing.py",
            "fastapi.responses",
            "RedirectResponse",
        )
        .reason()
        .unwrap();
        assert!(
            reason.contains("would start `fastapi.responses`"),
            "{reason}"
        );
        assert_eq!(
            verdict(
                &tree,
                "starlette/routing.py",
                "starlette.responses",
                "RedirectResponse"
            ),
            ImportTimeVerdict::Bound
        );
        // Starting `lib` (the package of the module read) leads back into the reader: only
        // reading one of its names needs the reader's bindings.
        let lib = |init: &str| {
            project(&[
                ("pkg/__init__.py", ""),
                (
                    "pkg/app.py",
                    "from lib.things import Thing\n\n\nclass App:\n    pass\n",
                ),
                ("lib/__init__.py", init),
                ("lib/things.py", "class Thing:\n    pass\n"),
            ])
        };
        assert_eq!(
            verdict(
                &lib("import pkg.app\n"),
                "pkg/app.py",
                "lib.things",
                "Thing"
            ),
            ImportTimeVerdict::Bound
        );
        assert!(matches!(
            verdict(
                &lib("from pkg.app import App\n"),
                "pkg/app.py",
                "lib.things",
                "Thing"
            ),
            ImportTimeVerdict::Circular { via: Some(_), .. }
        ));
    }

    #[test]
    fn a_path_back_through_another_module_is_circular() {
        let project = project(&[
            ("pkg/__init__.py", "import other\nfrom ._b import B\n"),
            ("other.py", "from pkg import _a\n"),
            ("pkg/_a.py", "from ._b import B\n"),
            ("pkg/_b.py", "class B:\n    pass\n"),
        ]);
        assert!(matches!(
            verdict(&project, "pkg/_a.py", "pkg", "B"),
            ImportTimeVerdict::Circular { .. }
        ));
    }
}
