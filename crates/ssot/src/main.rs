//! The `ssot` command line: configuration, file discovery, commands and exit codes.
//!
//! Exit codes follow ruff: 0 clean, 1 violations, 2 usage, configuration or internal error.
//! A closed pipe ends the run quietly.

mod commands;
mod config;
mod discovery;
mod fs;
mod load;
mod output;
mod scopes;
mod timing;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keeps a Python codebase's single sources of truth single.
#[derive(Debug, Parser)]
#[command(name = "ssot", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Discover, with no configuration: symbols imported through several paths, dangling
    /// first-party imports.
    Scan(commands::scan::ScanArgs),
    /// Write a starting `[tool.ssot]` section from `scan`'s concept candidates, to review.
    Init(commands::init::InitArgs),
    /// Enforce declared concepts and rules; exit 1 on violations not in the baseline.
    Check(commands::check::CheckArgs),
    /// Apply fixes (import rewrites to the canonical path, removal of unused suppressions,
    /// patch targets, deprecation shims), verified in memory before anything is written.
    Fix(commands::fix::FixArgs),
    /// Record the current violations so `check` fails only on new ones; later runs only
    /// remove entries that no longer occur (unless `--grow`).
    Baseline(commands::baseline::BaselineArgs),
    /// Print a rule's documentation.
    Explain(commands::explain::ExplainArgs),
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing to report (or `--exit-zero`).
    Success,
    /// Violations found.
    Failure,
    /// Usage, configuration or internal error.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::from(0)
            };
        }
    };
    let result = match &cli.command {
        Command::Scan(args) => commands::scan::run(args),
        Command::Init(args) => commands::init::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Fix(args) => commands::fix::run(args),
        Command::Baseline(args) => commands::baseline::run(args),
        Command::Explain(args) => commands::explain::run(args),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::from(0);
            }
            eprintln!("ssot: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
