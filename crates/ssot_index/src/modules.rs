//! Files to module names.
//!
//! A file belongs to the deepest import root that contains it; its module name is its path
//! below that root with `/` turned into `.`, `.py`/`.pyi` dropped and `__init__` naming the
//! package. A path with a segment that is not an identifier (`my-script.py`) is a script:
//! analysed, never importable. Directories above modules that have no `__init__.py` are PEP 420
//! namespace packages. When two files claim one module name the one Python would import wins
//! (earlier root, then package over module, then `.py` over `.pyi`) and the clash is recorded.

use rustc_hash::FxHashMap;

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
    /// Builds the table from file paths (relative, `/`-separated, sorted) and import roots.
    pub fn build<'a>(paths: impl Iterator<Item = &'a str>, roots: &[String]) -> Self {
        let mut table = ModuleTable::default();
        let mut claims = Vec::new();
        for (file, path) in paths.enumerate() {
            table.file_roles.push(FileRole::Script);
            if let Some(claim) = claim_for(file as FileId, path, roots) {
                claims.push(claim);
            }
        }
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

fn claim_for(file: FileId, path: &str, roots: &[String]) -> Option<Claim> {
    let (root_rank, relative) = roots
        .iter()
        .enumerate()
        .filter_map(|(rank, root)| {
            let relative = if root.is_empty() {
                path
            } else {
                path.strip_prefix(root.as_str())?.strip_prefix('/')?
            };
            Some((rank, root.len(), relative))
        })
        .max_by_key(|&(rank, depth, _)| (depth, std::cmp::Reverse(rank)))
        .map(|(rank, _, relative)| (rank, relative))?;
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
    if segments.is_empty() || !segments.iter().all(|s| is_identifier(s)) {
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
        ModuleTable::build(paths.iter().copied(), &roots)
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
                "run-me.py",
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
