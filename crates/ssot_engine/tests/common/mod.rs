//! The generated project both differential tests start from, and random edits of its files.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use ssot_engine::check_run::{declarations, per_file_ignores};
use ssot_engine::scopes::Scopes;
use ssot_engine::session::{LoadedState, ProjectLoader, SessionSettings};
use ssot_engine::workspace::{load_project, ProjectArgs};
use ssot_rules::RuleSelection;

pub const CONFIG: &str = r#"
[concepts.manager]
canonical = "app.core:Manager"
members = ["app.simple:SimpleManager"]
accessors = ["app.core:get_manager"]
factory = "app.factory:create_manager"
shims = ["app.compat"]

[per-file-ignores]
"app/ignored.py" = ["SSOT101"]
"#;

/// The generated project: a concept with a canonical class, a competing one, a shim, a
/// factory, an accessor, re-exports through a package, star imports, aliases, a fallback
/// import, a delegating wrapper, test doubles and `patch()` targets.
pub const FILES: &[(&str, &str)] = &[
    (
        "app/__init__.py",
        "from .core import Manager\nfrom .util import *\n",
    ),
    (
        "app/core.py",
        "class Manager:\n    def start(self):\n        pass\n\n    def stop(self):\n        pass\n\n\n_instance = None\n\n\ndef get_manager():\n    global _instance\n    if _instance is None:\n        _instance = Manager()\n    return _instance\n",
    ),
    (
        "app/simple.py",
        "class SimpleManager:\n    def start(self):\n        pass\n\n    def extra(self):\n        pass\n",
    ),
    (
        "app/compat.py",
        "from app.core import Manager\nOldManager = Manager\n",
    ),
    (
        "app/util.py",
        "__all__ = [\"helper\", \"Helper\"]\n\n\ndef helper():\n    pass\n\n\nclass Helper:\n    pass\n",
    ),
    (
        "app/factory.py",
        "from .core import Manager\n\n\ndef create_manager():\n    return Manager()\n",
    ),
    (
        "app/wrapper.py",
        "from app.core import Manager\n\n\nclass ManagerProxy:\n    def __init__(self):\n        self.inner: Manager = Manager()\n\n    def start(self):\n        return self.inner.start()\n\n    def stop(self):\n        return self.inner.stop()\n",
    ),
    (
        "app/service.py",
        "from app.compat import Manager\nfrom app import Manager as M2, helper\nfrom app.core import get_manager\nfrom app.simple import SimpleManager\nimport app.compat\n\nmanager = Manager()\n\n\ndef run():\n    get_manager()\n    return app.compat.OldManager, M2, helper, SimpleManager\n",
    ),
    (
        "app/ignored.py",
        "from app.compat import Manager\nfrom app.missing import Nothing  # ssot: ignore[SSOT103]\n",
    ),
    (
        "app/relay.py",
        "from app.service import *\nfrom app.compat import OldManager as Relayed\n",
    ),
    (
        "app/fallback.py",
        "try:\n    from app.gone import Manager\nexcept ImportError:\n    from app.core import Manager\n",
    ),
    (
        "tests/test_core.py",
        "from unittest.mock import Mock, patch\nfrom app.compat import Manager\n\n\nclass FakeManager:\n    def start(self):\n        pass\n\n    def bogus(self):\n        pass\n\n\ndef test_manager():\n    double = Mock(spec=Manager)\n    with patch(\"app.compat.Manager\"):\n        pass\n    return double\n",
    ),
];

/// Lines an edit adds: imports through every kind of path, definitions that join or leave
/// the concept, aliases, star imports, suppressions, accessors, syntax errors.
pub const SNIPPETS: &[&str] = &[
    "import os",
    "# a comment",
    "from app.core import Manager",
    "from app.compat import Manager",
    "from app import Manager",
    "from app.missing import Nothing",
    "from app.util import helper  # ssot: ignore[SSOT101]",
    "from app import *",
    "from app.relay import *",
    "from app.compat import OldManager",
    "from .core import Manager",
    "from . import util",
    "x = 1",
    "helper = None",
    "Alias = Manager",
    "OldManager = None",
    "class Manager:\n    def start(self):\n        pass",
    "class ManagerImpl:\n    def start(self):\n        pass\n\n    def stop(self):\n        pass",
    "class FakeThing(Manager):\n    def start(self):\n        pass",
    "def get_thing():\n    return Manager()",
    "shared = Manager()",
    "import app.core\nvalue = app.core.Manager",
    "__all__ = [\"helper\"]",
    "def broken(:",
    "try:\n    from app.old import Manager\nexcept ImportError:\n    pass",
    "_cache = None\n\n\ndef get_cached():\n    global _cache\n    if _cache is None:\n        _cache = Manager()\n    return _cache",
    "def __getattr__(name):\n    raise AttributeError(name)",
    "from unittest.mock import patch\npatch(\"app.core.Manager\")",
    "get_manager()",
];

/// A small fixed-seed generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn write_project(root: &Path) {
    std::fs::write(root.join("ssot.toml"), CONFIG).unwrap();
    for (path, text) in FILES {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
}

/// One random edit of one file's text.
pub fn edit(rng: &mut Rng, text: &str) -> (String, String) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let snippet = SNIPPETS[rng.below(SNIPPETS.len())];
    match rng.below(6) {
        0 | 1 => {
            lines.push(snippet.to_string());
            (format!("append {snippet:?}"), lines.join("\n") + "\n")
        }
        2 => {
            lines.insert(0, snippet.to_string());
            (format!("prepend {snippet:?}"), lines.join("\n") + "\n")
        }
        3 if !lines.is_empty() => {
            let line = rng.below(lines.len());
            let removed = lines.remove(line);
            (
                format!("delete line {line} {removed:?}"),
                lines.join("\n") + "\n",
            )
        }
        4 if !lines.is_empty() => {
            // Inside the file, at the indentation of the line before it.
            let line = rng.below(lines.len());
            let indent: String = lines[line]
                .chars()
                .take_while(|c| c.is_whitespace())
                .collect();
            let body = if indent.is_empty() { snippet } else { "pass" };
            lines.insert(line + 1, format!("{indent}{body}"));
            (
                format!("insert after line {line} {body:?}"),
                lines.join("\n") + "\n",
            )
        }
        _ => ("unchanged".to_string(), text.to_string()),
    }
}

/// Loads a project directory the way the command line's loaders do.
pub struct DirectoryLoader {
    pub root: std::path::PathBuf,
}

impl ProjectLoader for DirectoryLoader {
    fn load(&self) -> Result<LoadedState, String> {
        let describe = |err: anyhow::Error| format!("{err:#}");
        let args = ProjectArgs {
            paths: vec![self.root.clone()],
            no_cache: true,
            ..ProjectArgs::default()
        };
        let selection = RuleSelection::default_rules();
        let loaded = load_project(&args, Some(&selection)).map_err(describe)?;
        let scopes = Scopes::from_config(&loaded.config).map_err(describe)?;
        let settings = SessionSettings {
            root: loaded.root.clone(),
            declarations: declarations(&loaded.config),
            per_file_ignores: per_file_ignores(&loaded.config).map_err(describe)?,
            selection,
            scope_of: Arc::new(move |path| scopes.of(path).to_string()),
            import_style: ssot_fix::ImportStyle::default(),
            limits: loaded.limits,
            options: loaded.extract_options,
        };
        let unreadable = loaded
            .problems
            .iter()
            .map(|problem| (problem.path.clone(), problem.message.clone()))
            .collect();
        Ok(LoadedState {
            settings,
            project: loaded.project,
            content_hashes: loaded.content_hashes,
            unreadable,
        })
    }
}
