//! The plan as Markdown: a checklist per phase, ready to paste into an issue.

use std::io::{self, Write};

use ssot_rules::Compliance;

use super::{Plan, PlanFinding, PlanStep};

/// Writes the plan as Markdown.
pub fn render_plan_markdown(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let mut writer = io::BufWriter::new(out);
    let out = &mut writer;
    writeln!(out, "# Remediation plan")?;
    writeln!(out)?;
    let tiers = if plan.tiers.is_empty() {
        "none configured".to_string()
    } else {
        plan.tiers
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        out,
        "{} finding{} in {} step{}; {} import{} `ssot fix` rewrites automatically; critical \
         tiers: {tiers}.",
        plan.planned_findings(),
        plural(plan.planned_findings()),
        plan.steps(),
        plural(plan.steps()),
        plan.auto_fixable,
        plural(plan.auto_fixable),
    )?;
    if !plan.concepts.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "| concept | canonical | tier | compliance now | after the plan |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for concept in &plan.concepts {
            writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                concept.name,
                concept.canonical,
                concept.tier.as_deref().unwrap_or("—"),
                figure(Some(concept.now)),
                figure(Some(concept.after)),
            )?;
        }
    }
    for (number, phase) in plan.phases.iter().enumerate() {
        writeln!(out)?;
        writeln!(out, "## Phase {}: {}", number + 1, phase.name.heading())?;
        writeln!(out)?;
        for step in &phase.steps {
            write_step(step, out)?;
        }
    }
    if !plan.accepted_debt.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Accepted debt (in the baseline)")?;
        writeln!(out)?;
        for finding in &plan.accepted_debt {
            write_finding(finding, "- ", out)?;
        }
    }
    if !plan.other.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Other findings (no phase)")?;
        writeln!(out)?;
        for finding in &plan.other {
            write_finding(finding, "- ", out)?;
        }
    }
    writer.flush()
}

fn write_step(step: &PlanStep, out: &mut dyn Write) -> io::Result<()> {
    let mut labels = Vec::new();
    if let Some(concept) = &step.concept {
        labels.push(format!("`{concept}`"));
    }
    if let Some(tier) = &step.tier {
        labels.push(format!("tier {tier}"));
    }
    let labels = if labels.is_empty() {
        String::new()
    } else {
        format!(" ({})", labels.join(", "))
    };
    writeln!(out, "- [ ] **{}**{labels}", step.title)?;
    writeln!(out, "  {}", step.action)?;
    if let Some(command) = &step.command {
        writeln!(out, "  Command: `{command}`")?;
    }
    // Only steps that move references change the figure.
    if step.references_moved > 0 {
        writeln!(
            out,
            "  Compliance after this step: {}",
            figure(step.compliance_after)
        )?;
    }
    for finding in &step.findings {
        write_finding(finding, "  - ", out)?;
    }
    Ok(())
}

fn write_finding(finding: &PlanFinding, bullet: &str, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "{bullet}`{}:{}` {} {}",
        finding.path, finding.line, finding.code, finding.message
    )?;
    if let Some(reason) = &finding.reason {
        write!(out, " — by hand: {reason}")?;
    }
    writeln!(out)
}

fn figure(compliance: Option<Compliance>) -> String {
    match compliance.and_then(|c| c.ratio().map(|r| (c, r))) {
        Some((c, ratio)) => format!(
            "{}/{} ({:.1}%)",
            c.canonical_references,
            c.references,
            ratio * 100.0
        ),
        None => "no references".to_string(),
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
