//! Factories to merge: functions (and factory classes) that build a declared concept's
//! canonical class or one of its competing definitions, other than the concept's declared
//! `factory`. `ssot scan`'s discovery finds factories of the families it proposes; the same
//! rules ([`ssot_index::family_factories`]) run here on the families the configuration
//! declares.

use ssot_index::concept_discovery::MemberRole;
use ssot_index::family_factories::{factories_of_families, FactoryFamily};
use ssot_index::{Project, Resolver};
use ssot_rules::ResolvedConcept;

/// A factory of a declared concept that is not its declared `factory`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompetingFactory {
    /// The concept's name.
    pub concept: String,
    /// `module:name`.
    pub symbol: String,
    /// Root-relative path and line of its definition.
    pub path: String,
    pub line: u32,
    /// The critical-path tier of its file, or `None`.
    pub tier: Option<String>,
    /// Why it counts as the concept's factory, for a person.
    pub evidence: String,
}

/// The factories of `concepts` to merge into their declared factories, in concept then
/// definition order: only production code, only builders (accessors that hand out a shared
/// instance are the security phase's), never a concept's declared factory or accessors, and
/// only in the files `in_targets` accepts.
pub fn competing_factories(
    project: &Project,
    concepts: &[ResolvedConcept],
    scope_of: &dyn Fn(&ssot_index::ProjectFile) -> ssot_index::concept_discovery::FileScope,
    in_targets: &dyn Fn(&str) -> bool,
    tier_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<CompetingFactory> {
    let families: Vec<FactoryFamily> = concepts
        .iter()
        .map(|concept| {
            let classes: Vec<_> = concept.classes().collect();
            let mut names: Vec<String> = classes
                .iter()
                .map(|origin| {
                    project.file(origin.file).facts.definitions[origin.definition as usize]
                        .name
                        .to_string()
                })
                .collect();
            // Declared symbols may name an alias of the class (`UnifiedWebSocketManager`).
            names.extend(
                std::iter::once(concept.canonical_path.as_str())
                    .chain(concept.members.iter().map(|(symbol, _)| symbol.as_str()))
                    .filter_map(|symbol| symbol.rsplit_once(':'))
                    .map(|(_, name)| name.rsplit('.').next().unwrap_or(name).to_string()),
            );
            names.sort();
            names.dedup();
            FactoryFamily { classes, names }
        })
        .collect();
    let mut resolver = Resolver::new(project);
    let mut found: Vec<CompetingFactory> =
        factories_of_families(&mut resolver, scope_of, &families)
            .into_iter()
            .filter(|factory| factory.role == MemberRole::Factory)
            .filter(|factory| {
                let concept = &concepts[factory.family];
                let declared = concept
                    .factory
                    .iter()
                    .chain(&concept.accessors)
                    .any(|callable| callable.origin == factory.origin);
                !declared
            })
            .filter_map(|factory| {
                let file = project.file(factory.origin.file);
                if !in_targets(&file.path) {
                    return None;
                }
                let definition = &file.facts.definitions[factory.origin.definition as usize];
                let evidence = factory
                    .evidence
                    .iter()
                    .map(|e| e.describe())
                    .collect::<Vec<_>>()
                    .join(", ");
                Some(CompetingFactory {
                    concept: concepts[factory.family].name.clone(),
                    symbol: factory.symbol,
                    path: file.path.clone(),
                    line: definition.position.line,
                    tier: tier_of(&file.path),
                    evidence,
                })
            })
            .collect();
    found.sort_by(|a, b| {
        (&a.concept, &a.path, a.line, &a.symbol).cmp(&(&b.concept, &b.path, b.line, &b.symbol))
    });
    found
}
