//! One file per rule: its documentation (`DOC`) and its check function.

pub mod competing_definition;
pub mod competing_definition_import;
pub mod dangling_import;
pub mod delegating_wrapper;
pub mod interface_drift;
pub mod invalid_syntax;
pub mod module_level_instance;
pub mod non_canonical_import;
pub mod re_export_cycle;
pub mod shared_instance_accessor;
pub mod test_double_bypass;
pub mod undeclared_duplicate;
pub mod unreadable_file;
pub mod unused_suppression;

use ssot_index::Reference;

use crate::registry::Rule;
use crate::{CheckContext, Diagnostic};

/// Runs one rule.
pub(crate) fn check(rule: Rule, context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    match rule {
        Rule::InvalidSyntax => invalid_syntax::check(context, out),
        Rule::UnreadableFile => unreadable_file::check(context, out),
        Rule::NonCanonicalImport => non_canonical_import::check(context, out),
        Rule::CompetingDefinitionImport => competing_definition_import::check(context, out),
        Rule::DanglingImport => dangling_import::check(context, out),
        Rule::ReExportCycle => re_export_cycle::check(context, out),
        Rule::CompetingDefinition => competing_definition::check(context, out),
        Rule::DelegatingWrapper => delegating_wrapper::check(context, out),
        Rule::InterfaceDrift => interface_drift::check(context, out),
        Rule::UndeclaredDuplicate => undeclared_duplicate::check(context, out),
        Rule::SharedInstanceAccessor => shared_instance_accessor::check(context, out),
        Rule::ModuleLevelInstance => module_level_instance::check(context, out),
        Rule::TestDoubleBypass => test_double_bypass::check(context, out),
        // Needs every other rule's result: run by `run_rules_with` after suppressions.
        Rule::UnusedSuppression => {}
    }
}

/// A diagnostic located at a reference: the imported name, or the `M.N` use.
pub(crate) fn at_reference(
    rule: Rule,
    context: &CheckContext<'_>,
    reference: &Reference,
    message: String,
) -> Diagnostic {
    let file = context.project.file(reference.file);
    let import = &file.facts.imports[reference.statement as usize];
    let (span, start) = if reference.via_attribute {
        let attribute =
            file.facts.attribute_refs.iter().find(|a| {
                a.import_index == reference.statement && a.position == reference.position
            });
        match attribute {
            Some(attribute) => (attribute.span, attribute.position),
            None => (import.span, import.position),
        }
    } else {
        let name = &import.names[reference.name as usize];
        (name.span, name.position)
    };
    let mut diagnostic = Diagnostic::new(rule, &file.path, span, start, message);
    diagnostic.import_path = Some(reference.path.to_string());
    diagnostic
}
