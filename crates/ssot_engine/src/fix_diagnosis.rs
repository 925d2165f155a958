//! The diagnoses a fix run asks for, brought up to date from the previous one instead of
//! analysing every file again.
//!
//! A fix run (`ssot fix`, `ssot plan`'s dry run, a session's fix of one file) diagnoses the
//! project once, then again after every pass that rewrote files and after every rewrite it
//! takes back. Between two diagnoses only the rewritten (or restored) files changed, and the
//! fix engine says which ([`ssot_fix::session::FixHost::diagnose_changed`]). An
//! [`IncrementalDiagnosis`] keeps the last analysis ([`KeptAnalysis`]) and brings it up to
//! date with the session's incremental update; when the update says the change reaches too
//! far (see [`crate::session`]), it analyses everything again.
//!
//! Invariant: every answer equals what [`crate::analysis::Analyser::analyse`] gives for the
//! same project and settings (the differential test `tests/fix_incremental.rs` runs random
//! fix sessions through both).

use std::cell::{Cell, RefCell};

use ssot_facts::FileFacts;
use ssot_index::{FileId, Project, Reference};
use ssot_rules::concepts::concept_reports_by_scope;
use ssot_rules::{ConceptDeclaration, ConceptReport, Diagnostic};

use crate::analysis::{path_in_targets, AnalysisError, AnalysisSettings, FileReader};
use crate::config::critical_paths::CriticalPaths;
use crate::session::incremental::{analyse_all, update, Inputs, KeptAnalysis, Update};

/// What one diagnosis found (as [`crate::analysis::Analysis`]).
#[derive(Clone, Debug, Default)]
pub struct Diagnosis {
    /// After per-file ignores and suppression comments, in the targets, sorted, with
    /// fingerprints, scopes and (with critical paths) tiers.
    pub diagnostics: Vec<Diagnostic>,
    pub concepts: Vec<ConceptReport>,
    /// Things the user should hear about that did not stop the analysis.
    pub warnings: Vec<String>,
}

/// How the diagnoses of a run were made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiagnosisCounts {
    /// Analyses of every file.
    pub full: u32,
    /// Updates of the kept analysis.
    pub incremental: u32,
    /// Updates that found the change too wide and analysed everything again.
    pub fallbacks: u32,
}

/// Diagnoses a project again and again, each time from the previous analysis.
pub struct IncrementalDiagnosis {
    settings: AnalysisSettings,
    critical_paths: Option<CriticalPaths>,
    /// The analysis of the project as the previous diagnosis saw it.
    kept: RefCell<Option<KeptAnalysis>>,
    /// The kept analysis was handed over for the project as it is now: the first
    /// [`IncrementalDiagnosis::diagnose`] reads it instead of analysing.
    seeded: Cell<bool>,
    counts: Cell<DiagnosisCounts>,
}

impl IncrementalDiagnosis {
    /// A diagnosis with nothing kept yet: the first diagnosis analyses every file.
    pub fn new(settings: AnalysisSettings) -> Self {
        Self {
            settings,
            critical_paths: None,
            kept: RefCell::new(None),
            seeded: Cell::new(false),
            counts: Cell::new(DiagnosisCounts::default()),
        }
    }

    /// As a command's configured analysis: the loaded project's settings and critical paths
    /// (each diagnostic gets its tier), for `selection`.
    pub fn for_loaded(
        loaded: &crate::workspace::LoadedProject,
        selection: &ssot_rules::RuleSelection,
    ) -> anyhow::Result<Self> {
        let mut diagnosis = Self::new(crate::check_run::analysis_settings(loaded, selection)?);
        diagnosis.critical_paths = Some(CriticalPaths::from_config(&loaded.config.critical_paths)?);
        Ok(diagnosis)
    }

    /// A diagnosis starting from `kept`, an analysis of the project as it is now.
    pub(crate) fn seeded(settings: AnalysisSettings, kept: KeptAnalysis) -> Self {
        let diagnosis = Self::new(settings);
        *diagnosis.kept.borrow_mut() = Some(kept);
        diagnosis.seeded.set(true);
        diagnosis
    }

    /// The declared concepts.
    pub fn declarations(&self) -> &[ConceptDeclaration] {
        &self.settings.declarations
    }

    /// How the diagnoses so far were made.
    pub fn counts(&self) -> DiagnosisCounts {
        self.counts.get()
    }

    /// Diagnoses `project` knowing nothing of what changed since the previous diagnosis:
    /// every file is analysed, unless the diagnosis was seeded with an analysis of this
    /// project and has not been asked yet.
    pub fn diagnose(
        &self,
        project: &mut Project,
        reader: &dyn FileReader,
    ) -> Result<Diagnosis, AnalysisError> {
        if !self.seeded.replace(false) {
            *self.kept.borrow_mut() = None;
        }
        self.diagnose_changed(project, reader, &[])
    }

    /// Diagnoses `project`, of which only the files of `changed` differ (each given with its
    /// facts as of the previous diagnosis) from the project the previous diagnosis saw.
    pub fn diagnose_changed(
        &self,
        project: &mut Project,
        reader: &dyn FileReader,
        changed: &[(FileId, &FileFacts)],
    ) -> Result<Diagnosis, AnalysisError> {
        self.seeded.set(false);
        let settings = &self.settings;
        let inputs = Inputs {
            declarations: &settings.declarations,
            selection: &settings.selection,
            ignores: &settings.per_file_ignores,
            unreadable: &settings.unreadable,
            scope_of: &*settings.scope_of,
            reader,
            cache: settings.call_site_cache.as_ref(),
        };
        let mut slot = self.kept.borrow_mut();
        let mut counts = self.counts.get();
        let started = std::time::Instant::now();
        let mut updated = false;
        // Taken out while it is updated: an update that fails leaves nothing to build on.
        match slot.take() {
            Some(kept) if changed.is_empty() => {
                *slot = Some(kept);
                updated = true;
            }
            Some(mut kept) => match update(&mut kept, project, changed, &inputs, None) {
                Ok((Update::Done { .. }, _)) => {
                    counts.incremental += 1;
                    updated = true;
                    *slot = Some(kept);
                }
                Ok((Update::NeedsFull, _)) => counts.fallbacks += 1,
                Err(err) => {
                    self.counts.set(counts);
                    return Err(err);
                }
            },
            None => {}
        }
        if !updated {
            counts.full += 1;
            *slot = Some(analyse_all(project, &inputs)?);
        }
        self.counts.set(counts);
        crate::timing::report(
            if updated {
                "fix: analysis (incremental)"
            } else {
                "fix: analysis (every file)"
            },
            started.elapsed(),
        );
        let kept = slot.as_ref().expect("analysed above");
        Ok(self.answer(project, kept))
    }

    /// The kept analysis as [`crate::analysis::Analyser::analyse`] reports it: in the
    /// targets, compliance counted over the targets' references, tiers given.
    fn answer(&self, project: &Project, kept: &KeptAnalysis) -> Diagnosis {
        let targets = &self.settings.targets;
        let whole = targets.iter().any(String::is_empty);
        let mut diagnostics = kept.diagnostics();
        let mut concepts = if whole {
            kept.reports.clone()
        } else {
            diagnostics.retain(|d| path_in_targets(targets, &d.path));
            let targeted: Vec<Reference> = kept
                .references()
                .iter()
                .filter(|r| path_in_targets(targets, &project.file(r.file).path))
                .cloned()
                .collect();
            let scope_of = |file: FileId| (self.settings.scope_of)(&project.file(file).path);
            concept_reports_by_scope(project, &targeted, kept.concepts(), &scope_of)
        };
        if let Some(critical_paths) = &self.critical_paths {
            crate::check_run::assign_tiers(
                critical_paths,
                project,
                &mut diagnostics,
                &mut concepts,
            );
        }
        Diagnosis {
            diagnostics,
            concepts,
            warnings: kept.warnings.clone(),
        }
    }
}
