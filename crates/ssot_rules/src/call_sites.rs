//! Which files need their call sites for the selected rules.
//!
//! Loading records only the names a file calls ([`CallDetail::Names`]); the call sites
//! themselves matter only in files that can call a concept's class or accessor (SSOT301,
//! SSOT302), or whose `unittest.mock` calls name one of its classes in their arguments
//! (SSOT401, whose names [`FileFacts::call_names`](ssot_facts::FileFacts::call_names) holds
//! too). Those files are found here by name, and the caller extracts them again in full
//! before the rules run.
//!
//! A call resolves to a definition through its last segment, which is a name the definition
//! is bound under somewhere: its own name, the local name of an import of it (`from m import
//! get_manager as acquire`), or an alias (`acquire = m.get_manager`), any number of times
//! over. So the names are closed over imports and aliases, written as they are: a superset of
//! what resolution would give, which costs a few extra files, never a missed call.

use rustc_hash::FxHashSet;
use ssot_facts::{call_name_hash, CallDetail};
use ssot_index::{FileId, Origin, Project};

use crate::registry::{Rule, RuleSelection};
use crate::rules::shared_instance_accessor::concept_accessors;
use crate::symbols::DottedResolver;
use crate::CheckContext;

/// The rules that read call sites, shared-instance shapes or attribute types.
const CALL_RULES: [Rule; 4] = [
    Rule::DelegatingWrapper,
    Rule::SharedInstanceAccessor,
    Rule::ModuleLevelInstance,
    Rule::TestDoubleBypass,
];

/// How much of every file's calls loading should record for `selection`, given whether any
/// concept is declared: names (with shapes and attribute types) when a rule may need them,
/// nothing otherwise.
pub fn call_detail_to_load(selection: &RuleSelection, concepts_declared: bool) -> CallDetail {
    if concepts_declared && CALL_RULES.iter().any(|rule| selection.is_selected(*rule)) {
        CallDetail::Names
    } else {
        CallDetail::Nothing
    }
}

/// The files whose call sites the selected rules read but whose facts lack them, in file
/// order.
pub fn files_needing_call_sites(
    context: &CheckContext<'_>,
    selection: &RuleSelection,
) -> Vec<FileId> {
    let project = context.project;
    let lacking = |file: &ssot_index::ProjectFile| file.facts.call_detail != CallDetail::Sites;
    if context.concepts.is_empty() || !project.files.iter().any(lacking) {
        return Vec::new();
    }
    let hashes: FxHashSet<u32> = called_names(context, selection)
        .iter()
        .map(|name| call_name_hash(name))
        .collect();
    project
        .files
        .iter()
        .enumerate()
        .filter(|(_, file)| lacking(file))
        .filter(|(_, file)| file.facts.call_names.iter().any(|h| hashes.contains(h)))
        .map(|(id, _)| id as FileId)
        .collect()
}

/// Every name a call of a concept's class or accessor can end in, and every name a
/// test-double call's arguments can reach a concept's class through (`spec=legacy.Manager`).
fn called_names(context: &CheckContext<'_>, selection: &RuleSelection) -> FxHashSet<String> {
    let project = context.project;
    let mut names: FxHashSet<String> = FxHashSet::default();
    let definition_name = |origin: Origin| {
        &project.file(origin.file).facts.definitions[origin.definition as usize].name
    };
    if selection.is_selected(Rule::ModuleLevelInstance)
        || selection.is_selected(Rule::TestDoubleBypass)
    {
        for concept in context.concepts {
            names.extend(
                concept
                    .classes()
                    .map(|origin| definition_name(origin).to_string()),
            );
        }
    }
    if selection.is_selected(Rule::SharedInstanceAccessor) {
        let mut resolver = DottedResolver::new(project);
        for (origin, method) in concept_accessors(context, &mut resolver).into_keys() {
            // `Cls.instance()` ends in the method; `Cls` is reached by any of its names.
            names.insert(method.unwrap_or_else(|| definition_name(origin).to_string()));
        }
    }
    close_over_bindings(project, &mut names);
    names
}

/// Adds the local names of imports of any name in `names`, and the names of aliases whose
/// value ends in one, until nothing changes.
fn close_over_bindings(project: &Project, names: &mut FxHashSet<String>) {
    loop {
        let before = names.len();
        for file in &project.files {
            for import in &file.facts.imports {
                for imported in &import.names {
                    let last = imported.name.rsplit('.').next().unwrap_or(&imported.name);
                    let bound = imported.bound_name(&import.kind);
                    if names.contains(last) && !names.contains(bound) {
                        names.insert(bound.to_string());
                    }
                }
            }
            for definition in &file.facts.definitions {
                let Some(value) = &definition.alias_of else {
                    continue;
                };
                let last = value.rsplit('.').next().unwrap_or(value);
                if names.contains(last) && !names.contains(definition.name.as_str()) {
                    names.insert(definition.name.to_string());
                }
            }
        }
        if names.len() == before {
            return;
        }
    }
}
