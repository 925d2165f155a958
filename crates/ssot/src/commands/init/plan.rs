//! From concept candidates to declarations: which candidates, which members, shims and
//! suspected accessors, each symbol resolved against the project before it is written.

use std::collections::{BTreeSet, HashMap};

use ssot_facts::DefinitionKind;
use ssot_index::concept_discovery::{ConceptCandidate, MemberRole};
use ssot_index::concept_names::split_words;
use ssot_index::{Origin, Project, Resolver};
use ssot_rules::concepts::resolve_symbol;

/// A candidate made into a declaration, before its symbols are checked.
pub(super) struct Plan<'c> {
    candidate: &'c ConceptCandidate,
    /// Competing production definitions.
    members: Vec<String>,
    /// Subclasses and wrappers: listed in a comment for the user to decide.
    consider: Vec<(String, MemberRole)>,
    shims: Vec<String>,
    accessors: Vec<String>,
    factory: Option<String>,
    /// Other factories found: listed in a comment.
    other_factories: Vec<String>,
}

/// A declaration whose symbols all resolve, with a unique TOML key.
pub(super) struct Accepted<'c> {
    pub(super) key: String,
    pub(super) candidate: &'c ConceptCandidate,
    pub(super) members: Vec<String>,
    pub(super) consider: Vec<(String, MemberRole)>,
    pub(super) shims: Vec<String>,
    pub(super) accessors: Vec<String>,
    /// The sanctioned constructor, when one is clearly it.
    pub(super) factory: Option<String>,
    pub(super) other_factories: Vec<String>,
}

/// Candidates with a production duplicate or a wrapper first, the others (test doubles,
/// subclasses or aliases only) after them, each group in `scan`'s order.
pub(super) fn plan_concepts<'c>(
    project: &Project,
    candidates: &'c [ConceptCandidate],
) -> Vec<Plan<'c>> {
    let has_production_copy = |c: &ConceptCandidate| {
        c.production_duplicates > 0 || c.members.iter().any(|m| m.role == MemberRole::Wrapper)
    };
    let accessors = AccessorIndex::build(project);
    candidates
        .iter()
        .filter(|c| has_production_copy(c))
        .chain(candidates.iter().filter(|c| !has_production_copy(c)))
        .map(|candidate| {
            let (factory, other_factories) = sanctioned_factory(candidate);
            let mut suspects = accessors.suspects(candidate);
            suspects.extend(
                candidate
                    .members
                    .iter()
                    .filter(|m| m.role == MemberRole::Accessor)
                    .map(|m| m.symbol.clone()),
            );
            suspects.sort();
            suspects.dedup();
            Plan {
                candidate,
                members: candidate
                    .members
                    .iter()
                    .filter(|m| m.role == MemberRole::Definition && m.in_production)
                    .map(|m| m.symbol.clone())
                    .collect(),
                consider: candidate
                    .members
                    .iter()
                    .filter(|m| {
                        matches!(
                            m.role,
                            MemberRole::Subclass
                                | MemberRole::Wrapper
                                | MemberRole::ProductionDouble
                        )
                    })
                    .map(|m| (m.symbol.clone(), m.role))
                    .collect(),
                shims: candidate.shim_candidates.clone(),
                accessors: suspects,
                factory,
                other_factories,
            }
        })
        .collect()
}

/// The factory to declare and the others to list: the one factory of the family, or the
/// only one defined in the canonical's module or package when there are several.
fn sanctioned_factory(candidate: &ConceptCandidate) -> (Option<String>, Vec<String>) {
    let factories: Vec<&str> = candidate
        .members
        .iter()
        .filter(|m| m.role == MemberRole::Factory && m.signature.is_some())
        .map(|m| m.symbol.as_str())
        .collect();
    let canonical_module = candidate.canonical.split(':').next().unwrap_or_default();
    let package = canonical_module
        .rsplit_once('.')
        .map_or(canonical_module, |(parent, _)| parent);
    let chosen = match factories.as_slice() {
        [only] => Some(*only),
        many => {
            let near: Vec<&str> = many
                .iter()
                .copied()
                .filter(|symbol| {
                    let module = symbol.split(':').next().unwrap_or_default();
                    module == canonical_module || module == package
                })
                .collect();
            match near.as_slice() {
                [only] => Some(*only),
                _ => None,
            }
        }
    };
    let others = factories
        .iter()
        .filter(|symbol| Some(**symbol) != chosen)
        .map(|symbol| symbol.to_string())
        .collect();
    (chosen.map(str::to_string), others)
}

/// Module-level functions of production modules named `get_...`, indexed by name.
struct AccessorIndex {
    /// `(module, name)` of every `get_` function.
    functions: Vec<(String, String)>,
    /// The words after `get_` run together (`websocketmanager`) → functions.
    by_key: HashMap<String, Vec<usize>>,
    /// The last word (`manager`) → functions.
    by_last_word: HashMap<String, Vec<usize>>,
}

impl AccessorIndex {
    fn build(project: &Project) -> Self {
        let mut index = Self {
            functions: Vec::new(),
            by_key: HashMap::new(),
            by_last_word: HashMap::new(),
        };
        for (file_id, file) in project.files.iter().enumerate() {
            if file.is_test {
                continue;
            }
            let Some(module) = project.modules.module_of_file(file_id as u32) else {
                continue;
            };
            let module = project.modules.module(module);
            if module.file != Some(file_id as u32) || is_vendored(&module.name) {
                continue;
            }
            for definition in &file.facts.definitions {
                if definition.kind != DefinitionKind::Function
                    || !definition.module_level
                    || definition.qualname != definition.name
                {
                    continue;
                }
                let Some(rest) = definition.name.strip_prefix("get_") else {
                    continue;
                };
                let words: Vec<String> = split_words(rest);
                if words.is_empty() {
                    continue;
                }
                let id = index.functions.len();
                index
                    .functions
                    .push((module.name.clone(), definition.name.to_string()));
                index.by_key.entry(words.concat()).or_default().push(id);
                if let Some(last) = words.last() {
                    index.by_last_word.entry(last.clone()).or_default().push(id);
                }
            }
        }
        index
    }

    /// Functions named `get_<a member's or the concept's name>` anywhere in the project, and
    /// `get_..._<head word>` in the packages of the canonical and the production members.
    fn suspects(&self, candidate: &ConceptCandidate) -> Vec<String> {
        let production = candidate
            .members
            .iter()
            .filter(|m| !matches!(m.role, MemberRole::TestDouble | MemberRole::Wrapper));
        let mut names: BTreeSet<String> = production
            .clone()
            .filter_map(|m| m.symbol.split_once(':').map(|(_, name)| name))
            .chain(candidate.canonical.split_once(':').map(|(_, name)| name))
            .map(|name| split_words(name).concat())
            .collect();
        names.insert(candidate.name.replace('-', ""));
        let mut found: BTreeSet<usize> = names
            .iter()
            .filter_map(|key| self.by_key.get(key))
            .flatten()
            .copied()
            .collect();
        let packages: BTreeSet<&str> = production
            .filter_map(|m| m.symbol.split_once(':').map(|(module, _)| module))
            .chain(
                candidate
                    .canonical
                    .split_once(':')
                    .map(|(module, _)| module),
            )
            .map(|module| module.rsplit_once('.').map_or(module, |(parent, _)| parent))
            .collect();
        let head = candidate.name.rsplit('-').next().unwrap_or_default();
        for &id in self.by_last_word.get(head).into_iter().flatten() {
            let module = self.functions[id].0.as_str();
            let inside = packages.iter().any(|package| {
                module == *package
                    || module
                        .strip_prefix(package)
                        .is_some_and(|rest| rest.starts_with('.'))
            });
            if inside {
                found.insert(id);
            }
        }
        let mut symbols: Vec<String> = found
            .into_iter()
            .map(|id| format!("{}:{}", self.functions[id].0, self.functions[id].1))
            .collect();
        symbols.sort();
        symbols
    }
}

/// A module inside a vendored tree: somebody else's code, as concept discovery sees it.
fn is_vendored(module: &str) -> bool {
    module.split('.').any(|segment| {
        matches!(
            segment,
            "_vendor" | "vendor" | "vendored" | "_vendored" | "third_party" | "externals"
        )
    })
}

/// Resolves every symbol of the plans, in order, until `top` are accepted: a candidate whose
/// canonical does not resolve to its definition is skipped, other symbols that do not resolve
/// (or are the canonical object itself) are left out. Returns the accepted declarations and
/// notes about what was left out.
pub(super) fn verify<'c>(
    project: &Project,
    plans: &'c [Plan<'c>],
    top: usize,
) -> (Vec<Accepted<'c>>, Vec<String>) {
    let mut resolver = Resolver::new(project);
    let mut accepted = Vec::new();
    let mut notes = Vec::new();
    let mut keys = BTreeSet::new();
    for plan in plans {
        if accepted.len() >= top {
            break;
        }
        let candidate = plan.candidate;
        match resolve_symbol(&mut resolver, &candidate.canonical) {
            Ok(origin) if origin == candidate.canonical_origin => {}
            Ok(_) => {
                notes.push(format!(
                    "left out candidate `{}`: `{}` reaches another definition",
                    candidate.name, candidate.canonical
                ));
                continue;
            }
            Err(problem) => {
                notes.push(format!(
                    "left out candidate `{}`: `{}` {problem}",
                    candidate.name, candidate.canonical
                ));
                continue;
            }
        }
        let mut seen: BTreeSet<Origin> = BTreeSet::from([candidate.canonical_origin]);
        let mut keep = |symbol: &'c str, notes: &mut Vec<String>| match resolve_symbol(
            &mut resolver,
            symbol,
        ) {
            Ok(origin) => seen.insert(origin),
            Err(problem) => {
                notes.push(format!(
                    "concept `{}`: left out `{symbol}`: {problem}",
                    candidate.name
                ));
                false
            }
        };
        let members: Vec<String> = plan
            .members
            .iter()
            .filter(|symbol| keep(symbol, &mut notes))
            .cloned()
            .collect();
        let consider: Vec<(String, MemberRole)> = plan
            .consider
            .iter()
            .filter(|(symbol, _)| keep(symbol, &mut notes))
            .cloned()
            .collect();
        let accessors: Vec<String> = plan
            .accessors
            .iter()
            .filter(|symbol| keep(symbol, &mut notes))
            .cloned()
            .collect();
        let shims: Vec<String> = plan
            .shims
            .iter()
            .filter(|module| project.modules.get(module).is_some())
            .cloned()
            .collect();
        let factory = plan
            .factory
            .as_deref()
            .filter(|symbol| resolve_symbol(&mut resolver, symbol).is_ok())
            .map(str::to_string);
        let other_factories = plan.other_factories.clone();
        let key = unique_key(&candidate.name, &mut keys);
        accepted.push(Accepted {
            key,
            candidate,
            members,
            consider,
            shims,
            accessors,
            factory,
            other_factories,
        });
    }
    (accepted, notes)
}

/// A TOML bare key in kebab case (`[a-z0-9-]`), not yet used.
fn unique_key(name: &str, used: &mut BTreeSet<String>) -> String {
    let mut key = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.is_empty() && !key.ends_with('-') {
            key.push('-');
        }
    }
    let base = match key.trim_end_matches('-') {
        "" => "concept".to_string(),
        trimmed => trimmed.to_string(),
    };
    let mut key = base.clone();
    let mut counter = 2;
    while !used.insert(key.clone()) {
        key = format!("{base}-{counter}");
        counter += 1;
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_kebab_case_and_unique() {
        let mut used = BTreeSet::new();
        assert_eq!(
            unique_key("web-socket-manager", &mut used),
            "web-socket-manager"
        );
        assert_eq!(
            unique_key("web-socket-manager", &mut used),
            "web-socket-manager-2"
        );
        assert_eq!(
            unique_key("web-socket-manager", &mut used),
            "web-socket-manager-3"
        );
        assert_eq!(unique_key("größe-manager", &mut used), "gr-e-manager");
        assert_eq!(unique_key("ü", &mut used), "concept");
        assert_eq!(unique_key("http_client", &mut used), "http-client");
    }
}
