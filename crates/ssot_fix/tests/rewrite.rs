//! Every form of SSOT101's rewrite, as fixture trees (`tests/fixtures/*.txt`) with a snapshot of
//! the diff `ssot fix` produces and of what it skipped, and the fix contract checked on each:
//! no verification failure, the new text parses, a second run makes no edits, only import
//! statement lines change, and `python3` compiles every rewritten file.
//!
//! A fixture is a header, then files:
//!
//! ```text
//! concept: pkg.core:Manager          the canonical symbol (several lines, several concepts)
//! unsafe                             apply unsafe fixes too
//! crlf: app.py                       give this file CRLF line endings
//! bom: app.py                        give this file a UTF-8 byte-order mark
//! === pkg/core.py
//! class Manager: ...
//! ```

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{visible, MemoryProject};
use ssot_rules::ConceptDeclaration;

struct Fixture {
    project: MemoryProject,
    unsafe_fixes: bool,
}

fn read_fixture(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap();
    let (header, body) = text.split_once("=== ").expect("a fixture has files");
    let mut concepts = Vec::new();
    let mut unsafe_fixes = false;
    let mut crlf = Vec::new();
    let mut bom = Vec::new();
    for line in header.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.split_once(':') {
            Some(("concept", symbol)) => concepts.push(ConceptDeclaration {
                name: format!("concept{}", concepts.len()),
                canonical: symbol.trim().to_string(),
                ..ConceptDeclaration::default()
            }),
            Some(("crlf", file)) => crlf.push(file.trim().to_string()),
            Some(("bom", file)) => bom.push(file.trim().to_string()),
            None if line == "unsafe" => unsafe_fixes = true,
            _ => panic!("{}: unknown header line {line:?}", path.display()),
        }
    }
    let mut files = BTreeMap::new();
    for chunk in format!("=== {body}").split("=== ").skip(1) {
        let (name, content) = chunk.split_once('\n').unwrap();
        let mut content = content.to_string();
        if crlf.iter().any(|f| f == name.trim()) {
            content = content.replace('\n', "\r\n");
        }
        let mut bytes = Vec::new();
        if bom.iter().any(|f| f == name.trim()) {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        bytes.extend_from_slice(content.as_bytes());
        files.insert(name.trim().to_string(), bytes);
    }
    Fixture {
        project: MemoryProject { files, concepts },
        unsafe_fixes,
    }
}

/// Lines (0-based) of `text` that belong to an import statement, use a module bound by
/// `import`, or carry a suppression comment: the only lines a fix may change.
fn editable_lines(path: &str, text: &str) -> Vec<bool> {
    let facts = ssot_python::extract_facts(text, ssot_python::SourceKind::from_path(path));
    let line_of = |offset: u32| text[..offset as usize].matches('\n').count();
    let mut editable = vec![false; text.split_inclusive('\n').count() + 1];
    for import in &facts.imports {
        editable[line_of(import.span.start)..=line_of(import.span.end)].fill(true);
    }
    // `import M` then `M.N`: the unsafe rewrite renames the uses.
    for import in &facts.imports {
        if import.kind != ssot_facts::ImportKind::Import {
            continue;
        }
        for name in &import.names {
            for use_site in ssot_python::name_occurrences(text, name.bound_name(&import.kind)) {
                editable[line_of(use_site.span.start)] = true;
            }
        }
    }
    for suppression in &facts.suppressions {
        editable[suppression.position.line as usize - 1] = true;
    }
    editable
}

fn run_case(path: &Path) -> String {
    let fixture = read_fixture(path);
    let outcome = fixture.project.fix(fixture.unsafe_fixes);
    let mut out = String::new();
    for changed in &outcome.changed {
        let bom = if changed.source.bom { "\u{feff}" } else { "" };
        out.push_str(&visible(&ssot_fix::diff::unified_diff(
            &changed.path,
            &format!("{bom}{}", changed.source.text),
            &format!("{bom}{}", changed.new_text),
        )));
    }
    for skipped in &outcome.skipped {
        let d = &skipped.diagnostic;
        out.push_str(&format!(
            "skipped {}:{}:{} {}: {}\n",
            d.path,
            d.start.line,
            d.start.column,
            d.rule.code(),
            skipped.reason
        ));
    }
    assert!(
        outcome.failures.is_empty(),
        "{}: {:?}",
        path.display(),
        outcome.failures
    );

    // The fix contract.
    let after = fixture.project.after(&outcome);
    for changed in &outcome.changed {
        let facts = ssot_python::extract_facts(
            &changed.new_text,
            ssot_python::SourceKind::from_path(&changed.path),
        );
        assert!(
            facts.syntax_errors.is_empty(),
            "{}: {:?}",
            changed.path,
            facts.syntax_errors
        );
        let editable = editable_lines(&changed.path, &changed.source.text);
        let diff = similar::TextDiff::from_lines(&changed.source.text, &changed.new_text);
        for op in diff.ops() {
            let old = op.old_range();
            let touched = match op.tag() {
                similar::DiffTag::Equal => continue,
                // An insertion sits right after an import line.
                similar::DiffTag::Insert => old.start.saturating_sub(1)..old.start,
                _ => old,
            };
            for line in touched {
                assert!(
                    editable[line],
                    "{}: line {} changed but is not an import line",
                    changed.path,
                    line + 1
                );
            }
        }
    }
    let second = after.fix(fixture.unsafe_fixes);
    assert!(
        second.changed.is_empty(),
        "{}: a second run changed {:?}",
        path.display(),
        second.changed.iter().map(|c| &c.path).collect::<Vec<_>>()
    );
    let changed: Vec<&str> = outcome.changed.iter().map(|c| c.path.as_str()).collect();
    compile_with_python(&after, &changed);
    out
}

/// `python3 -m py_compile` on the rewritten files.
fn compile_with_python(project: &MemoryProject, changed: &[&str]) {
    if changed.is_empty() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ssot-fix-compile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, bytes) in &project.files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, bytes).unwrap();
    }
    let status = std::process::Command::new("python3")
        .args(["-B", "-m", "py_compile"])
        .args(changed.iter().map(|path| dir.join(path)))
        .status()
        .expect("python3 runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(status.success(), "python3 could not compile the fixed tree");
}

#[test]
fn every_rewrite_form() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<_> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let output = run_case(&case);
        insta::assert_snapshot!(name, output);
    }
}
