//! From one analysis and `fix`'s dry run to the phased plan: which finding goes in which
//! phase and step, in which order, and the compliance expected after each step.
//!
//! Pure: the caller ran the rules and the fix session; nothing here reads files.

use std::collections::BTreeMap;

use ssot_report::plan::{PhaseName, Plan, PlanConcept, PlanFinding, PlanPhase, PlanStep};
use ssot_rules::{Compliance, ConceptReport, Diagnostic, Rule};

use super::factories::CompetingFactory;

/// The `code` of a factory-to-merge finding: no rule flags a factory, the plan finds them.
pub const FACTORY_FINDING: &str = "factory";

/// What `ssot fix` does with the SSOT101 diagnostics, from its own dry run.
pub struct ImportFixes {
    /// Indices (into [`PlanInput::diagnostics`]) of the imports `fix` rewrites.
    pub rewritten: Vec<usize>,
    /// Indices of the imports it leaves, with its reason.
    pub left: Vec<(usize, String)>,
    /// How many SSOT101 rewrites `fix` reports.
    pub count: usize,
}

/// Everything the plan is built from.
pub struct PlanInput<'a> {
    /// Every diagnostic of the run, baseline or not, sorted, with tiers.
    pub diagnostics: &'a [Diagnostic],
    /// Whether the baseline accepts the diagnostic of that index.
    pub baselined: &'a dyn Fn(usize) -> bool,
    pub concepts: &'a [ConceptReport],
    /// Each concept's declared `factory`, by concept name.
    pub factories: &'a BTreeMap<String, String>,
    /// Factories of declared concepts other than their declared `factory`.
    pub competing_factories: &'a [CompetingFactory],
    pub import_fixes: ImportFixes,
    /// The `ssot fix` command line for this project (`ssot fix`, `ssot fix src --config x`).
    pub fix_command: String,
    /// The configured tiers, most critical first.
    pub tiers: Vec<String>,
    /// Who reviews a file: its `CODEOWNERS` owners, else its directory.
    pub batch_key: &'a dyn Fn(&str) -> String,
    pub batch_size: usize,
}

/// A step under construction: its findings as indices, sorted later.
struct Draft {
    concept: Option<String>,
    title: String,
    action: String,
    findings: Vec<usize>,
    /// Findings that are not diagnostics (factories to merge), listed after the others.
    extra: Vec<PlanFinding>,
    reasons: BTreeMap<usize, String>,
    auto_fix: bool,
    command: Option<String>,
    /// Moved references per concept.
    moved: BTreeMap<String, u32>,
    /// Steps that must stay together and in this order (drift before retiring a member).
    then: Vec<Draft>,
    /// Sorts before other steps of its tier regardless of size (production before tests).
    group: u8,
}

impl Draft {
    fn new(concept: Option<&str>, title: String, action: String, findings: Vec<usize>) -> Self {
        Draft {
            concept: concept.map(str::to_string),
            title,
            action,
            findings,
            extra: Vec::new(),
            reasons: BTreeMap::new(),
            auto_fix: false,
            command: None,
            moved: BTreeMap::new(),
            then: Vec::new(),
            group: 0,
        }
    }
}

/// Builds the plan.
pub fn build_plan(input: &PlanInput<'_>) -> Plan {
    let diagnostics = input.diagnostics;
    let rank = |tier: &Option<String>| {
        tier.as_ref()
            .and_then(|t| input.tiers.iter().position(|name| name == t))
            .unwrap_or(usize::MAX)
    };
    let rewritten: std::collections::BTreeSet<usize> =
        input.import_fixes.rewritten.iter().copied().collect();
    let left_reason: BTreeMap<usize, &str> = input
        .import_fixes
        .left
        .iter()
        .map(|(index, reason)| (*index, reason.as_str()))
        .collect();

    // Which findings the plan works on: not accepted debt, except that imports `fix`
    // rewrites are all in its step (the command rewrites them, baselined or not).
    let mut accepted_debt = Vec::new();
    let mut other = Vec::new();
    let mut by_phase: BTreeMap<PhaseName, Vec<usize>> = BTreeMap::new();
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        if !rewritten.contains(&index) && (input.baselined)(index) {
            accepted_debt.push(index);
            continue;
        }
        match phase_of(diagnostic) {
            Some(phase) => by_phase.entry(phase).or_default().push(index),
            None => other.push(index),
        }
    }

    let mut phases = Vec::new();
    for phase in PhaseName::ALL {
        let indices = match by_phase.get(&phase) {
            Some(indices) => indices.as_slice(),
            None if phase == PhaseName::Consolidation && !input.competing_factories.is_empty() => {
                &[]
            }
            None => continue,
        };
        let drafts = match phase {
            PhaseName::Security => security_steps(input, indices),
            PhaseName::Consolidation => {
                let mut drafts = consolidation_steps(input, indices);
                drafts.extend(factory_steps(input));
                drafts
            }
            PhaseName::Imports => import_steps(input, indices, &rewritten, &left_reason),
            PhaseName::TestDoubles => test_double_steps(input, indices),
        };
        phases.push((phase, drafts));
    }

    // Order each phase: tier, then group, then references moved (most first), then size,
    // then title, so the same findings always give the same plan.
    let tier_of_draft = |draft: &Draft| {
        std::iter::once(draft)
            .chain(&draft.then)
            .flat_map(|d| {
                d.findings
                    .iter()
                    .map(|&i| &diagnostics[i].tier)
                    .chain(d.extra.iter().map(|f| &f.tier))
            })
            .map(rank)
            .min()
            .unwrap_or(usize::MAX)
    };
    let moved = |draft: &Draft| -> u32 {
        std::iter::once(draft)
            .chain(&draft.then)
            .map(|d| d.moved.values().sum::<u32>())
            .sum()
    };
    let size = |draft: &Draft| -> usize {
        std::iter::once(draft)
            .chain(&draft.then)
            .map(|d| d.findings.len() + d.extra.len())
            .sum()
    };
    let mut canonical: BTreeMap<String, Compliance> = input
        .concepts
        .iter()
        .map(|c| (c.name.clone(), c.total()))
        .collect();
    let mut planned_phases = Vec::new();
    for (name, mut drafts) in phases {
        drafts.sort_by(|a, b| {
            (tier_of_draft(a), a.group, std::cmp::Reverse(moved(a)))
                .cmp(&(tier_of_draft(b), b.group, std::cmp::Reverse(moved(b))))
                .then(size(b).cmp(&size(a)))
                .then(a.concept.cmp(&b.concept))
                .then(a.title.cmp(&b.title))
        });
        let mut steps = Vec::new();
        for draft in drafts {
            let mut chain = vec![];
            let mut draft = draft;
            let then = std::mem::take(&mut draft.then);
            chain.push(draft);
            chain.extend(then);
            for draft in chain {
                steps.push(finish(input, draft, &mut canonical, &rank));
            }
        }
        if !steps.is_empty() {
            planned_phases.push(PlanPhase { name, steps });
        }
    }

    let finding = |index: usize| plan_finding(&diagnostics[index], None);
    Plan {
        tiers: input.tiers.clone(),
        concepts: input
            .concepts
            .iter()
            .map(|c| PlanConcept {
                name: c.name.clone(),
                canonical: c.canonical.clone(),
                tier: c.tier.clone(),
                now: c.total(),
                after: canonical[&c.name],
            })
            .collect(),
        phases: planned_phases,
        auto_fixable: input.import_fixes.count,
        accepted_debt: accepted_debt.into_iter().map(finding).collect(),
        other: other.into_iter().map(finding).collect(),
        batch_size: input.batch_size,
    }
}

/// The phase that resolves a finding; `None` for findings no phase is about.
fn phase_of(diagnostic: &Diagnostic) -> Option<PhaseName> {
    match diagnostic.rule {
        Rule::SharedInstanceAccessor | Rule::ModuleLevelInstance => Some(PhaseName::Security),
        Rule::CompetingDefinition
        | Rule::CompetingDefinitionImport
        | Rule::DelegatingWrapper
        | Rule::UndeclaredDuplicate => Some(PhaseName::Consolidation),
        // Drift of a double is the double's to fix; drift of a member is fixed in the
        // canonical before the member is retired.
        Rule::InterfaceDrift if diagnostic.scope == crate::scopes::TEST => {
            Some(PhaseName::TestDoubles)
        }
        Rule::InterfaceDrift => Some(PhaseName::Consolidation),
        Rule::NonCanonicalImport | Rule::DanglingImport | Rule::ReExportCycle => {
            Some(PhaseName::Imports)
        }
        Rule::TestDoubleBypass => Some(PhaseName::TestDoubles),
        Rule::InvalidSyntax | Rule::UnreadableFile | Rule::UnusedSuppression => None,
    }
}

fn plan_finding(diagnostic: &Diagnostic, reason: Option<String>) -> PlanFinding {
    PlanFinding {
        code: diagnostic.rule.code(),
        path: diagnostic.path.clone(),
        line: diagnostic.start.line,
        column: diagnostic.start.column,
        tier: diagnostic.tier.clone(),
        message: diagnostic.message.clone(),
        reason,
    }
}

/// Turns a draft into a step: findings in tier-then-path order, and the compliance after it.
fn finish(
    input: &PlanInput<'_>,
    mut draft: Draft,
    compliance: &mut BTreeMap<String, Compliance>,
    rank: &dyn Fn(&Option<String>) -> usize,
) -> PlanStep {
    let diagnostics = input.diagnostics;
    draft.findings.sort_by(|&a, &b| {
        rank(&diagnostics[a].tier)
            .cmp(&rank(&diagnostics[b].tier))
            .then(Diagnostic::sort_key_cmp(&diagnostics[a], &diagnostics[b]))
    });
    draft.findings.dedup();
    for (concept, moved) in &draft.moved {
        if let Some(figure) = compliance.get_mut(concept) {
            figure.canonical_references =
                (figure.canonical_references + moved).min(figure.references);
        }
    }
    let compliance_after = match &draft.concept {
        Some(concept) => compliance.get(concept).copied(),
        None if compliance.is_empty() => None,
        None => Some(
            compliance
                .values()
                .fold(Compliance::default(), |sum, c| sum.merge(*c)),
        ),
    }
    .filter(|c| c.references > 0);
    draft.extra.sort_by(|a, b| {
        rank(&a.tier)
            .cmp(&rank(&b.tier))
            .then((&a.path, a.line).cmp(&(&b.path, b.line)))
    });
    let tier = draft
        .findings
        .first()
        .map(|&i| diagnostics[i].tier.clone())
        .into_iter()
        .chain(draft.extra.iter().map(|f| f.tier.clone()))
        .min_by_key(|tier| rank(tier))
        .flatten();
    PlanStep {
        concept: draft.concept,
        title: draft.title,
        action: draft.action,
        tier,
        findings: draft
            .findings
            .iter()
            .map(|&i| plan_finding(&diagnostics[i], draft.reasons.get(&i).cloned()))
            .chain(draft.extra)
            .collect(),
        auto_fix: draft.auto_fix,
        command: draft.command,
        references_moved: draft.moved.values().sum(),
        compliance_after,
    }
}

/// Groups indices by a key, keys in order.
fn group_by<K: Ord>(indices: &[usize], key: impl Fn(usize) -> K) -> BTreeMap<K, Vec<usize>> {
    let mut groups: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for &index in indices {
        groups.entry(key(index)).or_default().push(index);
    }
    groups
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Security: one step per concept, rule, accessor or class, tier and scope kind.
fn security_steps(input: &PlanInput<'_>, indices: &[usize]) -> Vec<Draft> {
    let diagnostics = input.diagnostics;
    let groups = group_by(indices, |i| {
        let d = &diagnostics[i];
        (
            d.scope != crate::scopes::PRODUCTION,
            d.concept.clone(),
            d.rule,
            d.symbol.clone(),
            d.tier.clone(),
        )
    });
    groups
        .into_iter()
        .map(
            |((not_production, concept, rule, symbol, _tier), findings)| {
                let instead = match concept.as_ref().and_then(|c| input.factories.get(c)) {
                    Some(factory) => format!(
                        "create one instance per request or user with the declared factory \
                     `{factory}` and pass it down"
                    ),
                    None => "pass the per-request context (the caller's own instance) down \
                         instead of reaching for a shared one"
                        .to_string(),
                };
                let symbol = symbol.unwrap_or_else(|| "?".to_string());
                let place = if not_production {
                    " outside production code"
                } else {
                    ""
                };
                let (title, action) = match rule {
                    Rule::SharedInstanceAccessor => (
                        format!(
                            "Stop sharing one instance through `{symbol}`: {}{place}",
                            count(findings.len(), "call", "calls")
                        ),
                        format!(
                            "Every caller of `{symbol}` gets the same object, so one user's state \
                         can reach another's; {instead}."
                        ),
                    ),
                    _ => (
                        format!(
                            "Remove import-time instances of `{symbol}`: {}{place}",
                            count(findings.len(), "instance", "instances")
                        ),
                        format!(
                            "An instance made at import time (or stored through `global`) is \
                         shared by everyone who imports it; {instead}."
                        ),
                    ),
                };
                let mut draft = Draft::new(concept.as_deref(), title, action, findings);
                draft.group = u8::from(not_production);
                draft
            },
        )
        .collect()
}

/// Consolidation: per competing member, its drift first (what to add to the canonical), then
/// retiring it with its imports; then wrappers, undeclared copies and other drift.
fn consolidation_steps(input: &PlanInput<'_>, indices: &[usize]) -> Vec<Draft> {
    let diagnostics = input.diagnostics;
    let canonical_of = |concept: &Option<String>| {
        concept
            .as_ref()
            .and_then(|name| input.concepts.iter().find(|c| &c.name == name))
            .map(|c| c.canonical.clone())
            .unwrap_or_else(|| "the canonical".to_string())
    };
    // Members, by (concept, symbol): their SSOT201 definitions and SSOT102 imports.
    let mut members: BTreeMap<(Option<String>, String), Vec<usize>> = BTreeMap::new();
    let mut wrappers = Vec::new();
    let mut duplicates = Vec::new();
    let mut drift = Vec::new();
    for &index in indices {
        let d = &diagnostics[index];
        match d.rule {
            Rule::CompetingDefinition | Rule::CompetingDefinitionImport => members
                .entry((d.concept.clone(), d.symbol.clone().unwrap_or_default()))
                .or_default()
                .push(index),
            Rule::DelegatingWrapper => wrappers.push(index),
            Rule::UndeclaredDuplicate => duplicates.push(index),
            _ => drift.push(index),
        }
    }
    let mut drafts = Vec::new();
    let mut drift_used = std::collections::BTreeSet::new();
    for ((concept, member), findings) in members {
        let canonical = canonical_of(&concept);
        let definitions: Vec<&Diagnostic> = findings
            .iter()
            .map(|&i| &diagnostics[i])
            .filter(|d| d.rule == Rule::CompetingDefinition)
            .collect();
        let imports = findings
            .iter()
            .filter(|&&i| diagnostics[i].rule == Rule::CompetingDefinitionImport)
            .count() as u32;
        // The member's drift: reported on its class (same symbol, or same place).
        let member_drift: Vec<usize> = drift
            .iter()
            .copied()
            .filter(|&i| {
                let d = &diagnostics[i];
                d.concept == concept
                    && (d.symbol.as_deref() == Some(member.as_str())
                        || definitions
                            .iter()
                            .any(|m| m.path == d.path && m.start.line == d.start.line))
            })
            .collect();
        drift_used.extend(member_drift.iter().copied());
        let mut retire = Draft::new(
            concept.as_deref(),
            format!(
                "Retire `{member}`: move {} to `{canonical}`, then delete it",
                count(imports as usize, "import", "imports")
            ),
            format!(
                "Point every user of `{member}` at `{canonical}` (a change of behaviour \
                 where the interfaces differ: review each), then remove the competing \
                 definition."
            ),
            findings,
        );
        if let Some(concept) = &concept {
            retire.moved.insert(concept.clone(), imports);
        }
        if member_drift.is_empty() {
            drafts.push(retire);
        } else {
            let mut first = Draft::new(
                concept.as_deref(),
                format!("Give `{canonical}` what `{member}` has and it lacks"),
                format!(
                    "Before retiring `{member}`, add to `{canonical}` the public methods and \
                     parameters its users rely on (listed below), so moving them changes \
                     nothing they call."
                ),
                member_drift,
            );
            first.then.push(retire);
            drafts.push(first);
        }
    }
    // Wrappers, undeclared copies and the drift no retirement took: one step per finding, in
    // the second group.
    let single = |index: usize, title: &str, action: String| {
        let d = &diagnostics[index];
        let mut draft = Draft::new(
            d.concept.as_deref(),
            format!("{title} at `{}:{}`", d.path, d.start.line),
            action,
            vec![index],
        );
        draft.group = 1;
        draft
    };
    for index in wrappers {
        let canonical = canonical_of(&diagnostics[index].concept);
        drafts.push(single(
            index,
            "Retire the delegating wrapper",
            format!(
                "Its public methods only forward to `{canonical}`: let its users call the \
                 canonical directly, then delete the wrapper."
            ),
        ));
    }
    for index in duplicates {
        let canonical = canonical_of(&diagnostics[index].concept);
        drafts.push(single(
            index,
            "Merge the undeclared copy",
            format!(
                "Fold it into `{canonical}`, or, if it is a different idea, list it in the \
                 concept's `allow`."
            ),
        ));
    }
    for index in drift.into_iter().filter(|i| !drift_used.contains(i)) {
        let canonical = canonical_of(&diagnostics[index].concept);
        drafts.push(single(
            index,
            "Resolve the interface drift",
            format!(
                "Give `{canonical}` the methods this class's users need, or drop them from \
                 the class, so both offer one interface."
            ),
        ));
    }
    drafts
}

/// Factories to merge: with a declared `factory`, one step per other factory (merge it into
/// the declared one); without, one step per concept (declare one, merge the others into it).
fn factory_steps(input: &PlanInput<'_>) -> Vec<Draft> {
    let finding = |factory: &CompetingFactory| PlanFinding {
        code: FACTORY_FINDING,
        path: factory.path.clone(),
        line: factory.line,
        column: 1,
        tier: factory.tier.clone(),
        message: format!(
            "`{}` builds the concept's objects ({})",
            factory.symbol, factory.evidence
        ),
        reason: None,
    };
    let mut by_concept: BTreeMap<&str, Vec<&CompetingFactory>> = BTreeMap::new();
    for factory in input.competing_factories {
        by_concept
            .entry(factory.concept.as_str())
            .or_default()
            .push(factory);
    }
    let mut drafts = Vec::new();
    for (concept, factories) in by_concept {
        match input.factories.get(concept) {
            Some(declared) => {
                for factory in factories {
                    let mut draft = Draft::new(
                        Some(concept),
                        format!("Merge the factory `{}` into `{declared}`", factory.symbol),
                        format!(
                            "It builds the concept's objects beside the declared factory: move \
                             what it does differently into `{declared}`, point its callers at \
                             `{declared}`, then delete it, so instances are made in one place."
                        ),
                        Vec::new(),
                    );
                    draft.extra.push(finding(factory));
                    draft.group = 1;
                    drafts.push(draft);
                }
            }
            None => {
                let mut draft = Draft::new(
                    Some(concept),
                    format!(
                        "Declare one factory for `{concept}`: {} build it",
                        count(factories.len(), "function or class", "functions or classes")
                    ),
                    format!(
                        "Choose the one to keep and declare it as the concept's `factory` \
                         (`factory = \"module:function\"` in its `concepts.{concept}` table), \
                         then merge the others into it, so instances are made in one place."
                    ),
                    Vec::new(),
                );
                draft.extra = factories.into_iter().map(finding).collect();
                draft.group = 1;
                drafts.push(draft);
            }
        }
    }
    drafts
}

/// Imports: what `ssot fix` rewrites (one step, its exact command) and the rest by hand, in
/// batches of at most `batch_size` files per concept and owner (or directory).
fn import_steps(
    input: &PlanInput<'_>,
    indices: &[usize],
    rewritten: &std::collections::BTreeSet<usize>,
    left_reason: &BTreeMap<usize, &str>,
) -> Vec<Draft> {
    let diagnostics = input.diagnostics;
    let mut drafts = Vec::new();
    let automatic: Vec<usize> = indices
        .iter()
        .copied()
        .filter(|i| rewritten.contains(i))
        .collect();
    if !automatic.is_empty() {
        let concepts: std::collections::BTreeSet<&str> = automatic
            .iter()
            .filter_map(|&i| diagnostics[i].concept.as_deref())
            .collect();
        let concept = (concepts.len() == 1).then(|| *concepts.iter().next().unwrap());
        let files: std::collections::BTreeSet<&str> = automatic
            .iter()
            .map(|&i| diagnostics[i].path.as_str())
            .collect();
        let mut draft = Draft::new(
            concept,
            format!(
                "Run `ssot fix`: {} in {} rewritten to the canonical path",
                count(input.import_fixes.count, "import", "imports"),
                count(files.len(), "file", "files")
            ),
            format!(
                "`{}` rewrites these imports, verified before anything is written; review \
                 the change with `{} --diff` first.",
                input.fix_command, input.fix_command
            ),
            automatic.clone(),
        );
        draft.auto_fix = true;
        draft.command = Some(input.fix_command.clone());
        for &index in &automatic {
            if let Some(concept) = &diagnostics[index].concept {
                *draft.moved.entry(concept.clone()).or_default() += 1;
            }
        }
        drafts.push(draft);
    }
    // By hand: per concept, kind and reviewer, in batches of files.
    let by_hand: Vec<usize> = indices
        .iter()
        .copied()
        .filter(|i| !rewritten.contains(i))
        .collect();
    let groups = group_by(&by_hand, |i| {
        let d = &diagnostics[i];
        (
            d.concept.clone(),
            d.rule != Rule::NonCanonicalImport,
            (input.batch_key)(&d.path),
        )
    });
    for ((concept, dangling, reviewer), findings) in groups {
        let by_file = group_by(&findings, |i| diagnostics[i].path.clone());
        let files: Vec<Vec<usize>> = by_file.into_values().collect();
        let batches: Vec<&[Vec<usize>]> = files.chunks(input.batch_size.max(1)).collect();
        let total = batches.len();
        for (number, batch) in batches.into_iter().enumerate() {
            let findings: Vec<usize> = batch.iter().flatten().copied().collect();
            let part = if total > 1 {
                format!(" (batch {} of {total})", number + 1)
            } else {
                String::new()
            };
            let (title, action) = if dangling {
                (
                    format!(
                        "Repair {} that {} nowhere, for {reviewer}{part}",
                        count(findings.len(), "import", "imports"),
                        if findings.len() == 1 { "leads" } else { "lead" }
                    ),
                    "Each names a module or a name that does not exist (often hidden by \
                     `try/except ImportError`): import the real definition, or delete the \
                     dead fallback."
                        .to_string(),
                )
            } else {
                (
                    format!(
                        "Move {} to the canonical path by hand, for {reviewer}{part}",
                        count(findings.len(), "import", "imports")
                    ),
                    "`ssot fix` leaves these (the reason is beside each): rewrite them by \
                     hand, or resolve the reason and run `ssot fix` again."
                        .to_string(),
                )
            };
            let mut draft = Draft::new(concept.as_deref(), title, action, findings.clone());
            for &index in &findings {
                let reason = match left_reason.get(&index) {
                    Some(reason) => reason.to_string(),
                    None if dangling => "a dangling import has no canonical to move to".into(),
                    None => "`ssot fix` does not rewrite it".into(),
                };
                draft.reasons.insert(index, reason);
                if !dangling {
                    if let Some(concept) = &diagnostics[index].concept {
                        *draft.moved.entry(concept.clone()).or_default() += 1;
                    }
                }
            }
            draft.group = u8::from(dangling);
            drafts.push(draft);
        }
    }
    drafts
}

/// Test doubles: one step per double (its bypass and its drift), then per concept the patch
/// targets and specs to move.
fn test_double_steps(input: &PlanInput<'_>, indices: &[usize]) -> Vec<Draft> {
    let diagnostics = input.diagnostics;
    let canonical_of = |concept: &Option<String>| {
        concept
            .as_ref()
            .and_then(|name| input.concepts.iter().find(|c| &c.name == name))
            .map(|c| c.canonical.clone())
    };
    let groups = group_by(indices, |i| {
        let d = &diagnostics[i];
        let canonical = canonical_of(&d.concept);
        // Patch targets and specs name the canonical as their symbol; doubles name themselves.
        let is_target =
            d.rule == Rule::TestDoubleBypass && canonical.is_some() && d.symbol == canonical;
        (d.concept.clone(), is_target, d.symbol.clone())
    });
    let mut drafts = Vec::new();
    for ((concept, is_target, symbol), findings) in groups {
        let canonical = canonical_of(&concept).unwrap_or_else(|| "the canonical".to_string());
        let draft = if is_target {
            let fixable = findings.iter().any(|&i| diagnostics[i].fix.is_some());
            let mut draft = Draft::new(
                concept.as_deref(),
                format!(
                    "Move {} to `{canonical}`",
                    count(
                        findings.len(),
                        "patch target or spec",
                        "patch targets and specs"
                    )
                ),
                format!(
                    "A `patch()` through a re-exporting module patches a name nobody uses \
                     once imports are canonical; point each at `{canonical}`.{}",
                    if fixable {
                        " `ssot fix --unsafe-fixes` rewrites the string targets: review its \
                         `--diff` first."
                    } else {
                        ""
                    }
                ),
                findings,
            );
            if fixable {
                draft.command = Some(format!(
                    "{} --unsafe-fixes --select SSOT401",
                    input.fix_command
                ));
            }
            draft
        } else {
            let symbol = symbol.unwrap_or_else(|| "?".to_string());
            Draft::new(
                concept.as_deref(),
                format!("Tie the test double `{symbol}` to `{canonical}`"),
                format!(
                    "Derive it from the real class (`create_autospec({canonical})`, \
                     `Mock(spec=...)` or a subclass) so it cannot drift; drop or add to the \
                     canonical the methods only the double has."
                ),
                findings,
            )
        };
        drafts.push(draft);
    }
    drafts
}
