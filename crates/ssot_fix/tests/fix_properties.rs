//! Property test of `ssot fix` on generated package trees with random formatting.
//!
//! Each tree has a canonical `pkg.core:Manager`, re-exports of it (`pkg`, `pkg.compat`, an alias
//! `LegacyManager`, `pkg.sub:SubManager`) and consumer modules that import it and its neighbours
//! through every path, in every statement layout (one line, parenthesised on one or many lines
//! with or without a trailing comma, backslash continuations, semicolons, comments inside),
//! at module level, in functions, `try` blocks, `if` and `if TYPE_CHECKING` blocks, with LF or
//! CRLF line endings, a BOM or not, spaces or tabs. After `fix` (safe only, or with unsafe
//! fixes):
//!
//! - no file failed verification, and the fix contract holds (see `common::check_fix_contract`:
//!   every rewritten file parses and `python3 -m py_compile`s, only import lines changed, a
//!   second run makes no edits, every binding resolves as before);
//! - `python3` importing every module (and calling every `probe_*` function, which returns the
//!   names its function-level imports bound) sees the same objects before and after.
//!
//! `SSOT_FIX_PROPTEST_CASES` (default 32) and `SSOT_FIX_PROPTEST_SEED` run more or other trees.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::MemoryProject;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use ssot_rules::ConceptDeclaration;

const ORACLE: &str = include_str!("oracle/import_all.py");

/// Modules a consumer imports from, and the names each offers.
const SOURCES: &[(&str, &[&str])] = &[
    (
        "pkg.compat",
        &["Manager", "LegacyManager", "Other", "helper2"],
    ),
    ("pkg", &["Manager"]),
    ("pkg.sub", &["SubManager"]),
    (".compat", &["Manager", "LegacyManager", "Other", "helper2"]),
    ("pkg.core", &["Manager", "Other", "helper"]),
    (".sub", &["SubManager", "Manager"]),
];

const BASE: &[(&str, &str)] = &[
    ("pkg/__init__.py", "from pkg.core import Manager\n"),
    (
        "pkg/core.py",
        "class Manager:\n    pass\n\n\nclass Other:\n    pass\n\n\ndef helper():\n    return 1\n",
    ),
    (
        "pkg/compat.py",
        "from pkg.core import Manager, Other\n\nLegacyManager = Manager\n\n\ndef helper2():\n    return 2\n",
    ),
    (
        "pkg/sub/__init__.py",
        "from ..compat import Manager as SubManager\nfrom .. import Manager\n",
    ),
];

#[derive(Clone, Debug)]
enum Layout {
    Plain,
    ParensOneLine,
    ParensMulti { trailing_comma: bool },
    Backslash,
    CommentInside,
    Semicolons,
}

#[derive(Clone, Debug)]
enum Place {
    Module,
    Function,
    Try,
    TypeChecking,
    IfTrue,
}

#[derive(Clone, Debug)]
struct Statement {
    source: usize,
    /// (index into the source's names, written with an alias)
    names: Vec<(usize, bool)>,
    layout: Layout,
    place: Place,
}

#[derive(Clone, Debug)]
struct Consumer {
    statements: Vec<Statement>,
    crlf: bool,
    bom: bool,
    tabs: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        3 => Just(Layout::Plain),
        1 => Just(Layout::ParensOneLine),
        2 => any::<bool>().prop_map(|trailing_comma| Layout::ParensMulti { trailing_comma }),
        1 => Just(Layout::Backslash),
        1 => Just(Layout::CommentInside),
        1 => Just(Layout::Semicolons),
    ]
}

fn place() -> impl Strategy<Value = Place> {
    prop_oneof![
        4 => Just(Place::Module),
        2 => Just(Place::Function),
        1 => Just(Place::Try),
        1 => Just(Place::TypeChecking),
        1 => Just(Place::IfTrue),
    ]
}

fn statement() -> impl Strategy<Value = Statement> {
    (0..SOURCES.len())
        .prop_flat_map(|source| {
            let count = SOURCES[source].1.len();
            (
                Just(source),
                prop::collection::vec((0..count, any::<bool>()), 1..=4),
                layout(),
                place(),
            )
        })
        .prop_map(|(source, names, layout, place)| Statement {
            source,
            names,
            layout,
            place,
        })
}

fn consumer() -> impl Strategy<Value = Consumer> {
    (
        prop::collection::vec(statement(), 1..=5),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(statements, crlf, bom, tabs)| Consumer {
            statements,
            crlf,
            bom,
            tabs,
        })
}

/// Renders one consumer module.
fn render(consumer: &Consumer) -> Vec<u8> {
    let indent = if consumer.tabs { "\t" } else { "    " };
    let mut text = String::from("from typing import TYPE_CHECKING\n\n");
    let mut bound: Vec<String> = Vec::new();
    for (s, statement) in consumer.statements.iter().enumerate() {
        let (module, offered) = SOURCES[statement.source];
        let mut items = Vec::new();
        let mut locals = Vec::new();
        for (j, &(name_index, alias)) in statement.names.iter().enumerate() {
            let name = offered[name_index];
            let local =
                if alias || bound.iter().any(|b| b == name) || locals.contains(&name.to_string()) {
                    format!("{name}_{s}_{j}")
                } else {
                    name.to_string()
                };
            items.push(if local == name {
                name.to_string()
            } else {
                format!("{name} as {local}")
            });
            locals.push(local);
        }
        bound.extend(locals.iter().cloned());
        let base = match statement.place {
            Place::Module => "",
            _ => indent,
        };
        let inner = format!("{base}{indent}");
        let import = match &statement.layout {
            Layout::Plain => format!("{base}from {module} import {}", items.join(", ")),
            Layout::ParensOneLine => format!("{base}from {module} import ({})", items.join(", ")),
            Layout::ParensMulti { trailing_comma } => format!(
                "{base}from {module} import (\n{inner}{}{}\n{base})",
                items.join(&format!(",\n{inner}")),
                if *trailing_comma { "," } else { "" }
            ),
            Layout::Backslash => format!(
                "{base}from {module} \\\n{inner}import {}",
                items.join(&format!(", \\\n{inner}"))
            ),
            Layout::CommentInside => format!(
                "{base}from {module} import (  # why\n{inner}{},  # a note\n{base})",
                items.join(&format!(",\n{inner}"))
            ),
            Layout::Semicolons => format!(
                "{base}x_{s} = 1; from {module} import {}; y_{s} = 2",
                items.join(", ")
            ),
        };
        match statement.place {
            Place::Module => text.push_str(&format!("{import}\n")),
            Place::Function => text.push_str(&format!(
                "\n\ndef probe_{s}():\n{import}\n{indent}return ({},)\n\n\n",
                locals.join(", ")
            )),
            Place::Try => text.push_str(&format!(
                "try:\n{import}\nexcept ImportError:\n{indent}raise\n"
            )),
            Place::TypeChecking => text.push_str(&format!("if TYPE_CHECKING:\n{import}\n")),
            Place::IfTrue => text.push_str(&format!("if True:\n{import}\n")),
        }
    }
    if consumer.crlf {
        text = text.replace('\n', "\r\n");
    }
    let mut bytes = Vec::new();
    if consumer.bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn project_of(consumers: &[Consumer]) -> MemoryProject {
    let mut files: BTreeMap<String, Vec<u8>> = BASE
        .iter()
        .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
        .collect();
    for (i, consumer) in consumers.iter().enumerate() {
        files.insert(format!("pkg/use{i}.py"), render(consumer));
    }
    MemoryProject {
        files,
        concepts: vec![ConceptDeclaration {
            name: "manager".to_string(),
            canonical: "pkg.core:Manager".to_string(),
            ..ConceptDeclaration::default()
        }],
    }
}

/// What `python3` sees every module bind, as JSON text.
fn python_view(project: &MemoryProject, dir: &Path) -> String {
    String::from_utf8(common::run_python_oracle(project, dir, ORACLE)).unwrap()
}

fn check(
    consumers: &[Consumer],
    unsafe_fixes: bool,
    work: &Path,
    fixed: &std::cell::Cell<u32>,
) -> Result<(), TestCaseError> {
    let project = project_of(consumers);
    let outcome = project.fix(unsafe_fixes);
    fixed.set(
        fixed.get()
            + outcome
                .changed
                .iter()
                .flat_map(|c| c.fixed.values())
                .sum::<u32>(),
    );
    prop_assert!(
        outcome.failures.is_empty(),
        "verification failed: {:?}",
        outcome.failures
    );
    let options = ssot_fix::session::FixOptions {
        unsafe_fixes,
        ..Default::default()
    };
    let after = common::check_fix_contract(&project, &outcome, options);
    // Every safe rewrite was made: what is left is unsafe or not a fix's business.
    for skipped in &outcome.skipped {
        prop_assert!(
            skipped.reason.contains("unsafe"),
            "{}:{} skipped: {}",
            skipped.diagnostic.path,
            skipped.diagnostic.start.line,
            skipped.reason
        );
    }
    let before_view = python_view(&project, &work.join("before"));
    let after_view = python_view(&after, &work.join("after"));
    prop_assert_eq!(before_view, after_view);
    Ok(())
}

#[test]
fn fixes_keep_every_binding_and_converge() {
    let config = common::proptest_config(
        "SSOT_FIX_PROPTEST_CASES",
        "SSOT_FIX_PROPTEST_SEED",
        32,
        0x5507_f1c5,
    );
    let (cases, seed) = (config.cases, config.rng_seed);
    let work = std::env::temp_dir().join(format!("ssot-fix-properties-{}", std::process::id()));
    let fixed = std::cell::Cell::new(0);
    let mut runner = TestRunner::new(config);
    let strategy = (prop::collection::vec(consumer(), 1..=4), any::<bool>());
    let result = runner.run(&strategy, |(consumers, unsafe_fixes)| {
        check(&consumers, unsafe_fixes, &work, &fixed)
    });
    eprintln!(
        "fix_properties: {cases} trees (seed {seed:?}), {} violations fixed",
        fixed.get()
    );
    assert!(
        fixed.get() > cases,
        "the generator should produce fixable imports"
    );
    let _ = std::fs::remove_dir_all(&work);
    if let Err(err) = result {
        panic!("{err}");
    }
}
