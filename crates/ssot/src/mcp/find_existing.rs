//! `ssot_find_existing {name, kind?, methods?}`: the definitions a proposed class or function
//! would duplicate, ranked, with their canonical paths and reference counts.
//!
//! The evidence is concept discovery's: equal name stems ([`NameStem`]), names like an alias
//! of a family member, similar public method sets, and factory or accessor names that name a
//! family's stem ([`factory_name_key`]); a match that belongs to a declared concept or a
//! discovered family brings the family's canonical and factories along.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use ssot_facts::DefinitionKind;
use ssot_index::census::origin_path;
use ssot_index::concept_discovery::{is_vendored, is_vendored_path, MemberRole};
use ssot_index::concept_factories::factory_name_key;
use ssot_index::concept_names::NameStem;
use ssot_index::modules::is_identifier;
use ssot_index::{FileId, Origin};

use super::canonical::{canonical_path, import_line};
use super::tools::{string_argument, ToolAnswer};
use super::warm::WarmProject;

/// Most matches an answer lists.
const MAX_MATCHES: usize = 15;
/// Public methods alike at least this much (Jaccard, percent) count as overlap.
const METHOD_OVERLAP_PERCENT: u32 = 50;
/// An existing class with at least this share (percent) of the proposed public methods
/// counts as overlap however many more it has.
const METHOD_COVERAGE_PERCENT: u32 = 75;

/// A top-level class or function of an importable, non-vendored module, with what matching
/// reads of its name computed once.
pub struct IndexedDefinition {
    pub origin: Origin,
    /// [`NameStem::key`] of its name.
    pub stem_key: String,
    /// The family stem its name names as a factory or accessor ([`factory_name_key`]).
    pub factory_key: Option<String>,
}

/// Every definition a proposed one could duplicate, indexed once per load.
pub fn index_definitions(project: &ssot_index::Project) -> Vec<IndexedDefinition> {
    let mut indexed = Vec::new();
    for (file_id, file) in project.files.iter().enumerate() {
        let file_id = file_id as FileId;
        let Some(module) = project.modules.module_of_file(file_id) else {
            continue;
        };
        if project.modules.module(module).file != Some(file_id)
            || is_vendored(&project.modules.module(module).name)
            || is_vendored_path(&file.path)
        {
            continue;
        }
        for (index, definition) in file.facts.definitions.iter().enumerate() {
            if !definition.module_level
                || definition.qualname.contains('.')
                || definition.kind == DefinitionKind::Variable
            {
                continue;
            }
            indexed.push(IndexedDefinition {
                origin: Origin {
                    file: file_id,
                    definition: index as u32,
                },
                stem_key: NameStem::of(&definition.name).key(),
                factory_key: (definition.kind == DefinitionKind::Function)
                    .then(|| factory_name_key(&definition.name))
                    .flatten()
                    .map(|(key, _)| key)
                    .filter(|key| !key.is_empty()),
            });
        }
    }
    indexed
}

/// One existing definition and why it matches.
struct Match {
    origin: Origin,
    score: u32,
    evidence: BTreeSet<String>,
}

pub fn call(warm: &WarmProject, arguments: &Value) -> Result<ToolAnswer, String> {
    let name = string_argument(arguments, "name")?.trim().to_string();
    if !is_identifier(&name) {
        return Err(format!(
            "`name` must be a Python identifier like `WebSocketManager`, got `{name}`"
        ));
    }
    let kind = match arguments.get("kind") {
        None | Some(Value::Null) => None,
        Some(Value::String(kind)) if kind == "class" => Some(DefinitionKind::Class),
        Some(Value::String(kind)) if kind == "function" => Some(DefinitionKind::Function),
        Some(other) => {
            return Err(format!(
                "`kind` must be \"class\" or \"function\", got {other}"
            ))
        }
    };
    let methods: BTreeSet<String> = match arguments.get("methods") {
        None | Some(Value::Null) => BTreeSet::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(method) if is_identifier(method) => Ok(method.clone()),
                other => Err(format!(
                    "`methods` must be a list of method names, got {other}"
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "`methods` must be a list of method names, got {other}"
            ))
        }
    };
    let public_methods: BTreeSet<&str> = methods
        .iter()
        .map(String::as_str)
        .filter(|m| !m.starts_with('_'))
        .collect();
    let matches = find(warm, &name, kind, &public_methods);
    Ok(answer(warm, &name, matches))
}

fn find(
    warm: &WarmProject,
    name: &str,
    kind: Option<DefinitionKind>,
    methods: &BTreeSet<&str>,
) -> Vec<Match> {
    let project = warm.project();
    let stem = NameStem::of(name);
    let stem_key = stem.key();
    // A proposed function (or a name like one) may be a factory or accessor of a family.
    let factory = (kind != Some(DefinitionKind::Class))
        .then(|| factory_name_key(name))
        .flatten()
        .filter(|(key, _)| !key.is_empty());
    let mut found: BTreeMap<Origin, Match> = BTreeMap::new();
    for indexed in &warm.derived().definitions {
        let origin = indexed.origin;
        let definition = &project.file(origin.file).facts.definitions[origin.definition as usize];
        if definition.name == name {
            add(&mut found, origin, 100, format!("same name `{name}`"));
        }
        if !stem_key.is_empty() && indexed.stem_key == stem_key {
            // A generic one-word stem (`Config`) alone says less than a specific one.
            let score = if stem.is_specific() { 90 } else { 60 };
            add(
                &mut found,
                origin,
                score,
                format!("same name stem `{}`", stem.kebab()),
            );
        }
        if let Some((key, _)) = &factory {
            if definition.kind == DefinitionKind::Class && indexed.stem_key == *key {
                add(
                    &mut found,
                    origin,
                    85,
                    format!("`{name}` would build or hand out this class"),
                );
            }
            if definition.kind == DefinitionKind::Function
                && indexed.factory_key.as_deref() == Some(key.as_str())
            {
                // A function proposed where one of its family exists is the closer copy.
                add(
                    &mut found,
                    origin,
                    96,
                    format!(
                        "a factory or accessor of the same family (`{}`)",
                        definition.name
                    ),
                );
            }
        }
        if !methods.is_empty() {
            if let Some(class) = &definition.class {
                let theirs: BTreeSet<&str> = class
                    .methods
                    .iter()
                    .map(|m| m.name.as_str())
                    .filter(|m| !m.starts_with('_'))
                    .collect();
                let shared = theirs.intersection(methods).count();
                let union = theirs.union(methods).count();
                let alike = (shared * 100).checked_div(union).unwrap_or(0) as u32;
                // A new class usually lists a few methods of a big one: how many of the
                // proposed methods exist already counts as much as how alike the sets are.
                let covered = (shared * 100).checked_div(methods.len()).unwrap_or(0) as u32;
                // Alike sets say more than a few common names (`get`, `close`) do.
                let score = if shared >= 2 && alike >= METHOD_OVERLAP_PERCENT {
                    Some(40 + alike / 2)
                } else if shared >= 3 && covered >= METHOD_COVERAGE_PERCENT {
                    Some(30 + covered / 5)
                } else {
                    None
                };
                if let Some(score) = score {
                    add(
                        &mut found,
                        origin,
                        score,
                        format!(
                            "has {shared} of the {} proposed public methods (sets {alike}% alike)",
                            methods.len()
                        ),
                    );
                }
            }
        }
    }
    // Aliases of a family's members (`UnifiedWebSocketManager = _Impl`) name what they alias.
    for candidate in &warm.derived().candidates {
        for member in &candidate.members {
            let alias_name = member.symbol.rsplit(':').next().unwrap_or_default();
            if member.role == MemberRole::Alias
                && !stem_key.is_empty()
                && NameStem::of(alias_name).key() == stem_key
            {
                add(
                    &mut found,
                    member.origin,
                    90,
                    format!("re-bound as `{}`", member.symbol),
                );
            }
        }
    }
    // A match in a family brings the family's canonical and its factories.
    let matched: Vec<Origin> = found.keys().copied().collect();
    for origin in matched {
        if let Some(concept) = warm.declared_concept(origin) {
            add(
                &mut found,
                concept.canonical,
                95,
                format!("canonical of the declared concept `{}`", concept.name),
            );
            if let Some(declared) = &concept.factory {
                // The sanctioned constructor is the answer to a proposed factory.
                let score = if factory.is_some() { 98 } else { 80 };
                add(
                    &mut found,
                    declared.origin,
                    score,
                    format!("the declared factory of the concept `{}`", concept.name),
                );
            }
        }
        if let Some(candidate) = warm.candidate_of(origin) {
            add(
                &mut found,
                candidate.canonical_origin,
                80,
                format!(
                    "proposed canonical of the discovered concept `{}`",
                    candidate.name
                ),
            );
            for member in &candidate.members {
                if matches!(member.role, MemberRole::Factory | MemberRole::Accessor) {
                    add(
                        &mut found,
                        member.origin,
                        60,
                        format!(
                            "{} of the discovered concept `{}`",
                            member.role.as_str(),
                            candidate.name
                        ),
                    );
                }
            }
        }
    }
    let mut matches: Vec<Match> = found.into_values().collect();
    let references = |origin: Origin| warm.references(origin);
    matches.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| references(b.origin).cmp(&references(a.origin)))
            .then_with(|| a.origin.cmp(&b.origin))
    });
    matches
}

fn add(found: &mut BTreeMap<Origin, Match>, origin: Origin, score: u32, evidence: String) {
    let entry = found.entry(origin).or_insert(Match {
        origin,
        score: 0,
        evidence: BTreeSet::new(),
    });
    entry.score = entry.score.max(score);
    entry.evidence.insert(evidence);
}

fn answer(warm: &WarmProject, name: &str, mut matches: Vec<Match>) -> ToolAnswer {
    let project = warm.project();
    let total = matches.len();
    matches.truncate(MAX_MATCHES);
    let listed: Vec<Value> = matches
        .iter()
        .map(|found| {
            let file = project.file(found.origin.file);
            let definition = &file.facts.definitions[found.origin.definition as usize];
            let (canonical, source) = match warm.declared_concept(found.origin) {
                // A competing definition's canonical is its concept's.
                Some(concept) => (concept.canonical_path.clone(), "declared-concept"),
                _ => {
                    let (path, source) = canonical_path(warm, found.origin);
                    (path, source.as_str())
                }
            };
            let concept = warm
                .declared_concept(found.origin)
                .map(|concept| {
                    json!({
                        "name": concept.name,
                        "declared": true,
                        "canonical": concept.canonical_path,
                        "is_canonical": concept.canonical == found.origin,
                    })
                })
                .or_else(|| {
                    warm.candidate_of(found.origin).map(|candidate| {
                        json!({
                            "name": candidate.name,
                            "declared": false,
                            "canonical": candidate.canonical,
                            "is_canonical": candidate.canonical_origin == found.origin,
                        })
                    })
                });
            json!({
                "symbol": origin_path(project, found.origin),
                "kind": definition.kind.as_str(),
                "defined_at": {"path": file.path, "line": definition.position.line},
                "canonical": canonical,
                "canonical_source": source,
                "import_line": import_line(&canonical),
                "references": warm.references(found.origin),
                "score": found.score,
                "evidence": found.evidence.iter().collect::<Vec<_>>(),
                "concept": concept,
            })
        })
        .collect();
    let text = match listed.first() {
        None => format!("Nothing in the project looks like `{name}`; writing it duplicates nothing ssot can see."),
        Some(best) => {
            let mut text = format!(
                "{total} existing definition(s) look like `{name}`. Best: `{}` (canonical `{}`, {} references) — reuse it with `{}` rather than writing a new one.",
                best["symbol"].as_str().unwrap_or_default(),
                best["canonical"].as_str().unwrap_or_default(),
                best["references"],
                best["import_line"].as_str().unwrap_or_default(),
            );
            for other in listed.iter().skip(1).take(4) {
                text.push_str(&format!(
                    "\n- `{}` (canonical `{}`, {} references)",
                    other["symbol"].as_str().unwrap_or_default(),
                    other["canonical"].as_str().unwrap_or_default(),
                    other["references"],
                ));
            }
            text
        }
    };
    ToolAnswer {
        text,
        structured: json!({
            "name": name,
            "total": total,
            "matches": listed,
        }),
    }
}
