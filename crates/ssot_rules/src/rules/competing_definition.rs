//! SSOT201 competing-definition.

use ssot_index::census::origin_path;

use crate::registry::Rule;
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# competing-definition (SSOT201)

## What it does
Reports each declared competing definition of a concept (a `members` entry): a class or
function that implements the same idea as the canonical one, outside the canonical module.

## Why is this bad?
Two implementations of one concept drift apart: fixes land in one, callers pick either, and
tests of one say nothing about the other. Each report is a step of the retirement plan.

## Example
```python
# app/websocket_core/simple.py
class SimpleWebSocketManager:
    ...
```

## Use instead
Move the callers to the canonical class, then delete the competing one (or make it a thin
subclass while callers migrate).
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    for concept in context.concepts {
        for (symbol, origin) in &concept.members {
            let file = context.project.file(origin.file);
            let definition = &file.facts.definitions[origin.definition as usize];
            let mut diagnostic = Diagnostic::new(
                Rule::CompetingDefinition,
                &file.path,
                definition.span,
                definition.position,
                format!(
                    "`{}` competes with `{}` (canonical for concept `{}`)",
                    origin_path(context.project, *origin),
                    concept.canonical_path,
                    concept.name
                ),
            );
            diagnostic.concept = Some(concept.name.clone());
            diagnostic.symbol = Some(symbol.clone());
            out.push(diagnostic);
        }
    }
}
