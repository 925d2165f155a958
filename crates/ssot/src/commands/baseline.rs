//! `ssot baseline`: record the current violations so CI fails only on new ones; later runs
//! shrink the file and never grow it (unless `--grow`).
//!
//! Also what `ssot check` uses to read the baseline, and [`RunScope`]: which baseline entries a
//! run can judge. A run over part of the project, with rules deselected, or with files that could
//! not be read cannot tell whether the entries outside its view still occur, so it neither
//! reports them as fixed nor removes them.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ssot_rules::baseline::DEFAULT_BASELINE_FILE;
use ssot_rules::{Baseline, BaselineEntry, Rule, RuleSelection};

use crate::commands::check::{run_check, PerFileIgnores, SelectionArgs};
use crate::scopes::Scopes;
use crate::workspace::{LoadedProject, ProjectArgs};
use crate::ExitStatus;

/// Arguments of `ssot baseline`.
#[derive(Clone, Debug, clap::Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub rules: SelectionArgs,
    /// Also add violations that are not in the baseline yet (by default it only shrinks).
    #[arg(long)]
    pub grow: bool,
    /// Only violations in this scope (`production`, `test` or a configured one); repeatable.
    /// Entries of other scopes are kept as they are.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
}

/// Which baseline entries a run can judge.
pub struct RunScope {
    selection: RuleSelection,
    per_file_ignores: PerFileIgnores,
    /// Analysed paths relative to the root; `""` is the whole project.
    targets: Vec<String>,
    /// Files that could not be analysed (SSOT002 or an internal error).
    problem_paths: BTreeSet<String>,
    /// `--scope`: the scopes asked about and how paths map to scopes; `None` is every scope.
    selected_scopes: Option<(Scopes, Vec<String>)>,
}

impl RunScope {
    pub fn new(
        loaded: &LoadedProject,
        selection: &RuleSelection,
        per_file_ignores: PerFileIgnores,
    ) -> Self {
        Self {
            selection: selection.clone(),
            per_file_ignores,
            targets: loaded.targets.clone(),
            problem_paths: loaded.problems.iter().map(|p| p.path.clone()).collect(),
            selected_scopes: None,
        }
    }

    /// Limits the run to diagnostics in `selected` scopes (`--scope`; empty: every scope):
    /// checks the names, drops the other scopes' diagnostics and makes entries of other
    /// scopes unjudged, so they are neither reported as fixed nor removed.
    pub fn limit_to_scopes(
        &mut self,
        config: &crate::config::Config,
        selected: &[String],
        diagnostics: &mut Vec<ssot_rules::Diagnostic>,
    ) -> Result<()> {
        let scopes = Scopes::from_config(config)?;
        scopes.check_selection(selected)?;
        if selected.is_empty() {
            return Ok(());
        }
        diagnostics.retain(|d| selected.contains(&d.scope));
        self.selected_scopes = Some((scopes, selected.to_vec()));
        Ok(())
    }

    /// The run would have reported the entry's violation if it still occurred: its rule ran on
    /// its file, the file was analysed and could be read. Entries with codes this version does
    /// not know are never judged.
    pub fn judges(&self, entry: &BaselineEntry) -> bool {
        let Some(rule) = Rule::from_code_or_name(&entry.code) else {
            return false;
        };
        let path = entry.path.as_str();
        let targeted = self.targets.iter().any(|target| {
            target.is_empty()
                || path == target
                || path
                    .strip_prefix(target.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        });
        targeted
            && self.selection.is_selected(rule)
            && !self.per_file_ignores.ignores(path, rule)
            && (rule == Rule::UnreadableFile || !self.problem_paths.contains(path))
            && self
                .selected_scopes
                .as_ref()
                .is_none_or(|(scopes, selected)| selected.iter().any(|s| s == scopes.of(path)))
    }
}

/// The baseline file of a project: the configured `baseline`, relative to the root.
pub fn baseline_path(loaded: &LoadedProject) -> (PathBuf, String) {
    let relative = loaded
        .config
        .baseline
        .clone()
        .unwrap_or_else(|| DEFAULT_BASELINE_FILE.to_string());
    (loaded.root.join(&relative), relative)
}

/// Reads a baseline file; `None` when it does not exist.
pub fn read_baseline(path: &Path) -> Result<Option<Baseline>> {
    Ok(read_baseline_file(path)?.map(|(_, baseline)| baseline))
}

/// Reads a baseline file: its bytes and what they say; `None` when it does not exist.
fn read_baseline_file(path: &Path) -> Result<Option<(Vec<u8>, Baseline)>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read baseline {}", path.display()))
        }
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("invalid baseline {}: not UTF-8", path.display()))?;
    let baseline =
        Baseline::parse(&text).with_context(|| format!("invalid baseline {}", path.display()))?;
    Ok(Some((text.into_bytes(), baseline)))
}

/// Replaces the baseline atomically, through a symbolic link, keeping its owner and mode, and
/// only while it still holds the bytes read (`None`: it did not exist).
fn write_baseline(path: &Path, original: Option<&[u8]>, text: &str, shown: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot write baseline {}", path.display()))?;
    }
    crate::fs::write::replace_read_file(
        path,
        original,
        text.as_bytes(),
        &format!("baseline {shown}"),
        "ssot baseline",
    )
}

fn entries_noun(count: usize) -> &'static str {
    if count == 1 {
        "entry"
    } else {
        "entries"
    }
}

fn write_entries(out: &mut dyn Write, entries: &[BaselineEntry]) -> std::io::Result<()> {
    for entry in entries {
        writeln!(out, "  {}: {} {}", entry.path, entry.code, entry.message)?;
    }
    Ok(())
}

pub fn run(args: &BaselineArgs) -> Result<ExitStatus> {
    let selection = args.rules.selection()?;
    let _lock = crate::fs::lock::ProjectLock::acquire(
        &crate::workspace::project_root(&args.project)?,
        "baseline",
    )?;
    let (loaded, mut run) = run_check(&args.project, &selection)?;
    run.scope
        .limit_to_scopes(&loaded.config, &args.scopes, &mut run.diagnostics)?;
    let (path, shown_path) = baseline_path(&loaded);
    let (original, previous) = match read_baseline_file(&path)? {
        Some((bytes, baseline)) => (Some(bytes), Some(baseline)),
        None => (None, None),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match previous {
        None => {
            let baseline = Baseline::from_diagnostics(&run.diagnostics);
            write_baseline(&path, None, &baseline.to_json(), &shown_path)?;
            writeln!(
                out,
                "Created {shown_path} with {} {}.",
                baseline.len(),
                entries_noun(baseline.len())
            )?;
        }
        Some(previous) => {
            let comparison = previous.compare(run.diagnostics, &|e| run.scope.judges(e));
            let next = previous.ratchet(&comparison, args.grow);
            if !comparison.fixed.is_empty() {
                let count = comparison.fixed.len();
                writeln!(
                    out,
                    "Removed {count} {} that no longer {}:",
                    entries_noun(count),
                    if count == 1 { "occurs" } else { "occur" }
                )?;
                write_entries(&mut out, &comparison.fixed)?;
            }
            if args.grow && !comparison.new.is_empty() {
                let added: Vec<BaselineEntry> =
                    comparison.new.iter().map(BaselineEntry::of).collect();
                writeln!(out, "Added {} {}:", added.len(), entries_noun(added.len()))?;
                write_entries(&mut out, &added)?;
            }
            if next == previous {
                writeln!(
                    out,
                    "{shown_path} is up to date ({} {}).",
                    next.len(),
                    entries_noun(next.len())
                )?;
            } else {
                write_baseline(&path, original.as_deref(), &next.to_json(), &shown_path)?;
                writeln!(
                    out,
                    "Wrote {shown_path} ({} {}).",
                    next.len(),
                    entries_noun(next.len())
                )?;
            }
            if !args.grow && !comparison.new.is_empty() {
                let count = comparison.new.len();
                writeln!(
                    out,
                    "{count} {} not in the baseline; `ssot check` reports {}, `ssot baseline --grow` would add {}.",
                    if count == 1 { "violation is" } else { "violations are" },
                    if count == 1 { "it" } else { "them" },
                    if count == 1 { "it" } else { "them" },
                )?;
            }
        }
    }
    out.flush()?;
    Ok(if run.internal_error {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}
