//! SSOT102 competing-definition-import.

use ssot_index::Resolution;

use super::at_reference;
use crate::registry::Rule;
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# competing-definition-import (SSOT102)

## What it does
Reports an import of a competing definition of a declared concept: one of the concept's
`members`, a separate implementation that the canonical one is meant to replace.

## Why is this bad?
Code that uses the competing class does not get the canonical one's behaviour or fixes, and
every new use makes the retirement of the duplicate harder. Unlike a non-canonical path this
cannot be rewritten mechanically: the two classes behave differently.

## Example
```toml
[tool.ssot.concepts.websocket-manager]
canonical = \"app.websocket_core.unified_manager:UnifiedWebSocketManager\"
members = [\"app.websocket_core.simple:SimpleWebSocketManager\"]
```
```python
from app.websocket_core.simple import SimpleWebSocketManager
```

## Use instead
```python
from app.websocket_core.unified_manager import UnifiedWebSocketManager
```
and adapt the calls to the canonical interface.
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    for reference in context.references {
        let Resolution::Definition(origin) = reference.resolution else {
            continue;
        };
        for concept in context.concepts {
            let Some(member) = concept.member(origin) else {
                continue;
            };
            let mut diagnostic = at_reference(
                Rule::CompetingDefinitionImport,
                context,
                reference,
                format!(
                    "`{}` is a competing definition of concept `{}`; use `{}`",
                    reference.path, concept.name, concept.canonical_path
                ),
            );
            diagnostic.concept = Some(concept.name.clone());
            diagnostic.symbol = Some(member.to_string());
            out.push(diagnostic);
        }
    }
}
