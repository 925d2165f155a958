//! From a built project to findings: resolution, the declared concepts, the call sites the
//! selected rules need, the rules, and compliance per concept and scope.
//!
//! Front ends (the CLI's `check`, `fix` and `baseline`, later the editor server) turn their
//! configuration into [`AnalysisSettings`] and read files through a [`FileReader`] of their
//! own; everything here is the same for all of them.

use globset::GlobSet;
use rayon::prelude::*;
use ssot_facts::FileFacts;
use ssot_index::{collect_references, FileId, Project, Reference, Resolver};
use ssot_python::CallDetail;
use ssot_rules::call_sites::files_needing_call_sites;
use ssot_rules::concepts::concept_reports_by_scope;
use ssot_rules::{
    resolve_concepts, run_rules_with, CheckContext, ConceptDeclaration, ConceptReport, Diagnostic,
    ResolvedConcept, Rule, RuleSelection,
};

use crate::cache::{ContentKey, FactsCache};
use crate::load::extract_guarded;

/// Reads a file of the analysed project again, refusing bytes that are not the ones its facts
/// were extracted from.
pub trait FileReader: Sync {
    /// The bytes of a root-relative path, or why they cannot be had.
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
}

/// `per-file-ignores`: rules left out in files matching a glob (relative to the project root).
#[derive(Clone, Debug, Default)]
pub struct PerFileIgnores {
    patterns: Vec<(GlobSet, Vec<Rule>)>,
}

impl PerFileIgnores {
    /// From compiled globs and the rules each leaves out.
    pub fn new(patterns: Vec<(GlobSet, Vec<Rule>)>) -> Self {
        Self { patterns }
    }

    /// `rule` is ignored in the file at `path`.
    pub fn ignores(&self, path: &str, rule: Rule) -> bool {
        self.patterns
            .iter()
            .any(|(globs, rules)| rules.contains(&rule) && globs.is_match(path))
    }
}

/// Whether a root-relative path is one of `targets` or below one (`""` is the whole project).
pub fn path_in_targets(targets: &[String], path: &str) -> bool {
    targets.iter().any(|target| {
        target.is_empty()
            || path == target
            || path
                .strip_prefix(target.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Names the scope (`production`, `test` or a configured one) of a root-relative path.
pub type ScopeOf = Box<dyn Fn(&str) -> String + Send + Sync>;

/// What an analysis needs besides the project.
pub struct AnalysisSettings {
    pub declarations: Vec<ConceptDeclaration>,
    pub per_file_ignores: PerFileIgnores,
    pub selection: RuleSelection,
    /// Files that could not be analysed, with why (SSOT002 reads them).
    pub unreadable: Vec<(String, String)>,
    /// The paths the run reports on, root-relative (`""` for the whole project).
    pub targets: Vec<String>,
    pub scope_of: ScopeOf,
    /// Facts with every call site, by content (see [`crate::cache`]); `None` for no cache.
    pub call_site_cache: Option<FactsCache>,
}

/// Why an analysis could not run.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("invalid concept configuration:\n  {}", .0.join("\n  "))]
    InvalidConcepts(Vec<String>),
}

/// What one analysis found.
pub struct Analysis {
    /// After per-file ignores and suppression comments, in the targets, sorted, with
    /// fingerprints and scopes.
    pub diagnostics: Vec<Diagnostic>,
    pub concepts: Vec<ConceptReport>,
    /// Things the user should hear about that did not stop the analysis (a file whose calls
    /// could not be checked, a cache that could not be written).
    pub warnings: Vec<String>,
}

/// What an analysis resolved on the way to its findings, for a caller that shows more than the
/// findings (the report): resolving the project is the largest part of a warm run, and doing it
/// twice would be waste.
pub struct Resolved {
    /// Every first-party reference of the whole project (not only of the targets).
    pub references: Vec<Reference>,
    /// The declared concepts, in declaration order.
    pub concepts: Vec<ResolvedConcept>,
}

/// Runs the rules on a project (or on a changed copy of its facts, as `fix` does between
/// passes).
pub struct Analyser {
    settings: AnalysisSettings,
}

impl Analyser {
    pub fn new(settings: AnalysisSettings) -> Self {
        Self { settings }
    }

    /// The declared concepts.
    pub fn declarations(&self) -> &[ConceptDeclaration] {
        &self.settings.declarations
    }

    /// The per-file ignores the analysis applies.
    pub fn per_file_ignores(&self) -> &PerFileIgnores {
        &self.settings.per_file_ignores
    }

    fn in_targets(&self, path: &str) -> bool {
        path_in_targets(&self.settings.targets, path)
    }

    /// Resolves the project and runs the selected rules. Files whose call sites the rules
    /// read but whose facts hold only call names are read again (through `files`) and
    /// extracted in full first.
    pub fn analyse(
        &self,
        project: &mut Project,
        files: &dyn FileReader,
    ) -> Result<Analysis, AnalysisError> {
        self.analyse_keeping(project, files, false)
            .map(|(analysis, _)| analysis)
    }

    /// [`Analyser::analyse`], also handing out what it resolved.
    pub fn analyse_resolved(
        &self,
        project: &mut Project,
        files: &dyn FileReader,
    ) -> Result<(Analysis, Resolved), AnalysisError> {
        self.analyse_keeping(project, files, true)
    }

    /// The analysis and what it resolved; without `keep`, the references may be given up to
    /// save a copy (when the run reports on part of the project).
    fn analyse_keeping(
        &self,
        project: &mut Project,
        files: &dyn FileReader,
        keep: bool,
    ) -> Result<(Analysis, Resolved), AnalysisError> {
        let settings = &self.settings;
        let started = std::time::Instant::now();
        let (mut references, concepts) = {
            let mut resolver = Resolver::new(project);
            let references = collect_references(&mut resolver);
            match resolve_concepts(&mut resolver, &settings.declarations) {
                Ok(concepts) => (references, concepts),
                Err(errors) => {
                    return Err(AnalysisError::InvalidConcepts(
                        errors.iter().map(ToString::to_string).collect(),
                    ))
                }
            }
        };
        crate::timing::report("check: resolve", started.elapsed());
        let started = std::time::Instant::now();
        let needed = files_needing_call_sites(
            &CheckContext {
                project,
                references: &references,
                concepts: &concepts,
                unreadable: &settings.unreadable,
            },
            &settings.selection,
        );
        crate::timing::report("check: choosing call-site files", started.elapsed());
        let started = std::time::Instant::now();
        let mut warnings = Vec::new();
        if !needed.is_empty() {
            warnings =
                complete_call_sites(project, &needed, files, settings.call_site_cache.as_ref());
        }
        crate::timing::report(
            &format!("check: call sites of {} files", needed.len()),
            started.elapsed(),
        );
        let started = std::time::Instant::now();
        let project: &Project = project;
        let context = CheckContext {
            project,
            references: &references,
            concepts: &concepts,
            unreadable: &settings.unreadable,
        };
        let mut diagnostics = run_rules_with(&context, &settings.selection, &|path, rule| {
            settings.per_file_ignores.ignores(path, rule)
        });
        crate::timing::report("check: rules", started.elapsed());
        // The whole project was resolved; report on the paths asked about.
        diagnostics.retain(|d| self.in_targets(&d.path));
        for diagnostic in &mut diagnostics {
            diagnostic.scope = (settings.scope_of)(&diagnostic.path);
        }
        let scope_of = |file: FileId| (settings.scope_of)(&project.file(file).path);
        let whole_project = settings.targets.iter().any(String::is_empty);
        let reports = if whole_project {
            concept_reports_by_scope(project, &references, &concepts, &scope_of)
        } else {
            let in_targets = |r: &Reference| self.in_targets(&project.file(r.file).path);
            let targeted: Vec<Reference> = if keep {
                references
                    .iter()
                    .filter(|r| in_targets(r))
                    .cloned()
                    .collect()
            } else {
                std::mem::take(&mut references)
                    .into_iter()
                    .filter(|r| in_targets(r))
                    .collect()
            };
            concept_reports_by_scope(project, &targeted, &concepts, &scope_of)
        };
        let analysis = Analysis {
            diagnostics,
            concepts: reports,
            warnings,
        };
        let resolved = Resolved {
            references,
            concepts,
        };
        Ok((analysis, resolved))
    }
}

/// Extracts the call sites of `needed` files (in parallel) into their facts, from the cache
/// when it has them. A file that changed since it was loaded, or cannot be read or extracted
/// again, keeps its facts, and a warning says its calls were not checked.
pub(crate) fn complete_call_sites(
    project: &mut Project,
    needed: &[FileId],
    files: &dyn FileReader,
    cache: Option<&FactsCache>,
) -> Vec<String> {
    let modules = &project.modules;
    let is_first_party = |module: &str| modules.is_first_party(module);
    let extracted: Vec<(FileId, Result<FileFacts, String>)> = needed
        .par_iter()
        .map(|&id| {
            let path = &project.file(id).path;
            let facts = files.read(path).and_then(|bytes| {
                let key = ContentKey::of_bytes(&bytes);
                let mut facts = match cache.and_then(|cache| cache.get(key)) {
                    Some(facts) => facts,
                    None => {
                        let facts = extract_guarded(&bytes, path, CallDetail::Sites)?
                            .map_err(|err| err.to_string())?;
                        if let Some(cache) = cache {
                            cache.insert(key, &facts);
                        }
                        facts
                    }
                };
                ssot_index::first_party_uses::keep_first_party_uses(&mut facts, &is_first_party);
                Ok(facts)
            });
            (id, facts)
        })
        .collect();
    let mut warnings = Vec::new();
    if let Some(cache) = cache {
        if let Err(err) = cache.save() {
            warnings.push(format!("{err}; running without writing the cache"));
        }
    }
    for (id, result) in extracted {
        let facts = &mut project.files[id as usize].facts;
        match result {
            Ok(full) => {
                facts.calls = full.calls;
                facts.callees = full.callees;
                facts.call_extras = full.call_extras;
                facts.call_names = full.call_names;
                facts.call_detail = full.call_detail;
            }
            Err(message) => warnings.push(format!(
                "{}: its calls were not checked: {message}",
                project.files[id as usize].path
            )),
        }
    }
    warnings
}
