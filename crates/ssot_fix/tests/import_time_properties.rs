//! Property test of `ssot fix` against CPython's import order: generated packages whose
//! `__init__` re-exports a private module's class (directly, through a star import of a module
//! with or without `__all__`, or through a compat module) at a random place among imports of
//! its own submodules, submodules that read the class through every path (the defining module,
//! the package, the star module, the compat module; relative or absolute; at module level or in
//! functions) and import each other, and consumers outside the package. Some packages import a
//! submodule under `if True:`, which the model cannot evaluate: rewrites near it are unsafe,
//! and with `--unsafe-fixes` such trees are not held to the runtime oracle. The concept's canonical
//! path is the package re-export, so rewrites inside the package can be circular. Every tree
//! also has a dispatcher, `pkg._select`, that binds `Widget` by alternatives under a condition
//! (the class itself, or another one when the environment variable `SSOT_ORACLE_OTHER_BRANCH` is
//! set), and modules read `Widget` through it too.
//!
//! Each module is imported alone in a fresh interpreter state (`oracle/import_each.py`), before
//! and after `fix` (safe only, or with unsafe fixes), once on each branch of the dispatcher:
//! every module that imported before still imports, and binds every name (and every `probe_*`
//! function returns) the same object. A rewrite through the dispatcher is unsafe, so with
//! `--unsafe-fixes` only the branch the analysis follows is held to the oracle.

//!
//! `SSOT_IMPORT_TIME_PROPTEST_CASES` (default 32) and `SSOT_IMPORT_TIME_PROPTEST_SEED` run more
//! or other trees.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::MemoryProject;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use ssot_rules::ConceptDeclaration;

const ORACLE: &str = include_str!("oracle/import_each.py");

/// Set, `pkg._select` binds `Widget` to another class: the branch the analysis does not follow.
const OTHER_BRANCH: &str = "SSOT_ORACLE_OTHER_BRANCH";

/// Submodules `pkg._m0`, `pkg._m1`, ... of every tree.
const INNER: usize = 3;

/// How `pkg/__init__.py` binds `Widget`.
#[derive(Clone, Copy, Debug)]
enum ReExport {
    Direct,
    Star,
    Compat,
}

#[derive(Clone, Debug)]
enum InitStatement {
    /// `from . import _mK`
    Import(usize),
    /// `def load_K(): from . import _mK`
    Lazy(usize),
    /// `if True: from . import _mK`: the model cannot evaluate the condition.
    Conditional(usize),
}

/// Where a module reads `Widget` from.
#[derive(Clone, Copy, Debug)]
enum Source {
    Defining,
    Package,
    Star,
    Compat,
    /// `pkg._select`, which binds `Widget` by alternatives under a condition.
    Select,
}

#[derive(Clone, Debug)]
enum Statement {
    Read {
        source: Source,
        relative: bool,
        alias: bool,
        in_function: bool,
    },
    /// `from . import _mK` (inside the package only)
    Sibling(usize),
}

#[derive(Clone, Debug)]
struct Tree {
    impl_all: bool,
    re_export: ReExport,
    /// `pkg/__init__`'s other statements, and where among them the re-export goes.
    init: Vec<InitStatement>,
    re_export_at: usize,
    inner: Vec<Vec<Statement>>,
    consumers: Vec<Vec<Statement>>,
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        Just(Source::Defining),
        Just(Source::Package),
        Just(Source::Star),
        Just(Source::Compat),
        Just(Source::Select),
    ]
}

fn statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        4 => (source(), any::<bool>(), any::<bool>(), prop::bool::weighted(0.3)).prop_map(
            |(source, relative, alias, in_function)| Statement::Read {
                source,
                relative,
                alias,
                in_function,
            }
        ),
        1 => (0..INNER).prop_map(Statement::Sibling),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    let init_statement = prop_oneof![
        3 => (0..INNER).prop_map(InitStatement::Import),
        1 => (0..INNER).prop_map(InitStatement::Lazy),
        1 => (0..INNER).prop_map(InitStatement::Conditional),
    ];
    (
        any::<bool>(),
        prop_oneof![
            2 => Just(ReExport::Direct),
            1 => Just(ReExport::Star),
            1 => Just(ReExport::Compat),
        ],
        prop::collection::vec(init_statement, 0..=3),
        0..=3usize,
        prop::collection::vec(prop::collection::vec(statement(), 1..=3), INNER),
        prop::collection::vec(prop::collection::vec(statement(), 1..=3), 1..=2),
    )
        .prop_map(
            |(impl_all, re_export, init, re_export_at, inner, consumers)| Tree {
                re_export_at: re_export_at.min(init.len()),
                impl_all,
                re_export,
                init,
                inner,
                consumers,
            },
        )
}

/// A module's text from its statements; `inside` for modules of `pkg` (relative imports allowed).
fn render(statements: &[Statement], inside: bool) -> String {
    let mut text = String::new();
    for (s, statement) in statements.iter().enumerate() {
        match statement {
            Statement::Read {
                source,
                relative,
                alias,
                in_function,
            } => {
                let relative = inside && *relative;
                let module = match (source, relative) {
                    (Source::Defining, false) => "pkg._impl",
                    (Source::Defining, true) => "._impl",
                    (Source::Package, false) => "pkg",
                    (Source::Package, true) => ".",
                    (Source::Star, false) => "pkg._star",
                    (Source::Star, true) => "._star",
                    (Source::Compat, false) => "pkg.compat",
                    (Source::Compat, true) => ".compat",
                    (Source::Select, false) => "pkg._select",
                    (Source::Select, true) => "._select",
                };
                let local = if *alias {
                    format!("Widget as W{s}")
                } else {
                    "Widget".to_string()
                };
                let bound = if *alias {
                    format!("W{s}")
                } else {
                    "Widget".to_string()
                };
                if *in_function {
                    text.push_str(&format!(
                        "\n\ndef probe_{s}():\n    from {module} import {local}\n\n    return {bound}\n\n\n"
                    ));
                } else {
                    text.push_str(&format!("from {module} import {local}\n"));
                }
            }
            Statement::Sibling(k) if inside => text.push_str(&format!("from . import _m{k}\n")),
            Statement::Sibling(k) => text.push_str(&format!("from pkg import _m{k}\n")),
        }
    }
    text
}

fn project_of(tree: &Tree) -> MemoryProject {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let all = if tree.impl_all {
        "__all__ = [\"Widget\", \"Gadget\"]\n\n\n"
    } else {
        ""
    };
    files.insert(
        "pkg/_impl.py".into(),
        format!("{all}class Widget:\n    pass\n\n\nclass Gadget:\n    pass\n"),
    );
    files.insert("pkg/_star.py".into(), "from ._impl import *\n".into());
    files.insert(
        "pkg/compat.py".into(),
        "from pkg._impl import Widget, Gadget\n".into(),
    );
    files.insert(
        "pkg/_select.py".into(),
        format!(
            "import os\n\nif os.environ.get(\"{OTHER_BRANCH}\"):\n    from ._impl import Gadget as Widget\nelse:\n    from ._impl import Widget\n"
        ),
    );
    let mut init = String::new();
    for (i, statement) in tree.init.iter().enumerate() {
        if i == tree.re_export_at {
            init.push_str(re_export_line(tree.re_export));
        }
        match statement {
            InitStatement::Import(k) => init.push_str(&format!("from . import _m{k}\n")),
            InitStatement::Conditional(k) => {
                init.push_str(&format!("if True:\n    from . import _m{k}\n"))
            }
            InitStatement::Lazy(k) => init.push_str(&format!(
                "\n\ndef load_{i}():\n    from . import _m{k}\n\n    return _m{k}\n\n\n"
            )),
        }
    }
    if tree.re_export_at >= tree.init.len() {
        init.push_str(re_export_line(tree.re_export));
    }
    files.insert("pkg/__init__.py".into(), init);
    for (k, statements) in tree.inner.iter().enumerate() {
        files.insert(format!("pkg/_m{k}.py"), render(statements, true));
    }
    for (i, statements) in tree.consumers.iter().enumerate() {
        files.insert(format!("app{i}.py"), render(statements, false));
    }
    MemoryProject {
        files: files
            .into_iter()
            .map(|(path, text)| (path, text.into_bytes()))
            .collect(),
        concepts: vec![ConceptDeclaration {
            name: "widget".to_string(),
            canonical: "pkg:Widget".to_string(),
            ..ConceptDeclaration::default()
        }],
    }
}

fn re_export_line(re_export: ReExport) -> &'static str {
    match re_export {
        ReExport::Direct => "from ._impl import Widget\n",
        ReExport::Star => "from ._star import *\n",
        ReExport::Compat => "from .compat import Widget\n",
    }
}

/// What each module binds when imported alone, as JSON values by module name; on the
/// dispatcher's other branch when `other_branch`.
fn python_view(
    project: &MemoryProject,
    dir: &Path,
    other_branch: bool,
) -> BTreeMap<String, serde_json::Value> {
    let env: &[(&str, &str)] = if other_branch {
        &[(OTHER_BRANCH, "1")]
    } else {
        &[]
    };
    let printed = common::run_python_oracle_with(project, dir, ORACLE, env);
    let _ = std::fs::remove_dir_all(dir);
    serde_json::from_slice(&printed).expect("the oracle prints JSON")
}

/// A module's view without the submodules bound on it as a side effect of importing them
/// (`pkg._star` once anything imports `pkg._star`): a rewrite that stops importing a legacy
/// module drops that attribute, which is the documented cost of the rewrite, not a broken
/// import.
fn own_names(module: &str, view: &serde_json::Value) -> serde_json::Value {
    let mut view = view.clone();
    if let Some(names) = view.as_object_mut() {
        names.retain(|key, value| value.as_str() != Some(&format!("module {module}.{key}")));
    }
    view
}

fn listing(project: &MemoryProject) -> String {
    project
        .files
        .iter()
        .map(|(path, bytes)| format!("=== {path}\n{}", String::from_utf8_lossy(bytes)))
        .collect()
}

fn check(
    tree: &Tree,
    unsafe_fixes: bool,
    work: &Path,
    tally: &std::cell::Cell<(u32, u32)>,
) -> Result<(), TestCaseError> {
    let project = project_of(tree);
    let before = python_view(&project, &work.join("before"), false);
    let before_other = python_view(&project, &work.join("before"), true);
    let outcome = project.fix(unsafe_fixes);
    prop_assert!(
        outcome.failures.is_empty(),
        "verification failed: {:?}",
        outcome.failures
    );
    let options = ssot_fix::session::FixOptions {
        unsafe_fixes,
        ..Default::default()
    };
    let after_project = common::check_fix_contract(&project, &outcome, options);
    let after = python_view(&after_project, &work.join("after"), false);
    let after_other = python_view(&after_project, &work.join("after"), true);
    let fixed: u32 = outcome.changed.iter().flat_map(|c| c.fixed.values()).sum();
    let importable = before.values().filter(|v| v.get("error").is_none()).count() as u32;
    let (f, i) = tally.get();
    tally.set((f + fixed, i + importable));
    // An import under a condition makes a rewrite near it unsafe: `--unsafe-fixes` may then
    // break an import on purpose, so only safe runs are held to the runtime oracle there.
    let conditional = tree
        .init
        .iter()
        .any(|s| matches!(s, InitStatement::Conditional(_)));
    if unsafe_fixes && conditional {
        return Ok(());
    }
    // A rewrite between a path through the dispatcher and one that avoids it is unsafe: with
    // `--unsafe-fixes` it may change what the other branch gets, on purpose.
    let branches: &[(&str, _, _)] = if unsafe_fixes {
        &[("", &before, &after)]
    } else {
        &[
            ("", &before, &after),
            (
                " on the dispatcher's other branch",
                &before_other,
                &after_other,
            ),
        ]
    };
    for (branch, before, after) in branches {
        for (module, view) in before.iter() {
            if view.get("error").is_some() {
                continue;
            }
            prop_assert_eq!(
                Some(own_names(module, view)),
                after.get(module).map(|v| own_names(module, v)),
                "`{}` imports differently after the fix{}\n--- before\n{}--- after\n{}",
                module,
                branch,
                listing(&project),
                listing(&after_project)
            );
        }
    }
    Ok(())
}

#[test]
fn fixes_never_break_an_import() {
    let config = common::proptest_config(
        "SSOT_IMPORT_TIME_PROPTEST_CASES",
        "SSOT_IMPORT_TIME_PROPTEST_SEED",
        32,
        0x1313_0b0e,
    );
    let (cases, seed) = (config.cases, config.rng_seed);
    let work = std::env::temp_dir().join(format!("ssot-import-time-{}", std::process::id()));
    let tally = std::cell::Cell::new((0, 0));
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(tree(), any::<bool>()), |(tree, unsafe_fixes)| {
        check(&tree, unsafe_fixes, &work, &tally)
    });
    let (fixed, importable) = tally.get();
    eprintln!(
        "import_time_properties: {cases} trees (seed {seed:?}), {fixed} violations fixed, \
         {importable} modules importable before"
    );
    let _ = std::fs::remove_dir_all(&work);
    if let Err(err) = result {
        panic!("{err}");
    }
    assert!(
        fixed > cases,
        "the generator should produce fixable imports"
    );
}
