//! `ssot_concepts {}`: the declared concepts with their compliance, and the top discovered
//! concept candidates (the undeclared families `ssot scan` proposes).

use serde_json::{json, Value};
use ssot_rules::Compliance;

use super::tools::ToolAnswer;
use super::warm::WarmProject;

/// Discovered candidates an answer lists by default.
const DEFAULT_CANDIDATES: u64 = 10;

pub fn call(warm: &WarmProject, arguments: &Value) -> Result<ToolAnswer, String> {
    let limit = match arguments.get("limit") {
        None | Some(Value::Null) => DEFAULT_CANDIDATES,
        Some(value) => value
            .as_u64()
            .filter(|limit| *limit <= 1000)
            .ok_or_else(|| format!("`limit` must be an integer from 0 to 1000, got {value}"))?,
    };
    let declared: Vec<Value> = warm
        .derived()
        .concepts
        .iter()
        .map(|concept| {
            let report = warm
                .derived()
                .reports
                .iter()
                .find(|r| r.name == concept.name);
            json!({
                "name": concept.name,
                "canonical": concept.canonical_path,
                "members": concept.members.iter().map(|(symbol, _)| symbol).collect::<Vec<_>>(),
                "shims": concept.shims,
                "accessors": concept.accessors.iter().map(|a| &a.symbol).collect::<Vec<_>>(),
                "factory": concept.factory.as_ref().map(|f| &f.symbol),
                "compliance": report.map(|report| json!({
                    "total": compliance_json(report.total()),
                    "production": compliance_json(report.production),
                    "test": compliance_json(report.tests),
                })),
            })
        })
        .collect();
    let candidates: Vec<Value> = warm
        .derived()
        .candidates
        .iter()
        .filter(|candidate| warm.declared_concept(candidate.canonical_origin).is_none())
        .take(limit as usize)
        .map(|candidate| {
            json!({
                "name": candidate.name,
                "canonical": candidate.canonical,
                "reason": candidate.reason,
                "members": candidate.members.iter().map(|member| json!({
                    "symbol": member.symbol,
                    "role": member.role.as_str(),
                    "references": member.references,
                })).collect::<Vec<_>>(),
                "files": candidate.files,
                "production_duplicates": candidate.production_duplicates,
                "test_doubles": candidate.test_doubles,
            })
        })
        .collect();
    let mut text = String::new();
    if declared.is_empty() {
        text.push_str("No concepts are declared (`[tool.ssot.concepts.NAME]`).");
    } else {
        text.push_str(&format!("{} declared concept(s):", declared.len()));
        for concept in &warm.derived().concepts {
            let compliance = warm
                .derived()
                .reports
                .iter()
                .find(|r| r.name == concept.name)
                .and_then(|r| r.total().ratio())
                .map_or_else(
                    || "no references".to_string(),
                    |r| format!("{:.0}% compliant", r * 100.0),
                );
            text.push_str(&format!(
                "\n- {}: canonical `{}` ({compliance})",
                concept.name, concept.canonical_path
            ));
        }
    }
    if !candidates.is_empty() {
        text.push_str(&format!(
            "\n{} undeclared concept candidate(s), best first:",
            candidates.len()
        ));
        for candidate in &candidates {
            text.push_str(&format!(
                "\n- {}: proposed canonical `{}`",
                candidate["name"].as_str().unwrap_or_default(),
                candidate["canonical"].as_str().unwrap_or_default()
            ));
        }
    }
    Ok(ToolAnswer {
        text,
        structured: json!({"declared": declared, "candidates": candidates}),
    })
}

fn compliance_json(compliance: Compliance) -> Value {
    json!({
        "references": compliance.references,
        "canonical_references": compliance.canonical_references,
        "ratio": compliance.ratio(),
    })
}
