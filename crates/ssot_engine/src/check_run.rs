//! What every analysing front end shares: rule selection, loading a project and running the
//! analysis on it with its configuration ([`run_check`] is the one call from arguments to
//! findings), and which baseline entries a run can judge.

use crate::analysis::AnalysisSettings;
pub use crate::analysis::PerFileIgnores;
use crate::cache::FactsCache;
use anyhow::{Context, Result};
use globset::{Glob, GlobSetBuilder};
use ssot_index::Project;
use ssot_rules::{ConceptDeclaration, Diagnostic, Rule, RuleSelection};

pub use crate::run_scope::{baseline_path, read_baseline, read_baseline_file, RunScope};

use crate::config::critical_paths::CriticalPaths;
use crate::config::Config;
use crate::scopes::Scopes;
use crate::workspace::{load_project, AnalysedFiles, ProjectArgs};

/// Rule selection options shared by `check`, `fix` and `baseline`.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct SelectionArgs {
    /// Only these rules (codes or prefixes, comma-separated; `ALL` for every rule).
    #[cfg_attr(
        feature = "clap",
        arg(long, value_delimiter = ',', value_name = "CODES")
    )]
    pub select: Vec<String>,
    /// Add these rules to the selection.
    #[cfg_attr(
        feature = "clap",
        arg(long, value_delimiter = ',', value_name = "CODES")
    )]
    pub extend_select: Vec<String>,
    /// Leave these rules out.
    #[cfg_attr(
        feature = "clap",
        arg(long, value_delimiter = ',', value_name = "CODES")
    )]
    pub ignore: Vec<String>,
}

impl SelectionArgs {
    pub fn selection(&self) -> Result<RuleSelection> {
        Ok(RuleSelection::from_selectors(
            &self.select,
            &self.extend_select,
            &self.ignore,
        )?)
    }
}

/// The diagnostics and concept figures of one run, before baseline filtering.
pub struct CheckRun {
    /// After per-file ignores and suppression comments, sorted, with fingerprints.
    pub diagnostics: Vec<Diagnostic>,
    pub concepts: Vec<ssot_rules::ConceptReport>,
    pub internal_error: bool,
    /// Which baseline entries this run can judge.
    pub scope: RunScope,
}

/// Converts the configured concepts to declarations, in name order.
pub fn declarations(config: &Config) -> Vec<ConceptDeclaration> {
    config
        .concepts
        .iter()
        .map(|(name, concept)| ConceptDeclaration {
            name: name.clone(),
            canonical: concept.canonical.clone(),
            members: concept.members.clone(),
            shims: concept.shims.clone(),
            accessors: concept.accessors.clone(),
            factory: concept.factory.clone(),
            allow: concept.allow.clone(),
        })
        .collect()
}

/// The engine's [`crate::analysis::Analyser`] set up from a loaded project's
/// configuration; prints the analysis's warnings.
pub struct Analyser {
    engine: crate::analysis::Analyser,
    /// `critical-paths`: the tier each diagnostic and concept is given.
    pub critical_paths: CriticalPaths,
}

/// What one analysis found.
pub struct Analysis {
    /// After per-file ignores and suppression comments, in the targets, sorted, with
    /// fingerprints.
    pub diagnostics: Vec<Diagnostic>,
    pub concepts: Vec<ssot_rules::ConceptReport>,
}

impl Analyser {
    pub fn new(
        loaded: &crate::workspace::LoadedProject,
        selection: &RuleSelection,
    ) -> Result<Self> {
        Ok(Self {
            engine: crate::analysis::Analyser::new(analysis_settings(loaded, selection)?),
            critical_paths: CriticalPaths::from_config(&loaded.config.critical_paths)?,
        })
    }

    /// The declared concepts.
    pub fn declarations(&self) -> &[ConceptDeclaration] {
        self.engine.declarations()
    }

    /// Resolves the project and runs the selected rules. Files whose call sites the rules
    /// read but whose facts hold only call names are read again (through `files`) and
    /// extracted in full first.
    pub fn analyse(&self, project: &mut Project, files: &AnalysedFiles<'_>) -> Result<Analysis> {
        let mut analysis = self.engine.analyse(project, files)?;
        Ok(self.finish(project, &mut analysis))
    }

    /// [`Analyser::analyse`], also handing out what the analysis resolved.
    pub fn analyse_resolved(
        &self,
        project: &mut Project,
        files: &AnalysedFiles<'_>,
    ) -> Result<(Analysis, crate::analysis::Resolved)> {
        let (mut analysis, resolved) = self.engine.analyse_resolved(project, files)?;
        Ok((self.finish(project, &mut analysis), resolved))
    }

    /// Prints the warnings and gives the findings their tiers.
    fn finish(&self, project: &Project, analysis: &mut crate::analysis::Analysis) -> Analysis {
        for warning in &analysis.warnings {
            crate::events::warn(format_args!("{warning}"));
        }
        assign_tiers(
            &self.critical_paths,
            project,
            &mut analysis.diagnostics,
            &mut analysis.concepts,
        );
        Analysis {
            diagnostics: std::mem::take(&mut analysis.diagnostics),
            concepts: std::mem::take(&mut analysis.concepts),
        }
    }
}

/// The analysis settings of a loaded project's configuration, for `selection`.
pub(crate) fn analysis_settings(
    loaded: &crate::workspace::LoadedProject,
    selection: &RuleSelection,
) -> Result<AnalysisSettings> {
    let scopes = Scopes::from_config(&loaded.config)?;
    Ok(AnalysisSettings {
        declarations: declarations(&loaded.config),
        per_file_ignores: per_file_ignores(&loaded.config)?,
        selection: selection.clone(),
        unreadable: loaded
            .problems
            .iter()
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect(),
        targets: loaded.targets.clone(),
        scope_of: Box::new(move |path| scopes.of(path).to_string()),
        call_site_cache: loaded
            .call_site_cache
            .as_ref()
            .map(|(dir, key)| FactsCache::open(dir, *key)),
    })
}

/// Gives each diagnostic its file's critical-path tier, and each concept the most critical
/// tier of its canonical definition's file and of the files referencing it.
pub(crate) fn assign_tiers(
    critical_paths: &CriticalPaths,
    project: &Project,
    diagnostics: &mut [Diagnostic],
    concepts: &mut [ssot_rules::ConceptReport],
) {
    if critical_paths.is_empty() {
        return;
    }
    let rank_of_file = |file: ssot_index::FileId| {
        let module = project
            .modules
            .module_of_file(file)
            .map(|module| project.modules.module(module).name.as_str());
        critical_paths.rank_of(&project.file(file).path, module)
    };
    // Diagnostics come sorted by path: one look-up per file.
    let mut last: Option<(String, Option<usize>)> = None;
    for diagnostic in diagnostics {
        let rank = match &last {
            Some((path, rank)) if *path == diagnostic.path => *rank,
            _ => {
                let rank = critical_paths.tier_of_path(project, &diagnostic.path);
                last = Some((diagnostic.path.clone(), rank));
                rank
            }
        };
        diagnostic.tier = rank.map(|rank| critical_paths.name(rank).to_string());
    }
    for concept in concepts {
        let rank = std::iter::once(concept.canonical_file)
            .chain(concept.reference_files.iter().copied())
            .filter_map(rank_of_file)
            .min();
        concept.tier = rank.map(|rank| critical_paths.name(rank).to_string());
    }
}

/// Loads the project and runs the selected rules: what `check`, `baseline` and `fix` share.
pub fn run_check(
    project_args: &ProjectArgs,
    selection: &RuleSelection,
) -> Result<(crate::workspace::LoadedProject, CheckRun)> {
    run_check_keeping(project_args, selection, false).map(|(loaded, run, _)| (loaded, run))
}

/// [`run_check`], also handing out what the analysis resolved (`None` for a project with
/// nothing to analyse).
pub fn run_check_resolved(
    project_args: &ProjectArgs,
    selection: &RuleSelection,
) -> Result<(
    crate::workspace::LoadedProject,
    CheckRun,
    Option<crate::analysis::Resolved>,
)> {
    run_check_keeping(project_args, selection, true)
}

/// The run, and what its analysis resolved when `keep` asks for it.
#[allow(clippy::type_complexity)]
fn run_check_keeping(
    project_args: &ProjectArgs,
    selection: &RuleSelection,
    keep: bool,
) -> Result<(
    crate::workspace::LoadedProject,
    CheckRun,
    Option<crate::analysis::Resolved>,
)> {
    let mut loaded = load_project(project_args, Some(selection))?;
    if loaded.project.files.is_empty() && loaded.problems.is_empty() {
        // Nothing to analyse: no rule can fire, and a declared concept cannot resolve in an
        // empty project. `check` says so.
        let scope = RunScope::new(&loaded, selection, per_file_ignores(&loaded.config)?);
        return Ok((
            loaded,
            CheckRun {
                diagnostics: Vec::new(),
                concepts: Vec::new(),
                internal_error: false,
                scope,
            },
            None,
        ));
    }
    let analyser = Analyser::new(&loaded, selection)?;
    let files = AnalysedFiles::new(&loaded.root, &loaded.content_hashes, &loaded.config);
    let (analysis, resolved) = if keep {
        let (analysis, resolved) = analyser.analyse_resolved(&mut loaded.project, &files)?;
        (analysis, Some(resolved))
    } else {
        (analyser.analyse(&mut loaded.project, &files)?, None)
    };
    let internal_error = loaded.internal_error;
    let scope = RunScope::new(
        &loaded,
        selection,
        analyser.engine.per_file_ignores().clone(),
    );
    Ok((
        loaded,
        CheckRun {
            diagnostics: analysis.diagnostics,
            concepts: analysis.concepts,
            internal_error,
            scope,
        },
        resolved,
    ))
}

/// `per-file-ignores` of the configuration, compiled.
pub fn per_file_ignores(config: &Config) -> Result<PerFileIgnores> {
    let patterns = config
        .per_file_ignores
        .iter()
        .map(|(pattern, codes)| {
            let mut builder = GlobSetBuilder::new();
            builder.add(
                Glob::new(pattern)
                    .with_context(|| format!("per-file-ignores: invalid glob `{pattern}`"))?,
            );
            let rules = codes
                .iter()
                .map(|code| {
                    Rule::from_code_or_name(code)
                        .with_context(|| format!("per-file-ignores: unknown rule `{code}`"))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((builder.build()?, rules))
        })
        .collect::<Result<_>>()?;
    Ok(PerFileIgnores::new(patterns))
}

/// How concept discovery weighs a file: production, test, or elsewhere (every other scope:
/// examples, docs, benchmarks and archives are never proposed as canonical).
pub fn discovery_scope(
    scopes: &crate::scopes::Scopes,
    file: &ssot_index::ProjectFile,
) -> ssot_index::concept_discovery::FileScope {
    use ssot_index::concept_discovery::FileScope;
    match scopes.of(&file.path) {
        // Top-level `docs_src/` or `example_apps/` are examples though no default glob says so.
        crate::scopes::PRODUCTION
            if ssot_index::concept_discovery::default_file_scope(file) == FileScope::Elsewhere =>
        {
            FileScope::Elsewhere
        }
        crate::scopes::PRODUCTION if file.is_test => FileScope::Test,
        crate::scopes::PRODUCTION => FileScope::Production,
        crate::scopes::TEST => FileScope::Test,
        _ => FileScope::Elsewhere,
    }
}
