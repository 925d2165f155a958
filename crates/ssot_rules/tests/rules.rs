//! One fixture tree per rule (`tests/fixtures/<CODE>/`), run through the real parser and index,
//! with a snapshot of the diagnostics. A fixture may declare concepts in `concepts.txt`, one per
//! line: `NAME canonical=SYMBOL [members=SYMBOL,...] [shims=MODULE,...] [accessors=SYMBOL,...]
//! [factory=SYMBOL] [allow=SYMBOL,...]`.

use std::path::{Path, PathBuf};

use ssot_index::{collect_references, Project, ProjectFile, Resolver};
use ssot_python::{facts_from_bytes, facts_from_bytes_with, CallDetail, SourceKind};
use ssot_rules::call_sites::files_needing_call_sites;
use ssot_rules::{
    concepts::concept_reports, resolve_concepts, run_rules, CheckContext, ConceptDeclaration, Rule,
    RuleSelection, RULES,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn python_files(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            python_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "py" || e == "pyi") {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((relative, path));
        }
    }
}

fn declarations(dir: &Path) -> Vec<ConceptDeclaration> {
    let Ok(text) = std::fs::read_to_string(dir.join("concepts.txt")) else {
        return Vec::new();
    };
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut words = line.split_whitespace();
            let mut declaration = ConceptDeclaration {
                name: words.next().unwrap().to_string(),
                ..ConceptDeclaration::default()
            };
            for word in words {
                let (key, value) = word.split_once('=').unwrap();
                let list = || value.split(',').map(String::from).collect::<Vec<_>>();
                match key {
                    "canonical" => declaration.canonical = value.to_string(),
                    "members" => declaration.members = list(),
                    "shims" => declaration.shims = list(),
                    "accessors" => declaration.accessors = list(),
                    "factory" => declaration.factory = Some(value.to_string()),
                    "allow" => declaration.allow = list(),
                    other => panic!("unknown key {other} in concepts.txt"),
                }
            }
            declaration
        })
        .collect()
}

/// Runs the rules on a fixture and renders diagnostics and compliance as sorted text.
fn run_fixture(code: &str) -> String {
    run_fixture_at(code, CallDetail::Sites).0
}

/// Runs the rules on a fixture whose files are loaded at `detail`; at
/// [`CallDetail::Names`], the files [`files_needing_call_sites`] names are extracted again
/// in full first, as `ssot check` does. Also returns those files.
fn run_fixture_at(code: &str, detail: CallDetail) -> (String, Vec<String>) {
    let dir = fixtures().join(code);
    let mut paths = Vec::new();
    python_files(&dir, &dir, &mut paths);
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for (relative, path) in &paths {
        let bytes = std::fs::read(path).unwrap();
        match facts_from_bytes_with(&bytes, SourceKind::from_path(relative), detail) {
            Ok(facts) => files.push(ProjectFile {
                is_test: relative.contains("tests/") || relative.contains("/test_"),
                path: relative.clone(),
                facts,
            }),
            Err(err) => unreadable.push((relative.clone(), err.to_string())),
        }
    }
    let mut project = Project::new(files, &[String::new()]);
    let declarations = declarations(&dir);
    let (references, concepts) = {
        let mut resolver = Resolver::new(&project);
        let references = collect_references(&mut resolver);
        let concepts =
            resolve_concepts(&mut resolver, &declarations).expect("fixture concepts resolve");
        (references, concepts)
    };
    let rule = Rule::from_code_or_name(code).unwrap();
    // SSOT900 judges what the other rules reported, so it runs with all of them.
    let selection = if rule == Rule::UnusedSuppression {
        RuleSelection::from_selectors(&["ALL".into()], &[], &[]).unwrap()
    } else {
        RuleSelection::from_selectors(&[code.to_string()], &[], &[]).unwrap()
    };
    let needed = files_needing_call_sites(
        &CheckContext {
            project: &project,
            references: &references,
            concepts: &concepts,
            unreadable: &unreadable,
        },
        &selection,
    );
    let mut completed = Vec::new();
    for id in needed {
        let file = &mut project.files[id as usize];
        let (_, path) = paths
            .iter()
            .find(|(relative, _)| *relative == file.path)
            .unwrap();
        file.facts = facts_from_bytes(
            &std::fs::read(path).unwrap(),
            SourceKind::from_path(&file.path),
        )
        .unwrap();
        completed.push(file.path.clone());
    }
    let context = CheckContext {
        project: &project,
        references: &references,
        concepts: &concepts,
        unreadable: &unreadable,
    };
    let diagnostics = run_rules(&context, &selection);
    let mut text = String::new();
    for d in &diagnostics {
        text.push_str(&format!(
            "{}:{}:{}-{}:{} {} {}",
            d.path,
            d.start.line,
            d.start.column,
            d.end.line,
            d.end.column,
            d.rule.code(),
            d.message
        ));
        if let Some(concept) = &d.concept {
            text.push_str(&format!(" [concept {concept}]"));
        }
        if let Some(fix) = &d.fix {
            text.push_str(&format!(
                " [fix {}: {:?}]",
                fix.applicability.as_str(),
                fix.edits
            ));
        }
        text.push('\n');
    }
    for report in concept_reports(&project, &references, &concepts) {
        let total = report.total();
        text.push_str(&format!(
            "compliance {}: {}/{} (production {}/{}, tests {}/{})\n",
            report.name,
            total.canonical_references,
            total.references,
            report.production.canonical_references,
            report.production.references,
            report.tests.canonical_references,
            report.tests.references,
        ));
    }
    (text, completed)
}

/// A snapshot per rule, and the same findings when loading records call names only.
macro_rules! rule_snapshot {
    ($test:ident, $code:literal) => {
        #[test]
        fn $test() {
            let full = run_fixture($code);
            let (lazy, _) = run_fixture_at($code, CallDetail::Names);
            assert_eq!(
                lazy, full,
                "call sites extracted on demand change the findings"
            );
            insta::assert_snapshot!($code, full);
        }
    };
}

/// Only the files that can call a concept's class or accessor, or test files that call
/// `unittest.mock`, have their call sites extracted again.
#[test]
fn call_sites_are_extracted_again_only_where_rules_read_them() {
    let (_, completed) = run_fixture_at("SSOT301", CallDetail::Names);
    for path in [
        "app/views.py",
        "app/renamed.py",
        "app/star.py",
        "app/module_attr.py",
        "pkg/cached.py",
    ] {
        assert!(completed.iter().any(|p| p == path), "{path}: {completed:?}");
    }
    for path in ["app/unrelated.py", "pkg/core.py", "pkg/context.py"] {
        assert!(
            !completed.iter().any(|p| p == path),
            "{path}: {completed:?}"
        );
    }
    let (_, completed) = run_fixture_at("SSOT401", CallDetail::Names);
    assert!(
        completed.iter().any(|p| p == "tests/test_service.py"),
        "{completed:?}"
    );
    for path in ["pkg/core.py", "pkg/legacy.py", "pkg/simple.py"] {
        assert!(
            !completed.iter().any(|p| p == path),
            "{path}: {completed:?}"
        );
    }
    let (_, completed) = run_fixture_at("SSOT101", CallDetail::Names);
    assert!(completed.is_empty(), "{completed:?}");
}

rule_snapshot!(invalid_syntax, "SSOT001");
rule_snapshot!(unreadable_file, "SSOT002");
rule_snapshot!(non_canonical_import, "SSOT101");
rule_snapshot!(competing_definition_import, "SSOT102");
rule_snapshot!(dangling_import, "SSOT103");
rule_snapshot!(re_export_cycle, "SSOT104");
rule_snapshot!(competing_definition, "SSOT201");
rule_snapshot!(delegating_wrapper, "SSOT202");
rule_snapshot!(interface_drift, "SSOT203");
rule_snapshot!(undeclared_duplicate, "SSOT204");
rule_snapshot!(shared_instance_accessor, "SSOT301");
rule_snapshot!(module_level_instance, "SSOT302");
rule_snapshot!(test_double_bypass, "SSOT401");
rule_snapshot!(unused_suppression, "SSOT900");

/// Every rule has a fixture tree and a snapshot, so a new rule cannot land untested.
#[test]
fn every_rule_has_a_fixture_and_a_snapshot() {
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for info in RULES {
        assert!(
            fixtures().join(info.code).is_dir(),
            "{} has no fixture tree",
            info.code
        );
        let snapshot = snapshots.join(format!("rules__{}.snap", info.code));
        assert!(snapshot.is_file(), "{} has no snapshot", info.code);
    }
}

#[test]
fn canonical_symbol_that_does_not_exist_is_an_error() {
    let dir = fixtures().join("SSOT102");
    let mut paths = Vec::new();
    python_files(&dir, &dir, &mut paths);
    let files = paths
        .into_iter()
        .map(|(relative, path)| ProjectFile {
            facts: facts_from_bytes(&std::fs::read(path).unwrap(), SourceKind::Python).unwrap(),
            path: relative,
            is_test: false,
        })
        .collect();
    let project = Project::new(files, &[String::new()]);
    let declarations = vec![ConceptDeclaration {
        name: "manager".into(),
        canonical: "pkg.core:Managr".into(),
        members: vec!["pkg.nowhere:Thing".into()],
        ..ConceptDeclaration::default()
    }];
    let mut resolver = Resolver::new(&project);
    let errors = resolve_concepts(&mut resolver, &declarations).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        vec!["concept `manager`: canonical `pkg.core:Managr` does not exist: `pkg.core` does not bind `Managr`"]
    );
}

/// The diagnostics of `code`'s fixture with the given concepts declared.
fn diagnostics_with(
    code: &str,
    declarations: &[ConceptDeclaration],
) -> Vec<ssot_rules::Diagnostic> {
    let dir = fixtures().join(code);
    let mut paths = Vec::new();
    python_files(&dir, &dir, &mut paths);
    let files = paths
        .into_iter()
        .map(|(relative, path)| ProjectFile {
            facts: facts_from_bytes(&std::fs::read(path).unwrap(), SourceKind::Python).unwrap(),
            is_test: relative.contains("tests/") || relative.contains("/test_"),
            path: relative,
        })
        .collect();
    let project = Project::new(files, &[String::new()]);
    let mut resolver = Resolver::new(&project);
    let references = collect_references(&mut resolver);
    let concepts = resolve_concepts(&mut resolver, declarations).unwrap();
    let context = CheckContext {
        project: &project,
        references: &references,
        concepts: &concepts,
        unreadable: &[],
    };
    let selection = RuleSelection::from_selectors(&[code.to_string()], &[], &[]).unwrap();
    run_rules(&context, &selection)
}

/// Shared caches and registries are shared on purpose for settings and pools: the isolation
/// rules judge only the classes of declared concepts, so without one they report nothing.
#[test]
fn isolation_rules_report_nothing_without_a_concept() {
    for code in ["SSOT202", "SSOT203", "SSOT301", "SSOT302", "SSOT401"] {
        assert_eq!(diagnostics_with(code, &[]), Vec::new(), "{code}");
    }
}

#[test]
fn patch_target_fix_rewrites_only_the_string_contents_and_keeps_the_quotes() {
    let declarations = vec![ConceptDeclaration {
        name: "manager".into(),
        canonical: "pkg.core:Manager".into(),
        members: vec!["pkg.simple:SimpleManager".into()],
        shims: vec!["pkg.compat".into()],
        ..ConceptDeclaration::default()
    }];
    let source = std::fs::read_to_string(fixtures().join("SSOT401/tests/test_service.py")).unwrap();
    let mut fixed_lines = Vec::new();
    for diagnostic in diagnostics_with("SSOT401", &declarations) {
        let Some(fix) = diagnostic.fix else {
            continue;
        };
        assert_eq!(fix.applicability, ssot_rules::Applicability::Unsafe);
        let [edit] = fix.edits.as_slice() else {
            panic!("one edit per patch target");
        };
        let mut fixed = source.clone();
        fixed.replace_range(
            edit.span.start as usize..edit.span.end as usize,
            &edit.content,
        );
        let line = fixed
            .lines()
            .nth(diagnostic.start.line as usize - 1)
            .unwrap();
        fixed_lines.push(line.trim().to_string());
        assert!(
            ssot_python::facts_from_bytes(fixed.as_bytes(), SourceKind::Python)
                .unwrap()
                .syntax_errors
                .is_empty()
        );
    }
    assert_eq!(
        fixed_lines,
        vec![
            "@patch(\"pkg.core.Manager\")",
            "with patch('pkg.core.Manager'):",
            "with mock.patch(\"pkg.core.Manager\"):",
        ]
    );
}

#[test]
fn accessor_and_factory_that_do_not_exist_are_errors() {
    let dir = fixtures().join("SSOT301");
    let mut paths = Vec::new();
    python_files(&dir, &dir, &mut paths);
    let files = paths
        .into_iter()
        .map(|(relative, path)| ProjectFile {
            facts: facts_from_bytes(&std::fs::read(path).unwrap(), SourceKind::Python).unwrap(),
            path: relative,
            is_test: false,
        })
        .collect();
    let project = Project::new(files, &[String::new()]);
    let declarations = vec![ConceptDeclaration {
        name: "manager".into(),
        canonical: "pkg.core:Manager".into(),
        accessors: vec![
            "pkg.lazy:get_manger".into(),
            "pkg.singleton:ManagerHolder.instance".into(),
            "pkg.singleton:ManagerHolder.shared".into(),
            // Inherited from a first-party base, or possibly from a base outside the project.
            "pkg.singleton:SubHolder.instance".into(),
            "pkg.singleton:Configured.instance".into(),
        ],
        factory: Some("pkg.nowhere:create".into()),
        ..ConceptDeclaration::default()
    }];
    let mut resolver = Resolver::new(&project);
    let errors = resolve_concepts(&mut resolver, &declarations).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        vec![
            "concept `manager`: accessor `pkg.lazy:get_manger` does not exist: `pkg.lazy` does not bind `get_manger`",
            "concept `manager`: accessor `pkg.singleton:ManagerHolder.shared` does not exist: neither `ManagerHolder` nor its bases define a method `shared`",
            "concept `manager`: factory `pkg.nowhere:create` does not exist: there is no module `pkg.nowhere` in the project",
        ]
    );
}

/// SSOT204 is silent on the declared concept until a new copy lands: the fixture without
/// `pkg/new_copy.py` has no finding, with it one.
#[test]
fn undeclared_duplicate_fires_when_a_new_copy_lands_and_not_before() {
    let dir = fixtures().join("SSOT204");
    let mut paths = Vec::new();
    python_files(&dir, &dir, &mut paths);
    let run = |with_copy: bool| {
        let files = paths
            .iter()
            .filter(|(relative, _)| with_copy || relative != "pkg/new_copy.py")
            .map(|(relative, path)| ProjectFile {
                facts: facts_from_bytes(&std::fs::read(path).unwrap(), SourceKind::Python).unwrap(),
                is_test: relative.starts_with("tests/"),
                path: relative.clone(),
            })
            .collect();
        let project = Project::new(files, &[String::new()]);
        let mut resolver = Resolver::new(&project);
        let references = collect_references(&mut resolver);
        let concepts = resolve_concepts(&mut resolver, &declarations(&dir)).unwrap();
        let context = CheckContext {
            project: &project,
            references: &references,
            concepts: &concepts,
            unreadable: &[],
        };
        let selection = RuleSelection::from_selectors(&["SSOT204".into()], &[], &[]).unwrap();
        run_rules(&context, &selection)
            .into_iter()
            .map(|d| d.path)
            .collect::<Vec<_>>()
    };
    assert_eq!(run(false), Vec::<String>::new());
    assert_eq!(run(true), vec!["pkg/new_copy.py".to_string()]);
}
