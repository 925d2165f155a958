//! ssot's rules: what `ssot check` reports, read from the index, never from the disk.
//!
//! - [`registry`]: every rule's code, name and documentation (`ssot explain`), and selection;
//! - [`concepts`]: declared concepts resolved to origins, and the one compliance formula;
//! - [`rules`]: one file per rule, each a check function over a [`CheckContext`];
//! - [`diagnostic`]: what a rule produces, with a fingerprint that survives line shifts.
//!
//! Diagnostics are returned sorted (path, line, column, code, message), so output does not
//! depend on thread count or hash order.

pub mod concepts;
pub mod diagnostic;
pub mod registry;
pub mod rules;

pub use concepts::{
    resolve_concepts, Compliance, ConceptDeclaration, ConceptError, ConceptReport, ResolvedConcept,
};
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix};
pub use registry::{Rule, RuleSelection, RULES};

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
    let mut diagnostics = Vec::new();
    for info in RULES {
        if selection.is_selected(info.rule) {
            rules::check(info.rule, context, &mut diagnostics);
        }
    }
    diagnostic::assign_fingerprints(&mut diagnostics);
    diagnostics.sort_by(Diagnostic::sort_key_cmp);
    diagnostics
}
