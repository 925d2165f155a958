//! What every import binding of a file resolves to: compared before and after a fix, so a
//! rewrite that would change what any name is bound to is never written.

use rustc_hash::FxHashMap;
use ssot_facts::{ScopeKind, StmtContext};
use ssot_index::namespace::Namespace;
use ssot_index::references_of_files::references_of_files;
use ssot_index::{collect_references, FileId, ModuleId, Project, Reference, Resolution, Resolver};

/// One first-party import binding, without its position (a fix moves text around).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BindingFact {
    /// The local name a `from` import binds; `None` for an `M.N` use through `import M`.
    pub local: Option<String>,
    /// Scope and guards: a binding moved into another context is a different binding.
    pub context: (u8, bool, bool, bool, bool),
    pub resolution: Resolution,
}

/// Every file's bindings, sorted, indexed by file id.
pub fn binding_summaries(project: &Project) -> Vec<Vec<BindingFact>> {
    let mut resolver = Resolver::new(project);
    let references = collect_references(&mut resolver);
    let mut summaries = vec![Vec::new(); project.files.len()];
    for reference in references {
        let file = reference.file as usize;
        summaries[file].push(binding_fact(project, reference));
    }
    for summary in &mut summaries {
        summary.sort();
    }
    summaries
}

/// The bindings of `files` (each sorted, in the order given): for each, what
/// [`binding_summaries`] gives for that file, without resolving the rest of the project.
pub fn binding_summaries_of(project: &Project, files: &[FileId]) -> Vec<Vec<BindingFact>> {
    let mut resolver = Resolver::new(project);
    let references = references_of_files(&mut resolver, files);
    let position: FxHashMap<FileId, usize> =
        files.iter().enumerate().map(|(i, &f)| (f, i)).collect();
    let mut summaries = vec![Vec::new(); files.len()];
    for reference in references {
        let index = position[&reference.file];
        summaries[index].push(binding_fact(project, reference));
    }
    for summary in &mut summaries {
        summary.sort();
    }
    summaries
}

fn binding_fact(project: &Project, reference: Reference) -> BindingFact {
    let local = if reference.via_attribute {
        None
    } else {
        let file = project.file(reference.file);
        let import = &file.facts.imports[reference.statement as usize];
        Some(
            import.names[reference.name as usize]
                .bound_name(&import.kind)
                .to_string(),
        )
    };
    BindingFact {
        local,
        context: context_key(reference.context),
        resolution: reference.resolution,
    }
}

/// What a module offers its importers: every name its top level binds, with where the name
/// leads through the module, sorted by name. Importers reach a module only through such names
/// (a name it does not bind comes from its star imports, its `__getattr__` or its submodules,
/// which an import rewrite leaves as they are), so when every rewritten module offers the same
/// interface before and after, every other file keeps its bindings.
pub fn module_interface(
    resolver: &mut Resolver<'_>,
    module: ModuleId,
) -> Vec<(String, Resolution)> {
    let project = resolver.project();
    let Some(file) = project.modules.module(module).file else {
        return Vec::new();
    };
    let namespace = Namespace::build(&project.file(file).facts);
    let mut names: Vec<&str> = namespace.names().collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| (name.to_string(), resolver.resolve_member(module, name)))
        .collect()
}

fn context_key(context: StmtContext) -> (u8, bool, bool, bool, bool) {
    let scope = match context.scope {
        ScopeKind::Module => 0,
        ScopeKind::Class => 1,
        ScopeKind::Function => 2,
    };
    (
        scope,
        context.type_checking,
        context.guarded_by_import_error,
        context.in_except_handler,
        context.conditional,
    )
}

/// The first difference between two summaries of one file, described for a person.
pub fn describe_difference(
    project: &Project,
    before: &[BindingFact],
    after: &[BindingFact],
) -> Option<String> {
    let target = |resolution: &Resolution| match resolution {
        Resolution::Definition(origin) => {
            let file = project.file(origin.file);
            let qualname = file
                .facts
                .definitions
                .get(origin.definition as usize)
                .map_or("?", |d| d.qualname.as_str());
            format!("`{}` defined in {}", qualname, file.path)
        }
        Resolution::Module(id) => format!("module `{}`", project.modules.module(*id).name),
        other => format!("{other:?}"),
    };
    let describe = |fact: &BindingFact| match &fact.local {
        Some(local) => format!("`{local}` bound to {}", target(&fact.resolution)),
        None => format!("an attribute use reaching {}", target(&fact.resolution)),
    };
    for fact in before {
        if !after.contains(fact) {
            return Some(format!("{} would no longer be bound", describe(fact)));
        }
    }
    for fact in after {
        if !before.contains(fact) {
            return Some(format!("{} would be new", describe(fact)));
        }
    }
    (before.len() != after.len()).then(|| "a binding would be duplicated or lost".to_string())
}
