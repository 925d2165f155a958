//! SSOT104 re-export-cycle.

use ssot_index::Resolution;

use super::at_reference;
use crate::registry::Rule;
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# re-export-cycle (SSOT104)

## What it does
Reports an import whose re-export chain loops back on itself, so that no module in the loop
defines the name.

## Why is this bad?
Python raises `ImportError` (\"cannot import name ... partially initialized module\") or binds
whatever a fallback provides; either way the name has no definition, and the loop usually
means a definition was deleted while its re-exports stayed.

## Example
```python
# pkg/a.py
from pkg.b import Manager
# pkg/b.py
from pkg.a import Manager
```

## Use instead
```python
# pkg/a.py
from pkg.core import Manager
```
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    for reference in context.references {
        if reference.resolution != Resolution::Cycle {
            continue;
        }
        let mut diagnostic = at_reference(
            Rule::ReExportCycle,
            context,
            reference,
            format!(
                "`{}` is re-exported in a loop: no module on the chain defines it",
                reference.path
            ),
        );
        diagnostic.symbol = Some(reference.path.to_string());
        out.push(diagnostic);
    }
}
