//! `ssot scan`: the import-path census and dangling imports, no configuration needed.

use std::io::Write;

use anyhow::Result;
use ssot_index::concept_discovery::discover_concepts_with;
use ssot_index::{census, collect_references, Resolver};
use ssot_report::{render_scan_json, render_scan_text, ScanReport, Style};

use crate::output::{ScanFormat, ScanOutputArgs};
use crate::workspace::{load_project, ProjectArgs};
use crate::ExitStatus;

/// Arguments of `ssot scan`.
#[derive(Clone, Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub output: ScanOutputArgs,
}

pub fn run(args: &ScanArgs) -> Result<ExitStatus> {
    let loaded = load_project(&args.project, None)?;
    let scopes = crate::scopes::Scopes::from_config(&loaded.config)?;
    let scope_of = |file: &ssot_index::ProjectFile| crate::analysis::discovery_scope(&scopes, file);
    crate::timing::note_memory("after load");
    let analysis_started = std::time::Instant::now();
    let (census, concepts, discovery) = {
        // The resolver's memo and the references are not needed once counted.
        let mut resolver = Resolver::new(&loaded.project);
        let mut references = collect_references(&mut resolver);
        // The whole project was resolved; count the references in the paths asked about.
        references.retain(|r| loaded.in_targets(&loaded.project.file(r.file).path));
        let census = census(&loaded.project, &references);
        let discovery_started = std::time::Instant::now();
        let concepts = discover_concepts_with(&mut resolver, &references, &scope_of);
        (census, concepts, discovery_started.elapsed())
    };
    let analysis = analysis_started.elapsed();
    crate::timing::note_memory("after census");
    let problems: Vec<_> = loaded
        .problems
        .iter()
        .filter(|p| loaded.in_targets(&p.path))
        .cloned()
        .collect();
    let report = ScanReport {
        project: &loaded.project,
        census: &census,
        concepts: &concepts,
        problems: &problems,
        in_scope: &|path: &str| loaded.in_targets(path),
    };
    let format = args.output.format.unwrap_or(ScanFormat::Full);
    let output = args.output.output();
    output.write_with(|out| match format {
        ScanFormat::Json => render_scan_json(&report, out),
        ScanFormat::Full | ScanFormat::Concise => {
            let style = Style {
                color: output.color(),
            };
            out.write_all(render_scan_text(&report, style).as_bytes())
        }
    })?;
    crate::timing::note_memory("after render");
    if std::env::var_os("SSOT_TIMINGS").is_some() {
        let _ = writeln!(
            std::io::stderr(),
            "timings: walk {:.3}s, read+parse {:.3}s, module table {:.3}s, resolve+census {:.3}s, of which concept discovery {:.3}s",
            loaded.timings.walk.as_secs_f64(),
            loaded.timings.parse.as_secs_f64(),
            loaded.timings.index.as_secs_f64(),
            analysis.as_secs_f64(),
            discovery.as_secs_f64()
        );
    }
    let status = if loaded.internal_error {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    };
    // The process ends next: its exit returns the facts' memory faster than freeing them.
    std::mem::forget(loaded);
    Ok(status)
}
