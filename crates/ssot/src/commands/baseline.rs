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
}

/// Which baseline entries a run can judge.
pub struct RunScope {
    selection: RuleSelection,
    per_file_ignores: PerFileIgnores,
    /// Analysed paths relative to the root; `""` is the whole project.
    targets: Vec<String>,
    /// Files that could not be analysed (SSOT002 or an internal error).
    problem_paths: BTreeSet<String>,
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
        }
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
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read baseline {}", path.display()))
        }
    };
    Baseline::parse(&text)
        .map(Some)
        .with_context(|| format!("invalid baseline {}", path.display()))
}

/// Writes through a temporary file in the same directory, so a crash never leaves half a
/// baseline behind.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let file_name = path
        .file_name()
        .map_or_else(|| "baseline".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&temporary, text))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("cannot write baseline {}", path.display()))
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
    let (loaded, run) = run_check(&args.project, &selection)?;
    let (path, shown_path) = baseline_path(&loaded);
    let previous = read_baseline(&path)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match previous {
        None => {
            let baseline = Baseline::from_diagnostics(&run.diagnostics);
            write_atomically(&path, &baseline.to_json())?;
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
                write_atomically(&path, &next.to_json())?;
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
