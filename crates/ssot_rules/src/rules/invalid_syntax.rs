//! SSOT001 invalid-syntax.

use crate::registry::Rule;
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# invalid-syntax (SSOT001)

## What it does
Reports a file that does not parse as Python 3. The facts the parser can recover (imports and
definitions before and after the error) are still indexed, so one broken file does not hide the
rest of the project, but ssot never rewrites such a file.

## Why is this bad?
A file that does not parse cannot be imported, and every import it makes is invisible to
tools that need a syntax tree. It is often a leftover (Python 2 code, a template, a merge
conflict) that nobody runs.

## Example
```python
print \"migrated\"
```

## Use instead
```python
print(\"migrated\")
```
or exclude the file (`extend-exclude`) when it is not Python source.
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    for file in &context.project.files {
        for error in &file.facts.syntax_errors {
            let mut diagnostic = Diagnostic::new(
                Rule::InvalidSyntax,
                &file.path,
                error.span,
                error.position,
                format!("syntax error: {}", error.message),
            );
            diagnostic.end = diagnostic.start;
            out.push(diagnostic);
        }
    }
}
