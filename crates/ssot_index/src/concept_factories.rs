//! Factories and accessors of a concept: module-level functions and factory classes that
//! construct or hand out a member of a candidate family.
//!
//! A function joins a family by name (`create_<stem>`, `get_<stem>`, `make_`, `build_`,
//! `new_`, `provide_`, `<stem>_factory`, `get_<stem>_instance`) or by body (it returns a
//! member's instance, `return Member(...)`, or a module-global name, the cached one); a body
//! that returns a member wins over a name that matches another family. `get_`, `provide_`,
//! `..._instance` and functions returning a module global are accessors (they hand out an
//! instance); the rest are factories. A class named `<stem>Factory` or `<stem>Provider` is a
//! factory of the family of `<stem>`.

use rustc_hash::FxHashMap;
use ssot_facts::DefinitionKind;

use crate::concept_discovery::{is_vendored, is_vendored_path, Evidence, FileScope, MemberRole};
use crate::concept_names::{split_words, DECORATION_WORDS};
use crate::resolve::{Origin, Resolution, Resolver};
use crate::{FileId, Project, ProjectFile};

/// A function or class found to build or hand out a family's members.
pub(crate) struct FactoryFinding {
    /// The family (its union-find root).
    pub family: usize,
    /// `module:name`.
    pub symbol: String,
    pub origin: Origin,
    pub role: MemberRole,
    pub evidence: Vec<Evidence>,
    /// `(is_async, parameters)` of a function; `None` for a factory class.
    pub signature: Option<(bool, Vec<String>)>,
}

const FACTORY_PREFIXES: &[&str] = &["create", "make", "build", "new"];
const ACCESSOR_PREFIXES: &[&str] = &["get", "provide"];

/// What a function's name says: the stem key of the family it names (empty when the name
/// alone is too generic to tie it to one) and the role it implies (factory or accessor);
/// `None` for a name that is neither.
pub fn factory_name_key(name: &str) -> Option<(String, MemberRole)> {
    name_key(name)
}

/// What a function's name says: the stem key it names and the role it implies.
fn name_key(name: &str) -> Option<(String, MemberRole)> {
    // Most functions are neither: a cheap look at the name before splitting it.
    let lower = name.trim_start_matches('_').to_ascii_lowercase();
    let prefixed = FACTORY_PREFIXES
        .iter()
        .chain(ACCESSOR_PREFIXES)
        .any(|prefix| lower.starts_with(prefix));
    let suffixed = ["factory", "builder", "instance", "singleton"]
        .iter()
        .any(|suffix| lower.ends_with(suffix));
    if !prefixed && !suffixed {
        return None;
    }
    let mut words = split_words(name);
    if words.len() < 2 {
        return None;
    }
    let mut role = None;
    let first = words[0].as_str();
    if FACTORY_PREFIXES.contains(&first) {
        role = Some(MemberRole::Factory);
        words.remove(0);
    } else if ACCESSOR_PREFIXES.contains(&first) {
        role = Some(MemberRole::Accessor);
        words.remove(0);
    }
    match words.last().map(String::as_str) {
        Some("factory" | "builder") => {
            role.get_or_insert(MemberRole::Factory);
            words.pop();
        }
        Some("instance" | "singleton") => {
            role = Some(MemberRole::Accessor);
            words.pop();
        }
        _ => {}
    }
    let role = role?;
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|word| !DECORATION_WORDS.contains(word))
        .collect();
    if words.is_empty() {
        return None;
    }
    // `get_model` names too little to tie it to a family by its name alone: its key is
    // then left empty, and only its body can.
    let key = if words.len() >= 2 {
        words.concat()
    } else {
        String::new()
    };
    Some((key, role))
}

/// Finds the factories and accessors of the families: `class_family` maps each class of a
/// family of two or more to its family, `family_keys` each stem (and alias stem) of a
/// family's members to the family.
pub(crate) fn find_factories(
    resolver: &mut Resolver<'_>,
    scope_of: &dyn Fn(&ProjectFile) -> FileScope,
    class_family: &FxHashMap<Origin, usize>,
    family_keys: &FxHashMap<String, usize>,
) -> Vec<FactoryFinding> {
    let project: &Project = resolver.project();
    let modules = &project.modules;
    let mut found = Vec::new();
    for (file_id, file) in project.files.iter().enumerate() {
        if scope_of(file) != FileScope::Production {
            continue;
        }
        let Some(module) = modules.module_of_file(file_id as FileId) else {
            continue;
        };
        let module_name = modules.module(module).name.as_str();
        if modules.module(module).file != Some(file_id as FileId)
            || is_vendored(module_name)
            || is_vendored_path(&file.path)
        {
            continue;
        }
        for (index, definition) in file.facts.definitions.iter().enumerate() {
            if !definition.module_level || definition.qualname != definition.name {
                continue;
            }
            let origin = Origin {
                file: file_id as FileId,
                definition: index as u32,
            };
            let symbol = format!("{module_name}:{}", definition.name);
            match definition.kind {
                DefinitionKind::Function => {
                    let Some(function) = &definition.function else {
                        continue;
                    };
                    // Only a function whose name says it builds or hands out something.
                    let Some(named) = name_key(&definition.name) else {
                        continue;
                    };
                    let mut family = None;
                    let mut evidence = Vec::new();
                    let mut role = named.1;
                    let mut returns_global = false;
                    // By body: returns a member's instance, or a module global (a cached one).
                    for returned in &function.returns {
                        match resolver.resolve_dotted(module, returned) {
                            Some(Resolution::Definition(target)) => {
                                if let Some(&root) = class_family.get(&target) {
                                    family.get_or_insert(root);
                                    evidence.push(Evidence::Returns(returned.to_string()));
                                } else if project.file(target.file).facts.definitions
                                    [target.definition as usize]
                                    .kind
                                    == DefinitionKind::Variable
                                {
                                    role = MemberRole::Accessor;
                                    returns_global = true;
                                }
                            }
                            _ => continue,
                        }
                    }
                    // A `get_...` that hands back a fresh instance and never a module global
                    // is a factory: an accessor returns one shared instance.
                    if role == MemberRole::Accessor && !returns_global && !evidence.is_empty() {
                        role = MemberRole::Factory;
                    }
                    if family.is_none() && !named.0.is_empty() {
                        if let Some(&root) = family_keys.get(&named.0) {
                            family = Some(root);
                            evidence.push(Evidence::FunctionName(named.0.clone()));
                        }
                    }
                    let Some(family) = family else { continue };
                    found.push(FactoryFinding {
                        family,
                        symbol,
                        origin,
                        role,
                        evidence,
                        signature: Some((
                            function.is_async,
                            function
                                .params
                                .clone()
                                .into_iter()
                                .map(Into::into)
                                .collect(),
                        )),
                    });
                }
                DefinitionKind::Class => {
                    if !["Factory", "Provider", "Builder"]
                        .iter()
                        .any(|suffix| definition.name.ends_with(suffix))
                    {
                        continue;
                    }
                    let mut words = split_words(&definition.name);
                    if !matches!(
                        words.last().map(String::as_str),
                        Some("factory" | "provider" | "builder")
                    ) {
                        continue;
                    }
                    words.pop();
                    let key: String = words
                        .iter()
                        .filter(|word| !DECORATION_WORDS.contains(&word.as_str()))
                        .map(String::as_str)
                        .collect();
                    if let Some(&family) = family_keys.get(&key) {
                        found.push(FactoryFinding {
                            family,
                            symbol,
                            origin,
                            role: MemberRole::Factory,
                            evidence: vec![Evidence::FunctionName(key)],
                            signature: None,
                        });
                    }
                }
                DefinitionKind::Variable => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_factories_and_accessors() {
        let key = |name: &str| name_key(name).map(|(key, role)| (key, role.as_str()));
        assert_eq!(
            key("create_websocket_manager"),
            Some(("websocketmanager".into(), "factory"))
        );
        assert_eq!(
            key("get_websocket_manager"),
            Some(("websocketmanager".into(), "accessor"))
        );
        assert_eq!(
            key("websocket_manager_factory"),
            Some(("websocketmanager".into(), "factory"))
        );
        assert_eq!(
            key("get_manager_instance"),
            Some((String::new(), "accessor")),
            "one word is too generic to name a family"
        );
        assert_eq!(
            key("get_session_manager_instance"),
            Some(("sessionmanager".into(), "accessor"))
        );
        assert_eq!(key("send_message"), None);
        assert_eq!(key("create"), None);
    }
}
