//! `ssot scan`: the import-path census and dangling imports, no configuration needed.

use std::io::Write;

use anyhow::Result;
use ssot_index::{census, collect_references, Resolver};
use ssot_report::{render_scan_json, render_scan_text, ScanReport, Style};

use crate::output::{OutputArgs, OutputFormat};
use crate::workspace::{load_project, ProjectArgs};
use crate::ExitStatus;

/// Arguments of `ssot scan`.
#[derive(Clone, Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &ScanArgs) -> Result<ExitStatus> {
    let loaded = load_project(&args.project)?;
    let analysis_started = std::time::Instant::now();
    let mut resolver = Resolver::new(&loaded.project);
    let references = collect_references(&mut resolver);
    let census = census(&loaded.project, &references);
    let analysis = analysis_started.elapsed();
    let report = ScanReport {
        project: &loaded.project,
        census: &census,
        problems: &loaded.problems,
    };
    let format = args.output.format.unwrap_or(OutputFormat::Full);
    let text = match format {
        OutputFormat::Json => render_scan_json(&report),
        OutputFormat::Full | OutputFormat::Concise => {
            render_scan_text(&report, Style { color: args.output.color() })
        }
        other => anyhow::bail!(
            "`--output-format {}` is not available for `scan`; use full, concise or json",
            other.name()
        ),
    };
    args.output.write(text.as_bytes())?;
    if std::env::var_os("SSOT_TIMINGS").is_some() {
        let _ = writeln!(
            std::io::stderr(),
            "timings: load+parse {:.3}s, resolve+census {:.3}s",
            loaded.elapsed_load.as_secs_f64(),
            analysis.as_secs_f64()
        );
    }
    Ok(if loaded.internal_error {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}
