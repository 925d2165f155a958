//! Every `ssot check` output format on one hand-built report whose paths and messages hold the
//! characters each format must escape, and the SARIF output against the OASIS SARIF 2.1.0
//! schema (tests/data/sarif-schema-2.1.0.json).

use std::io::Write;

use ssot_facts::{Position, Span};
use ssot_report::check::{
    render_check_concise, render_check_full, render_check_github, render_check_gitlab,
    render_check_json, render_check_junit, render_check_sarif, CheckReport,
};
use ssot_report::Style;
use ssot_rules::diagnostic::assign_fingerprints;
use ssot_rules::{Applicability, Compliance, ConceptReport, Diagnostic, Edit, Fix, Rule};

fn diagnostic(
    rule: Rule,
    path: &str,
    line: u32,
    column: u32,
    length: u32,
    message: &str,
) -> Diagnostic {
    Diagnostic::new(
        rule,
        path,
        Span {
            start: 0,
            end: length,
        },
        Position { line, column },
        message.to_string(),
    )
}

/// Diagnostics in two files, one of them with a comma, a space, an ampersand and a colon in
/// its name, and messages with quotes, markup, `%` and a line break.
fn diagnostics() -> Vec<Diagnostic> {
    let mut non_canonical = diagnostic(
        Rule::NonCanonicalImport,
        "app/main.py",
        2,
        22,
        7,
        "non-canonical path `pkg.compat:Manager` to `pkg.core:Manager` (concept `manager`)",
    );
    non_canonical.concept = Some("manager".into());
    non_canonical.import_path = Some("pkg.compat:Manager".into());
    non_canonical.fix = Some(Fix {
        applicability: Applicability::Safe,
        edits: vec![Edit {
            span: Span { start: 5, end: 15 },
            content: "pkg.core".into(),
        }],
    });
    let mut diagnostics = vec![
        non_canonical,
        diagnostic(
            Rule::DanglingImport,
            "app/main.py",
            5,
            22,
            5,
            "`pkg.old:Thing` leads nowhere: module `pkg.old` does not exist",
        ),
        diagnostic(
            Rule::InvalidSyntax,
            "scripts/odd, name&co:v1.py",
            1,
            7,
            1,
            "syntax error: 100% <broken> \"quoted\" & 'single'\nsecond line",
        ),
    ];
    // A script of a configured scope: every format says which scope a diagnostic is in.
    diagnostics[2].scope = "examples".to_string();
    // A file on a critical path: every format that carries properties says which tier.
    diagnostics[0].tier = Some("golden-path".to_string());
    assign_fingerprints(&mut diagnostics);
    diagnostics
}

fn concepts() -> Vec<ConceptReport> {
    vec![ConceptReport {
        name: "manager".into(),
        canonical: "pkg.core:Manager".into(),
        canonical_origin: "pkg.core:Manager".into(),
        production: Compliance {
            references: 3,
            canonical_references: 2,
        },
        tests: Compliance {
            references: 1,
            canonical_references: 0,
        },
        by_scope: [
            (
                "examples",
                Compliance {
                    references: 1,
                    canonical_references: 1,
                },
            ),
            (
                "production",
                Compliance {
                    references: 2,
                    canonical_references: 1,
                },
            ),
            (
                "test",
                Compliance {
                    references: 1,
                    canonical_references: 0,
                },
            ),
        ]
        .into_iter()
        .map(|(scope, compliance)| (scope.to_string(), compliance))
        .collect(),
        definitions: vec!["pkg.core:Manager".into()],
        canonical_file: 0,
        reference_files: vec![0],
        tier: Some("golden-path".into()),
    }]
}

fn source(path: &str) -> Option<String> {
    match path {
        "app/main.py" => Some(
            "import os\nfrom pkg.compat import Manager\n\ntry:\n\tfrom pkg.old import Thing\nexcept ImportError:\n    Thing = None\n"
                .to_string(),
        ),
        // The second file cannot be read: its diagnostic prints without a snippet.
        _ => None,
    }
}

fn render(
    diagnostics: &[Diagnostic],
    concepts: &[ConceptReport],
    renderer: impl FnOnce(&CheckReport<'_>, &mut dyn Write) -> std::io::Result<()>,
) -> String {
    let report = CheckReport {
        diagnostics,
        concepts,
        baselined: 0,
        fixed_since_baseline: 0,
        source: &source,
    };
    let mut out = Vec::new();
    renderer(&report, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

fn render_all(
    renderer: impl FnOnce(&CheckReport<'_>, &mut dyn Write) -> std::io::Result<()>,
) -> String {
    render(&diagnostics(), &concepts(), renderer)
}

#[test]
fn full_format() {
    insta::assert_snapshot!(render_all(|r, out| render_check_full(
        r,
        Style::plain(),
        out
    )));
}

#[test]
fn full_format_in_colour_only_when_asked() {
    let colored = render_all(|r, out| render_check_full(r, Style { color: true }, out));
    assert!(colored.contains("\x1b["));
    let plain = render_all(|r, out| render_check_full(r, Style::plain(), out));
    assert!(!plain.contains('\x1b'));
}

#[test]
fn concise_format() {
    insta::assert_snapshot!(render_all(render_check_concise));
}

#[test]
fn github_format() {
    insta::assert_snapshot!(render_all(render_check_github));
}

#[test]
fn junit_format() {
    insta::assert_snapshot!(render_all(render_check_junit));
}

#[test]
fn gitlab_format() {
    insta::assert_snapshot!(render_all(render_check_gitlab));
}

/// The SARIF log with each rule's documentation texts replaced by a marker, so that editing a
/// rule's docs does not change this snapshot (`sarif_rules_carry_the_rule_docs` checks them).
fn sarif_without_rule_docs(output: &str) -> String {
    let mut log: serde_json::Value = serde_json::from_str(output).unwrap();
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        for key in ["shortDescription", "fullDescription"] {
            rule[key]["text"] = "[doc]".into();
        }
        rule["help"]["text"] = "[doc]".into();
        rule["help"]["markdown"] = "[doc]".into();
    }
    serde_json::to_string_pretty(&log).unwrap()
}

#[test]
fn sarif_format() {
    insta::assert_snapshot!(sarif_without_rule_docs(&render_all(render_check_sarif)));
}

#[test]
fn sarif_rules_carry_the_rule_docs() {
    let log: serde_json::Value = serde_json::from_str(&render_all(render_check_sarif)).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), ssot_rules::RULES.len());
    for (rule, info) in rules.iter().zip(ssot_rules::RULES) {
        assert_eq!(rule["id"], info.code);
        assert_eq!(rule["name"], info.name);
        assert_eq!(rule["help"]["markdown"], info.doc);
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        let short = rule["shortDescription"]["text"].as_str().unwrap();
        assert!(
            !full.is_empty() && !full.contains('\n'),
            "{}: {full}",
            info.code
        );
        assert!(
            full.starts_with(short) && short.ends_with('.'),
            "{}: {short}",
            info.code
        );
    }
}

#[test]
fn clean_run_in_every_format() {
    let clean = |renderer: fn(&CheckReport<'_>, &mut dyn Write) -> std::io::Result<()>| {
        render(&[], &concepts(), renderer)
    };
    let full = |r: &CheckReport<'_>, out: &mut dyn Write| render_check_full(r, Style::plain(), out);
    insta::assert_snapshot!(
        "clean",
        [
            ("full", render(&[], &concepts(), full)),
            ("concise", clean(render_check_concise)),
            ("github", clean(render_check_github)),
            ("junit", clean(render_check_junit)),
            ("gitlab", clean(render_check_gitlab)),
        ]
        .iter()
        .map(|(name, output)| format!("--- {name}\n{output}"))
        .collect::<String>()
    );
}

#[test]
fn machine_formats_parse() {
    for renderer in [render_check_json, render_check_gitlab, render_check_sarif] {
        let output = render_all(renderer);
        serde_json::from_str::<serde_json::Value>(&output)
            .unwrap_or_else(|err| panic!("invalid JSON ({err}):\n{output}"));
    }
    let gitlab: serde_json::Value = serde_json::from_str(&render_all(render_check_gitlab)).unwrap();
    let fingerprints: std::collections::BTreeSet<&str> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| issue["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), 3, "GitLab needs unique fingerprints");
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, output: &str) {
    let log: serde_json::Value = serde_json::from_str(output).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid SARIF:\n{}\n{output}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let validator = sarif_validator();
    assert_valid_sarif(&validator, &render_all(render_check_sarif));
    assert_valid_sarif(&validator, &render(&[], &[], render_check_sarif));
}

#[test]
fn the_schema_check_catches_invalid_sarif() {
    let validator = sarif_validator();
    let mut log: serde_json::Value = serde_json::from_str(&render_all(render_check_sarif)).unwrap();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&log));
    let mut log: serde_json::Value = serde_json::from_str(&render_all(render_check_sarif)).unwrap();
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!validator.is_valid(&log));
    // Formats are checked too (draft 4 knows `uri`, not `uri-reference`).
    let mut log: serde_json::Value = serde_json::from_str(&render_all(render_check_sarif)).unwrap();
    log["$schema"] = "not a uri".into();
    assert!(!validator.is_valid(&log));
}

#[test]
fn sarif_rule_index_points_at_the_rule() {
    let log: serde_json::Value = serde_json::from_str(&render_all(render_check_sarif)).unwrap();
    let run = &log["runs"][0];
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            run["tool"]["driver"]["rules"][index]["id"],
            result["ruleId"]
        );
    }
}
