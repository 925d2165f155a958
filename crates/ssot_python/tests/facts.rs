//! Snapshot tests of the facts extracted from fixture sources, one snapshot per fixture.

use std::path::Path;

use ssot_python::{facts_from_bytes, SourceKind};

fn facts_of(name: &str) -> ssot_facts::FileFacts {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    facts_from_bytes(&bytes, SourceKind::from_path(name)).unwrap()
}

macro_rules! facts_snapshot {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            insta::assert_json_snapshot!(facts_of($file));
        }
    };
}

facts_snapshot!(imports_in_every_context, "imports.py");
facts_snapshot!(definitions_classes_functions_assignments, "definitions.py");
facts_snapshot!(dunder_all_static_forms, "dunder_all_static.py");
facts_snapshot!(dunder_all_sums, "dunder_all_forms.py");
facts_snapshot!(dunder_all_dynamic, "dunder_all_dynamic.py");
facts_snapshot!(module_getattr, "module_getattr.py");
facts_snapshot!(
    attribute_refs_tied_to_import_statements,
    "attribute_refs.py"
);
facts_snapshot!(syntax_error_keeps_recovered_facts, "syntax_error.py");
facts_snapshot!(crlf_line_endings, "crlf.py");
facts_snapshot!(bom_is_skipped, "bom.py");
facts_snapshot!(unterminated_string_at_end_of_file, "unterminated.py");
facts_snapshot!(suppression_comments_not_strings, "suppressions.py");
facts_snapshot!(
    calls_and_shared_instance_shapes,
    "calls_and_shared_instances.py"
);

#[test]
fn deeply_nested_expression_does_not_overflow_the_stack() {
    let depth = 20_000;
    let source = format!(
        "import pkg.mod\nx = {}pkg.mod.Thing{}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let facts = facts_from_bytes(source.as_bytes(), SourceKind::Python).unwrap();
    assert_eq!(facts.imports.len(), 1);
    // The parser may refuse to nest this deep; it must report that, not crash.
    assert!(facts.attribute_refs.len() == 1 || !facts.syntax_errors.is_empty());
}

#[test]
fn long_binary_chain_does_not_overflow_the_stack() {
    let source = format!("import m\nx = {}m.Y\n", "1 + ".repeat(100_000));
    let facts = facts_from_bytes(source.as_bytes(), SourceKind::Python).unwrap();
    assert_eq!(facts.attribute_refs.len(), 1);
}

#[test]
fn stub_files_parse_as_stubs() {
    let facts = facts_from_bytes(
        b"from a import B as B\ndef f() -> int: ...\n",
        SourceKind::Stub,
    )
    .unwrap();
    assert_eq!(facts.imports.len(), 1);
    assert!(facts.syntax_errors.is_empty());
}

#[test]
fn empty_file_has_no_facts() {
    let facts = facts_from_bytes(b"", SourceKind::Python).unwrap();
    assert_eq!(facts, ssot_facts::FileFacts::default());
}
