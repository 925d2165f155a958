//! Unified diffs for `ssot fix --diff`.

use similar::TextDiff;

/// A unified diff of one file, `---`/`+++` headers naming `path`; empty when nothing changed.
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .missing_newline_hint(true)
        .to_string()
}
