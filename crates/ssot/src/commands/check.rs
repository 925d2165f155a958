//! `ssot check`: declared concepts and rules, compliance, CI formats, exit codes.

use std::path::Path;

use anyhow::{bail, Result};
use ssot_report::check::{render_check_concise, render_check_json, CheckReport};

use crate::analysis::{
    attach_import_fixes, baseline_path, read_baseline, run_check, SelectionArgs,
};
use crate::commands::fix::FixArgs;
use crate::output::{OutputArgs, OutputFormat};
use crate::workspace::ProjectArgs;
use crate::ExitStatus;

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
    /// Only violations in files of this `critical-paths` tier; repeatable.
    #[arg(long = "tier", value_name = "TIER", conflicts_with_all = ["fix", "diff", "fix_only"])]
    pub tiers: Vec<String>,
    /// Apply the fixes, as `ssot fix` does (same checks, output and exit codes).
    #[arg(long, conflicts_with = "statistics")]
    pub fix: bool,
    /// With `--fix` or `--diff`: apply unsafe fixes too (see `ssot explain`).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the diff `ssot fix --diff` prints and write nothing; exit 1 when something would
    /// change.
    #[arg(long, conflicts_with = "statistics")]
    pub diff: bool,
    /// Like `--fix`, and report what was fixed rather than what remains (`ssot fix --fix-only`).
    #[arg(long, conflicts_with = "statistics")]
    pub fix_only: bool,
    /// Print the resolved configuration, the file it came from and the concepts, then exit.
    #[arg(long, conflicts_with_all = ["fix", "diff", "fix_only", "show_files"])]
    pub show_settings: bool,
    /// Print the files that would be analysed, each with its scope, then exit.
    #[arg(long, conflicts_with_all = ["fix", "diff", "fix_only"])]
    pub show_files: bool,
}

impl CheckArgs {
    /// `--fix`, `--diff` or `--fix-only`: the run is `ssot fix` with these arguments.
    fn as_fix(&self) -> Option<FixArgs> {
        (self.fix || self.diff || self.fix_only).then(|| FixArgs {
            project: self.project.clone(),
            rules: self.rules.clone(),
            output: self.output.clone(),
            diff: self.diff,
            unsafe_fixes: self.unsafe_fixes,
            fix_only: self.fix_only,
            exit_zero: self.exit_zero,
            shims: false,
            scopes: self.scopes.clone(),
        })
    }
}

pub fn run(args: &CheckArgs) -> Result<ExitStatus> {
    if (args.show_settings || args.show_files)
        && args
            .output
            .format
            .is_some_and(|format| format != OutputFormat::Full)
    {
        bail!("`--show-settings` and `--show-files` print text; leave out `--output-format`");
    }
    if args.show_settings {
        crate::commands::show::show_settings(&args.project, &args.output)?;
        return Ok(ExitStatus::Success);
    }
    if args.show_files {
        crate::commands::show::show_files(&args.project, &args.output)?;
        return Ok(ExitStatus::Success);
    }
    if let Some(fix) = args.as_fix() {
        return crate::commands::fix::run(&fix);
    }
    if args.unsafe_fixes {
        bail!("`--unsafe-fixes` applies with `--fix` or `--diff`");
    }
    let selection = args.rules.selection()?;
    let (loaded, mut run) = run_check(&args.project, &selection)?;
    let analysed_any = loaded
        .project
        .files
        .iter()
        .any(|f| loaded.in_targets(&f.path))
        || loaded.problems.iter().any(|p| loaded.in_targets(&p.path));
    if !analysed_any {
        let shown: Vec<String> = args
            .project
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let place = if shown.is_empty() {
            loaded.root.display().to_string()
        } else {
            shown.join(", ")
        };
        crate::output::warn(format_args!("no Python files found in {place}"));
    }
    run.scope
        .limit_to_scopes(&loaded.config, &args.scopes, &mut run.diagnostics)?;
    run.scope
        .limit_to_tiers(&loaded, &args.tiers, &mut run.diagnostics)?;
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
    let started = std::time::Instant::now();
    attach_import_fixes(&loaded, &mut diagnostics);
    crate::timing::report("check: fixes of SSOT101", started.elapsed());
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
    let format = args.output.format.unwrap_or(OutputFormat::Full);
    if matches!(format, OutputFormat::Full | OutputFormat::Concise) {
        // People read text top down: the most critical tier first, then files in no tier;
        // the sort is stable, so each group keeps the path order.
        let critical_paths = crate::config::critical_paths::CriticalPaths::from_config(
            &loaded.config.critical_paths,
        )?;
        diagnostics.sort_by_key(|d| {
            d.tier
                .as_deref()
                .and_then(|tier| critical_paths.rank(tier))
                .unwrap_or(usize::MAX)
        });
    }
    let report = CheckReport {
        diagnostics: &diagnostics,
        concepts: &run.concepts,
        baselined,
        fixed_since_baseline,
        source: &read_source,
    };
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
