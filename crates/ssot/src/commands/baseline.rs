//! `ssot baseline`: record the current violations so CI fails only on new ones; later runs
//! shrink the file and never grow it (unless `--grow`).
//!
//! Which entries a run can judge, and reading the file, are shared with `check`
//! ([`crate::analysis::RunScope`]).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use ssot_rules::{Baseline, BaselineEntry};

use crate::analysis::{baseline_path, read_baseline_file, run_check, SelectionArgs};
use crate::workspace::ProjectArgs;
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
