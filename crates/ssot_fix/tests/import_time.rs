//! `fix` never breaks a program at import time: a rewrite that would read a partially
//! initialised module (a circular import) is not written, and each module still imports in a
//! fresh `python3` afterwards.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::MemoryProject;
use ssot_rules::ConceptDeclaration;

fn project(files: &[(&str, &str)], canonical: &str) -> MemoryProject {
    MemoryProject {
        files: files
            .iter()
            .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
            .collect::<BTreeMap<_, _>>(),
        concepts: vec![ConceptDeclaration {
            name: "b".to_string(),
            canonical: canonical.to_string(),
            ..ConceptDeclaration::default()
        }],
    }
}

/// Imports each module in a fresh `python3`: the modules that fail, with their error.
fn import_failures(project: &MemoryProject, dir: &Path) -> Vec<String> {
    let _ = std::fs::remove_dir_all(dir);
    for (path, bytes) in &project.files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, bytes).unwrap();
    }
    let mut failures = Vec::new();
    for path in project.files.keys() {
        let module = path
            .trim_end_matches(".py")
            .trim_end_matches("/__init__")
            .replace('/', ".");
        let output = std::process::Command::new("python3")
            .args(["-I", "-B", "-c", "import importlib, sys; sys.path.insert(0, sys.argv[1]); importlib.import_module(sys.argv[2])"])
            .arg(dir)
            .arg(&module)
            .output()
            .expect("python3 runs");
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            failures.push(format!("{module}: {}", stderr.lines().last().unwrap_or("")));
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    failures
}

fn work_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ssot-import-time-{name}-{}", std::process::id()))
}

/// The case from the issue: `pkg/__init__` imports `_a` before it binds `B`, and `_a` imports
/// `B` from the defining module. Going through the package there would be circular.
#[test]
fn package_re_export_is_not_used_inside_the_package_before_it_is_bound() {
    let tree = project(
        &[
            ("pkg/__init__.py", "from . import _a\nfrom ._b import B\n"),
            ("pkg/_a.py", "from ._b import B\n"),
            ("pkg/_b.py", "class B:\n    pass\n"),
            ("pkg/compat.py", "from ._b import B\n"),
            ("pkg/_c.py", "from .compat import B\n"),
            ("app.py", "from pkg._b import B\nfrom pkg import _c\n"),
        ],
        "pkg:B",
    );
    assert!(import_failures(&tree, &work_dir("before")).is_empty());
    let mut project = tree.project();
    let diagnostics = ssot_fix::session::FixHost::diagnose(&tree, &mut project);
    let messages: Vec<String> = diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.path, d.message))
        .collect();
    // `_a` uses the path that is canonical for it; `_c` (imported once `pkg` is done) goes
    // through the package.
    assert_eq!(
        messages,
        [
            "app.py: non-canonical path `pkg._b:B` to `pkg:B` (concept `b`)".to_string(),
            "pkg/_c.py: non-canonical path `pkg.compat:B` to `pkg:B` (concept `b`)".to_string(),
            "pkg/compat.py: non-canonical path `pkg._b:B` to `pkg:B` (concept `b`)".to_string(),
        ],
        "{messages:#?}"
    );
    let outcome = tree.fix(false);
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let after = tree.after(&outcome);
    let text = |path: &str| String::from_utf8(after.files[path].clone()).unwrap();
    assert_eq!(text("app.py"), "from pkg import B\nfrom pkg import _c\n");
    assert_eq!(text("pkg/_a.py"), "from ._b import B\n");
    assert_eq!(text("pkg/_c.py"), "from . import B\n");
    assert_eq!(
        import_failures(&after, &work_dir("after")),
        Vec::<String>::new()
    );
}

/// A module the package imports before binding the name, reached through another path, is
/// rewritten to the defining module, and the message says why.
#[test]
fn inside_the_package_the_defining_module_is_canonical_when_the_package_would_cycle() {
    let tree = project(
        &[
            ("pkg/__init__.py", "from . import _a\nfrom ._b import B\n"),
            ("pkg/_a.py", "from .legacy import B\n"),
            ("pkg/_b.py", "class B:\n    pass\n"),
            ("pkg/legacy.py", "from ._b import B\n"),
        ],
        "pkg:B",
    );
    let mut project = tree.project();
    let diagnostics = ssot_fix::session::FixHost::diagnose(&tree, &mut project);
    let messages: Vec<String> = diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.path, d.message))
        .collect();
    assert!(
        messages.contains(
            &"pkg/_a.py: non-canonical path `pkg.legacy:B` to `pkg._b:B` (concept `b`; `pkg:B` \
              would import `pkg` while `pkg` is still initialising (circular import) here)"
                .to_string()
        ),
        "{messages:#?}"
    );
    let outcome = tree.fix(false);
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let after = tree.after(&outcome);
    assert_eq!(
        String::from_utf8(after.files["pkg/_a.py"].clone()).unwrap(),
        "from ._b import B\n"
    );
    assert_eq!(
        import_failures(&after, &work_dir("legacy")),
        Vec::<String>::new()
    );
}

/// When the only way back into the package goes through an import under a condition, the
/// model cannot know: the rewrite is unsafe and says why.
#[test]
fn a_possible_cycle_under_a_condition_makes_the_rewrite_unsafe() {
    let tree = project(
        &[
            (
                "pkg/__init__.py",
                "import os\nif os.sep:\n    from . import _a\nfrom ._b import B\n",
            ),
            ("pkg/_a.py", "from .legacy import B\n"),
            ("pkg/_b.py", "class B:\n    pass\n"),
            ("pkg/legacy.py", "from ._b import B\n"),
        ],
        "pkg:B",
    );
    let outcome = tree.fix(false);
    assert!(outcome.changed.iter().all(|c| c.path != "pkg/_a.py"));
    let skipped: Vec<String> = outcome
        .skipped
        .iter()
        .filter(|s| s.diagnostic.path == "pkg/_a.py")
        .map(|s| s.reason.clone())
        .collect();
    assert_eq!(
        skipped,
        [
            "the fix is unsafe (apply it with `--unsafe-fixes`): `pkg` may import this module \
          under a condition before it binds `B` (a possible circular import)"
                .to_string()
        ],
    );
}

/// A deprecation shim serves its names lazily: a module the canonical module imports before
/// binding the name, reading it from the shim at import time, would then meet the canonical
/// module half initialised. The shim is not written.
#[test]
fn shim_that_would_be_read_while_the_canonical_module_initialises_is_refused() {
    let mut tree = project(
        &[
            ("pkg/__init__.py", ""),
            (
                "pkg/core.py",
                "from pkg import user\n\n\nclass Manager:\n    pass\n",
            ),
            ("pkg/compat.py", "from pkg.core import Manager\n"),
            ("pkg/user.py", "from pkg.compat import Manager\n"),
        ],
        "pkg.core:Manager",
    );
    tree.concepts[0].shims.push("pkg.compat".to_string());
    let outcome = tree.fix_with(ssot_fix::session::FixOptions {
        unsafe_fixes: true,
        shims: true,
        ..Default::default()
    });
    let (module, result) = &outcome.shims[0];
    assert_eq!(module, "pkg.compat");
    let reason = result.clone().unwrap_err();
    assert!(
        reason.contains("would import `pkg.core` while `pkg.core` is still initialising"),
        "{reason}"
    );
}

/// Compliance agrees with SSOT101: inside the package, the defining module's path is canonical
/// where the package path would be circular.
#[test]
fn compliance_counts_the_defining_module_as_canonical_where_the_package_would_cycle() {
    let tree = project(
        &[
            ("pkg/__init__.py", "from . import _a\nfrom ._b import B\n"),
            ("pkg/_a.py", "from ._b import B\n"),
            ("pkg/_b.py", "class B:\n    pass\n"),
            ("app.py", "from pkg._b import B\n"),
        ],
        "pkg:B",
    );
    let project = tree.project();
    let mut resolver = ssot_index::Resolver::new(&project);
    let references = ssot_index::collect_references(&mut resolver);
    let concepts = ssot_rules::resolve_concepts(&mut resolver, &tree.concepts).unwrap();
    let reports = ssot_rules::concepts::concept_reports(&project, &references, &concepts);
    let total = reports[0].total();
    // `pkg/_a.py` through `pkg._b` is canonical there; `app.py` through `pkg._b` is not.
    assert_eq!((total.canonical_references, total.references), (1, 2));
}

/// A dispatcher binding one name by alternatives: which variant the program gets depends on
/// the platform, so its path and a variant's own path are the same object on one branch
/// only.
fn dispatch_tree(canonical: &str, reader: &str) -> MemoryProject {
    project(
        &[
            ("pkg/__init__.py", ""),
            (
                "pkg/_reader.py",
                "import sys\n\nif sys.platform == \"win32\":\n    from pkg._reader_windows import Reader\nelse:\n    from pkg._reader_posix import Reader\n",
            ),
            ("pkg/_reader_windows.py", "class Reader:\n    pass\n"),
            ("pkg/_reader_posix.py", "class Reader:\n    pass\n"),
            ("pkg/api.py", "from pkg._reader import Reader\n"),
            ("pkg/driver.py", reader),
        ],
        canonical,
    )
}

fn skipped_reasons(outcome: &ssot_fix::session::FixOutcome, path: &str) -> Vec<String> {
    outcome
        .skipped
        .iter()
        .filter(|s| s.diagnostic.path == path)
        .map(|s| s.reason.clone())
        .collect()
}

/// `from pkg._reader import Reader` holds the Windows reader on Windows: rewriting it to the
/// POSIX module (the branch the analysis follows) would give Windows the POSIX reader. The
/// rewrite is unsafe and says why; with `--unsafe-fixes` it is written.
#[test]
fn a_path_through_a_name_bound_by_platform_alternatives_is_not_rewritten_safely() {
    let tree = dispatch_tree(
        "pkg._reader_posix:Reader",
        "from pkg._reader import Reader\n",
    );
    let outcome = tree.fix(false);
    assert!(outcome.changed.is_empty(), "{:?}", outcome.changed);
    let expected = "the fix is unsafe (apply it with `--unsafe-fixes`): the path as written goes \
                    through a name whose value depends on a run-time condition: `pkg._reader` \
                    binds `Reader` under a condition (alternatives such as `if`/`else`), so where \
                    another branch runs (another platform or Python version) the two paths can \
                    hold different objects";
    assert_eq!(skipped_reasons(&outcome, "pkg/driver.py"), [expected]);
    assert_eq!(skipped_reasons(&outcome, "pkg/api.py"), [expected]);
    let unsafe_outcome = tree.fix(true);
    assert_eq!(unsafe_outcome.changed.len(), 2);
}

/// The other way round: with the dispatcher canonical, a direct import of one variant asks
/// for that platform's class on purpose; sending it through the dispatcher is unsafe, and says
/// so. (Inside `pkg` the variant's own module counts as canonical: the dispatcher binds the
/// name only under a condition, so going through it there may be circular.)
#[test]
fn a_canonical_path_through_platform_alternatives_is_unsafe_from_a_variant() {
    let mut tree = dispatch_tree("pkg._reader:Reader", "");
    tree.files.insert(
        "app.py".to_string(),
        b"from pkg._reader_posix import Reader\n".to_vec(),
    );
    let outcome = tree.fix(false);
    assert!(outcome.changed.is_empty(), "{:?}", outcome.changed);
    assert_eq!(
        skipped_reasons(&outcome, "app.py"),
        ["the fix is unsafe (apply it with `--unsafe-fixes`): the canonical path goes through a \
          name whose value depends on a run-time condition: `pkg._reader` binds `Reader` under \
          a condition (alternatives such as `if`/`else`), so where another branch runs (another \
          platform or Python version) the two paths can hold different objects"
            .to_string()]
    );
}

/// A fallback for a missing module (`try`/`except ImportError`) is not a platform choice: the
/// binding that counts is not under a condition, and the rewrite stays safe.
#[test]
fn an_import_error_fallback_is_not_a_platform_alternative() {
    let tree = project(
        &[
            ("pkg/__init__.py", ""),
            (
                "pkg/_reader.py",
                "try:\n    from pkg._fast import Reader\nexcept ImportError:\n    from pkg._slow import Reader\n",
            ),
            ("pkg/_fast.py", "class Reader:\n    pass\n"),
            ("pkg/_slow.py", "class Reader:\n    pass\n"),
            ("pkg/driver.py", "from pkg._reader import Reader\n"),
        ],
        "pkg._fast:Reader",
    );
    let outcome = tree.fix(false);
    let after = tree.after(&outcome);
    assert_eq!(
        String::from_utf8(after.files["pkg/driver.py"].clone()).unwrap(),
        "from pkg._fast import Reader\n"
    );
}
