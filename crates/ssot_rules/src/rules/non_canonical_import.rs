//! SSOT101 non-canonical-import.

use ssot_index::Resolution;

use super::at_reference;
use crate::registry::Rule;
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# non-canonical-import (SSOT101)

## What it does
Reports an import that reaches a concept's canonical object through any path other than the
declared canonical one: a legacy module, a compatibility shim, a package `__init__`, a private
defining module, an alias. `import M` followed by `M.Name` counts as the path `M:Name`.

## Why is this bad?
Every extra path is a place where the concept can silently fork: a module that re-exports
today may define its own copy tomorrow, and when the path stops resolving the import breaks
(or, inside `try/except ImportError`, silently falls back). One path makes every use easy
to find, and migrations measurable.

## Example
```toml
[tool.ssot.concepts.websocket-manager]
canonical = \"app.websocket_core.unified_manager:UnifiedWebSocketManager\"
```
```python
from app.websocket_core.manager import WebSocketManager
```

## Use instead
```python
from app.websocket_core.unified_manager import UnifiedWebSocketManager as WebSocketManager
```

## Fix safety
`ssot fix` rewrites the import to the canonical path, keeping the local name (`from canonical
import Real as Local`), splitting a statement when only some of its names move and merging into
an earlier import of the canonical module when that cannot change what a name holds. The fix is
safe: every file is re-parsed and the whole project re-resolved before anything is written, and a
file where any binding would reach another object keeps its bytes. Two forms are unsafe (applied
only with `--unsafe-fixes`): a statement with a comment inside it (the comment is kept, but may
end up beside other names), and `import legacy` used as `legacy.Name`, rewritten to the canonical
module only when the module name is used for nothing else, which stops importing the legacy
module (and its import-time side effects).
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    for reference in context.references {
        let Resolution::Definition(origin) = reference.resolution else {
            continue;
        };
        for concept in context.concepts {
            if origin != concept.canonical {
                continue;
            }
            let path = reference.path.to_string();
            if path == concept.canonical_path
                || concept.is_sanctioned_re_export(context.project, reference)
            {
                continue;
            }
            let legacy = if concept.shims.contains(&reference.path.module) {
                " (a declared legacy shim)"
            } else {
                ""
            };
            let mut diagnostic = at_reference(
                Rule::NonCanonicalImport,
                context,
                reference,
                format!(
                    "non-canonical path `{path}`{legacy} to `{}` (concept `{}`)",
                    concept.canonical_path, concept.name
                ),
            );
            diagnostic.concept = Some(concept.name.clone());
            diagnostic.symbol = Some(concept.canonical_path.clone());
            out.push(diagnostic);
        }
    }
}
