//! SSOT103 dangling-import.

use ssot_index::{DanglingReason, Resolution};

use super::at_reference;
use crate::registry::Rule;
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# dangling-import (SSOT103)

## What it does
Reports a first-party import that leads nowhere: the module exists but does not bind the
name, the module does not exist, or a relative import climbs above its top-level package. It
fires without any concept declared, and also inside `try: ... except ImportError:`, where
such imports fail silently and the fallback runs forever.

## Why is this bad?
A dangling import either crashes at import time or, guarded by `except ImportError`, hides a
path that stopped working long ago: the code that was meant to run never does, and the
guard makes the dead path look alive to every reader.

## Example
```python
try:
    from app.websocket_core.manager import ConnectionRegistry   # manager no longer binds it
except ImportError:
    ConnectionRegistry = None
```

## Use instead
```python
from app.websocket_core.registry import ConnectionRegistry
```
or delete the dead branch.
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    for reference in context.references {
        let message = match &reference.resolution {
            Resolution::Dangling {
                reason,
                module,
                name,
            } => {
                let target = match name {
                    Some(name) => format!("{module}:{name}"),
                    None => module.clone(),
                };
                let why = match reason {
                    DanglingReason::NotBound => format!(
                        "`{module}` does not bind `{}`",
                        name.as_deref().unwrap_or("")
                    ),
                    DanglingReason::MissingModule => format!("module `{module}` does not exist"),
                };
                let through = if target == reference.path.to_string() {
                    String::new()
                } else {
                    format!(" (the re-export chain breaks at `{target}`)")
                };
                let guarded = if reference.context.guarded_by_import_error {
                    format!(
                        "; the surrounding `{}` hides it",
                        reference.context.import_error_handler.as_str()
                    )
                } else {
                    String::new()
                };
                format!(
                    "`{}` leads nowhere: {why}{through}{guarded}",
                    reference.path
                )
            }
            Resolution::BeyondTopLevel => format!(
                "`{}`: the relative import climbs above the top-level package",
                reference.path
            ),
            _ => continue,
        };
        let mut diagnostic = at_reference(Rule::DanglingImport, context, reference, message);
        diagnostic.symbol = Some(reference.path.to_string());
        out.push(diagnostic);
    }
}
