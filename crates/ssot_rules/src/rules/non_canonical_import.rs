//! SSOT101 non-canonical-import.

use ssot_index::{ImportTimeModel, Resolution};

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

Before a rewrite is written, an import-time model checks that the module it reads from has
bound the name when the statement runs. It follows what CPython does: importing `a.b.c` runs
`a/__init__`, then `a.b`, then `c`; a module body runs top to bottom; imports at module level
and in class bodies run at import time, imports in functions later, imports under
`if TYPE_CHECKING:` never; a module still initialising offers only the names bound before the
statement that led back into it. Under one top-level package, which runs first whatever is
imported, the order is simulated exactly; elsewhere any chain of imports back counts. A
rewrite that could read a partially initialised module is not written (\"would import `pkg` while `pkg` is still initialising (circular import)\"). Where
the model cannot know (the way back goes through an import under `if` or in an `except`
handler, the module binds the name only conditionally or at run time, or a module on the way
registers modules while its body runs: a module-level `sys.modules` write or import hook), the
rewrite is unsafe and says
why. So is a rewrite between a path that goes through a name bound by alternatives under a
condition (`if sys.platform == \"win32\": from ._win import Reader` / `else: from ._posix
import Reader`) and one that does not: resolution follows one branch, and on another platform
or Python version the two paths hold different objects.

## Canonical path inside its own package
When the canonical path goes through a package (`pkg:B`, re-exported by `pkg/__init__.py` from
`pkg/_b.py`) and a module that the package imports before it binds `B` reads it, going through
the package would be a circular import. For that module the canonical path is the defining
module's (`pkg._b:B`): it is not reported when it uses that path, it is told to use it when it
uses another one (the message names both paths), and both count as canonical for compliance.
Limits: a function called at module level runs its imports at import time, which the model
treats as deferred (so is a `sys.modules` write or an `importlib.util` load inside a
function); `exec`, `__import__` and `importlib.import_module` are not modelled; and outside
one top-level
package (or where an import under a condition makes its order unknown) the model assumes the
worst import order (a path back to the module is assumed taken), which can only keep an import
that was already there.
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    let mut model = ImportTimeModel::new(context.project);
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
            // Inside the package that re-exports the canonical object, the canonical path
            // can be circular: this module's canonical path is then the defining module's.
            let (canonical, why) = concept.path_for(context.project, &mut model, reference);
            if path == canonical {
                continue;
            }
            let why = why.map_or_else(String::new, |why| format!("; {why}"));
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
                    "non-canonical path `{path}`{legacy} to `{canonical}` (concept `{}`{why})",
                    concept.name
                ),
            );
            diagnostic.concept = Some(concept.name.clone());
            diagnostic.symbol = Some(canonical);
            out.push(diagnostic);
        }
    }
}
