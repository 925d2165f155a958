//! Files to module names.
//!
//! A file's module name is its path below the deepest import root that contains it, with `/`
//! turned into `.`, `.py`/`.pyi` dropped and `__init__` naming the package; below shallower
//! roots it has further names that reach the same file. A segment that is not an identifier
//! (`0002_initial.py`, `run-server.py`) still makes a module, one only `importlib` can load;
//! a segment with a dot cannot, and such a file is a script. Directories above modules that
//! have no `__init__.py` are PEP 420 namespace packages, except that one named like a
//! standard-library module never shadows it. When two files claim one module name the one
//! Python would import wins (earlier root, then package over module, then `.py` over `.pyi`)
//! and the clash is recorded.

use rustc_hash::FxHashMap;

use crate::stdlib::is_stdlib_module;
use crate::FileId;

/// Index of a module in [`ModuleTable::modules`].
pub type ModuleId = u32;

/// One importable module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// Dotted name.
    pub name: String,
    /// The file whose top level is this module's namespace (`.py` before `.pyi`); `None` for a
    /// namespace package.
    pub file: Option<FileId>,
    /// A `.pyi` stub beside the `.py` file.
    pub stub: Option<FileId>,
    /// A package (`__init__.py` or a namespace directory), so relative imports start here.
    pub is_package: bool,
    /// A module that exists but is not read (an extension module, or a git-ignored or excluded
    /// source file in an analysed package): its names are unknown.
    pub is_unread: bool,
}

/// Two files that claim one module name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleConflict {
    pub module: String,
    /// The file Python imports.
    pub winner: FileId,
    /// The file that is shadowed.
    pub shadowed: FileId,
}

/// What a file is to the import system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRole {
    /// The file is (or is a stub of, or is shadowed as) this module.
    Module(ModuleId),
    /// Not importable: analysed as a script.
    Script,
}

/// All modules of a project.
#[derive(Clone, Debug, Default)]
pub struct ModuleTable {
    pub modules: Vec<Module>,
    by_name: FxHashMap<String, ModuleId>,
    /// Per file: the module it claims (even when shadowed) or script.
    pub file_roles: Vec<FileRole>,
    pub conflicts: Vec<ModuleConflict>,
    /// First segments of every module name: imports starting with one are first-party.
    first_party: FxHashMap<String, ()>,
}

struct Claim {
    file: FileId,
    name: String,
    is_package: bool,
    is_stub: bool,
    root_rank: usize,
}

impl ModuleTable {
    /// Builds the table from file paths (relative, `/`-separated, sorted), extension module
    /// paths and import roots.
    pub fn build<'a>(
        paths: impl Iterator<Item = &'a str>,
        unread_modules: &[String],
        roots: &[String],
    ) -> Self {
        let mut table = ModuleTable::default();
        let mut claims = Vec::new();
        let mut aliases = Vec::new();
        let paths: Vec<&str> = paths.collect();
        let package_dirs: FxHashMap<&str, ()> = paths
            .iter()
            .filter_map(|path| {
                path.strip_suffix("/__init__.py")
                    .or_else(|| path.strip_suffix("/__init__.pyi"))
            })
            .map(|dir| (dir, ()))
            .collect();
        for (file, path) in paths.iter().enumerate() {
            table.file_roles.push(FileRole::Script);
            let mut file_claims = claims_for(file as FileId, path, roots).into_iter();
            if let Some(primary) = file_claims.next() {
                claims.push(primary);
            }
            // A further name only below a regular top-level package (`setuptools._vendor.x`
            // below `.`), not below a plain directory such as `src/`.
            aliases.extend(file_claims.filter(|claim| {
                let depth = claim.name.split('.').count() - usize::from(!claim.is_package);
                let mut directory = path.rsplit_once('/').map_or("", |(dir, _)| dir);
                if claim.is_package {
                    directory = directory.rsplit_once('/').map_or("", |(dir, _)| dir);
                }
                // Walk up to the directory of the alias's top-level package: it must be a
                // regular package, so that `src/` and other plain directories give no names.
                for _ in 1..depth.saturating_sub(usize::from(claim.is_package)) {
                    directory = directory.rsplit_once('/').map_or("", |(dir, _)| dir);
                }
                package_dirs.contains_key(directory)
            }));
        }
        // A directory without `__init__.py` named like a standard-library module is a
        // namespace portion, and CPython prefers the regular standard module over it.
        let regular_tops: FxHashMap<String, ()> = claims
            .iter()
            .filter(|claim| !claim.name.contains('.'))
            .map(|claim| (claim.name.clone(), ()))
            .collect();
        let shadowed_by_stdlib = |claim: &Claim| {
            let top = claim.name.split('.').next().unwrap_or_default();
            is_stdlib_module(top) && !regular_tops.contains_key(top)
        };
        claims.retain(|claim| !shadowed_by_stdlib(claim));
        aliases.retain(|claim| !shadowed_by_stdlib(claim));
        // Python's preference: earlier root, then package, then `.py`, then path order.
        claims.sort_by(|a, b| {
            a.name
                .cmp(&b.name)
                .then(a.root_rank.cmp(&b.root_rank))
                .then(b.is_package.cmp(&a.is_package))
                .then(a.is_stub.cmp(&b.is_stub))
                .then(a.file.cmp(&b.file))
        });
        for claim in claims {
            let id = table.ensure_module(&claim.name);
            table.file_roles[claim.file as usize] = FileRole::Module(id);
            let module = &mut table.modules[id as usize];
            module.is_package |= claim.is_package;
            match (claim.is_stub, module.file, module.stub) {
                (false, None, _) => module.file = Some(claim.file),
                (true, _, None) => module.stub = Some(claim.file),
                (_, winner, stub) => {
                    let winner = if claim.is_stub { stub } else { winner };
                    table.conflicts.push(ModuleConflict {
                        module: claim.name.clone(),
                        winner: winner.expect("a module with a claim has a file"),
                        shadowed: claim.file,
                    });
                }
            }
        }
        // Names a file also has under a shallower root (`setuptools._vendor.packaging` for
        // `packaging` when both `.` and `setuptools/_vendor` are roots) reach the same file.
        for alias in aliases {
            let id = table.ensure_module(&alias.name);
            let module = &mut table.modules[id as usize];
            module.is_package |= alias.is_package;
            match (alias.is_stub, module.file, module.stub) {
                (false, None, _) => module.file = Some(alias.file),
                (true, _, None) => module.stub = Some(alias.file),
                _ => {}
            }
        }
        // Extension modules (`processors.pyx`, `_speedups.cpython-311-x86_64-linux-gnu.so`)
        // exist under the name before the first dot, unless a source file claims it.
        for path in unread_modules {
            let (directory, file_name) = path
                .rsplit_once('/')
                .map_or(("", path.as_str()), |(d, f)| (d, f));
            let stem = file_name.split('.').next().unwrap_or_default();
            let as_source = if directory.is_empty() {
                format!("{stem}.py")
            } else {
                format!("{directory}/{stem}.py")
            };
            if let Some(claim) = claims_for(0, &as_source, roots).into_iter().next() {
                if table.get(&claim.name).is_none() {
                    let id = table.ensure_module(&claim.name);
                    table.modules[id as usize].is_unread = true;
                }
            }
        }
        // A stub with no `.py` beside it is the module's namespace.
        for module in &mut table.modules {
            if module.file.is_none() {
                module.file = module.stub.take();
            }
        }
        table
            .conflicts
            .sort_by(|a, b| a.module.cmp(&b.module).then(a.shadowed.cmp(&b.shadowed)));
        table
    }

    fn ensure_module(&mut self, name: &str) -> ModuleId {
        if let Some(&id) = self.by_name.get(name) {
            return id;
        }
        if let Some((parent, _)) = name.rsplit_once('.') {
            let parent = self.ensure_module(parent);
            self.modules[parent as usize].is_package = true;
        } else {
            self.first_party.insert(name.to_string(), ());
        }
        let id = self.modules.len() as ModuleId;
        self.modules.push(Module {
            name: name.to_string(),
            file: None,
            stub: None,
            is_package: false,
            is_unread: false,
        });
        self.by_name.insert(name.to_string(), id);
        id
    }

    pub fn get(&self, name: &str) -> Option<ModuleId> {
        self.by_name.get(name).copied()
    }

    pub fn module(&self, id: ModuleId) -> &Module {
        &self.modules[id as usize]
    }

    /// The module of a file, if it is the module's namespace file or its stub.
    pub fn module_of_file(&self, file: FileId) -> Option<ModuleId> {
        match self.file_roles[file as usize] {
            FileRole::Module(id) => Some(id),
            FileRole::Script => None,
        }
    }

    /// Whether an absolute module path belongs to the project (its first segment is the first
    /// segment of a project module).
    pub fn is_first_party(&self, module: &str) -> bool {
        let top = module.split('.').next().unwrap_or(module);
        self.first_party.contains_key(top)
    }

    /// The submodule `parent.name`, if the project has it.
    pub fn submodule(&self, parent: ModuleId, name: &str) -> Option<ModuleId> {
        let mut full =
            String::with_capacity(self.modules[parent as usize].name.len() + name.len() + 1);
        full.push_str(&self.modules[parent as usize].name);
        full.push('.');
        full.push_str(name);
        self.get(&full)
    }
}

/// The module names a file has, one per import root containing it, deepest root first.
fn claims_for(file: FileId, path: &str, roots: &[String]) -> Vec<Claim> {
    let mut containing: Vec<(usize, &str)> = roots
        .iter()
        .enumerate()
        .filter_map(|(rank, root)| {
            let relative = if root.is_empty() {
                path
            } else {
                path.strip_prefix(root.as_str())?.strip_prefix('/')?
            };
            Some((rank, relative))
        })
        .collect();
    // Deepest root first (shortest relative path), then earlier root.
    containing.sort_by_key(|&(rank, relative)| (relative.len(), rank));
    containing
        .into_iter()
        .filter_map(|(root_rank, relative)| claim_below_root(file, relative, root_rank))
        .collect()
}

/// The module a file is below one root. Every segment must be free of dots; segments that
/// are not identifiers (`0002_initial.py`, `to-dvorak.py`, a directory named `async`) still
/// make a module that `importlib` can load and whose relative imports work, though no
/// `import` statement can name it.
fn claim_below_root(file: FileId, relative: &str, root_rank: usize) -> Option<Claim> {
    let (stem, is_stub) = if let Some(stem) = relative.strip_suffix(".pyi") {
        (stem, true)
    } else {
        (relative.strip_suffix(".py")?, false)
    };
    let mut segments: Vec<&str> = stem.split('/').collect();
    let is_package = segments.last() == Some(&"__init__");
    if is_package {
        segments.pop();
    }
    if segments.is_empty() || !segments.iter().all(|s| is_module_segment(s)) {
        return None;
    }
    Some(Claim {
        file,
        name: segments.join("."),
        is_package,
        is_stub,
        root_rank,
    })
}

/// A path segment that can be part of a module name: non-empty, no dot, no space.
pub fn is_module_segment(segment: &str) -> bool {
    !segment.is_empty() && !segment.contains(['.', ' '])
}

/// A Python identifier that can name a module (ASCII rules plus any non-ASCII letter).
pub fn is_identifier(segment: &str) -> bool {
    let mut chars = segment.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '_' || first.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
        && !is_keyword(segment)
}

fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "False"
            | "None"
            | "True"
            | "and"
            | "as"
            | "assert"
            | "async"
            | "await"
            | "break"
            | "class"
            | "continue"
            | "def"
            | "del"
            | "elif"
            | "else"
            | "except"
            | "finally"
            | "for"
            | "from"
            | "global"
            | "if"
            | "import"
            | "in"
            | "is"
            | "lambda"
            | "nonlocal"
            | "not"
            | "or"
            | "pass"
            | "raise"
            | "return"
            | "try"
            | "while"
            | "with"
            | "yield"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(paths: &[&str], roots: &[&str]) -> ModuleTable {
        let roots: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
        ModuleTable::build(paths.iter().copied(), &[], &roots)
    }

    fn names(table: &ModuleTable) -> Vec<(String, Option<FileId>, bool)> {
        let mut names: Vec<_> = table
            .modules
            .iter()
            .map(|m| (m.name.clone(), m.file, m.is_package))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn packages_namespaces_and_scripts() {
        let table = table(
            &[
                "ns/pkg/__init__.py",
                "ns/pkg/mod.py",
                "tools-1.2/run.py",
                "src/lib/a.py",
            ],
            &["", "src"],
        );
        assert_eq!(
            names(&table),
            vec![
                ("lib".into(), None, true),
                ("lib.a".into(), Some(3), false),
                ("ns".into(), None, true),
                ("ns.pkg".into(), Some(0), true),
                ("ns.pkg.mod".into(), Some(1), false),
            ]
        );
        assert_eq!(table.file_roles[2], FileRole::Script);
        assert!(table.is_first_party("lib.a.b"));
        assert!(!table.is_first_party("src"));
    }

    #[test]
    fn package_shadows_module_and_is_reported() {
        let table = table(&["a.py", "a/__init__.py"], &[""]);
        assert_eq!(table.module(table.get("a").unwrap()).file, Some(1));
        assert_eq!(
            table.conflicts,
            vec![ModuleConflict {
                module: "a".into(),
                winner: 1,
                shadowed: 0
            }]
        );
    }

    #[test]
    fn stub_beside_module_is_not_a_conflict() {
        let table = table(&["a.py", "a.pyi", "b.pyi"], &[""]);
        let a = table.module(table.get("a").unwrap());
        assert_eq!((a.file, a.stub), (Some(0), Some(1)));
        assert_eq!(table.module(table.get("b").unwrap()).file, Some(2));
        assert!(table.conflicts.is_empty());
    }

    #[test]
    fn earlier_root_wins_a_clash() {
        let table = table(&["lib/x.py", "src/lib/x.py"], &["src", ""]);
        assert_eq!(table.module(table.get("lib.x").unwrap()).file, Some(1));
        assert_eq!(table.conflicts.len(), 1);
    }
}

#[cfg(test)]
mod naming_tests {
    use super::*;

    fn table(paths: &[&str], roots: &[&str]) -> ModuleTable {
        let roots: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
        ModuleTable::build(paths.iter().copied(), &[], &roots)
    }

    #[test]
    fn names_only_importlib_can_load_are_modules() {
        let table = table(
            &[
                "app/__init__.py",
                "app/migrations/0002_initial.py",
                "tests/async/test_x.py",
                "run-server.py",
            ],
            &[""],
        );
        for name in [
            "app.migrations.0002_initial",
            "tests.async.test_x",
            "run-server",
        ] {
            assert!(table.get(name).is_some(), "{name}");
        }
    }

    #[test]
    fn namespace_directory_named_like_stdlib_does_not_shadow_it() {
        let table = table(&["logging/test_logs.py", "io/__init__.py"], &[""]);
        assert!(table.get("logging").is_none());
        assert!(!table.is_first_party("logging"));
        // A regular package does shadow the standard module, as in CPython.
        assert!(table.is_first_party("io"));
    }

    #[test]
    fn a_file_below_nested_roots_has_every_name() {
        let table = table(
            &[
                "setuptools/__init__.py",
                "setuptools/_vendor/__init__.py",
                "setuptools/_vendor/packaging/__init__.py",
            ],
            &["", "setuptools/_vendor"],
        );
        let short = table.get("packaging").unwrap();
        let long = table.get("setuptools._vendor.packaging").unwrap();
        assert_eq!(table.module(short).file, table.module(long).file);
        assert_eq!(table.module_of_file(2), Some(short));
        assert!(table
            .module(table.get("setuptools._vendor").unwrap())
            .file
            .is_some());
    }
}
