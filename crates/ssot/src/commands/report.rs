//! `ssot report`: the team lead's view (JSON `ssot.report/1`, Markdown, self-contained HTML),
//! optionally with the trend over sampled git history.
//!
//! The working tree is loaded and analysed exactly as `check` does (so the figures are
//! `check`'s); each sampled commit is read from the object database through the engine's git
//! tree source, with the facts cache keyed by blob id, and analysed with the current
//! configuration applied leniently (see [`lenient_declarations`]).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use globset::GlobSet;
use rayon::prelude::*;
use ssot_engine::analysis::{AnalysisSettings, FileReader, Resolved};
use ssot_engine::cache::{ExtractOptions, FactsCache, GlobalKey};
use ssot_engine::history::facts::HistoryFacts;
use ssot_engine::history::tree::CommitTree;
use ssot_engine::history::{HistoryRange, Repository};
use ssot_engine::project::ProjectSettings;
use ssot_engine::source::{FileSource, SourceFile};
use ssot_index::{collect_references, ModuleSettings, Project, Resolver};
use ssot_python::{CallDetail, TargetVersion};
use ssot_report::report::model::{HistoryConcept, HistoryEntry, Report};
use ssot_report::report::{build_report, Codeowners, ReportInput};
use ssot_rules::concepts::{resolve_callable, resolve_symbol};
use ssot_rules::{ConceptDeclaration, Diagnostic, RuleSelection};

use crate::analysis::{attach_import_fixes, declarations, per_file_ignores, run_check_resolved};
use crate::config::{self, Config, DEFAULT_MAX_FILE_SIZE};
use crate::discovery::Excludes;
use crate::output::OutputArgs;
use crate::scopes::Scopes;
use crate::workspace::ProjectArgs;
use crate::ExitStatus;

/// The views of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Html,
    Markdown,
    Json,
}

/// Arguments of `ssot report`.
#[derive(Clone, Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// The view: `html` (one self-contained page), `markdown` (a pull-request comment or CI
    /// step summary) or `json` (`ssot.report/1`). Default: from the `--output` file's
    /// extension, else markdown.
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add the trend over the project's git history (first-parent commits, sampled evenly).
    #[arg(long)]
    pub history: bool,
    /// With `--history`: start after this revision, or at this date (`2024-01-31`).
    #[arg(long, value_name = "DATE|REV", requires = "history")]
    pub since: Option<String>,
    /// With `--history`: the newest commit (default `HEAD`).
    #[arg(long, value_name = "REV", requires = "history")]
    pub until: Option<String>,
    /// With `--history`: at most this many commits, always including the newest.
    #[arg(long, value_name = "N", default_value_t = 50, requires = "history")]
    pub max_commits: usize,
}

impl ReportArgs {
    fn format(&self) -> ReportFormat {
        if let Some(format) = self.format {
            return format;
        }
        let extension = self
            .output
            .as_deref()
            .and_then(Path::extension)
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("html" | "htm") => ReportFormat::Html,
            Some("json") => ReportFormat::Json,
            _ => ReportFormat::Markdown,
        }
    }
}

pub fn run(args: &ReportArgs) -> Result<ExitStatus> {
    if args.history && args.max_commits == 0 {
        bail!("--max-commits must be at least 1");
    }
    let root = crate::workspace::project_root(&args.project)?;
    let repository = if args.history {
        Some(Repository::discover(&root)?)
    } else {
        // A bare repository has no working tree: its newest commit is the project.
        Repository::discover(&root).ok().filter(|r| r.bare)
    };
    let selection = RuleSelection::from_selectors(&[], &[], &[])?;
    let (mut report, internal_error, context) = match &repository {
        Some(repository) if repository.bare => {
            let context = HistoryContext::new(&args.project, &root, Some(repository))?;
            let head = repository.commit_id(args.until.as_deref().unwrap_or("HEAD"))?;
            let mut report = context.report_at(repository, &head, &selection)?;
            report.notes.push(format!(
                "A bare repository: the report is of commit {}; fixable counts need a working tree and show 0.",
                &head[..head.len().min(10)]
            ));
            (report, false, Some(context))
        }
        _ => {
            let (report, internal_error) = working_tree_report(args, &selection)?;
            let context = match &repository {
                Some(repository) => {
                    Some(HistoryContext::new(&args.project, &root, Some(repository))?)
                }
                None => None,
            };
            (report, internal_error, context)
        }
    };
    if let (Some(repository), Some(context)) = (&repository, &context) {
        if args.history {
            let (history, notes) = context.history(
                repository,
                &HistoryRange {
                    since: args.since.clone(),
                    until: args.until.clone(),
                    max_commits: args.max_commits,
                },
            )?;
            report.history = Some(history);
            report.notes.extend(notes);
        }
    }
    let output = OutputArgs {
        format: None,
        output_file: args.output.clone(),
    };
    let format = args.format();
    output.write_with(|out| match format {
        ReportFormat::Json => ssot_report::report::render_report_json(&report, out),
        ReportFormat::Markdown => {
            ssot_report::report::markdown::render_report_markdown(&report, out)
        }
        ReportFormat::Html => ssot_report::report::html::render_report_html(&report, out),
    })?;
    Ok(if internal_error {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

fn project_name(root: &Path) -> String {
    root.file_name()
        .map(|name| name.to_string_lossy().trim_end_matches(".git").to_string())
        .unwrap_or_else(|| "project".to_string())
}

/// The owners file of a project root, as GitHub finds it (none: nobody owns anything).
fn codeowners(read: &dyn Fn(&str) -> Option<Vec<u8>>) -> Codeowners {
    Codeowners::find(read).unwrap_or_default()
}

/// The report of the working tree, from the same run `check` makes.
fn working_tree_report(args: &ReportArgs, selection: &RuleSelection) -> Result<(Report, bool)> {
    let (loaded, mut run, resolved) = run_check_resolved(&args.project, selection)?;
    attach_import_fixes(&loaded, &mut run.diagnostics);
    let scopes = Scopes::from_config(&loaded.config)?;
    let project = &loaded.project;
    // The analysis resolved the project already; a project with nothing to analyse has
    // nothing to resolve.
    let Resolved {
        references,
        concepts,
    } = match resolved {
        Some(resolved) => resolved,
        None => resolve(project, &declarations(&loaded.config))?,
    };
    let owners = codeowners(&|location| std::fs::read(loaded.root.join(location)).ok());
    let scope_of = |path: &str| scopes.of(path).to_string();
    let report = build_report(&ReportInput {
        project_name: project_name(&loaded.root),
        project,
        references: &references,
        concepts: &concepts,
        reports: &run.concepts,
        diagnostics: &run.diagnostics,
        problems: &loaded.problems,
        scope_of: &scope_of,
        owners: &owners,
    });
    let internal_error = run.internal_error;
    // The process ends next: the exit frees everything at once.
    std::mem::forget(loaded);
    Ok((report, internal_error))
}

/// Every reference of a project and its declared concepts, resolved.
fn resolve(project: &Project, declarations: &[ConceptDeclaration]) -> Result<Resolved> {
    let mut resolver = Resolver::new(project);
    let references = collect_references(&mut resolver);
    let concepts = ssot_rules::resolve_concepts(&mut resolver, declarations)
        .map_err(|errors| anyhow::anyhow!("invalid concept configuration: {errors:?}"))?;
    Ok(Resolved {
        references,
        concepts,
    })
}

/// The current configuration, compiled once for every commit.
struct HistoryContext {
    root: PathBuf,
    config: Config,
    excludes: Excludes,
    test_paths: GlobSet,
    modules: ModuleSettings,
    limits: ssot_engine::load::FileLimits,
    /// How files are extracted: as `check` extracts them, so the facts (and the cache) are
    /// shared with it.
    options: ExtractOptions,
    declarations: Vec<ConceptDeclaration>,
    per_file_ignores: ssot_engine::analysis::PerFileIgnores,
    scopes: std::sync::Arc<Scopes>,
    cache_dir: Option<PathBuf>,
}

/// Reads files of a commit again (for call sites); a commit never changes.
struct CommitReader<'a> {
    tree: &'a CommitTree,
    max_size: u64,
}

impl FileReader for CommitReader<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.tree
            .read_path(path, self.max_size)
            .map_err(|err| err.to_string())
    }
}

/// One commit analysed.
struct CommitAnalysis {
    project: Project,
    /// Declared concepts whose canonical exists at the commit.
    present: Vec<bool>,
    concepts: Vec<ssot_rules::ConceptReport>,
    diagnostics: Vec<Diagnostic>,
    problems: Vec<ssot_report::Problem>,
}

/// The rules whose findings a history entry counts: dangling imports and shared-instance
/// accessor calls. Compliance and definitions come from the concepts, not from rules.
fn history_selection() -> Result<RuleSelection> {
    let codes = [
        ssot_rules::Rule::DanglingImport.code().to_string(),
        ssot_rules::Rule::SharedInstanceAccessor.code().to_string(),
    ];
    Ok(RuleSelection::from_selectors(&codes, &[], &[])?)
}

impl HistoryContext {
    fn new(args: &ProjectArgs, root: &Path, repository: Option<&Repository>) -> Result<Self> {
        let config = match (&args.config, repository) {
            (Some(path), _) => config::read_config_file(path)?.config,
            (None, Some(repository)) if repository.bare => bare_config(repository)?,
            (None, _) => config::discover_config(root)?
                .map(|loaded| loaded.config)
                .unwrap_or_default(),
        };
        let excludes = Excludes::new(&ssot_engine::workspace::exclude_patterns(&config, args))?;
        let test_paths = ssot_engine::workspace::test_path_globs(&config)?;
        let metadata = crate::config::project_metadata::read_project_metadata(root);
        let target = config
            .target_version()
            .or(metadata.requires_python)
            .unwrap_or(TargetVersion::NEWEST);
        let modules = ssot_engine::workspace::module_settings(&config, metadata.dependencies);
        let limits = ssot_engine::load::FileLimits {
            max_size: config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            max_tokens: config
                .max_file_tokens
                .unwrap_or(ssot_engine::token_budget::DEFAULT_MAX_FILE_TOKENS),
        };
        // Facts are extracted as `check` extracts them (every rule selected), whatever rules
        // a commit then runs.
        let calls = ssot_rules::call_sites::call_detail_to_load(
            &RuleSelection::from_selectors(&[], &[], &[])?,
            !config.concepts.is_empty(),
        );
        let cache_dir =
            (!args.no_cache).then(|| crate::load::cache_dir(root, args.cache_dir.as_deref()));
        Ok(Self {
            root: root.to_path_buf(),
            declarations: declarations(&config),
            per_file_ignores: per_file_ignores(&config)?,
            scopes: std::sync::Arc::new(Scopes::from_config(&config)?),
            config,
            excludes,
            test_paths,
            modules,
            limits,
            options: ExtractOptions { calls, target },
            cache_dir,
        })
    }

    /// Import roots from the tree's paths, as the working-tree walk infers them.
    fn import_roots(&self, files: &[SourceFile]) -> Vec<String> {
        let src_layout = files.iter().any(|f| f.path.starts_with("src/"))
            && !files
                .iter()
                .any(|f| f.path == "src/__init__.py" || f.path == "src/__init__.pyi");
        ssot_engine::workspace::import_roots_of(
            &self.config,
            src_layout,
            files.iter().map(|f| f.path.as_str()),
        )
    }

    /// The facts store of a run over several commits, over the persistent cache (opened
    /// once, written once at the end).
    fn facts_store(&self) -> HistoryFacts {
        let cache = self
            .cache_dir
            .as_deref()
            .map(|dir| FactsCache::open(dir, GlobalKey::new(self.options, self.limits)));
        HistoryFacts::new(cache, self.limits, self.options)
    }

    /// The cache of facts with every call site (for the few files whose calls the rules
    /// read), as `check` keeps it.
    fn call_site_cache(&self) -> Option<FactsCache> {
        let sites = ExtractOptions {
            calls: CallDetail::Sites,
            target: TargetVersion::NEWEST,
        };
        self.cache_dir
            .as_deref()
            .map(|dir| FactsCache::open(dir, GlobalKey::new(sites, self.limits)))
    }

    /// The analysed files of one commit's tree.
    fn open_tree(&self, repository: &Repository, commit: &str) -> Result<CommitTree> {
        Ok(CommitTree::open(
            &repository.dir,
            commit,
            &repository.prefix,
            &self.excludes,
        )?)
    }

    /// Analyses one commit's tree (its new blobs loaded into `facts` first) with the current
    /// configuration applied leniently, running the `selection` rules.
    fn analyse_tree(
        &self,
        tree: &CommitTree,
        selection: &RuleSelection,
        facts: &HistoryFacts,
    ) -> Result<(CommitAnalysis, Resolved)> {
        let import_roots = self.import_roots(tree.files());
        let built = facts.build(
            tree,
            &ProjectSettings {
                import_roots: &import_roots,
                unread_modules: &tree.unread_modules,
                modules: &self.modules,
                test_paths: &self.test_paths,
                limits: self.limits,
                options: self.options,
            },
        );
        let mut project = built.project;
        let (declarations, present) = lenient_declarations(&project, &self.declarations);
        let problems: Vec<ssot_report::Problem> = built
            .problems
            .iter()
            .map(|p| ssot_report::Problem {
                path: p.path.clone(),
                code: match p.kind {
                    ssot_engine::load::ProblemKind::Unreadable => "SSOT002",
                    ssot_engine::load::ProblemKind::Internal => "internal-error",
                },
                message: p.message.clone(),
            })
            .collect();
        let scopes = std::sync::Arc::clone(&self.scopes);
        let analyser = ssot_engine::analysis::Analyser::new(AnalysisSettings {
            declarations,
            per_file_ignores: self.per_file_ignores.clone(),
            selection: selection.clone(),
            unreadable: problems
                .iter()
                .map(|p| (p.path.clone(), p.message.clone()))
                .collect(),
            targets: vec![String::new()],
            scope_of: Box::new(move |path| scopes.of(path).to_string()),
            call_site_cache: self.call_site_cache(),
        });
        let reader = CommitReader {
            tree,
            max_size: self.limits.max_size,
        };
        let (analysis, resolved) = analyser.analyse_resolved(&mut project, &reader)?;
        Ok((
            CommitAnalysis {
                project,
                present,
                concepts: analysis.concepts,
                diagnostics: analysis.diagnostics,
                problems,
            },
            resolved,
        ))
    }

    /// The full report of one commit (a bare repository's newest).
    fn report_at(
        &self,
        repository: &Repository,
        commit: &str,
        selection: &RuleSelection,
    ) -> Result<Report> {
        let tree = self.open_tree(repository, commit)?;
        let mut facts = self.facts_store();
        facts.load(&[&tree]);
        let analysed = self.analyse_tree(&tree, selection, &facts);
        save(&facts);
        let (mut analysis, resolved) = analysed?;
        let project = &analysis.project;
        let style =
            crate::import_style::import_style_of_tree(project, &tree.other_files, &|path| {
                repository.file_at(commit, path)
            })
            .with_context(|| "cannot read the commit's import-style settings")?;
        crate::analysis::attach_import_fixes_with(
            project,
            &style,
            &|path| tree.read_path(path, self.limits.max_size).ok(),
            &mut analysis.diagnostics,
        );
        let project = &analysis.project;
        let Resolved {
            references,
            concepts,
        } = resolved;
        let scope_of = |path: &str| self.scopes.of(path).to_string();
        let owners = codeowners(&|location| repository.file_at(commit, location));
        let mut report = build_report(&ReportInput {
            project_name: project_name(&self.root),
            project,
            references: &references,
            concepts: &concepts,
            reports: &analysis.concepts,
            diagnostics: &analysis.diagnostics,
            problems: &analysis.problems,
            scope_of: &scope_of,
            owners: &owners,
        });
        for (declaration, present) in self.declarations.iter().zip(&analysis.present) {
            if !present {
                report.notes.push(format!(
                    "concept `{}`: its canonical `{}` does not exist at this commit",
                    declaration.name, declaration.canonical
                ));
            }
        }
        Ok(report)
    }

    /// The trend: one entry per sampled commit, oldest first, and notes on what is missing.
    fn history(
        &self,
        repository: &Repository,
        range: &HistoryRange,
    ) -> Result<(Vec<HistoryEntry>, Vec<String>)> {
        let sample = repository.sample(range)?;
        let mut notes = Vec::new();
        if repository.shallow {
            notes.push(format!(
                "A shallow clone: the history holds only the {} commits fetched (`git fetch --unshallow` for all of them).",
                sample.in_range
            ));
        }
        if sample.commits.len() < sample.in_range {
            notes.push(format!(
                "{} of {} first-parent commits sampled evenly.",
                sample.commits.len(),
                sample.in_range
            ));
        }
        let selection = history_selection()?;
        let mut facts = self.facts_store();
        let mut entries: Vec<HistoryEntry> = Vec::new();
        // A few commits at a time, as many as there are threads: their trees are listed and
        // their new blobs loaded together, then they are analysed side by side (each
        // commit's analysis is mostly serial, and independent of the others once the facts
        // are loaded). Memory holds at most that many commits' projects.
        let batch = rayon::current_num_threads().max(1);
        for commits in sample.commits.chunks(batch) {
            let started = std::time::Instant::now();
            let trees: Vec<Result<CommitTree>> = commits
                .par_iter()
                .map(|commit| self.open_tree(repository, &commit.id))
                .collect();
            let opened: Vec<&dyn FileSource> = trees
                .iter()
                .filter_map(|tree| tree.as_ref().ok().map(|tree| tree as &dyn FileSource))
                .collect();
            facts.load(&opened);
            ssot_engine::timing::report(
                &format!("history: trees and new blobs of {} commits", commits.len()),
                started.elapsed(),
            );
            // Each commit's project is dropped where it was analysed, in parallel too.
            let analysed: Vec<Result<HistoryEntry>> = commits
                .par_iter()
                .zip(trees)
                .map(|(commit, tree)| {
                    let started = std::time::Instant::now();
                    let entry = tree.and_then(|tree| {
                        self.analyse_tree(&tree, &selection, &facts)
                            .map(|(analysis, _)| self.history_entry(commit, &analysis))
                    });
                    ssot_engine::timing::report(
                        &format!("history: commit {}", short(&commit.id)),
                        started.elapsed(),
                    );
                    entry
                })
                .collect();
            for (commit, analysed) in commits.iter().zip(analysed) {
                match analysed {
                    Ok(mut entry) => {
                        mark_appeared(&mut entry, entries.last());
                        entries.push(entry);
                    }
                    Err(err) => notes.push(format!(
                        "commit {} skipped: its tree could not be read ({err:#})",
                        short(&commit.id)
                    )),
                }
            }
        }
        let started = std::time::Instant::now();
        save(&facts);
        ssot_engine::timing::report("history: save cache", started.elapsed());
        let stats = facts.stats();
        ssot_engine::events::verbose(format_args!(
            "history: {} files from memory, {} from the facts cache, {} parsed",
            stats.from_memory, stats.from_cache, stats.extracted
        ));
        Ok((entries, notes))
    }

    /// The figures of one commit (`appeared` is left to [`mark_appeared`]).
    fn history_entry(
        &self,
        commit: &ssot_engine::history::HistoryCommit,
        analysis: &CommitAnalysis,
    ) -> HistoryEntry {
        let concepts = self
            .declarations
            .iter()
            .zip(&analysis.present)
            .map(|(declaration, &exists)| {
                let figures = analysis
                    .concepts
                    .iter()
                    .find(|c| c.name == declaration.name);
                let total = figures.map(|c| c.total()).unwrap_or_default();
                HistoryConcept {
                    name: declaration.name.clone(),
                    exists,
                    appeared: false,
                    references: total.references,
                    canonical_references: total.canonical_references,
                    compliance: if exists {
                        ssot_report::report::model::rounded(total.ratio())
                    } else {
                        None
                    },
                    definitions: figures.map_or(0, |c| c.definitions.len()),
                    accessor_calls: analysis
                        .diagnostics
                        .iter()
                        .filter(|d| {
                            d.rule == ssot_rules::Rule::SharedInstanceAccessor
                                && d.concept.as_deref() == Some(declaration.name.as_str())
                        })
                        .count(),
                }
            })
            .collect();
        HistoryEntry {
            commit: commit.id.clone(),
            date: commit.date.clone(),
            subject: commit.subject.clone(),
            files: analysis.project.files.len() + analysis.problems.len(),
            concepts,
            dangling: analysis
                .diagnostics
                .iter()
                .filter(|d| d.rule == ssot_rules::Rule::DanglingImport)
                .count(),
        }
    }
}

/// A concept `appeared` at a commit when it exists there and did not at the commit before
/// (the first commit has none before it).
fn mark_appeared(entry: &mut HistoryEntry, previous: Option<&HistoryEntry>) {
    let Some(previous) = previous else {
        return;
    };
    for concept in &mut entry.concepts {
        let existed_before = previous
            .concepts
            .iter()
            .any(|c| c.name == concept.name && c.exists);
        concept.appeared = concept.exists && !existed_before;
    }
}

/// The first ten digits of a commit id.
fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

fn save(facts: &HistoryFacts) {
    if let Err(err) = facts.save() {
        ssot_engine::events::warn(format_args!("{err}; running without writing the cache"));
    }
}

/// The current configuration applied to an older commit: a declared symbol that does not
/// exist there is left out (counts 0), and a concept whose canonical does not exist has no
/// figures at that commit. Returns the declarations to analyse and, per declared concept,
/// whether its canonical exists.
fn lenient_declarations<'p>(
    project: &'p Project,
    declared: &'p [ConceptDeclaration],
) -> (Vec<ConceptDeclaration>, Vec<bool>) {
    let mut resolver = Resolver::new(project);
    let mut kept = Vec::new();
    let mut present = Vec::new();
    for declaration in declared {
        let Ok(canonical) = resolve_symbol(&mut resolver, &declaration.canonical) else {
            present.push(false);
            continue;
        };
        present.push(true);
        let mut lenient = ConceptDeclaration {
            members: Vec::new(),
            accessors: Vec::new(),
            factory: None,
            allow: Vec::new(),
            ..declaration.clone()
        };
        for member in &declaration.members {
            if resolve_symbol(&mut resolver, member).is_ok_and(|origin| origin != canonical) {
                lenient.members.push(member.clone());
            }
        }
        for accessor in &declaration.accessors {
            if resolve_callable(&mut resolver, accessor).is_ok() {
                lenient.accessors.push(accessor.clone());
            }
        }
        if let Some(factory) = &declaration.factory {
            if resolve_callable(&mut resolver, factory).is_ok() {
                lenient.factory = Some(factory.clone());
            }
        }
        for allowed in &declaration.allow {
            if resolve_symbol(&mut resolver, allowed).is_ok() {
                lenient.allow.push(allowed.clone());
            }
        }
        kept.push(lenient);
    }
    (kept, present)
}

/// The configuration of a bare repository: `ssot.toml`, else `pyproject.toml`, of its `HEAD`.
fn bare_config(repository: &Repository) -> Result<Config> {
    for name in ["ssot.toml", "pyproject.toml"] {
        let Some(bytes) = repository.file_at("HEAD", name) else {
            continue;
        };
        let directory =
            std::env::temp_dir().join(format!("ssot-report-config-{}", std::process::id()));
        std::fs::create_dir_all(&directory)
            .with_context(|| format!("cannot create {}", directory.display()))?;
        let path = directory.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        let config = config::read_config_file(&path);
        let _ = std::fs::remove_dir_all(&directory);
        let config = config.with_context(|| format!("in {name} of the repository's HEAD"))?;
        if name == "ssot.toml" || !config.config.concepts.is_empty() || config.source.is_some() {
            return Ok(config.config);
        }
    }
    Ok(Config::default())
}
