//! What the analysing commands share: rule selection, loading a project and running the
//! engine's analysis on it, which baseline entries a run can judge, and the fixes `check`
//! shows. Commands import from here, never from each other.

mod import_fixes;
mod run_scope;

use anyhow::{Context, Result};
use globset::{Glob, GlobSetBuilder};
use ssot_engine::analysis::AnalysisSettings;
pub use ssot_engine::analysis::PerFileIgnores;
use ssot_engine::cache::FactsCache;
use ssot_index::Project;
use ssot_rules::{ConceptDeclaration, Diagnostic, Rule, RuleSelection};

pub use import_fixes::attach_import_fixes;
pub use run_scope::{baseline_path, read_baseline, read_baseline_file, RunScope};

use crate::config::Config;
use crate::scopes::Scopes;
use crate::workspace::{load_project, AnalysedFiles, ProjectArgs};

/// Rule selection options shared by `check`, `fix` and `baseline`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SelectionArgs {
    /// Only these rules (codes or prefixes, comma-separated; `ALL` for every rule).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Add these rules to the selection.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub extend_select: Vec<String>,
    /// Leave these rules out.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
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

/// The engine's [`ssot_engine::analysis::Analyser`] set up from a loaded project's
/// configuration; prints the analysis's warnings.
pub struct Analyser {
    pub(crate) engine: ssot_engine::analysis::Analyser,
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
        let scopes = Scopes::from_config(&loaded.config)?;
        let settings = AnalysisSettings {
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
        };
        Ok(Self {
            engine: ssot_engine::analysis::Analyser::new(settings),
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
        let analysis = self.engine.analyse(project, files)?;
        for warning in &analysis.warnings {
            crate::output::warn(format_args!("{warning}"));
        }
        Ok(Analysis {
            diagnostics: analysis.diagnostics,
            concepts: analysis.concepts,
        })
    }
}

/// Loads the project and runs the selected rules: what `check`, `baseline` and `fix` share.
pub fn run_check(
    project_args: &ProjectArgs,
    selection: &RuleSelection,
) -> Result<(crate::workspace::LoadedProject, CheckRun)> {
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
        ));
    }
    let analyser = Analyser::new(&loaded, selection)?;
    let files = AnalysedFiles::new(&loaded.root, &loaded.content_hashes, &loaded.config);
    let analysis = analyser.analyse(&mut loaded.project, &files)?;
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
