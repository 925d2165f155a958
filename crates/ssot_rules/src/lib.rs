//! ssot's rules: what `ssot check` reports, read from the index, never from the disk.
//!
//! - [`registry`]: every rule's code, name and documentation (`ssot explain`), and selection;
//! - [`concepts`]: declared concepts resolved to origins, and the one compliance formula;
//! - [`rules`]: one file per rule, each a check function over a [`CheckContext`];
//! - [`diagnostic`]: what a rule produces, with a fingerprint that survives line shifts;
//! - `suppression`: `# ssot: ignore[...]` comments applied to diagnostics (SSOT900 reports the
//!   unused ones);
//! - [`baseline`]: the ratchet file of known violations, matched by fingerprint.
//!
//! Diagnostics are returned sorted (path, line, column, code, message), so output does not
//! depend on thread count or hash order.

pub mod baseline;
pub mod call_sites;
mod concept;
pub mod concepts;
pub mod diagnostic;
pub mod partial;
pub mod registry;
pub mod rules;
mod suppression;
mod symbols;

pub use baseline::{Baseline, BaselineComparison, BaselineEntry, BaselineError};
pub use concepts::{
    resolve_concepts, Compliance, ConceptDeclaration, ConceptError, ConceptReport,
    DeclaredCallable, ResolvedConcept,
};
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix};
pub use registry::{Rule, RuleSelection, RULES};

use rayon::prelude::*;
use ssot_index::{Project, Reference};

/// Everything the rules read.
pub struct CheckContext<'a> {
    pub project: &'a Project,
    /// Every first-party reference, in file order.
    pub references: &'a [Reference],
    pub concepts: &'a [ResolvedConcept],
    /// Files that could not be analysed: (path, message), for SSOT002.
    pub unreadable: &'a [(String, String)],
}

/// Runs every selected rule and returns the diagnostics sorted.
pub fn run_rules(context: &CheckContext<'_>, selection: &RuleSelection) -> Vec<Diagnostic> {
    run_rules_with(context, selection, &|_, _| false)
}

/// The raw diagnostics of the rules `run` accepts. Rules are independent: they run in
/// parallel, and their results join in registry order.
pub(crate) fn run_each(
    context: &CheckContext<'_>,
    run: &(dyn Fn(Rule) -> bool + Sync),
) -> Vec<Diagnostic> {
    RULES
        .par_iter()
        .filter(|info| run(info.rule))
        .map(|info| {
            let mut found = Vec::new();
            rules::check(info.rule, context, &mut found);
            found
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

/// Runs every selected rule, drops diagnostics of rules `ignored_in_file(path, rule)` (the
/// configured per-file ignores), applies suppression comments, then reports unused
/// suppressions (SSOT900, when selected), and returns the diagnostics with their fingerprints,
/// sorted.
pub fn run_rules_with(
    context: &CheckContext<'_>,
    selection: &RuleSelection,
    ignored_in_file: &dyn Fn(&str, Rule) -> bool,
) -> Vec<Diagnostic> {
    let mut diagnostics = run_each(context, &|rule| selection.is_selected(rule));
    diagnostics.retain(|d| !ignored_in_file(&d.path, d.rule));
    let usage = suppression::apply_suppressions(context.project, &mut diagnostics);
    if selection.is_selected(Rule::UnusedSuppression) {
        let ran =
            |path: &str, rule: Rule| selection.is_selected(rule) && !ignored_in_file(path, rule);
        let mut unused = Vec::new();
        rules::unused_suppression::check(context.project, &usage, &ran, &mut unused);
        unused.retain(|d| !ignored_in_file(&d.path, d.rule));
        diagnostics.extend(unused);
    }
    diagnostic::assign_fingerprints(&mut diagnostics);
    diagnostics.sort_by(Diagnostic::sort_key_cmp);
    diagnostics
}
