//! [`Session::imports_of`], which the editor server copies into its snapshots, describes every
//! import binding of a file exactly as [`Session::import_at`] does at the binding's position,
//! before and after an edit that changes what the bindings resolve to.

mod common;

use std::path::Path;

use ssot_engine::session::{ImportInfo, Session};

use common::DirectoryLoader;

const FILES: &[(&str, &str)] = &[
    (
        "ssot.toml",
        "[concepts.manager]\ncanonical = \"app.core:Manager\"\nmembers = [\"app.simple:SimpleManager\"]\n",
    ),
    ("app/__init__.py", "from .core import Manager\nfrom .util import *\n"),
    ("app/core.py", "class Manager:\n    pass\n"),
    ("app/simple.py", "class SimpleManager:\n    pass\n"),
    ("app/compat.py", "from app.core import Manager\nOldManager = Manager\n"),
    ("app/util.py", "__all__ = [\"helper\"]\n\n\ndef helper():\n    pass\n"),
    (
        "app/service.py",
        "import os\nimport app.compat\nfrom app.compat import Manager, OldManager as Old\nfrom . import util\nfrom .simple import SimpleManager\nfrom app.gone import Nothing\nfrom .... import beyond\n\n\ndef run():\n    from app import helper\n    return Manager, Old, util, SimpleManager, Nothing, helper, os, beyond\n",
    ),
];

fn write_project(root: &Path) {
    for (path, text) in FILES {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
}

/// `import_at` at the start of every binding `imports_of` lists.
fn one_at_a_time(session: &mut Session, path: &str, all: &[ImportInfo]) -> Vec<ImportInfo> {
    all.iter()
        .map(|info| {
            session
                .import_at(path, info.binding.span.start)
                .unwrap()
                .expect("a binding at its own position")
        })
        .collect()
}

#[test]
fn imports_of_a_file_are_what_import_at_gives_at_each_binding() {
    let dir = tempfile::tempdir().unwrap();
    write_project(dir.path());
    let mut session = Session::load(Box::new(DirectoryLoader {
        root: dir.path().canonicalize().unwrap(),
    }))
    .unwrap();
    let path = "app/service.py";
    let all = session.imports_of(path).unwrap();
    let names: Vec<&str> = all.iter().map(|i| i.import_path.as_str()).collect();
    assert_eq!(
        names,
        [
            "os",
            "app.compat",
            "app.compat:Manager",
            "app.compat:OldManager",
            "app:util",
            "app.simple:SimpleManager",
            "app.gone:Nothing",
            "....:beyond",
            "app:helper",
        ]
    );
    assert_eq!(one_at_a_time(&mut session, path, &all), all);
    let manager = &all[2];
    assert_eq!(manager.origin.as_deref(), Some("app.core:Manager"));
    assert_eq!(
        manager.concept.as_ref().map(|c| c.name.as_str()),
        Some("manager")
    );

    // The compat module stops re-exporting the class: the bindings through it dangle, and
    // both ways of asking agree again.
    session.set_buffer("app/compat.py", b"OldManager = None\n".to_vec());
    let after = session.imports_of(path).unwrap();
    assert!(
        after[2].resolution.starts_with("dangling"),
        "{:?}",
        after[2]
    );
    assert_eq!(after[2].concept, None);
    assert_eq!(one_at_a_time(&mut session, path, &after), after);
    assert_eq!(session.imports_of("app/missing.py").unwrap(), Vec::new());
}
