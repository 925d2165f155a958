//! `ssot init`: a starting `[tool.ssot]` section written from `ssot scan`'s concept candidates.
//!
//! Decisions (README.md, "`ssot init`"):
//! - the target is `ssot.toml` in the project directory when it exists (ssot reads it before
//!   `pyproject.toml`), else `pyproject.toml` when it exists, else a new `ssot.toml`; `--config`
//!   names another file (a file named `pyproject.toml` gets `[tool.ssot]`, any other name the
//!   keys at top level);
//! - the project is analysed with the settings that will be in force once the section is
//!   written: the replaced section's settings other than concepts, or the defaults;
//! - `--force` replaces the `[tool.ssot]` and `[tool.ssot.*]` tables and keeps every other byte;
//!   settings other than concepts (`src`, `exclude`, `per-file-ignores`, ...) are carried over
//!   into the new section, concepts are regenerated;
//! - every symbol written is resolved against the project first, and the new file is parsed
//!   again (the section as a configuration, the rest compared with the old file) before it
//!   replaces the old one atomically.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ssot_index::concept_discovery::discover_concepts_with;
use ssot_index::{collect_references, Resolver};

use self::edit::{check_new_text, splice};
use self::plan::{plan_concepts, verify};
use self::render::{carried_settings, render_section};
use crate::config::Config;
use crate::workspace::{load_project, ProjectArgs};
use crate::ExitStatus;

mod edit;
mod plan;
mod render;

/// Arguments of `ssot init`.
#[derive(Clone, Debug, clap::Args)]
pub struct InitArgs {
    /// The project directory (default: the current directory).
    pub path: Option<PathBuf>,
    /// Print the section to standard output and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace an existing `[tool.ssot]` section (or `ssot.toml`); the rest of the file is kept.
    #[arg(long)]
    pub force: bool,
    /// How many concepts to declare.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub top: u32,
    /// Write to this file instead of `ssot.toml` / `pyproject.toml` in the project directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TargetKind {
    /// `[tool.ssot]` inside `pyproject.toml`.
    PyProject,
    /// `ssot.toml` or another file given with `--config`: the keys at top level.
    Standalone,
}

impl TargetKind {
    fn of(path: &Path) -> Self {
        if path.file_name().is_some_and(|n| n == "pyproject.toml") {
            TargetKind::PyProject
        } else {
            TargetKind::Standalone
        }
    }

    /// What table names start with: `tool.ssot.` or nothing.
    fn prefix(self) -> &'static str {
        match self {
            TargetKind::PyProject => "tool.ssot.",
            TargetKind::Standalone => "",
        }
    }
}

pub fn run(args: &InitArgs) -> Result<ExitStatus> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let root = match &args.path {
        Some(path) => cwd.join(path),
        None => cwd.clone(),
    };
    if !root.is_dir() {
        bail!(
            "{}: not a directory; `ssot init` takes the project directory",
            root.display()
        );
    }
    let target = match &args.config {
        Some(path) => cwd.join(path),
        None if root.join("ssot.toml").is_file() => root.join("ssot.toml"),
        None if root.join("pyproject.toml").is_file() => root.join("pyproject.toml"),
        None => root.join("ssot.toml"),
    };
    let kind = TargetKind::of(&target);
    let shown = display_path(&target, &cwd);
    let original = read_existing(&target)?;
    let existing = match &original {
        Some(text) => existing_section(text, kind, &shown)?,
        None => None,
    };
    if existing.is_some() && !args.force && !args.dry_run {
        match kind {
            TargetKind::PyProject => bail!(
                "{shown} already has a [tool.ssot] section; edit it, or run `ssot init --force` \
                 to replace it (the rest of the file is kept)"
            ),
            TargetKind::Standalone => bail!(
                "{shown} already exists and is not empty; edit it, or run `ssot init --force` \
                 to replace it"
            ),
        }
    }

    // Analyse with the settings that will be in force once the section is written: those
    // carried over from the section it replaces, or the defaults; rooted at the project
    // directory either way (a configuration given to the loader does not move the root).
    let carried = existing.as_ref().map(carried_settings).unwrap_or_default();
    if let Err(err) = toml::Value::Table(carried.clone()).try_into::<Config>() {
        bail!(
            "{shown}: the settings of the existing section do not load ({}); fix them or \
             remove the section, then run `ssot init` again",
            err.to_string().trim_end()
        );
    }
    let settings = SettingsFile::create(&toml::to_string(&carried)?)?;
    let loaded = load_project(
        &ProjectArgs {
            paths: vec![root.clone()],
            config: Some(settings.path.clone()),
            ..ProjectArgs::default()
        },
        None,
    )?;
    drop(settings);
    let scopes = crate::scopes::Scopes::from_config(&loaded.config)?;
    let scope_of = |file: &ssot_index::ProjectFile| crate::analysis::discovery_scope(&scopes, file);
    let candidates = {
        let mut resolver = Resolver::new(&loaded.project);
        let references = collect_references(&mut resolver);
        discover_concepts_with(&mut resolver, &references, &scope_of)
    };
    let plans = plan_concepts(&loaded.project, &candidates);
    let (accepted, notes) = verify(&loaded.project, &plans, args.top as usize);
    for note in &notes {
        crate::output::note(format_args!("ssot init: {note}"));
    }
    if accepted.is_empty() {
        crate::output::note(format_args!(
            "ssot init: no concept candidates in {}; nothing to write",
            display_path(&loaded.root, &cwd)
        ));
        return Ok(ExitStatus::Success);
    }

    let section = render_section(&accepted, kind, &carried);

    if args.dry_run {
        crate::progress::clear();
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(section.as_bytes())?;
        stdout.flush()?;
        let verb = if existing.is_some() {
            "would replace the section in"
        } else {
            "would write to"
        };
        crate::output::note(format_args!(
            "ssot init: dry run: {verb} {shown}; nothing written"
        ));
        return Ok(ExitStatus::Success);
    }

    let old = original.as_deref().unwrap_or("");
    let new_text = splice(old, &section, kind, existing.is_some(), &shown)?;
    check_new_text(old, &new_text, kind, &shown)?;
    // Written through a symbolic link, with the file's owner, mode and attributes, and only
    // while it still holds what was read.
    let _lock = crate::fs::lock::ProjectLock::acquire(&root, "init")?;
    crate::fs::write::replace_read_file(
        &target,
        original.as_deref().map(str::as_bytes),
        new_text.as_bytes(),
        &shown,
        "ssot init",
    )?;
    let concepts = match accepted.len() {
        1 => "1 concept".to_string(),
        count => format!("{count} concepts"),
    };
    let done = match (existing.is_some(), kind) {
        (false, _) => format!("declared {concepts} in {shown}"),
        (true, TargetKind::PyProject) => {
            format!("replaced the [tool.ssot] section of {shown} ({concepts})")
        }
        (true, TargetKind::Standalone) => format!("rewrote {shown} ({concepts})"),
    };
    crate::output::note(format_args!(
        "ssot init: {done}; review it, then run `ssot check`"
    ));
    Ok(if loaded.internal_error {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

fn display_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

fn read_existing(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{}: not valid UTF-8", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The existing ssot settings of a target file, if it has any.
fn existing_section(text: &str, kind: TargetKind, shown: &str) -> Result<Option<toml::Table>> {
    match kind {
        TargetKind::PyProject => {
            let document: toml::Table = toml::from_str(text)
                .map_err(|err| anyhow::anyhow!("{shown}: {}", err.to_string().trim_end()))?;
            Ok(document
                .get("tool")
                .and_then(|tool| tool.get("ssot"))
                .map(|ssot| ssot.as_table().cloned().unwrap_or_default()))
        }
        TargetKind::Standalone if text.trim().is_empty() => Ok(None),
        TargetKind::Standalone => toml::from_str(text)
            .map(Some)
            .map_err(|err| anyhow::anyhow!("{shown}: {}", err.to_string().trim_end())),
    }
}

/// The settings to analyse with, as a configuration file in the temporary directory (so the
/// project root stays the directory given); removed when dropped.
struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    fn create(text: &str) -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "ssot-init-settings-{}-{nanos}.toml",
            std::process::id()
        ));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| file.write_all(text.as_bytes()));
        let settings = Self { path };
        written.with_context(|| format!("cannot write {}", settings.path.display()))?;
        Ok(settings)
    }
}

impl Drop for SettingsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
