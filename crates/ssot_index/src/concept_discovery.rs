//! Concept candidates: families of first-party classes that look like one idea, found from
//! evidence a user can check, each with a proposed canonical member and the reason.
//!
//! Evidence between two top-level classes:
//! - **alias**: `X = Y` at module level re-binds a class under another name (same object);
//! - **subclass**: a class whose base resolves to another and whose name has the same stem;
//! - **name**: equal stems after stripping decoration words ([`concept_names`]); a stem of one
//!   word (`Config`, `Handler`) is too generic to count alone and needs a subclass relation or
//!   shared methods as well;
//! - **methods**: public-method sets with Jaccard similarity ≥ 0.7 over ≥ 4 methods, between
//!   classes whose stems end in the same word;
//! - **wrapper**: a class whose public methods all forward to one attribute, joined to the
//!   family whose methods cover what it forwards to.
//!
//! Classes in vendored trees (`_vendor`, `vendor`, `third_party`, ...) are left out: they are
//! copies of other projects, not the project's own concepts.
//!
//! Siblings under one first-party base implement an interface rather than copy each other,
//! and a name defined by more than [`NAMING_CONVENTION`] production classes is a convention:
//! neither counts as name or method evidence.
//!
//! Classes in test files or named Mock/Fake/Stub/Dummy/Spy are test doubles: shown apart, and a
//! family with no production duplicate ranks below every family that has one.
//!
//! [`concept_names`]: crate::concept_names

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap, FxHashSet};
use ssot_facts::DefinitionKind;

use crate::concept_names::NameStem;
use crate::re_exports::{
    classify_re_exporter, is_legacy_module, is_private_module, is_public_re_export, ReExporter,
};
use crate::references::Reference;
use crate::resolve::{Origin, Resolution, Resolver};
use crate::FileId;

/// Method similarity that counts as evidence.
pub const METHOD_SIMILARITY: f64 = 0.7;
/// Public methods a class needs before its method set counts as evidence.
pub const MIN_METHODS: usize = 4;
/// Public methods a class must forward before it counts as a wrapper.
pub const MIN_WRAPPER_METHODS: usize = 3;
/// More production classes of one name than this make the name a convention.
pub const NAMING_CONVENTION: usize = 8;
/// A method shared by more classes than this is too common to find similar classes by.
const COMMON_METHOD: usize = 256;

/// Why a class is in a family.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evidence {
    /// Equal name stems (`web-socket-manager`).
    Name(String),
    /// Re-bound as this alias (`module:Name`).
    Alias(String),
    /// Subclasses this member.
    Subclass(String),
    /// Public methods similar to this member's (Jaccard, in percent).
    Methods(String, u32),
    /// Forwards its public methods to an attribute holding a member.
    Wrapper(String),
}

impl Evidence {
    pub fn describe(&self) -> String {
        match self {
            Evidence::Name(stem) => format!("name stem `{stem}`"),
            Evidence::Alias(alias) => format!("re-bound as `{alias}`"),
            Evidence::Subclass(base) => format!("subclasses `{base}`"),
            Evidence::Methods(other, percent) => {
                format!("public methods {percent}% alike with `{other}`")
            }
            Evidence::Wrapper(attribute) => {
                format!("public methods only forward to `self.{attribute}`")
            }
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
    /// A class that forwards to a member.
    Wrapper,
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
            MemberRole::Wrapper => "wrapper",
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
    /// Modules other than the canonical one that the canonical object is imported through.
    pub re_exporting_modules: Vec<String>,
    /// Of those, the legacy shims `init` proposes: modules that only re-export and are not the
    /// public API (a public package's re-export never is a shim).
    pub shim_candidates: Vec<String>,
}

struct ClassInfo<'p> {
    origin: Origin,
    module: &'p str,
    name: &'p str,
    stem: NameStem,
    methods: BTreeSet<&'p str>,
    is_test_double: bool,
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

fn jaccard(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> f64 {
    let shared = a.intersection(b).count();
    let union = a.len() + b.len() - shared;
    if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    }
}

/// Finds the concept candidates of a project, best first.
pub fn discover_concepts(
    resolver: &mut Resolver<'_>,
    references: &[Reference],
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
        if is_vendored(&modules.module(module).name) {
            continue;
        }
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
            classes.push(ClassInfo {
                origin,
                module: modules.module(module).name.as_str(),
                name: definition.name.as_str(),
                is_test_double: file.is_test || stem.test_double_word,
                stem,
                methods: class
                    .methods
                    .iter()
                    .filter(|m| m.is_public())
                    .map(|m| m.name.as_str())
                    .collect(),
            });
        }
    }

    let mut families = Families::new(classes.len());
    let mut evidence: BTreeMap<usize, Vec<Evidence>> = BTreeMap::new();
    let symbol = |info: &ClassInfo<'_>| format!("{}:{}", info.module, info.name);

    // Subclass relations.
    let mut subclass_of: Vec<Option<usize>> = vec![None; classes.len()];
    for (index, info) in classes.iter().enumerate() {
        let file = project.file(info.origin.file);
        let definition = &file.facts.definitions[info.origin.definition as usize];
        let Some(module) = modules.module_of_file(info.origin.file) else {
            continue;
        };
        for base in definition.class.iter().flat_map(|c| c.bases.iter()) {
            if let Some(Resolution::Definition(base)) = resolver.resolve_dotted(module, base) {
                if let Some(&base_index) = class_index.get(&base) {
                    subclass_of[index] = Some(base_index);
                    break;
                }
            }
        }
    }

    // Name stems.
    let mut by_stem: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, info) in classes.iter().enumerate() {
        by_stem.entry(info.stem.key()).or_default().push(index);
    }
    // A raw name defined by many production classes is a naming convention (one
    // `ActionModule` per plugin file, one `Command` per management command), not a copy.
    let mut same_name: FxHashMap<&str, usize> = FxHashMap::default();
    for info in classes.iter().filter(|info| !info.is_test_double) {
        *same_name.entry(info.name).or_default() += 1;
    }
    let conventional = |info: &ClassInfo<'_>| {
        !info.is_test_double && same_name.get(info.name).copied().unwrap_or(0) > NAMING_CONVENTION
    };
    for group in by_stem.values().filter(|group| group.len() >= 2) {
        for (position, &a) in group.iter().enumerate() {
            for &b in &group[position + 1..] {
                if conventional(&classes[a]) || conventional(&classes[b]) {
                    continue;
                }
                if name_evidence_holds(
                    &classes[a],
                    &classes[b],
                    subclass_of[a],
                    subclass_of[b],
                    a,
                    b,
                ) {
                    families.union(a, b);
                    for index in [a, b] {
                        let stem = Evidence::Name(classes[index].stem.kebab());
                        let list = evidence.entry(index).or_default();
                        if !list.contains(&stem) {
                            list.push(stem);
                        }
                    }
                }
            }
        }
    }
    for (index, base) in subclass_of.iter().enumerate() {
        if let Some(base) = *base {
            if classes[index].stem.key() == classes[base].stem.key() {
                families.union(index, base);
                evidence
                    .entry(index)
                    .or_default()
                    .push(Evidence::Subclass(symbol(&classes[base])));
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
            if posting.len() > COMMON_METHOD {
                continue;
            }
            for &b in posting {
                if b <= a || !seen.insert(b) || classes[a].stem.head() != classes[b].stem.head() {
                    continue;
                }
                // Siblings under one first-party base override the same methods by design.
                if subclass_of[a].is_some() && subclass_of[a] == subclass_of[b] {
                    continue;
                }
                let similarity = jaccard(&info.methods, &classes[b].methods);
                if similarity >= METHOD_SIMILARITY {
                    families.union(a, b);
                    let percent = (similarity * 100.0).round() as u32;
                    evidence
                        .entry(b)
                        .or_default()
                        .push(Evidence::Methods(symbol(&classes[a]), percent));
                    evidence
                        .entry(a)
                        .or_default()
                        .push(Evidence::Methods(symbol(&classes[b]), percent));
                }
            }
        }
    }

    // Delegating wrappers: every public method forwards to one attribute.
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
        let target = classes
            .iter()
            .enumerate()
            .filter(|(other, candidate)| *other != index && !candidate.is_test_double)
            .map(|(other, candidate)| (forwarded.intersection(&candidate.methods).count(), other))
            .filter(|(covered, _)| *covered * 10 >= forwarded.len() * 7)
            .max_by_key(|(covered, other)| (*covered, std::cmp::Reverse(*other)));
        if let Some((_, target)) = target {
            families.union(index, target);
            evidence
                .entry(index)
                .or_default()
                .push(Evidence::Wrapper(attribute.clone()));
        }
    }

    // Aliases: module-level `X = Y` that re-bind a class.
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

    // Reference counts, files and paths per class.
    let mut reference_count: FxHashMap<usize, u32> = FxHashMap::default();
    let mut referencing_files: FxHashMap<usize, FxHashSet<FileId>> = FxHashMap::default();
    let mut paths: FxHashMap<usize, BTreeMap<String, u32>> = FxHashMap::default();
    // Paths that public re-exports make (`pkg:Scaler` for `from ._data import Scaler` in
    // `pkg/__init__.py`), whether or not anybody imports through them yet.
    let mut re_export_paths: FxHashMap<usize, BTreeSet<String>> = FxHashMap::default();
    for reference in references {
        if let Resolution::Definition(origin) = reference.resolution {
            if let Some(&index) = class_index.get(&origin) {
                if is_public_re_export(project, reference) {
                    let file = project.file(reference.file);
                    let import = &file.facts.imports[reference.statement as usize];
                    let bound = import.names[reference.name as usize].bound_name(&import.kind);
                    if let Some(module) = modules.module_of_file(reference.file) {
                        re_export_paths
                            .entry(index)
                            .or_default()
                            .insert(format!("{}:{bound}", modules.module(module).name));
                    }
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
        }
    }

    let mut grouped: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for index in 0..classes.len() {
        let root = families.find(index);
        grouped.entry(root).or_default().push(index);
    }
    let mut candidates: Vec<ConceptCandidate> = grouped
        .into_values()
        .filter(|members| members.len() >= 2)
        .filter_map(|members| {
            build_candidate(
                project,
                &classes,
                &members,
                &evidence,
                &aliases,
                &subclass_of,
                &reference_count,
                &referencing_files,
                &paths,
                &re_export_paths,
            )
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
/// (`forms.IntegerField` and `models.IntegerField`, one `ActionModule` per plugin), so a name
/// counts only with corroboration:
/// - siblings under one first-party base are implementations of an interface, not copies;
/// - a subclass relation, or a test double of the other, corroborates;
/// - otherwise the public interfaces must overlap: two shared methods or Jaccard ≥ 0.3 for
///   specific stems (two or more words), two shared methods and Jaccard ≥ 0.5 for generic ones;
///   two classes without public methods have no interface to compare and count for specific
///   stems only.
fn name_evidence_holds(
    a: &ClassInfo<'_>,
    b: &ClassInfo<'_>,
    base_of_a: Option<usize>,
    base_of_b: Option<usize>,
    index_a: usize,
    index_b: usize,
) -> bool {
    if base_of_a == Some(index_b) || base_of_b == Some(index_a) {
        return true;
    }
    if base_of_a.is_some() && base_of_a == base_of_b {
        return false;
    }
    let shared = a.methods.intersection(&b.methods).count();
    let similarity = jaccard(&a.methods, &b.methods);
    if a.stem.is_specific() {
        a.is_test_double
            || b.is_test_double
            || shared >= 2
            || similarity >= 0.3
            || (a.methods.is_empty() && b.methods.is_empty())
    } else {
        shared >= 2 && similarity >= 0.5
    }
}

#[allow(clippy::too_many_arguments)]
fn build_candidate(
    project: &crate::Project,
    classes: &[ClassInfo<'_>],
    members: &[usize],
    evidence: &BTreeMap<usize, Vec<Evidence>>,
    aliases: &BTreeMap<usize, Vec<String>>,
    subclass_of: &[Option<usize>],
    reference_count: &FxHashMap<usize, u32>,
    referencing_files: &FxHashMap<usize, FxHashSet<FileId>>,
    paths: &FxHashMap<usize, BTreeMap<String, u32>>,
    re_export_paths: &FxHashMap<usize, BTreeSet<String>>,
) -> Option<ConceptCandidate> {
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
    // Canonical: a production class that is not a wrapper or a subclass inside the family;
    // most referenced first, then the one others subclass or alias, then a public module.
    let canonical = *members
        .iter()
        .filter(|&&m| !classes[m].is_test_double && !wrapper(m))
        .filter(|&&m| !subclass_of[m].is_some_and(|base| members.contains(&base)))
        .max_by_key(|&&m| {
            (
                references(m),
                subclassed_by(m) + aliases.get(&m).map_or(0, Vec::len),
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

    let mut reasons = vec![format!(
        "most referenced ({} bindings in {} files)",
        references(canonical),
        referencing_files.get(&canonical).map_or(0, FxHashSet::len)
    )];
    let subclasses = subclassed_by(canonical);
    if subclasses > 0 {
        reasons.push(format!("subclassed by {subclasses} member(s)"));
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
    let (mut production_duplicates, mut test_doubles) = (0, 0);
    for &member in members {
        files.extend(
            referencing_files
                .get(&member)
                .into_iter()
                .flatten()
                .copied(),
        );
        let class = &classes[member];
        let role = if member == canonical {
            MemberRole::Canonical
        } else if class.is_test_double {
            test_doubles += 1;
            MemberRole::TestDouble
        } else if wrapper(member) {
            MemberRole::Wrapper
        } else if subclass_of[member].is_some_and(|base| members.contains(&base)) {
            MemberRole::Subclass
        } else {
            production_duplicates += 1;
            MemberRole::Definition
        };
        candidate_members.push(CandidateMember {
            symbol: format!("{}:{}", class.module, class.name),
            role,
            origin: class.origin,
            evidence: evidence.get(&member).cloned().unwrap_or_default(),
            references: references(member),
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
            });
        }
    }
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
        re_exporting_modules: re_exporting_modules.into_iter().collect(),
        shim_candidates,
    })
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
    }
    format!("{}:{}", info.module, info.name)
}

/// A module inside a vendored tree (`pip._vendor.urllib3`, `pkg.third_party.x`).
fn is_vendored(module: &str) -> bool {
    module.split('.').any(|segment| {
        matches!(
            segment,
            "_vendor" | "vendor" | "vendored" | "_vendored" | "third_party" | "externals"
        )
    })
}
