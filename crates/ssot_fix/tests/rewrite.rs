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
//! shim: pkg.compat                   declare a shim of the last concept and run with `--shims`
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
    shims: bool,
}

fn read_fixture(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap();
    let (header, body) = text.split_once("=== ").expect("a fixture has files");
    let mut concepts = Vec::new();
    let mut unsafe_fixes = false;
    let mut shims = false;
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
            Some(("shim", module)) => {
                shims = true;
                let concept: &mut ConceptDeclaration = concepts.last_mut().unwrap();
                concept.shims.push(module.trim().to_string());
            }
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
        shims,
    }
}

fn run_case(path: &Path) -> String {
    let fixture = read_fixture(path);
    let options = ssot_fix::session::FixOptions {
        unsafe_fixes: fixture.unsafe_fixes,
        shims: fixture.shims,
        ..Default::default()
    };
    let outcome = fixture.project.fix_with(options);
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
    for (module, result) in &outcome.shims {
        out.push_str(&format!("shim {module}: {result:?}\n"));
    }
    assert!(
        outcome.failures.is_empty(),
        "{}: {:?}",
        path.display(),
        outcome.failures
    );

    common::check_fix_contract(&fixture.project, &outcome, options);
    out
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
