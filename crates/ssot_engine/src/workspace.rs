//! From paths and options to a loaded [`Project`]: project root, configuration, import roots,
//! discovery and loading with the facts cache. [`load_project`] is the call every front end
//! (command line, editor server, agents' server) makes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use ssot_index::modules::is_identifier;
use ssot_index::{ModuleSettings, Project};
use ssot_python::{CallDetail, TargetVersion};
use ssot_report::Problem;
use ssot_rules::call_sites::call_detail_to_load;
use ssot_rules::RuleSelection;

use crate::cache::{ExtractOptions, FactsCache, GlobalKey};
use crate::config::project_metadata::read_project_metadata;
use crate::config::{self, Config, DEFAULT_MAX_FILE_SIZE, DEFAULT_TEST_PATHS};
use crate::discovery::{self, Excludes, FoundFile, DEFAULT_EXCLUDES};
use crate::fs::{FileSystem, RealFileSystem};
use crate::load::{self, ProblemKind};
use crate::project::{build_project, ProjectSettings};
use crate::source::WorkingTree;
use crate::working_tree;

/// Options every analysing command shares.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct ProjectArgs {
    /// Files or directories to analyse (default: the project root).
    pub paths: Vec<PathBuf>,
    /// Use this config file (`ssot.toml` or `pyproject.toml`) instead of discovering one.
    #[cfg_attr(feature = "clap", arg(long))]
    pub config: Option<PathBuf>,
    /// Extra exclude globs, on top of the configured ones.
    #[cfg_attr(feature = "clap", arg(long, value_name = "GLOB"))]
    pub exclude: Vec<String>,
    /// Neither read nor write the facts cache.
    #[cfg_attr(feature = "clap", arg(long))]
    pub no_cache: bool,
    /// Keep the facts cache here instead of `.ssot_cache` in the project root (also
    /// `SSOT_CACHE_DIR`).
    #[cfg_attr(feature = "clap", arg(long, value_name = "DIR"))]
    pub cache_dir: Option<PathBuf>,
}

impl LoadedProject {
    /// The path on disk of a root-relative path as output shows it.
    pub fn absolute_path(&self, relative: &str) -> PathBuf {
        discovery::os_path(&self.root, relative)
    }

    /// Whether a root-relative path is one the command was asked about (the whole project
    /// is analysed either way).
    pub fn in_targets(&self, path: &str) -> bool {
        path_in_targets(&self.targets, path)
    }
}

pub use crate::analysis::path_in_targets;

/// A project ready for analysis.
pub struct LoadedProject {
    /// The project root: paths in output are relative to it.
    pub root: PathBuf,
    pub config: Config,
    /// What was analysed: the command-line paths relative to the root (`""` for the root).
    pub targets: Vec<String>,
    pub project: Project,
    /// Files that could not be analysed and walk problems, sorted.
    pub problems: Vec<Problem>,
    /// A file made ssot itself fail: exit code 2.
    pub internal_error: bool,
    pub timings: LoadTimings,
    /// The hash of each analysed file's bytes ([`load::content_hash`]), sorted by path.
    pub content_hashes: Vec<(String, u64)>,
    /// Where facts with every call site are cached (for the files whose call sites the rules
    /// read), and their key; `None` with `--no-cache`.
    pub call_site_cache: Option<(PathBuf, GlobalKey)>,
    /// How every file's facts were extracted (call detail, target version): what a front end
    /// that extracts one file again (an unsaved buffer) must use to match the rest.
    pub extract_options: ExtractOptions,
    /// The size limits files were read under.
    pub limits: load::FileLimits,
    /// What the module table was built from, to build it again with a file added.
    pub layout: ProjectLayout,
}

/// What a project's module table and test files follow from besides the file paths.
pub struct ProjectLayout {
    /// Import roots relative to the root, in `sys.path` order.
    pub import_roots: Vec<String>,
    /// Modules that exist but are not read.
    pub unread_modules: Vec<String>,
    pub modules: ModuleSettings,
    pub test_paths: GlobSet,
}

/// How long loading took, phase by phase (`SSOT_TIMINGS=1` prints them).
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadTimings {
    pub walk: Duration,
    pub parse: Duration,
    pub index: Duration,
}

impl crate::analysis::FileReader for AnalysedFiles<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        AnalysedFiles::read(self, path)
    }
}

/// Reads a loaded project's files again, refusing bytes that are not the ones analysed.
pub struct AnalysedFiles<'a> {
    root: &'a Path,
    content_hashes: &'a [(String, u64)],
    fs: RealFileSystem,
    max_file_size: u64,
}

impl<'a> AnalysedFiles<'a> {
    pub fn new(root: &'a Path, content_hashes: &'a [(String, u64)], config: &Config) -> Self {
        Self {
            root,
            content_hashes,
            fs: RealFileSystem::from_env(),
            max_file_size: config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        }
    }

    /// The bytes of a file (root-relative path); an error when they are no longer the bytes
    /// its facts were extracted from. `SSOT_FAULT_CHANGE_AFTER_LOAD` (a `:`-separated list of
    /// file-name suffixes) appends a line to matching files first: a test hook for that error,
    /// documented in the README ("Development").
    pub fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        let full = discovery::os_path(self.root, path);
        crate::fs::fault_append_line("SSOT_FAULT_CHANGE_AFTER_LOAD", &full);
        let bytes = self
            .fs
            .read(&full, self.max_file_size)
            .map_err(|err| err.to_string())?;
        let analysed = self
            .content_hashes
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .ok()
            .map(|i| self.content_hashes[i].1);
        if analysed != Some(load::content_hash(&bytes)) {
            return Err("the file changed since it was analysed".to_string());
        }
        Ok(bytes)
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .context("cannot determine the current directory")?
            .join(path))
    }
}

/// Removes `.` and `..` components without touching the disk (symbolic links stay as given).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The project root, configuration and absolute targets the arguments name.
struct Located {
    root: PathBuf,
    config: Config,
    /// The file the configuration was read from; `None` for the defaults.
    config_source: Option<PathBuf>,
    targets: Vec<PathBuf>,
}

/// The project root the arguments name (where `fix` takes the project lock).
pub fn project_root(args: &ProjectArgs) -> Result<PathBuf> {
    Ok(locate(args)?.root)
}

fn locate(args: &ProjectArgs) -> Result<Located> {
    let targets: Vec<PathBuf> = args
        .paths
        .iter()
        .map(|p| absolute(p).map(|p| normalize(&p)))
        .collect::<Result<_>>()?;
    let start = match targets.first() {
        Some(first) if first.is_dir() => first.clone(),
        Some(first) => first
            .parent()
            .map_or_else(|| PathBuf::from("/"), Path::to_path_buf),
        None => absolute(Path::new("."))?,
    };
    let loaded = match &args.config {
        Some(path) => Some(config::read_config_file(&absolute(path)?)?),
        None => config::discover_config(&start)?,
    };
    let (config, config_source) = match loaded {
        Some(loaded) => (loaded.config, loaded.source),
        None => (Config::default(), None),
    };
    let root = match (&config_source, &args.config) {
        // A discovered config marks the project root; one given with --config applies to the
        // directory being analysed.
        (Some(source), None) => source
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(start.clone()),
        _ => start.clone(),
    };
    let targets = if targets.is_empty() {
        vec![root.clone()]
    } else {
        targets
    };
    for target in &targets {
        if target.symlink_metadata().is_err() {
            bail!("{}: no such file or directory", target.display());
        }
    }
    Ok(Located {
        root,
        config,
        config_source: config_source.map(|source| normalize(&source)),
        targets,
    })
}

/// Finds the root and config, walks the targets and loads every file. `rules` is the rule
/// selection of a command that runs rules: with a concept declared and a rule selected that
/// reads call sites, the names each file calls are recorded too (see
/// [`ssot_rules::call_sites`]).
pub fn load_project(args: &ProjectArgs, rules: Option<&RuleSelection>) -> Result<LoadedProject> {
    let started = Instant::now();
    let Located {
        root,
        config,
        config_source,
        targets,
    } = locate(args)?;
    crate::events::verbose(format_args!(
        "project root {}; configuration {}",
        normalize(&root).display(),
        config_source
            .as_ref()
            .map_or("none (defaults)".to_string(), |p| p.display().to_string())
    ));
    let excludes = Excludes::new(&exclude_patterns(&config, args))?;
    let test_paths = test_path_globs(&config)?;

    let discovery::Discovered {
        files: found,
        unread_modules,
        problems: walk_problems,
    } = discovery::discover(
        &root,
        &walk_targets(&root, &targets, &excludes),
        &excludes,
        config.follow_links,
    );
    let walked = started.elapsed();
    let import_roots = import_roots(&root, &config, &found);
    let metadata = read_project_metadata(&root);
    let target = config
        .target_version()
        .or(metadata.requires_python)
        .unwrap_or(TargetVersion::NEWEST);
    let module_settings = module_settings(&config, metadata.dependencies);
    let max_file_size = config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let calls = rules.map_or(CallDetail::Nothing, |selection| {
        call_detail_to_load(selection, !config.concepts.is_empty())
    });
    let limits = load::FileLimits {
        max_size: max_file_size,
        max_tokens: config
            .max_file_tokens
            .unwrap_or(crate::token_budget::DEFAULT_MAX_FILE_TOKENS),
    };
    let options = ExtractOptions { calls, target };
    let cache_dir =
        (!args.no_cache).then(|| working_tree::cache_dir(&root, args.cache_dir.as_deref()));
    let cache = cache_dir
        .as_deref()
        .map(|dir| FactsCache::open(dir, GlobalKey::new(options, limits)));
    let progress = crate::events::start("parsing", found.len());
    let mut source = working_tree::working_tree(&root, &found, cache_dir.as_deref(), progress);
    // Call sites are extracted again for the newest grammar (only calls are taken from them).
    let call_site_cache = cache_dir.clone().map(|dir| {
        let sites = ExtractOptions {
            calls: CallDetail::Sites,
            target: TargetVersion::NEWEST,
        };
        (dir, GlobalKey::new(sites, limits))
    });
    let built = build_project(
        &source,
        &ProjectSettings {
            import_roots: &import_roots,
            unread_modules: &unread_modules,
            modules: &module_settings,
            test_paths: &test_paths,
            limits,
            options,
        },
        cache.as_ref(),
    );
    crate::events::phase("analysing");
    let (file_problems, stats) = (built.problems, built.stats);
    crate::events::verbose(format_args!(
        "{} files found, {} read from the facts cache, {} parsed",
        found.len(),
        stats.cached,
        stats.extracted
    ));
    crate::timing::report("load: module table", built.index_time);
    let parsed = started.elapsed();
    let mut call_site_cache = call_site_cache;
    if let Some(cache) = cache {
        if !save_cache(&cache, &mut source) {
            // Warned once: the analysis does not try (and warn) again.
            call_site_cache = None;
        }
    }
    crate::timing::report("load: walk", walked);
    crate::timing::report(
        &format!(
            "load: read and parse ({} cached, {} extracted)",
            stats.cached, stats.extracted
        ),
        parsed - walked,
    );
    let internal_error = file_problems
        .iter()
        .any(|p| p.kind == ProblemKind::Internal);
    let mut problems: Vec<Problem> = file_problems
        .into_iter()
        .map(|p| Problem {
            path: p.path,
            code: match p.kind {
                ProblemKind::Unreadable => "SSOT002",
                ProblemKind::Internal => "internal-error",
            },
            message: p.message,
        })
        .chain(walk_problems.into_iter().map(|p| Problem {
            path: p.path,
            code: "SSOT002",
            message: p.message,
        }))
        .collect();
    problems.sort();
    let content_hashes = built.content_hashes;
    let project = built.project;
    let targets = targets
        .iter()
        .map(|target| discovery::relative_path(&root, target))
        .collect();
    Ok(LoadedProject {
        root,
        config,
        targets,
        project,
        problems,
        internal_error,
        content_hashes,
        call_site_cache,
        extract_options: options,
        limits,
        layout: ProjectLayout {
            import_roots,
            unread_modules,
            modules: module_settings,
            test_paths,
        },
        timings: LoadTimings {
            walk: walked,
            parse: parsed - walked,
            index: started.elapsed() - parsed,
        },
    })
}

/// What a run would analyse, found without reading a source file: what
/// `check --show-settings` and `check --show-files` print.
pub struct Survey {
    pub root: PathBuf,
    pub config: Config,
    /// The file the configuration came from; `None` for the defaults.
    pub config_source: Option<PathBuf>,
    /// The command-line paths relative to the root (`""` for the root).
    pub targets: Vec<String>,
    /// The exclude globs in force (defaults or `exclude`, `extend-exclude`, `--exclude`).
    pub excludes: Vec<String>,
    /// The import roots, relative to the root (`""` for the root itself).
    pub import_roots: Vec<String>,
    /// The Python version files are parsed for, and what chose it.
    pub target_version: (TargetVersion, &'static str),
    /// Import names of the dependencies the packaging files declare (third-party, as
    /// `known-third-party` is).
    pub dependencies: BTreeSet<String>,
    /// The files the walk found, sorted by path.
    pub files: Vec<FoundFile>,
    /// Where the facts cache is kept; `None` with `--no-cache`.
    pub cache_dir: Option<PathBuf>,
}

/// Locates the project and walks it as [`load_project`] does, reading no source file.
pub fn survey(args: &ProjectArgs) -> Result<Survey> {
    let Located {
        root,
        config,
        config_source,
        targets,
    } = locate(args)?;
    let excludes = exclude_patterns(&config, args);
    let compiled = Excludes::new(&excludes)?;
    let mut files = discovery::discover(
        &root,
        &walk_targets(&root, &targets, &compiled),
        &compiled,
        config.follow_links,
    )
    .files;
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    files.dedup_by(|a, b| a.relative == b.relative);
    let import_roots = import_roots(&root, &config, &files);
    let metadata = read_project_metadata(&root);
    let target_version = match (config.target_version(), metadata.requires_python) {
        (Some(version), _) => (version, "target-version"),
        (None, Some(version)) => (version, "requires-python"),
        (None, None) => (TargetVersion::NEWEST, "the newest Python"),
    };
    let cache_dir =
        (!args.no_cache).then(|| working_tree::cache_dir(&root, args.cache_dir.as_deref()));
    let targets = targets
        .iter()
        .map(|target| discovery::relative_path(&root, target))
        .collect();
    Ok(Survey {
        root: normalize(&root),
        config,
        config_source,
        targets,
        excludes,
        import_roots,
        target_version,
        dependencies: metadata.dependencies,
        files,
        cache_dir,
    })
}

/// The exclude globs in force: the defaults (or `exclude`), `extend-exclude`, `--exclude`.
pub fn exclude_patterns(config: &Config, args: &ProjectArgs) -> Vec<String> {
    let mut patterns: Vec<String> = match &config.exclude {
        Some(patterns) => patterns.clone(),
        None => DEFAULT_EXCLUDES.iter().map(|s| s.to_string()).collect(),
    };
    patterns.extend(config.extend_exclude.iter().cloned());
    patterns.extend(args.exclude.iter().cloned());
    patterns
}

/// Writes the facts cache back; a cache that cannot be written is one warning, and the run
/// goes on.
/// Returns whether the cache could be written.
fn save_cache(cache: &FactsCache, source: &mut WorkingTree) -> bool {
    let started = Instant::now();
    let written = match cache.save() {
        // The stat index is only a shortcut to the cache: its own failure needs no warning.
        Ok(_) => {
            drop(source.save_stat_index());
            true
        }
        Err(err) => {
            crate::events::warn(format_args!("{err}; running without writing the cache"));
            false
        }
    };
    crate::timing::report("load: save cache", started.elapsed());
    written
}

/// What to walk: the whole project, because resolution needs every module whatever the
/// command reports on, plus the paths given that the project walk would not reach (outside
/// the root, or excluded but named explicitly).
fn walk_targets(root: &Path, targets: &[PathBuf], excludes: &Excludes) -> Vec<PathBuf> {
    let mut walk = vec![root.to_path_buf()];
    for target in targets {
        let inside = target.starts_with(root);
        let relative = discovery::relative_path(root, target);
        if target.is_file() || !inside || excludes.matches(&relative) {
            walk.push(target.clone());
        }
    }
    walk.dedup();
    walk
}

/// Import roots relative to the project root: configured, or else the root itself, `src/` when
/// the project has a src layout (a `src` directory that is not itself a package), and the
/// directory above each top-level package that sits below a directory no import could name
/// (`Django-5.1.4/django/__init__.py` makes `Django-5.1.4` a root).
fn import_roots(root: &Path, config: &Config, found: &[FoundFile]) -> Vec<String> {
    let src = root.join("src");
    let src_layout = src.is_dir() && !src.join("__init__.py").exists();
    import_roots_of(
        config,
        src_layout,
        found.iter().map(|f| f.relative.as_str()),
    )
}

/// [`import_roots`] from root-relative file paths alone (a git tree at a commit):
/// `src_layout` says whether the project has a `src` directory that is not a package.
pub fn import_roots_of<'a>(
    config: &Config,
    src_layout: bool,
    paths: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let normalize = |root: &str| {
        let trimmed = root.trim_start_matches("./").trim_end_matches('/');
        if trimmed == "." {
            String::new()
        } else {
            trimmed.to_string()
        }
    };
    if let Some(roots) = &config.src {
        return roots.iter().map(|r| normalize(r)).collect();
    }
    let mut roots = vec![String::new()];
    if src_layout {
        roots.push("src".to_string());
    }
    let package_dirs: BTreeSet<&str> = paths
        .into_iter()
        .filter_map(|path| {
            path.strip_suffix("/__init__.py")
                .or_else(|| path.strip_suffix("/__init__.pyi"))
        })
        .collect();
    let mut inferred = BTreeSet::new();
    for package in &package_dirs {
        let parent = package.rsplit_once('/').map_or("", |(parent, _)| parent);
        let is_top_level = parent.is_empty() || !package_dirs.contains(parent);
        let unnameable = parent.split('/').any(|segment| !is_identifier(segment));
        if is_top_level && !parent.is_empty() && unnameable && parent != "src" {
            inferred.insert(parent.to_string());
        }
    }
    roots.extend(inferred);
    roots
}

/// Which modules are third-party: the declared dependencies (import names) and
/// `known-third-party`; `external-modules` as configured.
pub fn module_settings(config: &Config, dependencies: BTreeSet<String>) -> ModuleSettings {
    ModuleSettings {
        third_party: dependencies
            .into_iter()
            .chain(config.known_third_party.iter().cloned())
            .collect(),
        external_modules: config.external_modules.clone(),
    }
}

/// The globs of `test-paths` (or the defaults): which files are test code.
pub fn test_path_globs(config: &Config) -> Result<GlobSet> {
    glob_set(
        config
            .test_paths
            .as_deref()
            .map(|v| v.iter().map(String::as_str).collect::<Vec<_>>())
            .unwrap_or_else(|| DEFAULT_TEST_PATHS.to_vec()),
    )
}

fn glob_set(patterns: Vec<&str>) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(Glob::new(pattern).with_context(|| format!("invalid glob `{pattern}`"))?);
    }
    Ok(builder.build()?)
}
