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
use ssot_engine::analysis::{AnalysisSettings, FileReader};
use ssot_engine::cache::{ExtractOptions, FactsCache, GlobalKey};
use ssot_engine::history::{HistoryRange, Repository};
use ssot_engine::project::{build_project, ProjectSettings};
use ssot_engine::source::{FileSource, GitTree, SourceFile};
use ssot_index::{collect_references, ModuleSettings, Project, Resolver};
use ssot_python::{CallDetail, TargetVersion};
use ssot_report::report::model::{HistoryConcept, HistoryEntry, Report};
use ssot_report::report::{build_report, Codeowners, ReportInput};
use ssot_rules::concepts::{resolve_callable, resolve_symbol};
use ssot_rules::{ConceptDeclaration, Diagnostic, RuleSelection};

use crate::analysis::{attach_import_fixes, declarations, per_file_ignores, run_check};
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
                &selection,
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
    let (loaded, mut run) = run_check(&args.project, selection)?;
    attach_import_fixes(&loaded, &mut run.diagnostics);
    let scopes = Scopes::from_config(&loaded.config)?;
    let declarations = declarations(&loaded.config);
    let project = &loaded.project;
    let mut resolver = Resolver::new(project);
    let references = collect_references(&mut resolver);
    let concepts = ssot_rules::resolve_concepts(&mut resolver, &declarations)
        .map_err(|errors| anyhow::anyhow!("invalid concept configuration: {errors:?}"))?;
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

/// The current configuration, compiled once for every commit.
struct HistoryContext {
    root: PathBuf,
    config: Config,
    excludes: Excludes,
    test_paths: GlobSet,
    modules: ModuleSettings,
    limits: ssot_engine::load::FileLimits,
    cache_dir: Option<PathBuf>,
}

/// A commit's tree less the excluded files.
struct CommitTree {
    tree: GitTree,
    files: Vec<SourceFile>,
}

impl FileSource for CommitTree {
    fn files(&self) -> &[SourceFile] {
        &self.files
    }

    fn read(&self, file: &SourceFile, max_size: u64) -> std::io::Result<Vec<u8>> {
        self.tree.read(file, max_size)
    }
}

/// Reads files of a commit again (for call sites); a commit never changes.
struct CommitReader<'a> {
    tree: &'a CommitTree,
    max_size: u64,
}

impl FileReader for CommitReader<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        let file = SourceFile {
            path: path.to_string(),
            known_key: None,
        };
        self.tree
            .read(&file, self.max_size)
            .map_err(|err| err.to_string())
    }
}

/// One commit analysed.
struct CommitAnalysis {
    project: Project,
    declarations: Vec<ConceptDeclaration>,
    /// Declared concepts whose canonical exists at the commit.
    present: Vec<bool>,
    concepts: Vec<ssot_rules::ConceptReport>,
    diagnostics: Vec<Diagnostic>,
    problems: Vec<ssot_report::Problem>,
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
        let modules = ssot_engine::workspace::module_settings(&config, metadata.dependencies);
        let limits = ssot_engine::load::FileLimits {
            max_size: config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            max_tokens: config
                .max_file_tokens
                .unwrap_or(ssot_engine::token_budget::DEFAULT_MAX_FILE_TOKENS),
        };
        let cache_dir =
            (!args.no_cache).then(|| crate::load::cache_dir(root, args.cache_dir.as_deref()));
        Ok(Self {
            root: root.to_path_buf(),
            config,
            excludes,
            test_paths,
            modules,
            limits,
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

    /// Analyses one commit with the current configuration applied leniently.
    fn analyse_commit(
        &self,
        repository: &Repository,
        commit: &str,
        selection: &RuleSelection,
        cache: Option<&FactsCache>,
        call_site_cache: Option<FactsCache>,
        options: ExtractOptions,
    ) -> Result<(CommitAnalysis, CommitTree)> {
        let tree = GitTree::open(&repository.dir, commit, &repository.prefix)?;
        let files = tree
            .files()
            .iter()
            .filter(|file| !self.excludes.matches(&file.path))
            .cloned()
            .collect();
        let tree = CommitTree { tree, files };
        let import_roots = self.import_roots(tree.files());
        let built = build_project(
            &tree,
            &ProjectSettings {
                import_roots: &import_roots,
                unread_modules: &[],
                modules: &self.modules,
                test_paths: &self.test_paths,
                limits: self.limits,
                options,
            },
            cache,
        );
        let mut project = built.project;
        let declared = declarations(&self.config);
        let (declarations, present) = lenient_declarations(&project, &declared);
        let scopes = Scopes::from_config(&self.config)?;
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
        let analyser = ssot_engine::analysis::Analyser::new(AnalysisSettings {
            declarations: declarations.clone(),
            per_file_ignores: per_file_ignores(&self.config)?,
            selection: selection.clone(),
            unreadable: problems
                .iter()
                .map(|p| (p.path.clone(), p.message.clone()))
                .collect(),
            targets: vec![String::new()],
            scope_of: Box::new(move |path| scopes.of(path).to_string()),
            call_site_cache,
        });
        let reader = CommitReader {
            tree: &tree,
            max_size: self.limits.max_size,
        };
        let analysis = analyser.analyse(&mut project, &reader)?;
        Ok((
            CommitAnalysis {
                project,
                declarations,
                present,
                concepts: analysis.concepts,
                diagnostics: analysis.diagnostics,
                problems,
            },
            tree,
        ))
    }

    fn extract_options(&self, selection: &RuleSelection) -> ExtractOptions {
        let calls = ssot_rules::call_sites::call_detail_to_load(
            selection,
            !self.config.concepts.is_empty(),
        );
        let target = self
            .config
            .target_version()
            .unwrap_or(TargetVersion::NEWEST);
        ExtractOptions { calls, target }
    }

    fn caches(&self, options: ExtractOptions) -> (Option<FactsCache>, Option<FactsCache>) {
        let Some(dir) = &self.cache_dir else {
            return (None, None);
        };
        let sites = ExtractOptions {
            calls: CallDetail::Sites,
            target: TargetVersion::NEWEST,
        };
        (
            Some(FactsCache::open(dir, GlobalKey::new(options, self.limits))),
            Some(FactsCache::open(dir, GlobalKey::new(sites, self.limits))),
        )
    }

    /// The full report of one commit (a bare repository's newest).
    fn report_at(
        &self,
        repository: &Repository,
        commit: &str,
        selection: &RuleSelection,
    ) -> Result<Report> {
        let options = self.extract_options(selection);
        let (cache, call_sites) = self.caches(options);
        let (analysis, _tree) = self.analyse_commit(
            repository,
            commit,
            selection,
            cache.as_ref(),
            call_sites,
            options,
        )?;
        save(cache.as_ref());
        let project = &analysis.project;
        let mut resolver = Resolver::new(project);
        let references = collect_references(&mut resolver);
        let concepts = ssot_rules::resolve_concepts(&mut resolver, &analysis.declarations)
            .map_err(|errors| anyhow::anyhow!("invalid concept configuration: {errors:?}"))?;
        let scopes = Scopes::from_config(&self.config)?;
        let scope_of = |path: &str| scopes.of(path).to_string();
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
        for (declaration, present) in declarations(&self.config).iter().zip(&analysis.present) {
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
        selection: &RuleSelection,
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
        let options = self.extract_options(selection);
        let names = declarations(&self.config);
        let mut entries: Vec<HistoryEntry> = Vec::new();
        for commit in &sample.commits {
            // A cache serves what was stored when it was opened: opened afresh for each
            // commit, it serves the blobs earlier commits extracted.
            let (cache, call_sites) = self.caches(options);
            let analysed = self.analyse_commit(
                repository,
                &commit.id,
                selection,
                cache.as_ref(),
                call_sites,
                options,
            );
            save(cache.as_ref());
            let (analysis, _tree) = match analysed {
                Ok(analysis) => analysis,
                Err(err) => {
                    notes.push(format!(
                        "commit {} skipped: its tree could not be read ({err:#})",
                        &commit.id[..commit.id.len().min(10)]
                    ));
                    continue;
                }
            };
            let previous = entries.last();
            let concepts = names
                .iter()
                .zip(&analysis.present)
                .map(|(declaration, &exists)| {
                    let figures = analysis
                        .concepts
                        .iter()
                        .find(|c| c.name == declaration.name);
                    let total = figures.map(|c| c.total()).unwrap_or_default();
                    let existed_before = previous.map(|entry| {
                        entry
                            .concepts
                            .iter()
                            .any(|c| c.name == declaration.name && c.exists)
                    });
                    HistoryConcept {
                        name: declaration.name.clone(),
                        exists,
                        appeared: exists && existed_before == Some(false),
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
            entries.push(HistoryEntry {
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
            });
        }
        Ok((entries, notes))
    }
}

fn save(cache: Option<&FactsCache>) {
    if let Some(cache) = cache {
        if let Err(err) = cache.save() {
            eprintln!("warning: {err}; running without writing the cache");
        }
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
