//! Dropping the facts of a file that only matter for third-party modules, once the project
//! says which modules are first-party.
//!
//! Extraction records every `M.N` use of a module bound by `import M` and every call whose
//! root name an import binds, whatever the module: a file's facts are a function of its bytes
//! alone, so they can be cached by content hash. Which modules are first-party follows from the
//! whole project's file paths; this module applies it. Applying it is idempotent, and it only
//! removes facts, keeping the order of the rest.

use rustc_hash::FxHashSet;
use ssot_facts::{FileFacts, ImportKind};

/// Keeps the attribute uses of first-party modules (`pkg.mod.Name`, not `os.path.join`) and
/// the calls that can reach first-party code: those whose root name an import from a
/// first-party module (or a relative one) binds somewhere in the file, or that a module-level
/// class, function or alias binds, plus the `unittest.mock` calls. In a file with a
/// first-party star import, any name it does not import from elsewhere may come from that
/// import, so those calls are kept too.
pub fn keep_first_party_uses(facts: &mut FileFacts, is_first_party: &dyn Fn(&str) -> bool) {
    keep_first_party_attribute_refs(facts, is_first_party);
    if !facts.calls.is_empty() || !facts.callees.is_empty() {
        keep_first_party_calls(facts, is_first_party);
    }
}

fn keep_first_party_attribute_refs(facts: &mut FileFacts, is_first_party: &dyn Fn(&str) -> bool) {
    let imports = &facts.imports;
    let before = facts.attribute_refs.len();
    facts.attribute_refs.retain(|reference| {
        imports
            .get(reference.import_index as usize)
            .and_then(|import| import.names.get(reference.name_index as usize))
            .is_some_and(|name| is_first_party(&name.name))
    });
    if facts.attribute_refs.len() != before {
        facts.attribute_refs.shrink_to_fit();
    }
}

fn keep_first_party_calls(facts: &mut FileFacts, is_first_party: &dyn Fn(&str) -> bool) {
    let mut roots: FxHashSet<&str> = FxHashSet::default();
    // Names bound only by imports from elsewhere: not kept even when a first-party star
    // import could bind anything.
    let mut foreign: FxHashSet<&str> = FxHashSet::default();
    let mut first_party_star = false;
    for import in &facts.imports {
        for name in &import.names {
            let first_party = match &import.kind {
                ImportKind::From { module, level } => {
                    *level > 0 || module.as_deref().is_some_and(is_first_party)
                }
                ImportKind::Import => is_first_party(&name.name),
            };
            if name.name == "*" {
                first_party_star |= first_party;
            } else if first_party {
                roots.insert(name.bound_name(&import.kind));
            } else {
                foreign.insert(name.bound_name(&import.kind));
            }
        }
    }
    for definition in &facts.definitions {
        let binds_callable = matches!(
            definition.kind,
            ssot_facts::DefinitionKind::Class | ssot_facts::DefinitionKind::Function
        ) || definition.alias_of.is_some();
        if definition.module_level && binds_callable {
            roots.insert(definition.name.as_str());
        }
    }
    let mut keep_callee: Vec<bool> = facts
        .callees
        .iter()
        .map(|text| {
            let root = text.split('.').next().unwrap_or(text);
            roots.contains(root) || (first_party_star && !foreign.contains(root))
        })
        .collect();
    for extras in &facts.call_extras {
        if extras.double.is_some() {
            if let Some(call) = facts.calls.get(extras.call as usize) {
                if let Some(keep) = keep_callee.get_mut(call.callee as usize) {
                    *keep = true;
                }
            }
        }
    }
    if keep_callee.iter().all(|keep| *keep) {
        return;
    }
    drop(roots);
    drop(foreign);
    // Kept callees move to their new indices and every vector gets its exact size: the
    // facts of every file stay in memory until the whole project is resolved.
    let mut new_ids: Vec<u32> = vec![u32::MAX; facts.callees.len()];
    let mut callees = Vec::with_capacity(keep_callee.iter().filter(|k| **k).count());
    for (index, text) in std::mem::take(&mut facts.callees).into_iter().enumerate() {
        if keep_callee[index] {
            new_ids[index] = callees.len() as u32;
            callees.push(text);
        }
    }
    let mut new_call_ids: Vec<u32> = vec![u32::MAX; facts.calls.len()];
    let kept = facts
        .calls
        .iter()
        .filter(|call| new_ids[call.callee as usize] != u32::MAX)
        .count();
    let mut calls = Vec::with_capacity(kept);
    for (index, mut call) in std::mem::take(&mut facts.calls).into_iter().enumerate() {
        let new_id = new_ids[call.callee as usize];
        if new_id == u32::MAX {
            continue;
        }
        call.callee = new_id;
        new_call_ids[index] = calls.len() as u32;
        calls.push(call);
    }
    let extras_kept = facts
        .call_extras
        .iter()
        .filter(|extras| new_call_ids[extras.call as usize] != u32::MAX)
        .count();
    let mut call_extras = Vec::with_capacity(extras_kept);
    for mut extras in std::mem::take(&mut facts.call_extras) {
        let new_call = new_call_ids[extras.call as usize];
        if new_call == u32::MAX {
            continue;
        }
        extras.call = new_call;
        call_extras.push(extras);
    }
    facts.callees = callees;
    facts.calls = calls;
    facts.call_extras = call_extras;
}
