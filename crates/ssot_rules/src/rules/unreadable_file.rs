//! SSOT002 unreadable-file.

use ssot_facts::{Position, Span};

use crate::registry::Rule;
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# unreadable-file (SSOT002)

## What it does
Reports a file ssot could not analyse: an I/O error (permissions, a broken symbolic link, a
symbolic-link loop), bytes that are not valid in the file's encoding, or a file larger than
`max-file-size`. The run goes on without it.

## Why is this bad?
Whatever the file imports or defines is missing from the analysis, so counts and compliance
figures are computed without it.

## Example
A file saved as Latin-1 without a coding cookie:
```python
name = 'caf\\xe9'   # the byte 0xE9 is not UTF-8
```

## Use instead
```python
# -*- coding: latin-1 -*-
name = 'caf\\xe9'
```
or re-save the file as UTF-8, fix its permissions, or exclude it.
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    for (path, message) in context.unreadable {
        out.push(Diagnostic::new(
            Rule::UnreadableFile,
            path,
            Span::default(),
            Position { line: 1, column: 1 },
            message.clone(),
        ));
    }
}
