//! `ssot check`: declared concepts and rules, compliance, CI formats, exit codes.

use std::path::Path;

use anyhow::{Context, Result};
use globset::{Glob, GlobSetBuilder};
use ssot_engine::analysis::AnalysisSettings;
pub use ssot_engine::analysis::PerFileIgnores;
use ssot_engine::cache::FactsCache;
use ssot_index::Project;
use ssot_report::check::{render_check_concise, render_check_json, CheckReport};
use ssot_rules::{ConceptDeclaration, Diagnostic, Rule, RuleSelection};

use crate::commands::baseline::{baseline_path, read_baseline, RunScope};
use crate::config::Config;
use crate::output::{OutputArgs, OutputFormat};
use crate::scopes::Scopes;
use crate::workspace::{load_project, AnalysedFiles, ProjectArgs};
use crate::ExitStatus;

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

/// Arguments of `ssot check`.
#[derive(Clone, Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub rules: SelectionArgs,
    /// Exit 0 even when violations are found.
    #[arg(long)]
    pub exit_zero: bool,
    /// Print the number of violations per rule instead of the violations.
    #[arg(long)]
    pub statistics: bool,
    /// Report every violation, ignoring the baseline file.
    #[arg(long)]
    pub no_baseline: bool,
    /// Only violations in this scope (`production`, `test` or a configured one); repeatable.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
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
    engine: ssot_engine::analysis::Analyser,
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
            eprintln!("warning: {warning}");
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

pub fn run(args: &CheckArgs) -> Result<ExitStatus> {
    let selection = args.rules.selection()?;
    let (loaded, mut run) = run_check(&args.project, &selection)?;
    run.scope
        .limit_to_scopes(&loaded.config, &args.scopes, &mut run.diagnostics)?;
    let baseline = if args.no_baseline {
        None
    } else {
        read_baseline(&baseline_path(&loaded).0)?
    };
    let (diagnostics, baselined, fixed_since_baseline) = match baseline {
        Some(baseline) => {
            let comparison = baseline.compare(run.diagnostics, &|e| run.scope.judges(e));
            (
                comparison.new,
                comparison.baselined.len(),
                comparison.fixed.len(),
            )
        }
        None => (run.diagnostics, 0, 0),
    };
    let mut diagnostics = diagnostics;
    crate::commands::fix::attach_import_fixes(&loaded, &mut diagnostics);
    let root = loaded.root.clone();
    let max_file_size = loaded
        .config
        .max_file_size
        .unwrap_or(crate::config::DEFAULT_MAX_FILE_SIZE);
    // Snippets go through the same file-system layer and size limit as analysis, and are
    // decoded the way the analysis decoded them.
    let fs = crate::fs::RealFileSystem::from_env();
    let read_source = move |path: &str| {
        use crate::fs::FileSystem;
        let bytes = fs.read(&Path::new(&root).join(path), max_file_size).ok()?;
        let decoded = ssot_python::decode_source(&bytes).ok()?;
        Some(decoded.text.into_owned())
    };
    let report = CheckReport {
        diagnostics: &diagnostics,
        concepts: &run.concepts,
        baselined,
        fixed_since_baseline,
        source: &read_source,
    };
    let format = args.output.format.unwrap_or(OutputFormat::Full);
    args.output.write_with(|out| {
        if args.statistics {
            return ssot_report::check::render_statistics(&report, out);
        }
        match format {
            OutputFormat::Full => ssot_report::check::render_check_full(
                &report,
                ssot_report::Style {
                    color: args.output.color(),
                },
                out,
            ),
            OutputFormat::Concise => render_check_concise(&report, out),
            OutputFormat::Json => render_check_json(&report, out),
            OutputFormat::Github => ssot_report::check::render_check_github(&report, out),
            OutputFormat::Sarif => ssot_report::check::render_check_sarif(&report, out),
            OutputFormat::Junit => ssot_report::check::render_check_junit(&report, out),
            OutputFormat::Gitlab => ssot_report::check::render_check_gitlab(&report, out),
        }
    })?;
    // The process ends next: freeing every file's facts one allocation at a time would take
    // longer than the exit that returns all of it at once.
    std::mem::forget(loaded);
    Ok(if run.internal_error {
        ExitStatus::Error
    } else if !diagnostics.is_empty() && !args.exit_zero {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
