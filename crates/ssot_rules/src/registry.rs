//! Every rule: code, name, status and documentation, and which rules a run selects.
//!
//! Codes are never reused. A rule's documentation lives beside its check in `rules/`, in the
//! sections *What it does*, *Why is this bad?*, *Example*, *Use instead* and, when fixable,
//! *Fix safety*; `ssot explain CODE` prints it.

use crate::rules;

/// A rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    InvalidSyntax,
    UnreadableFile,
    NonCanonicalImport,
    CompetingDefinitionImport,
    DanglingImport,
    ReExportCycle,
    CompetingDefinition,
    DelegatingWrapper,
    InterfaceDrift,
    UndeclaredDuplicate,
    SharedInstanceAccessor,
    ModuleLevelInstance,
    TestDoubleBypass,
    UnusedSuppression,
}

/// Whether a rule is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleStatus {
    Stable,
    Preview,
}

/// A rule's row in the registry.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    pub rule: Rule,
    pub code: &'static str,
    pub name: &'static str,
    pub status: RuleStatus,
    /// Markdown documentation.
    pub doc: &'static str,
    /// Whether the rule can offer fixes.
    pub fixable: bool,
}

/// The registry, in code order.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        rule: Rule::InvalidSyntax,
        code: "SSOT001",
        name: "invalid-syntax",
        status: RuleStatus::Stable,
        doc: rules::invalid_syntax::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::UnreadableFile,
        code: "SSOT002",
        name: "unreadable-file",
        status: RuleStatus::Stable,
        doc: rules::unreadable_file::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::NonCanonicalImport,
        code: "SSOT101",
        name: "non-canonical-import",
        status: RuleStatus::Stable,
        doc: rules::non_canonical_import::DOC,
        fixable: true,
    },
    RuleInfo {
        rule: Rule::CompetingDefinitionImport,
        code: "SSOT102",
        name: "competing-definition-import",
        status: RuleStatus::Stable,
        doc: rules::competing_definition_import::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::DanglingImport,
        code: "SSOT103",
        name: "dangling-import",
        status: RuleStatus::Stable,
        doc: rules::dangling_import::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::ReExportCycle,
        code: "SSOT104",
        name: "re-export-cycle",
        status: RuleStatus::Stable,
        doc: rules::re_export_cycle::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::CompetingDefinition,
        code: "SSOT201",
        name: "competing-definition",
        status: RuleStatus::Stable,
        doc: rules::competing_definition::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::DelegatingWrapper,
        code: "SSOT202",
        name: "delegating-wrapper",
        status: RuleStatus::Stable,
        doc: rules::delegating_wrapper::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::InterfaceDrift,
        code: "SSOT203",
        name: "interface-drift",
        status: RuleStatus::Stable,
        doc: rules::interface_drift::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::UndeclaredDuplicate,
        code: "SSOT204",
        name: "undeclared-duplicate",
        status: RuleStatus::Stable,
        doc: rules::undeclared_duplicate::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::SharedInstanceAccessor,
        code: "SSOT301",
        name: "shared-instance-accessor",
        status: RuleStatus::Stable,
        doc: rules::shared_instance_accessor::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::ModuleLevelInstance,
        code: "SSOT302",
        name: "module-level-instance",
        status: RuleStatus::Stable,
        doc: rules::module_level_instance::DOC,
        fixable: false,
    },
    RuleInfo {
        rule: Rule::TestDoubleBypass,
        code: "SSOT401",
        name: "test-double-bypass",
        status: RuleStatus::Stable,
        doc: rules::test_double_bypass::DOC,
        fixable: true,
    },
    RuleInfo {
        rule: Rule::UnusedSuppression,
        code: "SSOT900",
        name: "unused-suppression",
        status: RuleStatus::Stable,
        doc: rules::unused_suppression::DOC,
        fixable: true,
    },
];

impl Rule {
    pub fn info(self) -> &'static RuleInfo {
        RULES
            .iter()
            .find(|info| info.rule == self)
            .expect("every rule is in the registry")
    }

    pub fn code(self) -> &'static str {
        self.info().code
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Looks a rule up by code (`SSOT101`) or name (`non-canonical-import`).
    pub fn from_code_or_name(text: &str) -> Option<Self> {
        RULES
            .iter()
            .find(|info| info.code.eq_ignore_ascii_case(text) || info.name == text)
            .map(|info| info.rule)
    }
}

/// Which rules a run reports: `--select`, `--extend-select`, `--ignore`, by code or code prefix
/// (`SSOT1` selects every SSOT1xx rule; `ALL` every rule).
#[derive(Clone, Debug)]
pub struct RuleSelection {
    selected: Vec<Rule>,
}

/// A selector that matches no rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` matches no rule code (see `ssot explain --list`)")]
pub struct UnknownSelector(pub String);

fn matching(selector: &str) -> Result<Vec<Rule>, UnknownSelector> {
    let upper = selector.to_ascii_uppercase();
    let rules: Vec<Rule> = RULES
        .iter()
        .filter(|info| upper == "ALL" || info.code.starts_with(&upper) || info.name == selector)
        .map(|info| info.rule)
        .collect();
    if rules.is_empty() {
        Err(UnknownSelector(selector.to_string()))
    } else {
        Ok(rules)
    }
}

impl RuleSelection {
    /// Every stable rule.
    pub fn default_rules() -> Self {
        Self {
            selected: RULES
                .iter()
                .filter(|info| info.status == RuleStatus::Stable)
                .map(|info| info.rule)
                .collect(),
        }
    }

    /// `select` replaces the defaults when given; `extend` adds; `ignore` removes.
    pub fn from_selectors(
        select: &[String],
        extend: &[String],
        ignore: &[String],
    ) -> Result<Self, UnknownSelector> {
        let mut selection = if select.is_empty() {
            Self::default_rules()
        } else {
            let mut selected = Vec::new();
            for selector in select {
                selected.extend(matching(selector)?);
            }
            Self { selected }
        };
        for selector in extend {
            selection.selected.extend(matching(selector)?);
        }
        for selector in ignore {
            let ignored = matching(selector)?;
            selection.selected.retain(|rule| !ignored.contains(rule));
        }
        selection.selected.sort();
        selection.selected.dedup();
        Ok(selection)
    }

    pub fn is_selected(&self, rule: Rule) -> bool {
        self.selected.contains(&rule)
    }

    /// This selection with `rules` left out.
    pub fn without(&self, rules: &[Rule]) -> Self {
        Self {
            selected: self
                .selected
                .iter()
                .copied()
                .filter(|rule| !rules.contains(rule))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        for (i, a) in RULES.iter().enumerate() {
            for b in &RULES[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
                assert_ne!(a.rule, b.rule);
            }
        }
    }

    #[test]
    fn every_rule_is_documented_in_the_fixed_sections() {
        for info in RULES {
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                assert!(
                    info.doc.contains(section),
                    "{} lacks `{section}`",
                    info.code
                );
            }
            if info.fixable {
                assert!(
                    info.doc.contains("## Fix safety"),
                    "{} lacks `## Fix safety`",
                    info.code
                );
            }
        }
    }

    #[test]
    fn selection_by_prefix_and_ignore() {
        let selection =
            RuleSelection::from_selectors(&["SSOT1".into()], &[], &["SSOT104".into()]).unwrap();
        assert!(selection.is_selected(Rule::NonCanonicalImport));
        assert!(!selection.is_selected(Rule::ReExportCycle));
        assert!(!selection.is_selected(Rule::InvalidSyntax));
        assert_eq!(
            RuleSelection::from_selectors(&["SSOT7".into()], &[], &[]).unwrap_err(),
            UnknownSelector("SSOT7".into())
        );
    }
}
