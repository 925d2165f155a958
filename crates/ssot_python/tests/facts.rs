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

#[test]
fn call_detail_changes_only_the_call_facts() {
    use ssot_facts::{call_name_hash, CallDetail};
    for entry in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")).unwrap()
    {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let at = |detail| {
            ssot_python::facts_from_bytes_with(&bytes, SourceKind::from_path(&name), detail)
                .unwrap()
        };
        let sites = at(CallDetail::Sites);
        let names = at(CallDetail::Names);
        let nothing = at(CallDetail::Nothing);
        // Every callee a full extraction keeps ends in one of the recorded names.
        for callee in &sites.callees {
            let last = callee.rsplit('.').next().unwrap();
            assert!(
                sites.call_names.contains(&call_name_hash(last)),
                "{name}: `{callee}` is kept but `{last}` is not among the call names"
            );
        }
        assert_eq!(names.call_names, sites.call_names, "{name}");
        assert!(nothing.call_names.is_empty(), "{name}");
        let without_calls = |mut facts: ssot_facts::FileFacts| {
            facts.calls.clear();
            facts.callees.clear();
            facts.call_extras.clear();
            facts.call_names.clear();
            facts.call_detail = CallDetail::Sites;
            facts
        };
        assert!(names.calls.is_empty() && nothing.calls.is_empty(), "{name}");
        assert_eq!(names.call_detail, CallDetail::Names);
        assert_eq!(nothing.call_detail, CallDetail::Nothing);
        let sites = without_calls(sites);
        assert_eq!(without_calls(names), sites, "{name}");
        // Nothing also leaves out the other facts only the concept rules read.
        let mut nothing = without_calls(nothing);
        assert!(nothing.shared_instances.is_empty(), "{name}");
        assert!(nothing.local_classes.is_empty(), "{name}");
        nothing.shared_instances = sites.shared_instances.clone();
        nothing.local_classes = sites.local_classes.clone();
        for (definition, full) in nothing.definitions.iter_mut().zip(&sites.definitions) {
            if let (Some(class), Some(full)) = (&mut definition.class, &full.class) {
                assert!(class.attribute_types.is_empty(), "{name}");
                assert!(class.attribute_aliases.is_empty(), "{name}");
                assert!(class.attributes.is_empty(), "{name}");
                assert!(class.implements.is_empty(), "{name}");
                class.implements = full.implements.clone();
                class.attribute_types = full.attribute_types.clone();
                class.attribute_aliases = full.attribute_aliases.clone();
                class.attributes = full.attributes.clone();
            }
        }
        assert_eq!(nothing, sites, "{name}");
    }
}

#[test]
fn bare_annotation_declares_a_name_in_a_stub_only() {
    let source = b"import numpy as np\nadd: np.ufunc\nclass Kind:\n    label: str\ndef f():\n    local: int\n";
    let names = |kind| {
        facts_from_bytes(source, kind)
            .unwrap()
            .definitions
            .iter()
            .filter(|d| d.module_level)
            .map(|d| d.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(SourceKind::Stub), ["add", "Kind", "f"]);
    assert_eq!(names(SourceKind::Python), ["Kind", "f"]);
}

#[test]
fn import_guard_names_the_handler_that_catches() {
    let source = b"try:\n    from a import b\nexcept ModuleNotFoundError:\n    pass\nexcept Exception:\n    pass\ntry:\n    import c\nexcept:\n    pass\n";
    let facts = facts_from_bytes(source, SourceKind::Python).unwrap();
    let handlers: Vec<_> = facts
        .imports
        .iter()
        .map(|i| i.context.import_error_handler.as_str())
        .collect();
    assert_eq!(handlers, ["except Exception", "except:"]);
}

#[test]
fn dunder_all_mutated_in_a_function_is_dynamic() {
    let source = b"__all__ = ['a']\ndef extend_all(module):\n    for name in module.__all__:\n        __all__.append(name)\n";
    let facts = facts_from_bytes(source, SourceKind::Python).unwrap();
    assert_eq!(facts.dunder_all, ssot_facts::DunderAll::Dynamic);
    let local = b"__all__ = ['a']\ndef names():\n    return list(__all__)\n";
    let facts = facts_from_bytes(local, SourceKind::Python).unwrap();
    assert_eq!(
        facts.dunder_all,
        ssot_facts::DunderAll::Static(vec!["a".into()])
    );
}

/// Only a module-level registration of another module can load modules while the body runs:
/// one inside a function waits for a call, and `sys.modules[__name__] = ...` replaces the
/// module itself. The import-time model of `fix` reads this fact.
#[test]
fn module_registrations_at_import_time() {
    let at_import = |source: &str| {
        let facts = ssot_python::extract_facts(source, SourceKind::Python);
        (facts.registers_modules, facts.registers_modules_at_import)
    };
    assert_eq!(
        at_import("import sys\nfrom . import error\nsys.modules['py.error'] = error\n"),
        (true, true)
    );
    assert_eq!(
        at_import("import sys\nsys.meta_path.append(object())\n"),
        (true, true)
    );
    assert_eq!(
        at_import("import sys\ndef vendored(name):\n    sys.modules[name] = object()\n"),
        (true, false)
    );
    assert_eq!(
        at_import("import sys\nsys.modules[__name__] = object()\n"),
        (true, false)
    );
    assert_eq!(at_import("import importlib.util\n"), (false, false));
}
