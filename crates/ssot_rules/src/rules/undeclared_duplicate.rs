//! SSOT204 undeclared-duplicate.

use std::collections::BTreeSet;

use ssot_index::census::origin_path;
use ssot_index::concept_discovery::{discover_concepts, MemberRole};
use ssot_index::{Origin, Resolver};

use crate::registry::Rule;
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# undeclared-duplicate (SSOT204)

## What it does
Reports a production definition that concept discovery (`ssot scan`) places in a declared
concept's family but that the configuration does not declare: not the canonical, not one of
its `members`, not listed in the concept's `allow`. Subclasses of a member, wrappers (SSOT202)
and test doubles (SSOT401) are judged by their own rules. The message names the canonical it
duplicates and the evidence (equal name stems, similar methods or fields, an alias name).

## Why is this bad?
A concept was consolidated and declared; then somebody wrote a new copy of it, often without
knowing the canonical exists. Nothing else notices: the copy has no callers yet, so no import
rule fires. With a baseline, CI fails the day the copy lands, while it is still cheap to fold
back in.

## Example
```toml
[tool.ssot.concepts.session-manager]
canonical = \"app.sessions:SessionManager\"
```
```python
# app/realtime/sessions.py, added later
class SessionManagerV2:
    def connect(self, user): ...
    def send(self, user, message): ...
```

## Use instead
Use the canonical class (extend it if it lacks something). When the new class is a different
idea that only looks alike, list it in the concept's `allow = [\"app.realtime.sessions:SessionManagerV2\"]`;
when it is a copy to retire later, add it to `members`.
";

/// A definition in the module of a declared one where either sits under a condition (`if
/// TYPE_CHECKING:` / `else:`, `try` / `except ImportError`, a version guard): the module picks
/// one of them at run time, or one is for type checkers. It is the declared definition's
/// alternative, not a new copy.
fn is_alternative_of_declared(
    context: &CheckContext<'_>,
    declared: &BTreeSet<Origin>,
    origin: Origin,
) -> bool {
    let file = context.project.file(origin.file);
    let conditional = |definition: u32| {
        let c = &file.facts.definitions[definition as usize].context;
        c.type_checking || c.conditional || c.guarded_by_import_error || c.in_except_handler
    };
    declared
        .iter()
        .filter(|d| d.file == origin.file && d.definition != origin.definition)
        .any(|d| conditional(origin.definition) || conditional(d.definition))
}

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    if context.concepts.is_empty() {
        return;
    }
    let mut resolver = Resolver::new(context.project);
    let candidates = discover_concepts(&mut resolver, context.references);
    for concept in context.concepts {
        let declared: BTreeSet<Origin> = std::iter::once(concept.canonical)
            .chain(concept.members.iter().map(|(_, origin)| *origin))
            .chain(concept.allow.iter().map(|(_, origin)| *origin))
            .collect();
        let mut reported = BTreeSet::new();
        for candidate in candidates
            .iter()
            .filter(|c| declared.iter().any(|&origin| c.contains(origin)))
        {
            for member in &candidate.members {
                let copy = matches!(
                    member.role,
                    MemberRole::Canonical | MemberRole::Definition | MemberRole::ProductionDouble
                );
                if !copy
                    || !member.in_production
                    || declared.contains(&member.origin)
                    || is_alternative_of_declared(context, &declared, member.origin)
                    || !reported.insert(member.origin)
                {
                    continue;
                }
                let file = context.project.file(member.origin.file);
                let definition = &file.facts.definitions[member.origin.definition as usize];
                let evidence: Vec<String> = member.evidence.iter().map(|e| e.describe()).collect();
                let mut diagnostic = Diagnostic::new(
                    Rule::UndeclaredDuplicate,
                    &file.path,
                    definition.span,
                    definition.position,
                    format!(
                        "`{}` looks like a new copy of `{}` (canonical for concept `{}`), which the \
                         configuration does not declare{}; use the canonical, or list it in the \
                         concept's `members` or `allow`",
                        origin_path(context.project, member.origin),
                        concept.canonical_path,
                        concept.name,
                        if evidence.is_empty() {
                            String::new()
                        } else {
                            format!(" (evidence: {})", evidence.join("; "))
                        }
                    ),
                );
                diagnostic.concept = Some(concept.name.clone());
                diagnostic.symbol = Some(origin_path(context.project, member.origin));
                out.push(diagnostic);
            }
        }
    }
}
