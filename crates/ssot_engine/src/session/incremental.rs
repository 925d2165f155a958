//! Incremental cross-file analysis: the last analysis kept, and brought up to date after an
//! edit without resolving and checking every file again.
//!
//! What is kept ([`KeptAnalysis`]): every file's references, the declared concepts resolved,
//! where every import reads from, and per file the raw findings of the two kinds of rules and
//! the final ones.
//!
//! - *File rules* ([`FILE_RULES`]) find things in a file from its own facts and references and
//!   from what other modules export (their namespaces), the declared concepts and the
//!   accessors. A file's file-rule findings change only when the file changes or when a name
//!   it reads changes.
//! - *Project rules* ([`PROJECT_RULES`]) weigh the whole project at once (concept discovery,
//!   test doubles, interface drift). Their findings change only when something they read
//!   changes: definitions, local classes, test-double calls, shared-instance shapes, or
//!   references, compared without positions.
//!
//! After an edit ([`update`]): the edited files' namespaces are compared with those of the
//! last analysis; the files that read a changed name, through imports and re-exports, are
//! found from the import index ([`ssot_index::incremental`]); those files are resolved again
//! and their file rules run again, with every other file's call sites out of sight. When the
//! project rules' inputs changed they run again over the whole project; otherwise their kept
//! findings stand. Per-file steps (ignores, suppressions, SSOT900, fingerprints) are applied
//! again to every file whose raw findings changed; compliance is recomputed from the
//! references when any changed. When the change is too wide (the declared concepts resolve
//! differently, names assigned from outside change, too many dependents), the update says so
//! and the caller analyses everything again.
//!
//! The differential test (`tests/session_incremental.rs`) checks after every step of random
//! edit sequences that the result equals an analysis from scratch, for every file.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use rustc_hash::FxHashSet;
use ssot_facts::FileFacts;
use ssot_index::incremental::{
    dependent_files, has_stubs, namespace_change, references_of_file, ImportIndex, NamespaceChange,
};
use ssot_index::{
    collect_references, same_import_time_behaviour, FileId, ModuleId, Project, Reference, Resolver,
};
use ssot_rules::call_sites::files_needing_call_sites;
use ssot_rules::concepts::concept_reports_by_scope;
use ssot_rules::partial::{finish, run_raw};
use ssot_rules::{
    resolve_concepts, CheckContext, ConceptDeclaration, ConceptReport, Diagnostic, ResolvedConcept,
    Rule, RuleSelection,
};

use crate::analysis::{complete_call_sites, AnalysisError, FileReader, PerFileIgnores};

/// Rules whose findings in a file follow from the file's facts and references, the namespaces
/// of the modules it reads, the declared concepts and the accessors.
pub(crate) const FILE_RULES: &[Rule] = &[
    Rule::InvalidSyntax,
    Rule::UnreadableFile,
    Rule::NonCanonicalImport,
    Rule::CompetingDefinitionImport,
    Rule::DanglingImport,
    Rule::ReExportCycle,
    Rule::CompetingDefinition,
    Rule::DelegatingWrapper,
    Rule::SharedInstanceAccessor,
    Rule::ModuleLevelInstance,
];

/// Rules that weigh the whole project at once.
pub(crate) const PROJECT_RULES: &[Rule] = &[
    Rule::InterfaceDrift,
    Rule::UndeclaredDuplicate,
    Rule::TestDoubleBypass,
];

/// More dependents than this (or than a twentieth of the files) and analysing everything
/// again is as cheap.
const MIN_DEPENDENT_LIMIT: usize = 256;

/// What an analysis needs besides the project.
pub(crate) struct Inputs<'a> {
    pub declarations: &'a [ConceptDeclaration],
    pub selection: &'a RuleSelection,
    pub ignores: &'a PerFileIgnores,
    pub unreadable: &'a [(String, String)],
    pub scope_of: &'a (dyn Fn(&str) -> String + Send + Sync),
    pub reader: &'a dyn FileReader,
    /// Facts with every call site, by content, for the files whose call sites are completed.
    pub cache: Option<&'a crate::cache::FactsCache>,
}

impl Inputs<'_> {
    fn ignored(&self) -> impl Fn(&str, Rule) -> bool + '_ {
        |path: &str, rule: Rule| self.ignores.ignores(path, rule)
    }
}

/// The last analysis, kept to be brought up to date.
#[derive(Clone)]
pub(crate) struct KeptAnalysis {
    /// Every file's references, in file order.
    references: Vec<Reference>,
    /// The references of file `f` are `references[starts[f]..starts[f + 1]]`.
    starts: Vec<usize>,
    concepts: Vec<ResolvedConcept>,
    /// Names modules assign from outside, as the last resolution found them.
    assigned: FxHashSet<(ModuleId, String)>,
    imports: ImportIndex,
    /// Per file, the raw findings (before ignores and suppressions) of the file rules...
    file_raw: Vec<Vec<Diagnostic>>,
    /// ...and of the project rules.
    project_raw: Vec<Vec<Diagnostic>>,
    /// Per file, the final findings, with scopes.
    diagnostics: Vec<Vec<Diagnostic>>,
    /// Final findings on paths that are not analysed files (files that could not be read).
    elsewhere: Vec<Diagnostic>,
    pub reports: Vec<ConceptReport>,
    pub warnings: Vec<String>,
}

impl KeptAnalysis {
    /// Every final finding, sorted by path then position.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self
            .diagnostics
            .iter()
            .flatten()
            .chain(&self.elsewhere)
            .cloned()
            .collect();
        // Files are in path order; findings elsewhere go to their place.
        if !self.elsewhere.is_empty() {
            all.sort_by(Diagnostic::sort_key_cmp);
        }
        all
    }

    /// The final findings of one file.
    pub fn file_diagnostics(&self, file: FileId) -> &[Diagnostic] {
        &self.diagnostics[file as usize]
    }

    /// Every file's references, in file order.
    pub fn references(&self) -> &[Reference] {
        &self.references
    }

    /// The declared concepts, resolved.
    pub fn concepts(&self) -> &[ResolvedConcept] {
        &self.concepts
    }

    /// Puts a file's entries in the import index back in line with its facts.
    pub fn reindex(&mut self, project: &Project, file: FileId) {
        self.imports.update(project, file);
    }

    fn file_references(&self, file: FileId) -> &[Reference] {
        &self.references[self.starts[file as usize]..self.starts[file as usize + 1]]
    }

    /// Replaces a file's references, returning the old ones.
    fn splice_references(&mut self, file: FileId, new: Vec<Reference>) -> Vec<Reference> {
        let file = file as usize;
        let range = self.starts[file]..self.starts[file + 1];
        let added = new.len() as isize - range.len() as isize;
        let old: Vec<Reference> = self.references.splice(range, new).collect();
        if added != 0 {
            for start in &mut self.starts[file + 1..] {
                *start = (*start as isize + added) as usize;
            }
        }
        old
    }
}

fn invalid(errors: Vec<ssot_rules::ConceptError>) -> AnalysisError {
    AnalysisError::InvalidConcepts(errors.iter().map(ToString::to_string).collect())
}

/// The file of a root-relative path, when it is an analysed file.
fn file_of(project: &Project, path: &str) -> Option<FileId> {
    project
        .files
        .binary_search_by(|f| f.path.as_str().cmp(path))
        .ok()
        .map(|index| index as FileId)
}

/// Diagnostics by file; those on other paths apart.
fn by_file(
    project: &Project,
    diagnostics: Vec<Diagnostic>,
) -> (Vec<Vec<Diagnostic>>, Vec<Diagnostic>) {
    let mut files = vec![Vec::new(); project.files.len()];
    let mut elsewhere = Vec::new();
    for diagnostic in diagnostics {
        match file_of(project, &diagnostic.path) {
            Some(file) => files[file as usize].push(diagnostic),
            None => elsewhere.push(diagnostic),
        }
    }
    (files, elsewhere)
}

/// Gives the files whose call sites the selected rules read, and lack, their call sites.
fn complete_needed_call_sites(
    project: &mut Project,
    references: &[Reference],
    concepts: &[ResolvedConcept],
    inputs: &Inputs<'_>,
) -> (Vec<FileId>, Vec<String>) {
    let needed = files_needing_call_sites(
        &CheckContext {
            project,
            references,
            concepts,
            unreadable: inputs.unreadable,
        },
        inputs.selection,
    );
    if needed.is_empty() {
        return (needed, Vec::new());
    }
    let warnings = complete_call_sites(project, &needed, inputs.reader, inputs.cache);
    (needed, warnings)
}

fn concept_reports(
    project: &Project,
    references: &[Reference],
    concepts: &[ResolvedConcept],
    inputs: &Inputs<'_>,
) -> Vec<ConceptReport> {
    let scope_of = |file: FileId| (inputs.scope_of)(&project.file(file).path);
    concept_reports_by_scope(project, references, concepts, &scope_of)
}

/// Analyses the whole project and keeps what a later [`update`] needs.
pub(crate) fn analyse_all(
    project: &mut Project,
    inputs: &Inputs<'_>,
) -> Result<KeptAnalysis, AnalysisError> {
    let started = std::time::Instant::now();
    let (references, concepts, assigned) = {
        let mut resolver = Resolver::new(project);
        let references = collect_references(&mut resolver);
        let concepts = resolve_concepts(&mut resolver, inputs.declarations).map_err(invalid)?;
        (references, concepts, resolver.assigned_elsewhere().clone())
    };
    crate::timing::report("session: resolve all", started.elapsed());
    let (_, warnings) = complete_needed_call_sites(project, &references, &concepts, inputs);
    let started = std::time::Instant::now();
    let project: &Project = project;
    let context = CheckContext {
        project,
        references: &references,
        concepts: &concepts,
        unreadable: inputs.unreadable,
    };
    let (file_raw_all, project_raw_all) = rayon::join(
        || run_raw(&context, inputs.selection, FILE_RULES),
        || run_raw(&context, inputs.selection, PROJECT_RULES),
    );
    let raw: Vec<Diagnostic> = file_raw_all
        .iter()
        .chain(&project_raw_all)
        .cloned()
        .collect();
    let mut finished = finish(&context, inputs.selection, &inputs.ignored(), raw, None);
    for diagnostic in &mut finished {
        diagnostic.scope = (inputs.scope_of)(&diagnostic.path);
    }
    crate::timing::report("session: rules on every file", started.elapsed());
    let (diagnostics, elsewhere) = by_file(project, finished);
    let (file_raw, _) = by_file(project, file_raw_all);
    let (project_raw, _) = by_file(project, project_raw_all);
    let mut starts = vec![0; project.files.len() + 1];
    for reference in &references {
        starts[reference.file as usize + 1] += 1;
    }
    for file in 0..project.files.len() {
        starts[file + 1] += starts[file];
    }
    let reports = concept_reports(project, &references, &concepts, inputs);
    Ok(KeptAnalysis {
        imports: ImportIndex::build(project),
        references,
        starts,
        concepts,
        assigned,
        file_raw,
        project_raw,
        diagnostics,
        elsewhere,
        reports,
        warnings,
    })
}

/// What [`update`] did.
pub(crate) enum Update {
    /// The kept analysis is up to date; these files' findings were recomputed (the edited
    /// ones first, in the order given).
    Done { recomputed: Vec<FileId> },
    /// The change reaches too far: analyse everything again.
    NeedsFull,
}

/// What a project rule reads of a file besides its namespace, without positions.
fn project_rule_inputs_equal(
    old: &FileFacts,
    old_references: &[Reference],
    new: &FileFacts,
    new_references: &[Reference],
) -> bool {
    fn bare_definitions(facts: &FileFacts) -> Vec<ssot_facts::Definition> {
        facts
            .definitions
            .iter()
            .map(|d| {
                let mut d = d.clone();
                d.span = Default::default();
                d.position = Default::default();
                d
            })
            .collect()
    }
    fn bare_locals(
        facts: &FileFacts,
    ) -> Vec<(
        ssot_facts::CompactString,
        ssot_facts::CompactString,
        ssot_facts::ClassFacts,
    )> {
        facts
            .local_classes
            .iter()
            .map(|c| (c.name.clone(), c.qualname.clone(), c.class.clone()))
            .collect()
    }
    fn bare_extras(facts: &FileFacts) -> Vec<String> {
        // Test-double arguments carry positions of their strings; their text is compared.
        facts
            .call_extras
            .iter()
            .map(|extras| {
                let callee = facts
                    .calls
                    .get(extras.call as usize)
                    .map(|call| facts.callee(call))
                    .unwrap_or_default();
                let mut extras = extras.clone();
                extras.call = 0;
                if let Some(double) = &mut extras.double {
                    for argument in [&mut double.first_string, &mut double.second_string]
                        .into_iter()
                        .flatten()
                    {
                        argument.contents = None;
                        argument.position = Default::default();
                    }
                }
                format!("{callee}\u{1f}{extras:?}")
            })
            .collect()
    }
    fn bare_references(references: &[Reference]) -> Vec<String> {
        references
            .iter()
            .map(|r| {
                format!(
                    "{}\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{}",
                    r.path, r.via_attribute, r.context, r.resolution, r.statement
                )
            })
            .collect()
    }
    old.call_detail == new.call_detail
        && bare_definitions(old) == bare_definitions(new)
        && bare_locals(old) == bare_locals(new)
        && bare_extras(old) == bare_extras(new)
        && bare_references(old_references) == bare_references(new_references)
}

/// Brings `kept` up to date after the files of `dirty` changed (each with its facts as of the
/// kept analysis). With `overlay`, nothing kept changes: the findings of that file are
/// returned instead, computed as the update would, and the kept references are put back.
pub(crate) fn update(
    kept: &mut KeptAnalysis,
    project: &mut Project,
    dirty: &[(FileId, &FileFacts)],
    inputs: &Inputs<'_>,
    overlay: Option<FileId>,
) -> Result<(Update, Option<Vec<Diagnostic>>), AnalysisError> {
    let started = std::time::Instant::now();
    let files = project.files.len();
    // 1. What changed in the edited modules' namespaces, and who reads it.
    let mut changes = Vec::new();
    // Whether the import-time model (which SSOT101 and compliance consult for imports of a
    // canonical object through another path) may answer differently anywhere.
    let mut import_time_changed = false;
    for &(file, old) in dirty {
        kept.imports.update(project, file);
        import_time_changed |= !same_import_time_behaviour(old, &project.file(file).facts);
        let Some(module) = project.modules.module_of_file(file) else {
            continue;
        };
        let change = namespace_change(old, &project.file(file).facts);
        if change != NamespaceChange::None {
            changes.push((project.modules.module(module).name.clone(), change));
        }
    }
    let limit = MIN_DEPENDENT_LIMIT.max(files / 20);
    let Some(dependents) = dependent_files(project, &kept.imports, &changes, limit) else {
        return Ok((Update::NeedsFull, None));
    };
    let mut affected: Vec<FileId> = dirty.iter().map(|(file, _)| *file).collect();
    affected.extend(dependents);
    affected.sort_unstable();
    affected.dedup();

    // 2. Resolve the affected files again; the concepts and the names assigned from outside
    //    must resolve as before.
    let (new_references, concepts_same) = {
        let project: &Project = project;
        let mut resolver = Resolver::new(project);
        if *resolver.assigned_elsewhere() != kept.assigned {
            return Ok((Update::NeedsFull, None));
        }
        let mut stubs = has_stubs(project).then(|| Resolver::for_stubs(project));
        let references: Vec<(FileId, Vec<Reference>)> = affected
            .iter()
            .map(|&file| {
                (
                    file,
                    references_of_file(&mut resolver, stubs.as_mut(), file),
                )
            })
            .collect();
        let concepts = resolve_concepts(&mut resolver, inputs.declarations).map_err(invalid)?;
        (references, concepts == kept.concepts)
    };
    if !concepts_same {
        return Ok((Update::NeedsFull, None));
    }
    crate::timing::report(
        &format!("session: resolve {} affected files", affected.len()),
        started.elapsed(),
    );
    let started = std::time::Instant::now();
    let mut references_changed = false;
    let mut project_inputs_changed = false;
    let mut old_references: Vec<(FileId, Vec<Reference>)> = Vec::new();
    for (file, references) in new_references {
        let same = kept.file_references(file) == references.as_slice();
        references_changed |= !same;
        let is_dirty = dirty.iter().any(|(d, _)| *d == file);
        if !is_dirty && !same {
            // A file that did not change but resolves differently: its references are
            // what the project rules count.
            project_inputs_changed = true;
        }
        old_references.push((file, kept.splice_references(file, references)));
    }

    // 3. Call sites for the files that need them now (an edited file was extracted again
    //    with call names only).
    let (needed, warnings) =
        complete_needed_call_sites(project, &kept.references, &kept.concepts, inputs);
    let mut local: Vec<FileId> = affected.clone();
    local.extend(needed.iter().copied());
    if import_time_changed {
        local.extend(model_readers(&kept.references, &kept.concepts));
    }
    local.sort_unstable();
    local.dedup();
    for &(file, old) in dirty {
        let old_refs = old_references
            .iter()
            .find(|(f, _)| *f == file)
            .map_or(&[][..], |(_, r)| r.as_slice());
        let same = project_rule_inputs_equal(
            old,
            old_refs,
            &project.file(file).facts,
            kept.file_references(file),
        );
        // Kept project-rule findings of an edited file would keep its old positions.
        if !same || !kept.project_raw[file as usize].is_empty() {
            project_inputs_changed = true;
        }
    }
    if needed
        .iter()
        .any(|file| affected.binary_search(file).is_err())
    {
        project_inputs_changed = true;
    }

    crate::timing::report("session: call sites and comparisons", started.elapsed());
    // 4. File rules on the affected files.
    let phase = std::time::Instant::now();
    let file_raw = file_rules_on(project, kept, &local, inputs);
    crate::timing::report("session: file rules", phase.elapsed());
    let project: &Project = project;
    // 5. Project rules, when what they read changed.
    let phase = std::time::Instant::now();
    let project_raw = project_inputs_changed.then(|| {
        let context = CheckContext {
            project,
            references: &kept.references,
            concepts: &kept.concepts,
            unreadable: inputs.unreadable,
        };
        by_file(project, run_raw(&context, inputs.selection, PROJECT_RULES)).0
    });
    crate::timing::report("session: project rules", phase.elapsed());
    let phase = std::time::Instant::now();
    let mut recomputed: Vec<FileId> = local.clone();
    if let Some(project_raw) = &project_raw {
        for (file, (new, old)) in project_raw.iter().zip(&kept.project_raw).enumerate() {
            if new != old {
                recomputed.push(file as FileId);
            }
        }
    }
    recomputed.sort_unstable();
    recomputed.dedup();

    // 6. The per-file steps, on every file whose raw findings may have changed.
    let raw: Vec<Diagnostic> = recomputed
        .iter()
        .flat_map(|&file| {
            let file_part = file_raw
                .iter()
                .find(|(f, _)| *f == file)
                .map_or(&kept.file_raw[file as usize], |(_, raw)| raw);
            let project_part = project_raw
                .as_ref()
                .map_or(&kept.project_raw[file as usize], |raw| &raw[file as usize]);
            file_part.iter().chain(project_part).cloned()
        })
        .collect();
    let paths: FxHashSet<&str> = recomputed
        .iter()
        .map(|&file| project.file(file).path.as_str())
        .collect();
    let context = CheckContext {
        project,
        references: &kept.references,
        concepts: &kept.concepts,
        unreadable: inputs.unreadable,
    };
    let mut finished = finish(
        &context,
        inputs.selection,
        &inputs.ignored(),
        raw,
        Some(&paths),
    );
    for diagnostic in &mut finished {
        diagnostic.scope = (inputs.scope_of)(&diagnostic.path);
    }
    let (mut diagnostics, _) = by_file(project, finished);
    crate::timing::report(
        &format!("session: per-file steps on {} files", recomputed.len()),
        phase.elapsed(),
    );
    crate::timing::report(
        &format!(
            "session: rules on {} files{}",
            local.len(),
            if project_raw.is_some() {
                ", project rules on every file"
            } else {
                ""
            }
        ),
        started.elapsed(),
    );

    if let Some(overlay) = overlay {
        for (file, references) in old_references {
            kept.splice_references(file, references);
        }
        let found = std::mem::take(&mut diagnostics[overlay as usize]);
        return Ok((Update::Done { recomputed }, Some(found)));
    }

    for (file, raw) in file_raw {
        kept.file_raw[file as usize] = raw;
    }
    if let Some(project_raw) = project_raw {
        kept.project_raw = project_raw;
    }
    for &file in &recomputed {
        kept.diagnostics[file as usize] = std::mem::take(&mut diagnostics[file as usize]);
    }
    if references_changed || !needed.is_empty() || import_time_changed {
        let started = std::time::Instant::now();
        kept.reports = concept_reports(project, &kept.references, &kept.concepts, inputs);
        crate::timing::report("session: compliance", started.elapsed());
    }
    kept.warnings = warnings;
    // The edited files first.
    let mut order: Vec<FileId> = dirty.iter().map(|(file, _)| *file).collect();
    order.extend(
        recomputed
            .iter()
            .filter(|f| !order.contains(f))
            .copied()
            .collect::<Vec<_>>(),
    );
    Ok((Update::Done { recomputed: order }, None))
}

/// The files with an import of a declared concept's canonical object through another path:
/// whether such an import is reported, and how it counts for compliance, can depend on the
/// import-time model, which reads every module's import order.
fn model_readers(references: &[Reference], concepts: &[ResolvedConcept]) -> Vec<FileId> {
    let mut files: Vec<FileId> = references
        .iter()
        .filter(|reference| {
            let ssot_index::Resolution::Definition(origin) = reference.resolution else {
                return false;
            };
            concepts.iter().any(|concept| {
                origin == concept.canonical && reference.path.to_string() != concept.canonical_path
            })
        })
        .map(|reference| reference.file)
        .collect();
    files.dedup();
    files
}

/// The raw findings of the file rules in `files`: the rules see every file's namespace, but
/// only these files' references and call sites.
fn file_rules_on(
    project: &mut Project,
    kept: &KeptAnalysis,
    files: &[FileId],
    inputs: &Inputs<'_>,
) -> Vec<(FileId, Vec<Diagnostic>)> {
    let references: Vec<Reference> = files
        .iter()
        .flat_map(|&file| kept.file_references(file).iter().cloned())
        .collect();
    // Out of sight: every other file's call sites. The call-site rules report a call in the
    // file that makes it, reading other files only for what names are bound to.
    let mut hidden: Vec<(usize, Vec<ssot_facts::CallFact>)> = Vec::new();
    for (index, file) in project.files.iter_mut().enumerate() {
        if files.binary_search(&(index as FileId)).is_err() && !file.facts.calls.is_empty() {
            hidden.push((index, std::mem::take(&mut file.facts.calls)));
        }
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let context = CheckContext {
            project,
            references: &references,
            concepts: &kept.concepts,
            unreadable: inputs.unreadable,
        };
        run_raw(&context, inputs.selection, FILE_RULES)
    }));
    for (index, calls) in hidden {
        project.files[index].facts.calls = calls;
    }
    let raw = outcome.unwrap_or_else(|panic| resume_unwind(panic));
    let mut found: Vec<(FileId, Vec<Diagnostic>)> =
        files.iter().map(|&file| (file, Vec::new())).collect();
    for diagnostic in raw {
        if let Some(file) = file_of(project, &diagnostic.path) {
            if let Ok(index) = files.binary_search(&file) {
                found[index].1.push(diagnostic);
            }
        }
    }
    found
}
