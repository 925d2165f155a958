//! `ssot plan` output: the phased remediation plan as `ssot.plan/1` JSON and as Markdown with
//! a checklist per phase.
//!
//! The plan arrives built and ordered (the CLI decides what goes where); this module only
//! formats it, so the same plan always prints the same bytes.

mod markdown;

use std::io::{self, Write};

use serde::Serialize;
use ssot_rules::Compliance;

pub use markdown::render_plan_markdown;

/// The phases, in the order a team works through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhaseName {
    /// Shared instances handed to every user: SSOT301, SSOT302.
    Security,
    /// Competing definitions, wrappers and drift: SSOT201, SSOT202, SSOT203, SSOT204, SSOT102.
    Consolidation,
    /// Non-canonical and dangling imports: SSOT101, SSOT103, SSOT104.
    Imports,
    /// Test doubles and patch targets: SSOT401 (and drift of doubles).
    TestDoubles,
}

impl PhaseName {
    /// Every phase, in order.
    pub const ALL: [PhaseName; 4] = [
        PhaseName::Security,
        PhaseName::Consolidation,
        PhaseName::Imports,
        PhaseName::TestDoubles,
    ];

    /// The name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseName::Security => "security",
            PhaseName::Consolidation => "consolidation",
            PhaseName::Imports => "imports",
            PhaseName::TestDoubles => "test-doubles",
        }
    }

    /// The heading in Markdown.
    pub fn heading(self) -> &'static str {
        match self {
            PhaseName::Security => "Security: shared instances",
            PhaseName::Consolidation => "Consolidation: one definition per concept",
            PhaseName::Imports => "Imports: one path per concept",
            PhaseName::TestDoubles => "Test doubles: checked against the canonical",
        }
    }
}

/// One finding a step resolves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanFinding {
    pub code: &'static str,
    pub path: String,
    pub line: u32,
    pub column: u32,
    /// The critical-path tier of the file, or null.
    pub tier: Option<String>,
    pub message: String,
    /// Why `ssot fix` leaves it to a person (imports it does not rewrite), else null.
    pub reason: Option<String>,
}

/// One reviewable step.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanStep {
    /// The concept the step serves; null for a step over several concepts or none.
    pub concept: Option<String>,
    pub title: String,
    /// What to do, in a sentence or two.
    pub action: String,
    /// The most critical tier among the findings, or null.
    pub tier: Option<String>,
    pub findings: Vec<PlanFinding>,
    /// `command` does the whole step, without review beyond its diff.
    pub auto_fix: bool,
    /// The command that does (or, for unsafe fixes, proposes) the step.
    pub command: Option<String>,
    /// References to the concept the step moves onto the canonical path.
    pub references_moved: u32,
    /// The concept's compliance once this step and every step before it are done (the
    /// overall figure for a step over several concepts); null without references.
    pub compliance_after: Option<Compliance>,
}

/// A phase with at least one step.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanPhase {
    pub name: PhaseName,
    pub steps: Vec<PlanStep>,
}

/// A declared concept's figures now and once the whole plan is done.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanConcept {
    pub name: String,
    pub canonical: String,
    pub tier: Option<String>,
    pub now: Compliance,
    pub after: Compliance,
}

/// The whole plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The configured critical-path tiers, most critical first.
    pub tiers: Vec<String>,
    pub concepts: Vec<PlanConcept>,
    /// Non-empty phases, in [`PhaseName::ALL`] order.
    pub phases: Vec<PlanPhase>,
    /// Imports `ssot fix` rewrites: the number `ssot fix --diff` reports.
    pub auto_fixable: usize,
    /// Findings the baseline accepts (and `ssot fix` does not rewrite), sorted.
    pub accepted_debt: Vec<PlanFinding>,
    /// Findings no phase resolves (syntax errors, unreadable files, unused suppressions).
    pub other: Vec<PlanFinding>,
    /// The most files a hand step touches.
    pub batch_size: usize,
}

impl Plan {
    /// Findings in steps.
    pub fn planned_findings(&self) -> usize {
        self.phases
            .iter()
            .flat_map(|phase| &phase.steps)
            .map(|step| step.findings.len())
            .sum()
    }

    fn steps(&self) -> usize {
        self.phases.iter().map(|phase| phase.steps.len()).sum()
    }
}

#[derive(Serialize)]
struct JsonCompliance {
    references: u32,
    canonical_references: u32,
    compliance: Option<f64>,
}

fn compliance_json(compliance: Compliance) -> JsonCompliance {
    JsonCompliance {
        references: compliance.references,
        canonical_references: compliance.canonical_references,
        compliance: compliance
            .ratio()
            .map(|r| (r * 10_000.0).round() / 10_000.0),
    }
}

#[derive(Serialize)]
struct JsonStep<'a> {
    concept: Option<&'a str>,
    title: &'a str,
    action: &'a str,
    tier: Option<&'a str>,
    findings: &'a [PlanFinding],
    auto_fix: bool,
    command: Option<&'a str>,
    references_moved: u32,
    compliance_after: Option<JsonCompliance>,
}

#[derive(Serialize)]
struct JsonPhase<'a> {
    name: &'static str,
    steps: Vec<JsonStep<'a>>,
}

#[derive(Serialize)]
struct JsonConcept<'a> {
    name: &'a str,
    canonical: &'a str,
    tier: Option<&'a str>,
    now: JsonCompliance,
    after: JsonCompliance,
}

#[derive(Serialize)]
struct JsonSummary {
    steps: usize,
    planned_findings: usize,
    auto_fixable: usize,
    accepted_debt: usize,
    other: usize,
    batch_size: usize,
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    schema: &'static str,
    tiers: &'a [String],
    concepts: Vec<JsonConcept<'a>>,
    phases: Vec<JsonPhase<'a>>,
    accepted_debt: &'a [PlanFinding],
    other: &'a [PlanFinding],
    summary: JsonSummary,
}

/// Writes `ssot.plan/1`.
pub fn render_plan_json(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let document = JsonPlan {
        schema: "ssot.plan/1",
        tiers: &plan.tiers,
        concepts: plan
            .concepts
            .iter()
            .map(|c| JsonConcept {
                name: &c.name,
                canonical: &c.canonical,
                tier: c.tier.as_deref(),
                now: compliance_json(c.now),
                after: compliance_json(c.after),
            })
            .collect(),
        phases: plan
            .phases
            .iter()
            .map(|phase| JsonPhase {
                name: phase.name.as_str(),
                steps: phase
                    .steps
                    .iter()
                    .map(|step| JsonStep {
                        concept: step.concept.as_deref(),
                        title: &step.title,
                        action: &step.action,
                        tier: step.tier.as_deref(),
                        findings: &step.findings,
                        auto_fix: step.auto_fix,
                        command: step.command.as_deref(),
                        references_moved: step.references_moved,
                        compliance_after: step.compliance_after.map(compliance_json),
                    })
                    .collect(),
            })
            .collect(),
        accepted_debt: &plan.accepted_debt,
        other: &plan.other,
        summary: JsonSummary {
            steps: plan.steps(),
            planned_findings: plan.planned_findings(),
            auto_fixable: plan.auto_fixable,
            accepted_debt: plan.accepted_debt.len(),
            other: plan.other.len(),
            batch_size: plan.batch_size,
        },
    };
    let mut writer = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut writer, &document)?;
    writer.write_all(b"\n")?;
    writer.flush()
}
