//! What a dotted expression written in a file leads to: the shared lookups of the isolation
//! rules (SSOT202, SSOT203, SSOT301, SSOT302, SSOT401).
//!
//! A name is looked up in the file's module namespace first (module-level bindings, star
//! imports, aliases), then among the file's imports at any depth (`from m import f` inside
//! a function), so lazy imports count. The first segment's result is cached per file, so a
//! large tree costs one hash lookup per call site.

use rustc_hash::FxHashMap;
use ssot_facts::{ClassFacts, ImportKind, MethodFacts, Position, Span};
use ssot_index::census::{module_label, origin_path};
use ssot_index::concept_names::NameStem;
use ssot_index::{FileId, Origin, Project, Resolution, Resolver};

use crate::concept::ResolvedConcept;

/// Where a dotted expression leads: a first-party definition plus the attributes written after
/// it (`Cls.instance` gives `Cls` and `["instance"]`), or anything else the resolver says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target<'p> {
    Definition { origin: Origin, rest: Vec<&'p str> },
    Other(Resolution),
}

/// Resolves dotted expressions written in project files, caching the first segment per file.
pub(crate) struct DottedResolver<'p> {
    pub resolver: Resolver<'p>,
    roots: FxHashMap<(FileId, &'p str), Option<Resolution>>,
}

impl<'p> DottedResolver<'p> {
    pub fn new(project: &'p Project) -> Self {
        Self {
            resolver: Resolver::new(project),
            roots: FxHashMap::default(),
        }
    }

    pub fn project(&self) -> &'p Project {
        self.resolver.project()
    }

    /// Where `dotted`, written in `file`, leads; `None` for names the file does not bind
    /// (builtins, locals) and attributes of things that are not modules or definitions.
    pub fn resolve(&mut self, file: FileId, dotted: &'p str) -> Option<Target<'p>> {
        let mut segments = dotted.split('.');
        let root = segments.next()?;
        let mut current = match self.roots.get(&(file, root)) {
            Some(cached) => cached.clone()?,
            None => {
                let found = self.resolve_root(file, root);
                self.roots.insert((file, root), found.clone());
                found?
            }
        };
        let mut rest: Vec<&'p str> = Vec::new();
        for segment in segments {
            match current {
                Resolution::Module(module) if rest.is_empty() => {
                    current = self.resolver.resolve_member(module, segment);
                }
                Resolution::Definition(_) => rest.push(segment),
                _ => return Some(Target::Other(current)),
            }
        }
        Some(match current {
            Resolution::Definition(origin) => Target::Definition { origin, rest },
            other => Target::Other(other),
        })
    }

    /// The origin `dotted` names when it is a definition itself (no attributes after it).
    pub fn definition(&mut self, file: FileId, dotted: &'p str) -> Option<Origin> {
        match self.resolve(file, dotted)? {
            Target::Definition { origin, rest } if rest.is_empty() => Some(origin),
            _ => None,
        }
    }

    fn resolve_root(&mut self, file: FileId, root: &'p str) -> Option<Resolution> {
        let project = self.resolver.project();
        if let Some(module) = project.modules.module_of_file(file) {
            if let Some(found) = self.resolver.resolve_dotted(module, root) {
                return Some(found);
            }
        }
        // A module-level definition of a script, or an import inside a function: the last
        // import in the file that binds the name.
        let facts = &project.file(file).facts;
        if let Some(index) = facts
            .definitions
            .iter()
            .rposition(|d| d.module_level && d.name == root && d.alias_of.is_none())
        {
            if project.modules.module_of_file(file).is_none() {
                return Some(Resolution::Definition(Origin {
                    file,
                    definition: index as u32,
                }));
            }
        }
        for import in facts.imports.iter().rev() {
            for imported in import.names.iter().rev() {
                if imported.bound_name(&import.kind) != root || imported.name == "*" {
                    continue;
                }
                return Some(match &import.kind {
                    ImportKind::From { module, level } => {
                        let absolute =
                            self.resolver
                                .absolute_module(file, *level, module.as_deref())?;
                        self.resolver.resolve_from(&absolute, &imported.name)
                    }
                    ImportKind::Import => {
                        let target = if imported.asname.is_some() {
                            imported.name.as_str()
                        } else {
                            root
                        };
                        self.resolver.resolve_module(target)
                    }
                });
            }
        }
        None
    }
}

/// The class definition an origin names, with its facts.
pub(crate) fn class_facts(project: &Project, origin: Origin) -> Option<&ClassFacts> {
    project.file(origin.file).facts.definitions[origin.definition as usize]
        .class
        .as_deref()
}

/// Whether `file` imports one of the concept's classes, a module that defines one, or a name
/// from such a module.
fn imports_concept(
    resolver: &mut DottedResolver<'_>,
    file: FileId,
    concept: &ResolvedConcept,
) -> bool {
    let project = resolver.project();
    let modules: Vec<_> = concept
        .classes()
        .filter_map(|class| project.modules.module_of_file(class.file))
        .collect();
    for import in &project.file(file).facts.imports {
        for imported in &import.names {
            let resolution = match &import.kind {
                ImportKind::From { module, level } => {
                    let Some(absolute) =
                        resolver
                            .resolver
                            .absolute_module(file, *level, module.as_deref())
                    else {
                        continue;
                    };
                    // `from concept_module import helper` counts too.
                    if let Resolution::Module(module) = resolver.resolver.resolve_module(&absolute)
                    {
                        if modules.contains(&module) {
                            return true;
                        }
                    }
                    resolver.resolver.resolve_from(&absolute, &imported.name)
                }
                ImportKind::Import => resolver.resolver.resolve_module(&imported.name),
            };
            let reaches = match resolution {
                Resolution::Definition(origin) => concept.contains(origin),
                Resolution::Module(module) => modules.contains(&module),
                _ => false,
            };
            if reaches {
                return true;
            }
        }
    }
    false
}

/// How deep the rules follow first-party bases.
pub(crate) const BASE_DEPTH: u32 = 8;

/// Bases that add no methods a caller sees: a class deriving only from these (and from
/// first-party classes) has an interface ssot knows whole.
const TRIVIAL_BASES: &[&str] = &[
    "object",
    "ABC",
    "abc.ABC",
    "Generic",
    "typing.Generic",
    "Protocol",
    "typing.Protocol",
    "typing_extensions.Protocol",
];

/// The first-party classes a class derives from through its bases (at most [`BASE_DEPTH`]
/// levels), each once, in the order a lookup reaches them (depth first, bases in order), and
/// whether a base on the way lies outside the project (`zope...Components`, `dict`; not one of
/// [`TRIVIAL_BASES`]): methods ssot cannot see may come from it.
#[derive(Default)]
pub(crate) struct Lineage {
    pub ancestors: Vec<Origin>,
    pub unseen_bases: bool,
}

impl Lineage {
    /// The lineage of a class's facts, its bases written in `file`.
    pub fn of<'p>(resolver: &mut DottedResolver<'p>, file: FileId, facts: &'p ClassFacts) -> Self {
        let mut lineage = Lineage::default();
        lineage.walk(resolver, file, facts, BASE_DEPTH);
        lineage
    }

    /// The lineage of a class origin (empty for a definition that is not a class).
    pub fn of_class(resolver: &mut DottedResolver<'_>, class: Origin) -> Self {
        match class_facts(resolver.project(), class) {
            Some(facts) => Self::of(resolver, class.file, facts),
            None => Lineage::default(),
        }
    }

    fn walk<'p>(
        &mut self,
        resolver: &mut DottedResolver<'p>,
        file: FileId,
        facts: &'p ClassFacts,
        depth: u32,
    ) {
        if depth == 0 {
            return;
        }
        for base in &facts.bases {
            match resolver.definition(file, base) {
                Some(origin) if self.ancestors.contains(&origin) => {}
                Some(origin) => {
                    self.ancestors.push(origin);
                    if let Some(base_facts) = class_facts(resolver.project(), origin) {
                        self.walk(resolver, origin.file, base_facts, depth - 1);
                    }
                }
                None if TRIVIAL_BASES.contains(&base.as_str()) => {}
                None => self.unseen_bases = true,
            }
        }
    }
}

/// Adds a class's methods by name, public and private, its own over its first-party bases'
/// (the entries already in `out` win); attributes its body assigns count as properties.
/// Returns whether a base outside the project may add more ([`Lineage::unseen_bases`]).
pub(crate) fn interface(
    resolver: &mut DottedResolver<'_>,
    class: Origin,
    out: &mut FxHashMap<String, MethodFacts>,
) -> bool {
    let project = resolver.project();
    let lineage = Lineage::of_class(resolver, class);
    for origin in std::iter::once(class).chain(lineage.ancestors) {
        let Some(facts) = class_facts(project, origin) else {
            continue;
        };
        for method in &facts.methods {
            out.entry(method.name.to_string())
                .or_insert_with(|| method.clone());
        }
        // An attribute bound by assignment (`seconds = staticmethod(now)`) is read like a
        // property: not compared, but not missing either.
        for attribute in &facts.attributes {
            out.entry(attribute.to_string())
                .or_insert_with(|| MethodFacts {
                    name: attribute.clone(),
                    is_property: true,
                    ..MethodFacts::default()
                });
        }
    }
    lineage.unseen_bases
}

/// Whether instances of `class` may have the method `method`: the class or a first-party
/// base defines it, or a base outside the project may.
pub(crate) fn may_have_method(
    resolver: &mut DottedResolver<'_>,
    class: Origin,
    method: &str,
) -> bool {
    let mut methods = FxHashMap::default();
    let unseen_bases = interface(resolver, class, &mut methods);
    methods.contains_key(method) || unseen_bases
}

/// The concept a class origin belongs to (canonical or member), with its role.
pub(crate) fn concept_of(concepts: &[ResolvedConcept], origin: Origin) -> Option<&ResolvedConcept> {
    concepts.iter().find(|concept| concept.contains(origin))
}

/// Where a class is written in a file: a definition (module level or nested in a class) or a
/// class local to a function ([`ssot_facts::FileFacts::local_classes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClassSite {
    Definition(u32),
    Local(u32),
}

/// A class as the rules read it, wherever it is written.
pub(crate) struct ClassView<'p> {
    pub qualname: &'p str,
    pub span: Span,
    pub position: Position,
    pub facts: &'p ClassFacts,
}

impl ClassSite {
    /// The class at this site of `file`; `None` for a definition that is not a class.
    pub fn view<'p>(self, project: &'p Project, file: FileId) -> Option<ClassView<'p>> {
        let facts = &project.file(file).facts;
        match self {
            ClassSite::Definition(index) => {
                let definition = &facts.definitions[index as usize];
                Some(ClassView {
                    qualname: &definition.qualname,
                    span: definition.span,
                    position: definition.position,
                    facts: definition.class.as_deref()?,
                })
            }
            ClassSite::Local(index) => {
                let local = &facts.local_classes[index as usize];
                Some(ClassView {
                    qualname: &local.qualname,
                    span: local.span,
                    position: local.position,
                    facts: &local.class,
                })
            }
        }
    }

    /// `module:qualname` of the class at this site of `file` (the file's path for a script).
    pub fn path(self, project: &Project, file: FileId) -> String {
        match self {
            ClassSite::Definition(definition) => origin_path(project, Origin { file, definition }),
            ClassSite::Local(index) => {
                let local = &project.file(file).facts.local_classes[index as usize];
                format!("{}:{}", module_label(project, file), local.qualname)
            }
        }
    }
}

/// A test double of a concept: a class in a test file (at module level, nested in a class or
/// local to a test function or fixture) whose name carries a test-double word
/// (`Mock`, `Fake`, `Stub`, `Dummy`, `Spy`) and, without those and decoration words
/// (`Unified`, `Simple`, ...), is the name of one of the concept's classes, and which is none
/// of them. A class named like the concept's class without such a word (a test tool's own
/// `Display`) is a separate implementation, not a double. Neither is a class that derives
/// from production code or from a concept's class, one whose public methods are all unknown
/// to the concept's classes (unless `patch()` puts it in place of one of them), one bound over
/// a base class attribute naming another class ([`overrides_other_class`]), one `patch()`
/// puts in place of another class, or one declaring interfaces the concept's classes do not
/// ([`implements_other_interfaces`]). SSOT401 documents the same list for users.
pub(crate) struct TestDouble {
    pub file: FileId,
    pub site: ClassSite,
    pub concept: usize,
}

/// Every test double of every concept, in file order (definitions, then local classes).
pub(crate) fn test_doubles(
    resolver: &mut DottedResolver<'_>,
    concepts: &[ResolvedConcept],
) -> Vec<TestDouble> {
    let project = resolver.project();
    // The method names of each concept's classes, bases included, and whether a base outside
    // the project may add more, built when first needed.
    let mut interfaces: Vec<Option<(FxHashMap<String, MethodFacts>, bool)>> =
        vec![None; concepts.len()];
    let stems: Vec<Vec<String>> = concepts
        .iter()
        .map(|concept| {
            let mut stems: Vec<String> = concept
                .classes()
                .map(|origin| {
                    let name = &project.file(origin.file).facts.definitions
                        [origin.definition as usize]
                        .name;
                    NameStem::of(name).key()
                })
                .chain(
                    concept
                        .canonical_path
                        .rsplit([':', '.'])
                        .next()
                        .map(|name| NameStem::of(name).key()),
                )
                .filter(|key| !key.is_empty())
                .collect();
            stems.sort();
            stems.dedup();
            stems
        })
        .collect();
    let mut doubles = Vec::new();
    for (file_id, file) in project.files.iter().enumerate() {
        if !file.is_test {
            continue;
        }
        let file_id = file_id as FileId;
        let definitions = file
            .facts
            .definitions
            .iter()
            .enumerate()
            .filter_map(|(index, d)| {
                let class = d.class.as_deref()?;
                Some((ClassSite::Definition(index as u32), d.name.as_str(), class))
            });
        let locals = file
            .facts
            .local_classes
            .iter()
            .enumerate()
            .map(|(index, local)| {
                let site = ClassSite::Local(index as u32);
                (site, local.name.as_str(), &local.class)
            });
        for (site, name, class) in definitions.chain(locals) {
            if name.starts_with("Test") {
                continue;
            }
            let stem = NameStem::of(name);
            if !stem.test_double_word {
                continue;
            }
            let key = stem.key();
            let mut candidates = concepts.iter().enumerate().filter(|(index, concept)| {
                let is_member = match site {
                    ClassSite::Definition(definition) => concept.contains(Origin {
                        file: file_id,
                        definition,
                    }),
                    ClassSite::Local(_) => false,
                };
                !is_member && stems[*index].contains(&key)
            });
            let Some(first) = candidates.next() else {
                continue;
            };
            // Derived from production code (a concept's class, its base, or another class
            // the double specialises) or from a concept's class: tied to a real interface,
            // not a stand-in.
            let derived = Lineage::of(resolver, file_id, class)
                .ancestors
                .iter()
                .any(|origin| {
                    !project.file(origin.file).is_test
                        || concepts.iter().any(|concept| concept.contains(*origin))
                });
            if derived {
                continue;
            }
            // Put in place of a class by `patch()`: it stands in for that class, whatever
            // its methods.
            let patched = patched_over(resolver, file_id, name);
            let mut chosen = None;
            for (concept_index, concept) in std::iter::once(first).chain(candidates) {
                if !patched.is_empty() {
                    if patched.iter().any(|origin| concept.contains(*origin)) {
                        chosen = Some(concept_index);
                        break;
                    }
                    continue;
                }
                let (known, open) = interfaces[concept_index].get_or_insert_with(|| {
                    let mut methods = FxHashMap::default();
                    let mut open = false;
                    for class in concept.classes() {
                        open |= interface(resolver, class, &mut methods);
                    }
                    (methods, open)
                });
                let mut public = class.methods.iter().filter(|m| m.is_public()).peekable();
                // No public method: nothing tells what it stands in for, so the name does; nor
                // when the concept's classes may inherit methods ssot cannot see. A double
                // whose public methods are all unknown to the concept stands in for something
                // else (a `FakeLoader` with only `load_file()`, passed to the real `Loader`
                // as its file loader).
                let shares = *open
                    || public.peek().is_none()
                    || public.any(|m| known.contains_key(m.name.as_str()));
                if !shares
                    || overrides_other_class(resolver, file_id, name, concept)
                    || implements_other_interfaces(resolver, class, concept)
                {
                    continue;
                }
                let imports = imports_concept(resolver, file_id, concept);
                // Of two concepts with the same class name (a class and its asyncio twin),
                // the one the file imports.
                if imports {
                    chosen = Some(concept_index);
                    break;
                }
                chosen.get_or_insert(concept_index);
            }
            if let Some(concept) = chosen {
                doubles.push(TestDouble {
                    file: file_id,
                    site,
                    concept,
                });
            }
        }
    }
    doubles
}

/// Whether the class declares (`@implementer(...)`) interfaces and none of them is declared by
/// the concept's classes or their first-party bases: it stands in for providers of those
/// interfaces (a `FakeResolver` implementing `IResolverSimple` for the reactor, where the
/// concept's resolver implements `IResolver`). Interfaces are compared by their last name.
fn implements_other_interfaces(
    resolver: &mut DottedResolver<'_>,
    class: &ClassFacts,
    concept: &ResolvedConcept,
) -> bool {
    if class.implements.is_empty() {
        return false;
    }
    let mut declared = Vec::new();
    for origin in concept.classes() {
        declared_interfaces(resolver, origin, &mut declared);
    }
    !class
        .implements
        .iter()
        .any(|interface| declared.iter().any(|name| name == last_name(interface)))
}

/// The last names of the interfaces `class` and its first-party bases declare with
/// `@implementer(...)`.
fn declared_interfaces(resolver: &mut DottedResolver<'_>, class: Origin, out: &mut Vec<String>) {
    let project = resolver.project();
    let lineage = Lineage::of_class(resolver, class);
    for origin in std::iter::once(class).chain(lineage.ancestors) {
        if let Some(facts) = class_facts(project, origin) {
            out.extend(facts.implements.iter().map(|i| last_name(i).to_string()));
        }
    }
}

/// The last segment of a dotted name.
fn last_name(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
}

/// The first-party classes that `patch()` calls of `file` replace with `name`
/// (`patch("app.core.Manager", FakeManager)`, `patch.object(core, "Manager", FakeManager)`).
/// Only files whose call sites were extracted have them.
fn patched_over<'p>(resolver: &mut DottedResolver<'p>, file: FileId, name: &str) -> Vec<Origin> {
    let project = resolver.project();
    let facts = &project.file(file).facts;
    let mut out = Vec::new();
    for extras in &facts.call_extras {
        let Some(arguments) = &extras.double else {
            continue;
        };
        if arguments.replacement.as_deref() != Some(name) {
            continue;
        }
        let Some(call) = facts.calls.get(extras.call as usize) else {
            continue;
        };
        let callee = facts.callee(call);
        let replaced = if callee.ends_with("object") {
            let (Some(owner), Some(attribute)) =
                (&arguments.first_dotted, &arguments.second_string)
            else {
                continue;
            };
            match resolver.resolve(file, owner) {
                Some(Target::Other(Resolution::Module(module))) => {
                    resolver.resolver.resolve_member(module, &attribute.value)
                }
                _ => continue,
            }
        } else {
            let Some(target) = &arguments.first_string else {
                continue;
            };
            let Some((module, attribute)) = target.value.rsplit_once('.') else {
                continue;
            };
            match project.modules.get(module) {
                Some(module) => resolver.resolver.resolve_member(module, attribute),
                None => continue,
            }
        };
        if let Resolution::Definition(origin) = replaced {
            out.push(origin);
        }
    }
    out
}

/// Whether the class named `name` in `file` is bound as a class attribute that overrides a
/// first-party base class's attribute naming a class outside the concept, and never one
/// naming a class of the concept: `class TaskPool(prefork.TaskPool): Pool = MockPool` where
/// the base says `Pool = AsynPool`. The double stands in for that other class, whatever its
/// name echoes.
fn overrides_other_class<'p>(
    resolver: &mut DottedResolver<'p>,
    file: FileId,
    name: &str,
    concept: &ResolvedConcept,
) -> bool {
    let facts = &resolver.project().file(file).facts;
    let classes = facts
        .definitions
        .iter()
        .filter_map(|d| d.class.as_deref())
        .chain(facts.local_classes.iter().map(|local| &local.class));
    let mut other = false;
    for class in classes {
        for alias in class.attribute_aliases.iter().filter(|a| a.dotted == name) {
            for base in &class.bases {
                let Some(origin) = resolver.definition(file, base) else {
                    continue;
                };
                match base_attribute(resolver, origin, &alias.attribute, concept) {
                    Some(true) => return false,
                    Some(false) => other = true,
                    None => {}
                }
            }
        }
    }
    other
}

/// What the class attribute `attribute` of `class` (or of its first-party bases) names:
/// `Some(true)` for one of the concept's classes, `Some(false)` for anything else (a class
/// outside the concept, a third-party name), `None` when neither the class nor its bases bind
/// it to a name or a nested class.
fn base_attribute(
    resolver: &mut DottedResolver<'_>,
    class: Origin,
    attribute: &str,
    concept: &ResolvedConcept,
) -> Option<bool> {
    let project = resolver.project();
    let lineage = Lineage::of_class(resolver, class);
    for origin in std::iter::once(class).chain(lineage.ancestors) {
        let definitions = &project.file(origin.file).facts.definitions;
        let definition = &definitions[origin.definition as usize];
        let Some(facts) = definition.class.as_deref() else {
            continue;
        };
        if let Some(alias) = facts
            .attribute_aliases
            .iter()
            .rev()
            .find(|alias| alias.attribute == attribute)
        {
            let named = resolver.definition(origin.file, &alias.dotted);
            return Some(named.is_some_and(|named| concept.contains(named)));
        }
        let nested = definitions.iter().position(|d| {
            d.class.is_some()
                && d.name == attribute
                && d.qualname.len() == definition.qualname.len() + 1 + attribute.len()
                && d.qualname.starts_with(definition.qualname.as_str())
        });
        if let Some(index) = nested {
            return Some(concept.contains(Origin {
                file: origin.file,
                definition: index as u32,
            }));
        }
    }
    None
}
