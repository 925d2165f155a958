//! Running the rules in parts, for a front end that keeps findings between edits (the editor
//! server's warm session): some rules now and their raw findings kept, others later, and the
//! per-file steps (per-file ignores, suppression comments, SSOT900, fingerprints) applied to
//! the files whose findings were recomputed only.
//!
//! [`run_raw`] followed by [`finish`] over every file gives exactly what
//! [`crate::run_rules_with`] gives: the per-file steps only ever look at the diagnostics and
//! suppressions of one file at a time.

use rustc_hash::FxHashSet;

use crate::registry::{Rule, RuleSelection};
use crate::{diagnostic, rules, suppression, CheckContext, Diagnostic};

/// The diagnostics of the selected rules among `rules`, before per-file ignores and
/// suppression comments (SSOT900 is never among them: [`finish`] reports it).
pub fn run_raw(
    context: &CheckContext<'_>,
    selection: &RuleSelection,
    rules: &[Rule],
) -> Vec<Diagnostic> {
    crate::run_each(context, &|rule| {
        rules.contains(&rule) && selection.is_selected(rule)
    })
}

/// The per-file steps of a run over the raw diagnostics of every rule in the files of
/// `paths` (`None`: every file): drops the rules `ignored_in_file`, applies suppression
/// comments, reports unused suppressions of those files (SSOT900, when selected) and assigns
/// fingerprints. Diagnostics outside `paths` are dropped. Returned sorted.
pub fn finish(
    context: &CheckContext<'_>,
    selection: &RuleSelection,
    ignored_in_file: &dyn Fn(&str, Rule) -> bool,
    mut diagnostics: Vec<Diagnostic>,
    paths: Option<&FxHashSet<&str>>,
) -> Vec<Diagnostic> {
    let wanted = |path: &str| paths.is_none_or(|paths| paths.contains(path));
    diagnostics.retain(|d| wanted(&d.path) && !ignored_in_file(&d.path, d.rule));
    let usage = suppression::apply_suppressions(context.project, &mut diagnostics);
    if selection.is_selected(Rule::UnusedSuppression) {
        let ran =
            |path: &str, rule: Rule| selection.is_selected(rule) && !ignored_in_file(path, rule);
        let mut unused = Vec::new();
        rules::unused_suppression::check(context.project, &usage, &ran, &mut unused);
        unused.retain(|d| wanted(&d.path) && !ignored_in_file(&d.path, d.rule));
        diagnostics.extend(unused);
    }
    diagnostic::assign_fingerprints(&mut diagnostics);
    diagnostics.sort_by(Diagnostic::sort_key_cmp);
    diagnostics
}
