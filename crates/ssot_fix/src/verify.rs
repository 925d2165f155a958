//! What every import binding of a file resolves to: compared before and after a fix, so a
//! rewrite that would change what any name is bound to is never written.

use ssot_facts::{ScopeKind, StmtContext};
use ssot_index::{collect_references, Project, Resolution, Resolver};

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
        summaries[reference.file as usize].push(BindingFact {
            local,
            context: context_key(reference.context),
            resolution: reference.resolution,
        });
    }
    for summary in &mut summaries {
        summary.sort();
    }
    summaries
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
