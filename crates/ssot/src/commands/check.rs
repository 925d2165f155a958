//! `ssot check`: declared concepts and rules, compliance, CI formats, exit codes.

use std::path::Path;

use anyhow::{bail, Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use ssot_facts::FileFacts;
use ssot_index::{collect_references, FileId, Project, Resolver};
use ssot_python::CallDetail;
use ssot_report::check::{render_check_concise, render_check_json, CheckReport};
use ssot_rules::call_sites::files_needing_call_sites;
use ssot_rules::concepts::concept_reports_by_scope;
use ssot_rules::{
    resolve_concepts, run_rules_with, CheckContext, ConceptDeclaration, Diagnostic, Rule,
    RuleSelection,
};

use crate::commands::baseline::{baseline_path, read_baseline, RunScope};
use crate::config::Config;
use crate::load::extract_guarded;
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

/// Everything needed to run the rules on a loaded project (or on a changed copy of its facts,
/// as `fix` does between passes).
pub struct Analyser {
    declarations: Vec<ConceptDeclaration>,
    per_file_ignores: PerFileIgnores,
    selection: RuleSelection,
    unreadable: Vec<(String, String)>,
    targets: Vec<String>,
    scopes: Scopes,
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
            declarations: declarations(&loaded.config),
            per_file_ignores: PerFileIgnores::from_config(&loaded.config)?,
            selection: selection.clone(),
            unreadable: loaded
                .problems
                .iter()
                .map(|p| (p.path.clone(), p.message.clone()))
                .collect(),
            targets: loaded.targets.clone(),
            scopes: Scopes::from_config(&loaded.config)?,
        })
    }

    /// The declared concepts.
    pub fn declarations(&self) -> &[ConceptDeclaration] {
        &self.declarations
    }

    fn in_targets(&self, path: &str) -> bool {
        crate::workspace::path_in_targets(&self.targets, path)
    }

    /// Resolves the project and runs the selected rules. Files whose call sites the rules
    /// read but whose facts hold only call names are read again (through `files`) and
    /// extracted in full first.
    pub fn analyse(&self, project: &mut Project, files: &AnalysedFiles<'_>) -> Result<Analysis> {
        let started = std::time::Instant::now();
        let (references, concepts) = {
            let mut resolver = Resolver::new(project);
            let references = collect_references(&mut resolver);
            match resolve_concepts(&mut resolver, &self.declarations) {
                Ok(concepts) => (references, concepts),
                Err(errors) => {
                    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    bail!(
                        "invalid concept configuration:\n  {}",
                        messages.join("\n  ")
                    );
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
                unreadable: &self.unreadable,
            },
            &self.selection,
        );
        crate::timing::report("check: choosing call-site files", started.elapsed());
        let started = std::time::Instant::now();
        if !needed.is_empty() {
            complete_call_sites(project, &needed, files);
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
            unreadable: &self.unreadable,
        };
        let mut diagnostics = run_rules_with(&context, &self.selection, &|path, rule| {
            self.per_file_ignores.ignores(path, rule)
        });
        crate::timing::report("check: rules", started.elapsed());
        // The whole project was resolved; report on the paths asked about.
        diagnostics.retain(|d| self.in_targets(&d.path));
        for diagnostic in &mut diagnostics {
            diagnostic.scope = self.scopes.of(&diagnostic.path).to_string();
        }
        let targeted: Vec<_> = references
            .into_iter()
            .filter(|r| self.in_targets(&project.file(r.file).path))
            .collect();
        let scope_of = |file: FileId| self.scopes.of(&project.file(file).path).to_string();
        Ok(Analysis {
            diagnostics,
            concepts: concept_reports_by_scope(project, &targeted, &concepts, &scope_of),
        })
    }
}

/// Extracts the call sites of `needed` files (in parallel) into their facts. A file that
/// changed since it was loaded, or cannot be read or extracted again, keeps its facts; a
/// warning says its calls were not checked.
fn complete_call_sites(project: &mut Project, needed: &[FileId], files: &AnalysedFiles<'_>) {
    let modules = &project.modules;
    let is_first_party = |module: &str| modules.is_first_party(module);
    let extracted: Vec<(FileId, Result<FileFacts, String>)> = needed
        .par_iter()
        .map(|&id| {
            let path = &project.file(id).path;
            let facts = files.read(path).and_then(|bytes| {
                extract_guarded(&bytes, path, &is_first_party, CallDetail::Sites)?
                    .map_err(|err| err.to_string())
            });
            (id, facts)
        })
        .collect();
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
            Err(message) => eprintln!(
                "warning: {}: its calls were not checked: {message}",
                project.files[id as usize].path
            ),
        }
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
    let scope = RunScope::new(&loaded, selection, analyser.per_file_ignores);
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

/// `per-file-ignores`: rules left out in files matching a glob (relative to the project root).
pub struct PerFileIgnores {
    patterns: Vec<(GlobSet, Vec<Rule>)>,
}

impl PerFileIgnores {
    pub fn from_config(config: &Config) -> Result<Self> {
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
        Ok(Self { patterns })
    }

    /// `rule` is ignored in the file at `path`.
    pub fn ignores(&self, path: &str, rule: Rule) -> bool {
        self.patterns
            .iter()
            .any(|(globs, rules)| rules.contains(&rule) && globs.is_match(path))
    }
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
    Ok(if run.internal_error {
        ExitStatus::Error
    } else if !diagnostics.is_empty() && !args.exit_zero {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
