//! Concept candidates: families of first-party definitions that look like one idea, found from
//! evidence a user can check, each with a proposed canonical member and the reason.
//!
//! Evidence between two top-level classes:
//! - **alias**: `X = Y` at module level re-binds a class under another name (same object);
//!   an alias name (`Y = X`, `import X as Y`) is name evidence too: a class elsewhere named
//!   like the alias joins the family;
//! - **subclass**: a class whose base resolves to another and whose name has the same stem;
//! - **name**: equal stems after stripping decoration words ([`concept_names`], the `I` of an
//!   interface included). Plain classes, data classes and enums with one specific stem (two
//!   or more words) are grouped on the name alone; classes in two different framework
//!   hierarchies need nearly equal bodies, and one-word stems (`Config`) shared methods or
//!   fields;
//! - **methods**: public-method sets with Jaccard similarity ≥ 0.7 over ≥ 4 methods, between
//!   classes whose stems end in the same word (never between a `Protocol` and a class that is
//!   not one: a protocol lists the methods of the classes that satisfy it);
//! - **fields**: data shapes (dataclasses, enums, `TypedDict`, `NamedTuple`, models) of one
//!   kind with ≥ 3 fields or members and Jaccard ≥ 0.8 between the sets, whose stems end in
//!   the same word (or ≥ 0.9 over ≥ 4 fields whatever the names);
//! - **wrapper**: a class whose public methods all forward to one attribute, joined to the
//!   family whose methods cover what it forwards to.
//!
//! What keeps siblings apart: classes that share a base (first- or third-party, other than
//! decoration such as `object`, `ABC`, `Protocol`, `Exception`, builtins and the data-shape
//! bases) whose
//! name is not their own stem implement that base's API; neither their names nor their
//! methods count, unless their bodies are nearly equal (methods or fields Jaccard ≥ 0.8 over
//! enough of them). Plugin layouts are conventions, not copies: three or more same-named
//! classes in sibling plugin modules (`commands/*.py` each defining `Command`, found by the
//! parent package's name; data shapes excepted) or subclassing one base.
//!
//! Classes in vendored trees (`_vendor`, `vendor`, `third_party`, ...) are left out: they are
//! copies of other projects, not the project's own concepts. Classes outside production and
//! test code (examples, docs, benchmarks, archives: [`FileScope::Elsewhere`]) are members but
//! never the proposed canonical.
//!
//! Classes in test files, and production classes named Mock/Fake/Stub/Dummy/Spy that nothing
//! outside tests imports or re-exports, are test doubles: shown apart (the second kind as a
//! production test double, a finding of its own), and a family with no production duplicate
//! ranks below every family that has one. A production class named like a double that is
//! exported or used by production code is a feature (`DummyClassifier`), not a double.
//!
//! Factories and accessors of a family are found by [`concept_factories`].
//!
//! Discovery is near-linear in the number of classes: candidate pairs come from postings
//! (a stem, a method, a field), each class is compared with a bounded number of others of one
//! stem, and methods or fields shared by very many classes are not used to find pairs.
//!
//! [`concept_names`]: crate::concept_names
//! [`concept_factories`]: crate::concept_factories

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap, FxHashSet};
use ssot_facts::{CompactString, DefinitionKind, ImportKind, ScopeKind, StmtContext};

use crate::concept_factories::find_factories;
use crate::concept_names::{names_an_interface, split_words, NameStem};
use crate::re_exports::{
    classify_re_exporter, is_legacy_module, is_private_module, is_public_re_export, ReExporter,
};
use crate::references::Reference;
use crate::resolve::{Origin, Resolution, Resolver};
use crate::{FileId, ProjectFile};

/// Method similarity that counts as evidence.
pub const METHOD_SIMILARITY: f64 = 0.7;
/// Public methods a class needs before its method set counts as evidence.
pub const MIN_METHODS: usize = 4;
/// Public methods a class must forward before it counts as a wrapper.
pub const MIN_WRAPPER_METHODS: usize = 3;
/// Fields a data shape needs before its field set counts as evidence.
pub const MIN_FIELDS: usize = 3;
/// Field similarity that counts as evidence.
pub const FIELD_SIMILARITY: f64 = 0.8;
/// Same-named classes in sibling plugin modules (or under one base) that make a convention.
pub const PLUGIN_LAYOUT: usize = 3;
/// A method or field shared by more classes than this is too common to find similar classes by.
const COMMON_MEMBER: usize = 256;
/// How many classes of one stem each class is compared with: bounds the work on huge
/// families (repeated trees) while every family of ordinary size is compared in full.
const STEM_WINDOW: usize = 64;

/// Which part of the project a file belongs to, as discovery weighs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileScope {
    Production,
    Test,
    /// Examples, docs, benchmarks, archives and backups: never a canonical.
    Elsewhere,
}

/// The scope of a file by the default scopes (README.md, "Scopes"): backup or archive
/// folders, then folders named `docs`, `examples` or `benchmarks` (also with a suffix,
/// `docs_src/`), then test files as the project says.
pub fn default_file_scope(file: &ProjectFile) -> FileScope {
    let segments: Vec<&str> = file.path.split('/').collect();
    let directories = &segments[..segments.len().saturating_sub(1)];
    let elsewhere = directories
        .iter()
        .any(|segment| segment.starts_with("backup") || segment.contains("archive"))
        || directories.iter().any(|segment| {
            // `docs/`, `docs_src/`, `examples/`, `example_apps/`, `benchmarks/` at any depth.
            let base = segment.split('_').next().unwrap_or(segment);
            matches!(
                base,
                "docs" | "doc" | "examples" | "example" | "benchmarks" | "benchmark" | "benches"
            ) || *segment == "asv_bench"
        });
    if elsewhere {
        FileScope::Elsewhere
    } else if file.is_test {
        FileScope::Test
    } else {
        FileScope::Production
    }
}

/// Why a definition is in a family.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evidence {
    /// Equal name stems (`web-socket-manager`).
    Name(String),
    /// Named like this alias of a member (`module:Alias`).
    AliasName(String),
    /// Re-bound as this alias (`module:Name`).
    Alias(String),
    /// Subclasses this member.
    Subclass(String),
    /// Public methods similar to this member's (Jaccard, in percent).
    Methods(String, u32),
    /// Fields or enum members similar to this member's (Jaccard, in percent).
    Fields(String, u32),
    /// Forwards its public methods to an attribute holding a member.
    Wrapper(String),
    /// A function or factory class named after the family's stem (the stem key).
    FunctionName(String),
    /// A function returning a member (the callee or name as written).
    Returns(String),
}

impl Evidence {
    pub fn describe(&self) -> String {
        match self {
            Evidence::Name(stem) => format!("name stem `{stem}`"),
            Evidence::AliasName(alias) => format!("named like the alias `{alias}`"),
            Evidence::Alias(alias) => format!("re-bound as `{alias}`"),
            Evidence::Subclass(base) => format!("subclasses `{base}`"),
            Evidence::Methods(other, percent) => {
                format!("public methods {percent}% alike with `{other}`")
            }
            Evidence::Fields(other, percent) => {
                format!("fields {percent}% alike with `{other}`")
            }
            Evidence::Wrapper(attribute) => {
                format!("public methods only forward to `self.{attribute}`")
            }
            Evidence::FunctionName(key) => format!("named after `{key}`"),
            Evidence::Returns(returned) => format!("returns `{returned}`"),
        }
    }
}

/// A member's place in the family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MemberRole {
    /// The proposed single source of truth.
    Canonical,
    /// A competing production definition.
    Definition,
    /// Another name for a member (same object).
    Alias,
    /// A subclass of a member.
    Subclass,
    /// A base class of the canonical (the class it refines), or an interface of the concept
    /// (`I`-prefixed, `Abstract`/`Base`-named, an `ABC` or a `Protocol`).
    Base,
    /// A class that forwards to a member.
    Wrapper,
    /// A function or class that constructs a member.
    Factory,
    /// A function that hands out a member's instance (often a shared one).
    Accessor,
    /// A mock, fake or stub defined in production code: a finding of its own.
    ProductionDouble,
    /// A mock, fake or stub in test code.
    TestDouble,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Canonical => "canonical",
            MemberRole::Definition => "definition",
            MemberRole::Alias => "alias",
            MemberRole::Subclass => "subclass",
            MemberRole::Base => "base",
            MemberRole::Wrapper => "wrapper",
            MemberRole::Factory => "factory",
            MemberRole::Accessor => "accessor",
            MemberRole::ProductionDouble => "production-test-double",
            MemberRole::TestDouble => "test-double",
        }
    }
}

/// One member of a candidate family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateMember {
    /// `module:Name`.
    pub symbol: String,
    pub role: MemberRole,
    /// The definition (for aliases, the aliased one).
    pub origin: Origin,
    pub evidence: Vec<Evidence>,
    /// Bindings that reach this definition (for aliases: through the alias's path).
    pub references: u32,
    /// Defined in production code (not tests, examples, docs, benchmarks or archives).
    pub in_production: bool,
    /// For functions: `async def`, and the parameter names.
    pub signature: Option<(bool, Vec<String>)>,
}

/// How the definitions of one factory or accessor name differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionDrift {
    /// The function's name (`create_websocket_manager`).
    pub name: String,
    pub role: MemberRole,
    /// Definitions of that name in the family.
    pub definitions: u32,
    /// Of those, `async def`s.
    pub asynchronous: u32,
    /// Distinct parameter lists among them.
    pub signatures: u32,
}

/// A family of definitions that look like one concept.
#[derive(Clone, Debug, PartialEq)]
pub struct ConceptCandidate {
    /// Kebab-case stem of the canonical member's name.
    pub name: String,
    /// Proposed canonical path `module:Name`.
    pub canonical: String,
    pub canonical_origin: Origin,
    pub reason: String,
    pub members: Vec<CandidateMember>,
    /// Files referencing any member.
    pub files: u32,
    /// Directories of those files.
    pub directories: u32,
    /// Production definitions other than the canonical one.
    pub production_duplicates: u32,
    pub test_doubles: u32,
    /// Mocks, fakes and stubs defined in production code.
    pub production_doubles: u32,
    /// Factories and accessors by name, with how their definitions differ.
    pub factories: Vec<FunctionDrift>,
    /// Modules other than the canonical one that the canonical object is imported through.
    pub re_exporting_modules: Vec<String>,
    /// Of those, the legacy shims `init` proposes: modules that only re-export and are not the
    /// public API (a public package's re-export never is a shim).
    pub shim_candidates: Vec<String>,
}

impl ConceptCandidate {
    /// Whether `origin` is a class or function of this family (aliases aside).
    pub fn contains(&self, origin: Origin) -> bool {
        self.members.iter().any(|m| m.origin == origin)
    }
}

/// What kind of data shape a class is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Dataclass,
    Enum,
    TypedDict,
    NamedTuple,
    Model,
}

struct ClassInfo<'p> {
    origin: Origin,
    module: &'p str,
    name: &'p str,
    stem: NameStem,
    /// [`NameStem::key`], computed once.
    stem_key: String,
    methods: BTreeSet<&'p str>,
    fields: BTreeSet<&'p str>,
    shape: Option<Shape>,
    scope: FileScope,
    /// Named like a double (or in a test file).
    named_double: bool,
    is_test_double: bool,
    production_double: bool,
    /// Framework and first-party bases (decoration and data-shape bases left out), with the
    /// key of each base's stem (empty for bases outside the project).
    bases: Vec<(String, String)>,
    interface: bool,
    /// Declared a structural type (`Protocol` among its own bases): its methods describe
    /// what its implementations offer.
    protocol: bool,
    declares_canonical: bool,
}

impl ClassInfo<'_> {
    /// A base shared with `other` whose stem is not theirs: siblings implementing its API.
    fn shares_sibling_base(&self, other: &ClassInfo<'_>) -> bool {
        if self.bases.is_empty() || other.bases.is_empty() {
            return false;
        }
        self.bases.iter().any(|(key, base_stem)| {
            *base_stem != self.stem_key
                && *base_stem != other.stem_key
                && other.bases.iter().any(|(other_key, _)| other_key == key)
        })
    }
}

/// Union-find over class indices.
struct Families {
    parent: Vec<usize>,
}

impl Families {
    fn new(size: usize) -> Self {
        Self {
            parent: (0..size).collect(),
        }
    }

    fn find(&mut self, mut index: usize) -> usize {
        while self.parent[index] != index {
            self.parent[index] = self.parent[self.parent[index]];
            index = self.parent[index];
        }
        index
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

/// Pairs of classes (indices into `class_index`'s values, smaller first) that some module binds
/// to one name by alternatives under a condition ([`Resolver::alternatives`]).
fn dispatched_variants(
    resolver: &mut Resolver<'_>,
    class_index: &FxHashMap<Origin, usize>,
) -> FxHashSet<(usize, usize)> {
    let project = resolver.project();
    let modules = &project.modules;
    let conditional = |context: &StmtContext| {
        context.scope == ScopeKind::Module && context.conditional && !context.type_checking
    };
    let mut pairs = FxHashSet::default();
    for (file_id, file) in project.files.iter().enumerate() {
        let facts = &file.facts;
        let names: BTreeSet<&str> = facts
            .imports
            .iter()
            .filter(|import| conditional(&import.context))
            .flat_map(|import| {
                import
                    .names
                    .iter()
                    .filter(|n| n.name != "*")
                    .map(move |n| n.bound_name(&import.kind))
            })
            .chain(
                facts
                    .definitions
                    .iter()
                    .filter(|d| d.module_level && conditional(&d.context))
                    .map(|d| d.name.as_str()),
            )
            .collect();
        if names.is_empty() {
            continue;
        }
        let Some(module) = modules.module_of_file(file_id as FileId) else {
            continue;
        };
        if modules.module(module).file != Some(file_id as FileId) {
            continue;
        }
        for name in names {
            let variants: Vec<usize> = resolver
                .alternatives(module, name)
                .iter()
                .filter_map(|resolution| match resolution {
                    Resolution::Definition(origin) => class_index.get(origin).copied(),
                    _ => None,
                })
                .collect();
            for (i, &a) in variants.iter().enumerate() {
                for &b in &variants[i + 1..] {
                    pairs.insert((a.min(b), a.max(b)));
                }
            }
        }
    }
    pairs
}

fn jaccard(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> f64 {
    let shared = a.intersection(b).count();
    let union = a.len() + b.len() - shared;
    if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    }
}

/// Bases that decorate a class rather than make it part of a framework's family.
fn is_decoration_base(last: &str) -> bool {
    matches!(
        last,
        "object"
            | "ABC"
            | "ABCMeta"
            | "Protocol"
            | "Generic"
            | "Exception"
            | "BaseException"
            | "str"
            | "int"
            | "float"
            | "bytes"
            | "dict"
            | "list"
            | "tuple"
            | "set"
            | "frozenset"
            | "type"
    )
}

/// The data shape a base or decorator makes.
fn shape_of(bases: &[CompactString], decorators: &[CompactString]) -> Option<Shape> {
    for base in bases {
        let last = base.rsplit('.').next().unwrap_or(base);
        match last {
            "Enum" | "IntEnum" | "StrEnum" | "Flag" | "IntFlag" => return Some(Shape::Enum),
            "TypedDict" => return Some(Shape::TypedDict),
            "NamedTuple" => return Some(Shape::NamedTuple),
            "BaseModel" | "BaseSettings" | "Struct" => return Some(Shape::Model),
            _ => {}
        }
    }
    decorators
        .iter()
        .any(|decorator| {
            let last = decorator.rsplit('.').next().unwrap_or(decorator);
            matches!(last, "dataclass" | "define" | "frozen" | "attrs" | "s")
        })
        .then_some(Shape::Dataclass)
}

fn is_data_base(last: &str) -> bool {
    shape_of(&[last.to_string().into()], &[]).is_some()
}

/// Finds the concept candidates of a project, best first, with the default scopes.
pub fn discover_concepts(
    resolver: &mut Resolver<'_>,
    references: &[Reference],
) -> Vec<ConceptCandidate> {
    discover_concepts_with(resolver, references, &default_file_scope)
}

/// Finds the concept candidates of a project, best first; `scope_of` says which files are
/// production code.
pub fn discover_concepts_with(
    resolver: &mut Resolver<'_>,
    references: &[Reference],
    scope_of: &dyn Fn(&ProjectFile) -> FileScope,
) -> Vec<ConceptCandidate> {
    let project = resolver.project();
    let modules = &project.modules;

    // Top-level classes of importable modules, except pytest test classes.
    let mut classes: Vec<ClassInfo<'_>> = Vec::new();
    let mut class_index: FxHashMap<Origin, usize> = FxHashMap::default();
    for (file_id, file) in project.files.iter().enumerate() {
        let Some(module) = modules.module_of_file(file_id as FileId) else {
            continue;
        };
        if modules.module(module).file != Some(file_id as FileId) {
            continue;
        }
        // Vendored copies are somebody else's code, not the project's concepts.
        if is_vendored(&modules.module(module).name) || is_vendored_path(&file.path) {
            continue;
        }
        let scope = scope_of(file);
        for (index, definition) in file.facts.definitions.iter().enumerate() {
            let Some(class) = &definition.class else {
                continue;
            };
            if definition.kind != DefinitionKind::Class || !definition.module_level {
                continue;
            }
            if file.is_test && definition.name.starts_with("Test") {
                continue;
            }
            let stem = NameStem::of(&definition.name);
            if stem.words.is_empty() {
                continue;
            }
            let origin = Origin {
                file: file_id as FileId,
                definition: index as u32,
            };
            class_index.insert(origin, classes.len());
            let protocol = class
                .bases
                .iter()
                .any(|base| base.rsplit('.').next().unwrap_or(base) == "Protocol");
            let interface = names_an_interface(&definition.name)
                || class.bases.iter().any(|base| {
                    matches!(base.rsplit('.').next().unwrap_or(base), "ABC" | "Protocol")
                })
                || class.keywords.iter().any(|k| k.ends_with("ABCMeta"));
            classes.push(ClassInfo {
                origin,
                module: modules.module(module).name.as_str(),
                name: definition.name.as_str(),
                named_double: scope == FileScope::Test || stem.test_double_word,
                is_test_double: false,
                production_double: false,
                scope,
                stem_key: stem.key(),
                stem,
                methods: class
                    .methods
                    .iter()
                    .filter(|m| m.is_public())
                    .map(|m| m.name.as_str())
                    .collect(),
                fields: class.fields.iter().map(CompactString::as_str).collect(),
                shape: shape_of(&class.bases, &class.decorators),
                bases: Vec::new(),
                interface,
                protocol,
                declares_canonical: class.declares_canonical,
            });
        }
    }

    // Bases: the first first-party base is the subclass relation; every framework base is a
    // key siblings are found by.
    let mut subclass_of: Vec<Option<usize>> = vec![None; classes.len()];
    let mut first_party_bases: Vec<Vec<usize>> = vec![Vec::new(); classes.len()];
    for index in 0..classes.len() {
        let origin = classes[index].origin;
        let file = project.file(origin.file);
        let definition = &file.facts.definitions[origin.definition as usize];
        let Some(module) = modules.module_of_file(origin.file) else {
            continue;
        };
        let mut bases = Vec::new();
        for base in definition.class.iter().flat_map(|c| c.bases.iter()) {
            let last = base.rsplit('.').next().unwrap_or(base);
            if is_decoration_base(last) || is_data_base(last) {
                continue;
            }
            match resolver.resolve_dotted(module, base) {
                Some(Resolution::Definition(target)) => {
                    // The first first-party base, unless a later one names the same idea
                    // (`SimpleListFilter(FacetsMixin, ListFilter)` refines `ListFilter`).
                    if let Some(&base_index) = class_index.get(&target) {
                        first_party_bases[index].push(base_index);
                        let same_stem = classes[base_index].stem_key == classes[index].stem_key;
                        let current_same = subclass_of[index]
                            .is_some_and(|b| classes[b].stem_key == classes[index].stem_key);
                        if subclass_of[index].is_none() || (same_stem && !current_same) {
                            subclass_of[index] = Some(base_index);
                        }
                    }
                    let base_definition =
                        &project.file(target.file).facts.definitions[target.definition as usize];
                    bases.push((
                        format!("{}#{}", target.file, target.definition),
                        NameStem::of(&base_definition.name).key(),
                    ));
                }
                Some(Resolution::External { module, name }) => bases.push((
                    format!("{module}.{}", name.unwrap_or_default()),
                    String::new(),
                )),
                // A builtin (`ValueError`, `dict`) decorates like `object` does.
                None => {}
                Some(_) => bases.push((base.to_string(), String::new())),
            }
        }
        classes[index].bases = bases;
    }

    // Framework families are deep (`DateTimeField` → `DateField` → `Field`): a class's base
    // keys include those of its first-party ancestors, so classes of one hierarchy are
    // siblings wherever they hang in it.
    let mut ancestors_of: Vec<Vec<usize>> = vec![Vec::new(); classes.len()];
    for index in 0..classes.len() {
        let mut inherited: Vec<(String, String)> = Vec::new();
        let mut queue: Vec<usize> = first_party_bases[index].clone();
        let mut seen: FxHashSet<usize> = FxHashSet::default();
        // Every first-party ancestor, breadth first, bounded for pathological trees.
        while let Some(ancestor) = queue.pop() {
            if ancestor == index || !seen.insert(ancestor) || seen.len() > 64 {
                continue;
            }
            for key in &classes[ancestor].bases {
                if !classes[index].bases.contains(key) && !inherited.contains(key) {
                    inherited.push(key.clone());
                }
            }
            queue.extend(first_party_bases[ancestor].iter().copied());
        }
        classes[index].bases.extend(inherited);
        ancestors_of[index] = seen.into_iter().collect();
    }

    // Reference counts, files and paths per class; alias names that imports give classes.
    let mut reference_count: FxHashMap<usize, u32> = FxHashMap::default();
    let mut production_uses: FxHashMap<usize, u32> = FxHashMap::default();
    let mut referencing_files: FxHashMap<usize, FxHashSet<FileId>> = FxHashMap::default();
    let mut paths: FxHashMap<usize, BTreeMap<String, u32>> = FxHashMap::default();
    // Paths that public re-exports make (`pkg:Scaler` for `from ._data import Scaler` in
    // `pkg/__init__.py`), whether or not anybody imports through them yet.
    let mut re_export_paths: FxHashMap<usize, BTreeSet<String>> = FxHashMap::default();
    let mut import_aliases: BTreeMap<(usize, String), u32> = BTreeMap::new();
    for reference in references {
        let Resolution::Definition(origin) = reference.resolution else {
            continue;
        };
        let Some(&index) = class_index.get(&origin) else {
            continue;
        };
        let file = project.file(reference.file);
        let import = &file.facts.imports[reference.statement as usize];
        let imported = &import.names[reference.name as usize];
        if is_public_re_export(project, reference) {
            let bound = imported.bound_name(&import.kind);
            if let Some(module) = modules.module_of_file(reference.file) {
                re_export_paths
                    .entry(index)
                    .or_default()
                    .insert(format!("{}:{bound}", modules.module(module).name));
            }
        }
        if let (ImportKind::From { .. }, Some(asname)) = (&import.kind, &imported.asname) {
            if *asname != imported.name && !reference.via_attribute {
                *import_aliases
                    .entry((index, asname.to_string()))
                    .or_default() += 1;
            }
        }
        if scope_of(file) == FileScope::Production {
            *production_uses.entry(index).or_default() += 1;
        }
        *reference_count.entry(index).or_default() += 1;
        referencing_files
            .entry(index)
            .or_default()
            .insert(reference.file);
        *paths
            .entry(index)
            .or_default()
            .entry(reference.path.to_string())
            .or_default() += 1;
    }

    // Doubles: in test files, or named like one in production code and neither exported nor
    // used by production code (then it is a feature of the project, `DummyClassifier`).
    for (index, info) in classes.iter_mut().enumerate() {
        if info.scope == FileScope::Test {
            info.is_test_double = true;
        } else if info.named_double {
            // Imported through a public module other than its own (`httpx:MockTransport`)
            // is public API too.
            let public_path = paths.get(&index).is_some_and(|p| {
                p.keys().any(|path| {
                    let module = path.split(':').next().unwrap_or_default();
                    module != info.module && !is_private_module(module)
                })
            });
            let feature = re_export_paths.contains_key(&index)
                || production_uses.get(&index).copied().unwrap_or(0) > 0
                || public_path;
            if !feature && info.scope == FileScope::Production {
                info.production_double = true;
            }
            info.named_double = !feature;
        }
    }
    let double = |info: &ClassInfo<'_>| info.is_test_double || info.production_double;
    // Variants that one module picks between under a condition (`if WINDOWS: from ._win import
    // Reader` / `else: from ._posix import Reader`): one interface per platform or version,
    // written apart on purpose, not copies.
    let dispatched = dispatched_variants(resolver, &class_index);
    let variants = |a: usize, b: usize| dispatched.contains(&(a.min(b), a.max(b)));

    let mut families = Families::new(classes.len());
    let mut evidence: BTreeMap<usize, Vec<Evidence>> = BTreeMap::new();
    let symbol = |info: &ClassInfo<'_>| format!("{}:{}", info.module, info.name);
    let mut add_evidence = |index: usize, item: Evidence| {
        let list = evidence.entry(index).or_default();
        if !list.contains(&item) {
            list.push(item);
        }
    };

    // Plugin layouts: same-named production classes in sibling plugin modules (by the parent
    // package's name) or under one base.
    let mut plugin = vec![false; classes.len()];
    {
        let mut by_parent: FxHashMap<(&str, &str), Vec<usize>> = FxHashMap::default();
        let mut by_base: FxHashMap<(&str, &str), Vec<usize>> = FxHashMap::default();
        for (index, info) in classes.iter().enumerate() {
            let parent = info.module.rsplit_once('.').map_or("", |(parent, _)| {
                parent.rsplit('.').next().unwrap_or(parent)
            });
            // Data shapes are never plugins: a dataclass per module is a copy.
            if info.shape.is_none() {
                by_parent
                    .entry((info.name, parent))
                    .or_default()
                    .push(index);
            }
            for (key, _) in &info.bases {
                by_base.entry((info.name, key)).or_default().push(index);
            }
        }
        for group in by_parent.values().chain(by_base.values()) {
            if group.len() >= PLUGIN_LAYOUT {
                for &index in group {
                    plugin[index] = true;
                }
            }
        }
    }

    // Module-level aliases `X = Y` of classes.
    let mut aliases: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (file_id, file) in project.files.iter().enumerate() {
        let Some(module) = modules.module_of_file(file_id as FileId) else {
            continue;
        };
        for definition in &file.facts.definitions {
            if definition.alias_of.is_none() || !definition.module_level {
                continue;
            }
            if let Resolution::Definition(target) =
                resolver.resolve_member(module, &definition.name)
            {
                if let Some(&class) = class_index.get(&target) {
                    aliases.entry(class).or_default().push(format!(
                        "{}:{}",
                        modules.module(module).name,
                        definition.name
                    ));
                }
            }
        }
    }

    // Name stems, alias names among them.
    let mut by_stem: BTreeMap<String, Vec<(usize, Option<String>)>> = BTreeMap::new();
    for (index, info) in classes.iter().enumerate() {
        by_stem
            .entry(info.stem_key.clone())
            .or_default()
            .push((index, None));
    }
    let alias_names = aliases
        .iter()
        .flat_map(|(&class, list)| {
            list.iter().map(move |alias| {
                let name = alias.rsplit_once(':').map_or(alias.as_str(), |(_, n)| n);
                (class, name.to_string(), alias.clone())
            })
        })
        .chain(
            import_aliases
                .keys()
                .map(|(class, name)| (*class, name.clone(), name.clone())),
        )
        .collect::<Vec<_>>();
    for (class, name, shown) in alias_names {
        let stem = NameStem::of(&name);
        if stem.is_specific() && stem.key() != classes[class].stem_key {
            by_stem
                .entry(stem.key())
                .or_default()
                .push((class, Some(shown)));
        }
    }
    for (key, group) in &by_stem {
        for (position, (a, alias_a)) in group.iter().enumerate() {
            let start = position.saturating_sub(STEM_WINDOW);
            for (b, alias_b) in &group[start..position] {
                let (a, b) = (*a, *b);
                if a == b {
                    continue;
                }
                let via_alias = alias_a.as_ref().or(alias_b.as_ref());
                if variants(a, b) {
                    continue;
                }
                if !name_evidence_holds(
                    &classes[a],
                    &classes[b],
                    subclass_of[a],
                    subclass_of[b],
                    a,
                    b,
                    plugin[a] || plugin[b],
                    via_alias.is_some(),
                ) {
                    continue;
                }
                families.union(a, b);
                match (alias_a, alias_b) {
                    (Some(alias), _) | (_, Some(alias)) => {
                        add_evidence(a, Evidence::AliasName(alias.clone()));
                        add_evidence(b, Evidence::AliasName(alias.clone()));
                    }
                    (None, None) => {
                        let stem = classes[a].stem.kebab();
                        add_evidence(a, Evidence::Name(stem.clone()));
                        add_evidence(b, Evidence::Name(stem));
                    }
                }
                let _ = key;
            }
        }
    }
    for (index, base) in subclass_of.iter().enumerate() {
        if let Some(base) = *base {
            // One plugin of a layout refines the plugin base; it does not copy it.
            if plugin[index] || variants(index, base) {
                continue;
            }
            if classes[index].stem_key == classes[base].stem_key {
                families.union(index, base);
                add_evidence(index, Evidence::Subclass(symbol(&classes[base])));
            }
        }
    }

    // Similar public methods, found through methods that are not too common.
    let mut postings: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (index, info) in classes.iter().enumerate() {
        if info.methods.len() >= MIN_METHODS {
            for method in &info.methods {
                postings.entry(method).or_default().push(index);
            }
        }
    }
    for (a, info) in classes.iter().enumerate() {
        if info.methods.len() < MIN_METHODS {
            continue;
        }
        let mut seen = FxHashSet::default();
        for method in &info.methods {
            let Some(posting) = postings.get(method) else {
                continue;
            };
            if posting.len() > COMMON_MEMBER {
                continue;
            }
            for &b in posting {
                if b <= a || !seen.insert(b) || classes[a].stem.head() != classes[b].stem.head() {
                    continue;
                }
                // Siblings under one base, and a class and the base it refines, share
                // methods by design (overriding is what subclassing is for); so do a
                // `Protocol` and the classes that satisfy it without naming it.
                if subclass_of[a].is_some() && subclass_of[a] == subclass_of[b]
                    || subclass_of[a] == Some(b)
                    || subclass_of[b] == Some(a)
                    || info.shares_sibling_base(&classes[b])
                    || (plugin[a] && plugin[b])
                    || info.protocol != classes[b].protocol
                    || variants(a, b)
                {
                    continue;
                }
                let similarity = jaccard(&info.methods, &classes[b].methods);
                if similarity >= METHOD_SIMILARITY {
                    families.union(a, b);
                    let percent = (similarity * 100.0).round() as u32;
                    add_evidence(b, Evidence::Methods(symbol(&classes[a]), percent));
                    add_evidence(a, Evidence::Methods(symbol(&classes[b]), percent));
                }
            }
        }
    }

    // Data shapes with near-equal fields or members.
    let mut field_postings: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (index, info) in classes.iter().enumerate() {
        if info.shape.is_some() && info.fields.len() >= MIN_FIELDS {
            for field in &info.fields {
                field_postings.entry(field).or_default().push(index);
            }
        }
    }
    for (a, info) in classes.iter().enumerate() {
        if info.shape.is_none() || info.fields.len() < MIN_FIELDS {
            continue;
        }
        let mut seen = FxHashSet::default();
        for field in &info.fields {
            let Some(posting) = field_postings.get(field) else {
                continue;
            };
            if posting.len() > COMMON_MEMBER {
                continue;
            }
            for &b in posting {
                if b <= a || !seen.insert(b) || classes[b].shape != info.shape {
                    continue;
                }
                if plugin[a] && plugin[b] || variants(a, b) {
                    continue;
                }
                let similarity = jaccard(&info.fields, &classes[b].fields);
                let same_head = info.stem.head() == classes[b].stem.head();
                let strong =
                    similarity >= 0.9 && info.fields.len().min(classes[b].fields.len()) >= 4;
                if similarity >= FIELD_SIMILARITY && (same_head || strong) {
                    families.union(a, b);
                    let percent = (similarity * 100.0).round() as u32;
                    add_evidence(b, Evidence::Fields(symbol(&classes[a]), percent));
                    add_evidence(a, Evidence::Fields(symbol(&classes[b]), percent));
                }
            }
        }
    }

    // Delegating wrappers: every public method forwards to one attribute.
    let mut all_postings: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (index, info) in classes.iter().enumerate() {
        if !double(info) {
            for method in &info.methods {
                all_postings.entry(method).or_default().push(index);
            }
        }
    }
    for (index, info) in classes.iter().enumerate() {
        let file = project.file(info.origin.file);
        let definition = &file.facts.definitions[info.origin.definition as usize];
        let Some(class) = &definition.class else {
            continue;
        };
        let public: Vec<_> = class.methods.iter().filter(|m| m.is_public()).collect();
        // Two forwarding methods are a decorator or a codec shim more often than a layer.
        if public.len() < MIN_WRAPPER_METHODS {
            continue;
        }
        let Some(Some((attribute, _))) = public.first().map(|m| m.forwards_to.as_ref()) else {
            continue;
        };
        let forwarded: Option<BTreeSet<&str>> = public
            .iter()
            .map(|m| match &m.forwards_to {
                Some((a, method)) if a == attribute => Some(method.as_str()),
                _ => None,
            })
            .collect();
        let Some(forwarded) = forwarded else { continue };
        // The production class that offers most of the forwarded methods.
        let mut covered: FxHashMap<usize, usize> = FxHashMap::default();
        for method in &forwarded {
            for &other in all_postings.get(method).into_iter().flatten() {
                if other != index && !variants(index, other) {
                    *covered.entry(other).or_default() += 1;
                }
            }
        }
        let target = covered
            .into_iter()
            .filter(|(_, count)| *count * 10 >= forwarded.len() * 7)
            .max_by_key(|(other, count)| (*count, std::cmp::Reverse(*other)));
        if let Some((target, _)) = target {
            families.union(index, target);
            add_evidence(index, Evidence::Wrapper(attribute.to_string()));
        }
    }

    let mut grouped: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for index in 0..classes.len() {
        let root = families.find(index);
        grouped.entry(root).or_default().push(index);
    }
    grouped.retain(|_, members| members.len() >= 2);

    // Factories and accessors of the families.
    let mut class_family: FxHashMap<Origin, usize> = FxHashMap::default();
    let mut family_keys: FxHashMap<String, usize> = FxHashMap::default();
    for (&root, members) in &grouped {
        for &member in members {
            class_family.insert(classes[member].origin, root);
            family_keys
                .entry(classes[member].stem.key())
                .or_insert(root);
            for alias in aliases.get(&member).into_iter().flatten() {
                let name = alias.rsplit_once(':').map_or(alias.as_str(), |(_, n)| n);
                family_keys.entry(NameStem::of(name).key()).or_insert(root);
            }
        }
    }
    let mut factories: BTreeMap<usize, Vec<CandidateMember>> = BTreeMap::new();
    let findings = find_factories(resolver, scope_of, &class_family, &family_keys);
    let mut function_references: FxHashMap<Origin, u32> =
        findings.iter().map(|finding| (finding.origin, 0)).collect();
    for reference in references {
        if let Resolution::Definition(origin) = reference.resolution {
            if let Some(count) = function_references.get_mut(&origin) {
                *count += 1;
            }
        }
    }
    for finding in findings {
        if class_family.get(&finding.origin) == Some(&finding.family) {
            continue;
        }
        factories
            .entry(finding.family)
            .or_default()
            .push(CandidateMember {
                symbol: finding.symbol,
                role: finding.role,
                origin: finding.origin,
                evidence: finding.evidence,
                references: function_references[&finding.origin],
                in_production: true,
                signature: finding.signature,
            });
    }

    let stats = Stats {
        ancestors_of: &ancestors_of,
        evidence: &evidence,
        aliases: &aliases,
        subclass_of: &subclass_of,
        reference_count: &reference_count,
        referencing_files: &referencing_files,
        paths: &paths,
        re_export_paths: &re_export_paths,
    };
    let mut candidates: Vec<ConceptCandidate> = grouped
        .into_iter()
        .filter_map(|(root, members)| {
            let functions = factories.remove(&root).unwrap_or_default();
            build_candidate(project, &classes, &members, functions, &stats)
        })
        .collect();
    candidates.sort_by(|a, b| {
        let rank = |c: &ConceptCandidate| {
            let spread = u64::from(c.files) * (c.members.len() as u64);
            (c.production_duplicates > 0, spread)
        };
        rank(b)
            .cmp(&rank(a))
            .then(a.name.cmp(&b.name))
            .then(a.canonical.cmp(&b.canonical))
    });
    candidates
}

/// Whether equal stems make two classes one concept. Equal names are common by design
/// (`forms.IntegerField` and `models.IntegerField`, one `ActionModule` per plugin), so:
/// - a subclass relation corroborates;
/// - plugin layouts and siblings under one base are implementations, not copies, unless
///   their bodies are nearly equal;
/// - plain classes, data shapes and enums of one specific stem (two or more words) are one
///   concept when either has no framework base, and so is a test double of the other;
///   classes in two different hierarchies need nearly equal bodies;
/// - generic one-word stems need overlapping public interfaces (two shared methods and
///   Jaccard ≥ 0.5) or near-equal fields of one data shape.
#[allow(clippy::too_many_arguments)]
fn name_evidence_holds(
    a: &ClassInfo<'_>,
    b: &ClassInfo<'_>,
    base_of_a: Option<usize>,
    base_of_b: Option<usize>,
    index_a: usize,
    index_b: usize,
    plugins: bool,
    via_alias: bool,
) -> bool {
    // Two definitions of one name in one module are alternatives (`if TYPE_CHECKING:` or a
    // version guard and its `else:`), not copies.
    if plugins || (a.module == b.module && a.name == b.name) {
        return false;
    }
    if base_of_a == Some(index_b) || base_of_b == Some(index_a) {
        return true;
    }
    let method_similarity = jaccard(&a.methods, &b.methods);
    let field_similarity = jaccard(&a.fields, &b.fields);
    let nearly_equal_bodies = (a.methods.len().min(b.methods.len()) >= MIN_METHODS
        && method_similarity >= 0.8)
        || (a.fields.len().min(b.fields.len()) >= MIN_FIELDS && field_similarity >= 0.8);
    if a.shares_sibling_base(b) || (base_of_a.is_some() && base_of_a == base_of_b) {
        return nearly_equal_bodies;
    }
    let shared = a.methods.intersection(&b.methods).count();
    let near_fields = a.fields.len().min(b.fields.len()) >= 2 && field_similarity >= 0.5;
    let specific = a.stem.is_specific() || via_alias;
    // Two plain classes whose bodies share no public method and no field (both with a body of
    // their own) are two concepts that happen to share a name (Django's migration
    // `ModelState` and a model instance's `ModelState`).
    let disjoint_bodies = a.shape.is_none()
        && b.shape.is_none()
        && (!a.methods.is_empty() || !b.methods.is_empty())
        && a.methods.len() + a.fields.len() >= 2
        && b.methods.len() + b.fields.len() >= 2
        && shared == 0
        && a.fields.intersection(&b.fields).count() == 0;
    if disjoint_bodies && !a.named_double && !b.named_double && !via_alias {
        return false;
    }
    if specific {
        // Plain classes, data shapes and enums of one name are one concept; classes in two
        // different hierarchies (`forms.DateTimeRangeField` and `models.DateTimeRangeField`)
        // are parallel layers unless their bodies say otherwise.
        a.bases.is_empty()
            || b.bases.is_empty()
            || a.named_double
            || b.named_double
            || nearly_equal_bodies
    } else {
        (shared >= 2 && method_similarity >= 0.5)
            || (near_fields && a.shape.is_some() && a.shape == b.shape)
    }
}

/// Per-class facts the candidates are built from.
struct Stats<'s> {
    /// Every first-party ancestor of each class.
    ancestors_of: &'s [Vec<usize>],
    evidence: &'s BTreeMap<usize, Vec<Evidence>>,
    aliases: &'s BTreeMap<usize, Vec<String>>,
    subclass_of: &'s [Option<usize>],
    reference_count: &'s FxHashMap<usize, u32>,
    referencing_files: &'s FxHashMap<usize, FxHashSet<FileId>>,
    paths: &'s FxHashMap<usize, BTreeMap<String, u32>>,
    re_export_paths: &'s FxHashMap<usize, BTreeSet<String>>,
}

fn build_candidate(
    project: &crate::Project,
    classes: &[ClassInfo<'_>],
    members: &[usize],
    functions: Vec<CandidateMember>,
    stats: &Stats<'_>,
) -> Option<ConceptCandidate> {
    let Stats {
        ancestors_of,
        evidence,
        aliases,
        subclass_of,
        reference_count,
        referencing_files,
        paths,
        re_export_paths,
    } = *stats;
    let references = |index: usize| reference_count.get(&index).copied().unwrap_or(0);
    let subclassed_by = |index: usize| {
        members
            .iter()
            .filter(|&&m| subclass_of[m] == Some(index))
            .count()
    };
    let wrapper = |index: usize| {
        evidence
            .get(&index)
            .is_some_and(|list| list.iter().any(|e| matches!(e, Evidence::Wrapper(_))))
    };
    // A class whose own name is private but that its module re-binds under a public name, or
    // that a public re-export makes importable, is public.
    let public = |index: usize| {
        let info = &classes[index];
        !info.name.starts_with('_')
            || aliases.get(&index).into_iter().flatten().any(|alias| {
                alias.starts_with(&format!("{}:", info.module))
                    && !alias.rsplit(':').next().unwrap_or("_").starts_with('_')
            })
            || re_export_paths
                .get(&index)
                .into_iter()
                .flatten()
                .any(|path| !path.rsplit(':').next().unwrap_or("_").starts_with('_'))
    };
    // Canonical: a production class that is not a double or a wrapper; public first, then
    // most referenced (subclasses compete), then one that declares itself the single source
    // of truth, then the one others subclass or alias, then a concrete class in a public,
    // shallow module.
    let canonical = *members
        .iter()
        .filter(|&&m| {
            let info = &classes[m];
            info.scope == FileScope::Production
                && !info.is_test_double
                && !info.production_double
                && !wrapper(m)
        })
        .max_by_key(|&&m| {
            (
                public(m),
                // An interface decorates the concept its implementations are.
                !classes[m].interface,
                references(m),
                classes[m].declares_canonical,
                subclassed_by(m) + aliases.get(&m).map_or(0, Vec::len),
                // `WebSocketManager` over `SimpleWebSocketManager`: the name of the idea itself.
                classes[m].stem.words.len() == split_words(classes[m].name).len(),
                !is_private_module(classes[m].module),
                std::cmp::Reverse(classes[m].module.len()),
                std::cmp::Reverse(m),
            )
        })?;
    let info = &classes[canonical];
    let canonical_path = canonical_path(
        info,
        aliases.get(&canonical),
        paths.get(&canonical),
        re_export_paths.get(&canonical),
    );
    // The canonical's bases inside the family.
    let mut ancestors = BTreeSet::new();
    let mut cursor = subclass_of[canonical];
    while let Some(base) = cursor {
        if !members.contains(&base) || !ancestors.insert(base) {
            break;
        }
        cursor = subclass_of[base];
    }

    let mut reasons = vec![format!(
        "most referenced ({} bindings in {} files)",
        references(canonical),
        referencing_files.get(&canonical).map_or(0, FxHashSet::len)
    )];
    if info.declares_canonical {
        reasons.push("its docstring declares it the single source of truth".to_string());
    }
    let subclasses = subclassed_by(canonical);
    if subclasses > 0 {
        reasons.push(format!("subclassed by {subclasses} member(s)"));
    }
    if !ancestors.is_empty() {
        reasons.push(format!(
            "refines {} member(s) it subclasses",
            ancestors.len()
        ));
    }
    if let Some(alias_list) = aliases.get(&canonical) {
        let own_module = format!("{}:", info.module);
        match alias_list
            .iter()
            .find(|alias| alias.starts_with(&own_module))
        {
            Some(own) if alias_list.len() == 1 => reasons.push(format!("aliased as `{own}`")),
            Some(own) => reasons.push(format!(
                "aliased as `{own}` and re-bound {} more time(s)",
                alias_list.len() - 1
            )),
            None => reasons.push(format!("re-bound {} time(s)", alias_list.len())),
        }
    }
    if !is_private_module(info.module) {
        reasons.push("defined in a public module".to_string());
    }

    let mut candidate_members = Vec::new();
    let mut files: FxHashSet<FileId> = FxHashSet::default();
    let (mut production_duplicates, mut test_doubles, mut production_doubles) = (0, 0, 0);
    for &member in members {
        files.extend(
            referencing_files
                .get(&member)
                .into_iter()
                .flatten()
                .copied(),
        );
        let class = &classes[member];
        // Built on a member, directly or further up: a refinement, never a copy to retire.
        let refines_member = ancestors_of[member]
            .iter()
            .any(|ancestor| members.contains(ancestor));
        let role = if member == canonical {
            MemberRole::Canonical
        } else if class.is_test_double && refines_member && !class.stem.test_double_word {
            // A test's own model or command built on a member is not a stand-in for it.
            MemberRole::Subclass
        } else if class.is_test_double {
            test_doubles += 1;
            MemberRole::TestDouble
        } else if class.production_double {
            production_doubles += 1;
            MemberRole::ProductionDouble
        } else if wrapper(member) {
            MemberRole::Wrapper
        } else if ancestors.contains(&member) || (class.interface && !classes[canonical].interface)
        {
            MemberRole::Base
        } else if refines_member {
            MemberRole::Subclass
        } else {
            if class.scope == FileScope::Production {
                production_duplicates += 1;
            }
            MemberRole::Definition
        };
        candidate_members.push(CandidateMember {
            symbol: format!("{}:{}", class.module, class.name),
            role,
            origin: class.origin,
            evidence: evidence.get(&member).cloned().unwrap_or_default(),
            references: references(member),
            in_production: class.scope == FileScope::Production,
            signature: None,
        });
        for alias in aliases.get(&member).into_iter().flatten() {
            // `X = X` compatibility lines re-bind a class under its own symbol.
            if *alias == canonical_path || *alias == format!("{}:{}", class.module, class.name) {
                continue;
            }
            candidate_members.push(CandidateMember {
                symbol: alias.clone(),
                role: MemberRole::Alias,
                origin: class.origin,
                evidence: vec![Evidence::Alias(alias.clone())],
                references: paths
                    .get(&member)
                    .and_then(|p| p.get(alias))
                    .copied()
                    .unwrap_or(0),
                in_production: class.scope == FileScope::Production,
                signature: None,
            });
        }
    }
    // A base and the classes that refine it are a hierarchy, not copies: a family needs a
    // competing definition, an alias, a wrapper or a double.
    let copies = candidate_members.iter().any(|m| {
        matches!(
            m.role,
            MemberRole::Definition
                | MemberRole::Alias
                | MemberRole::Wrapper
                | MemberRole::ProductionDouble
                | MemberRole::TestDouble
        )
    });
    if !copies {
        return None;
    }
    let factories = function_drift(&functions);
    candidate_members.extend(functions);
    candidate_members.sort_by(|a, b| a.role.cmp(&b.role).then(a.symbol.cmp(&b.symbol)));
    let directories: BTreeSet<&str> = files
        .iter()
        .map(|&file| {
            let path = project.file(file).path.as_str();
            path.rsplit_once('/').map_or("", |(directory, _)| directory)
        })
        .collect();
    let canonical_module = canonical_path
        .split(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let re_exporting_modules: BTreeSet<String> = paths
        .get(&canonical)
        .into_iter()
        .flat_map(|p| p.keys())
        .filter_map(|path| path.split_once(':').map(|(module, _)| module.to_string()))
        .filter(|module| *module != canonical_module && *module != info.module)
        .collect();
    let shim_candidates = re_exporting_modules
        .iter()
        .filter(|module| classify_re_exporter(project, module) == ReExporter::ShimCandidate)
        .cloned()
        .collect();
    Some(ConceptCandidate {
        name: info.stem.kebab(),
        canonical: canonical_path,
        canonical_origin: info.origin,
        reason: reasons.join("; "),
        members: candidate_members,
        files: files.len() as u32,
        directories: directories.len() as u32,
        production_duplicates,
        test_doubles,
        production_doubles,
        factories,
        re_exporting_modules: re_exporting_modules.into_iter().collect(),
        shim_candidates,
    })
}

/// Factory and accessor definitions grouped by name: how many, how many `async`, how many
/// distinct parameter lists.
fn function_drift(functions: &[CandidateMember]) -> Vec<FunctionDrift> {
    let mut by_name: BTreeMap<&str, Vec<&CandidateMember>> = BTreeMap::new();
    for function in functions {
        let name = function
            .symbol
            .rsplit_once(':')
            .map_or(function.symbol.as_str(), |(_, name)| name);
        by_name.entry(name).or_default().push(function);
    }
    by_name
        .into_iter()
        .map(|(name, definitions)| {
            let signatures: BTreeSet<&Vec<String>> = definitions
                .iter()
                .filter_map(|d| d.signature.as_ref().map(|(_, params)| params))
                .collect();
            FunctionDrift {
                name: name.to_string(),
                role: definitions[0].role,
                definitions: definitions.len() as u32,
                asynchronous: definitions
                    .iter()
                    .filter(|d| d.signature.as_ref().is_some_and(|(is_async, _)| *is_async))
                    .count() as u32,
                signatures: signatures.len() as u32,
            }
        })
        .collect()
}

/// The canonical policy (README.md, "Canonical policy"; DESIGN.md §4): the defining module's
/// path, under a public name when the class's own name is private and the module aliases it;
/// when the module is private, the shallowest public path that a public re-export makes or
/// that the class is imported through (legacy modules left out; most used, then by name).
fn canonical_path(
    info: &ClassInfo<'_>,
    aliases: Option<&Vec<String>>,
    paths: Option<&BTreeMap<String, u32>>,
    re_export_paths: Option<&BTreeSet<String>>,
) -> String {
    if is_private_module(info.module) {
        let mut public: BTreeMap<&str, u32> = BTreeMap::new();
        for path in re_export_paths.into_iter().flatten() {
            public.entry(path.as_str()).or_default();
        }
        for (path, count) in paths.into_iter().flatten() {
            *public.entry(path.as_str()).or_default() += count;
        }
        let best = public
            .into_iter()
            .filter(|(path, _)| {
                let (module, name) = path.split_once(':').unwrap_or((path, ""));
                !is_private_module(module) && !is_legacy_module(module) && !name.starts_with('_')
            })
            .min_by_key(|(path, count)| {
                let depth = path
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .split('.')
                    .count();
                (depth, std::cmp::Reverse(*count), *path)
            });
        if let Some((path, _)) = best {
            return path.to_string();
        }
    }
    if info.name.starts_with('_') {
        let own_module = format!("{}:", info.module);
        if let Some(alias) = aliases.into_iter().flatten().find(|alias| {
            alias.starts_with(&own_module) && !alias[own_module.len()..].starts_with('_')
        }) {
            return alias.clone();
        }
        // A public re-export of the same object names it better than its private name.
        if let Some(path) = re_export_paths
            .into_iter()
            .flatten()
            .filter(|path| {
                let (module, name) = path.split_once(':').unwrap_or((path, "_"));
                !name.starts_with('_') && !is_legacy_module(module)
            })
            .min_by_key(|path| (path.split('.').count(), path.as_str()))
        {
            return path.clone();
        }
    }
    format!("{}:{}", info.module, info.name)
}

/// A file inside a vendored tree put on `sys.path` (`setuptools/_vendor/wheel/util.py` is
/// the module `wheel.util`).
pub fn is_vendored_path(path: &str) -> bool {
    is_vendored(&path.replace('/', "."))
}

/// A module inside a vendored tree (`pip._vendor.urllib3`, `pkg.third_party.x`).
pub fn is_vendored(module: &str) -> bool {
    module.split('.').any(|segment| {
        matches!(
            segment,
            "_vendor" | "vendor" | "vendored" | "_vendored" | "third_party" | "externals"
        )
    })
}
