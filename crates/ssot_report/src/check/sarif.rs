//! `--output-format sarif`: a SARIF 2.1.0 log (OASIS), as GitHub code scanning and other
//! result viewers read it.
//!
//! One run; `tool.driver.rules` lists every rule of the registry in code order, so a result's
//! `ruleIndex` is stable across runs whatever was selected. Locations are relative URIs against
//! `%SRCROOT%` (the project root), so the log holds no machine-specific path. Columns count
//! Unicode code points, which the run declares with `columnKind`.

use std::io::{self, Write};

use serde::Serialize;
use ssot_rules::{Diagnostic, RULES};

use super::CheckReport;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base every artifact URI is relative to: the project root.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: PartialFingerprints<'a>,
    properties: ResultProperties<'a>,
}

/// `properties` of a result: where in the project it is.
#[derive(Serialize)]
struct ResultProperties<'a> {
    /// `production`, `test` or a configured scope.
    scope: &'a str,
    /// The critical-path tier of the file, or null.
    tier: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

/// `partialFingerprints`: the diagnostic's fingerprint (stable across line shifts) under a
/// versioned key, to change if the fingerprint's recipe does.
#[derive(Serialize)]
struct PartialFingerprints<'a> {
    #[serde(rename = "ssot/v1")]
    fingerprint: &'a str,
}

/// Writes the SARIF log.
pub fn render_check_sarif(report: &CheckReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let repository = env!("CARGO_PKG_REPOSITORY");
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "ssot",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: (!repository.is_empty()).then_some(repository),
                    rules: RULES.iter().map(rule_descriptor).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: report.diagnostics.iter().map(result).collect(),
        }],
    };
    let mut writer = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut writer, &log)?;
    writer.write_all(b"\n")?;
    writer.flush()
}

fn rule_descriptor(info: &ssot_rules::registry::RuleInfo) -> ReportingDescriptor {
    let summary = doc_section(info.doc, "What it does");
    ReportingDescriptor {
        id: info.code,
        name: info.name,
        short_description: Text {
            text: first_sentence(&summary).to_string(),
        },
        full_description: Text { text: summary },
        help: Help {
            text: info.doc,
            markdown: info.doc,
        },
        default_configuration: Configuration { level: "error" },
    }
}

fn result(d: &Diagnostic) -> SarifResult<'_> {
    let rule_index = RULES
        .iter()
        .position(|info| info.rule == d.rule)
        .expect("every rule is in the registry");
    SarifResult {
        rule_id: d.rule.code(),
        rule_index,
        level: "error",
        message: Text {
            text: d.message.clone(),
        },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: relative_uri(&d.path),
                    uri_base_id: SRCROOT,
                },
                region: Region {
                    start_line: d.start.line.max(1),
                    start_column: d.start.column.max(1),
                    end_line: d.end.line.max(d.start.line).max(1),
                    end_column: d.end.column.max(1),
                },
            },
        }],
        partial_fingerprints: PartialFingerprints {
            fingerprint: &d.fingerprint,
        },
        properties: ResultProperties {
            scope: &d.scope,
            tier: d.tier.as_deref(),
        },
    }
}

/// The body of a `## heading` section of a rule's documentation, unwrapped to one paragraph.
fn doc_section(doc: &str, heading: &str) -> String {
    let marker = format!("## {heading}\n");
    let Some(start) = doc.find(&marker) else {
        return String::new();
    };
    let body = &doc[start + marker.len()..];
    let body = body.find("\n## ").map_or(body, |end| &body[..end]);
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Up to and including the first full stop followed by a space (or the end).
fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(end) => &text[..=end],
        None => text,
    }
}

/// A project-relative path as a relative URI reference: `/`-separated segments with every
/// byte outside RFC 3986's unreserved set percent-encoded (so a `:` in the first segment cannot
/// read as a scheme, and spaces or non-ASCII names stay valid).
pub(crate) fn relative_uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for (index, segment) in path.split(['/', '\\']).enumerate() {
        if index > 0 {
            uri.push('/');
        }
        for byte in segment.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                uri.push(byte as char);
            } else {
                uri.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_encode_everything_but_unreserved_characters() {
        assert_eq!(relative_uri("pkg/core.py"), "pkg/core.py");
        assert_eq!(
            relative_uri("scripts/odd, name&:é.py"),
            "scripts/odd%2C%20name%26%3A%C3%A9.py"
        );
        assert_eq!(relative_uri("a\\b.py"), "a/b.py");
    }

    #[test]
    fn descriptions_come_from_what_it_does() {
        let doc = "# x (SSOT0)\n\n## What it does\nReports a thing. Then\nmore.\n\n## Why is this bad?\nBecause.\n";
        assert_eq!(
            doc_section(doc, "What it does"),
            "Reports a thing. Then more."
        );
        assert_eq!(
            first_sentence("Reports a thing. Then more."),
            "Reports a thing."
        );
        assert_eq!(first_sentence("No full stop"), "No full stop");
        assert_eq!(doc_section(doc, "Missing"), "");
    }

    #[test]
    fn every_rule_has_a_short_description() {
        for info in RULES {
            let descriptor = rule_descriptor(info);
            assert!(
                descriptor.short_description.text.ends_with('.'),
                "{}: {:?}",
                info.code,
                descriptor.short_description.text
            );
        }
    }
}
