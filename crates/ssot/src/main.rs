//! The `ssot` command line: configuration, file discovery, commands and exit codes.
//!
//! Exit codes follow ruff: 0 clean, 1 violations, 2 usage, configuration or internal error.
//! A closed pipe ends the run quietly.

mod analysis;
mod commands;
mod config;
mod discovery;
mod fs;
mod import_style;
mod load;
mod mcp;
mod output;
mod progress;
mod scopes;
mod server;
mod timing;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static GLOBAL: OutOfMemoryExits = OutOfMemoryExits;

/// mimalloc, except that running out of memory ends the run with exit code 2 and a message
/// instead of an abort and a backtrace. (The standard library's allocation-error hook is not
/// stable; a failed allocation is caught where it happens instead.)
struct OutOfMemoryExits;

// SAFETY: every call is forwarded to mimalloc unchanged; a null result never returns.
unsafe impl std::alloc::GlobalAlloc for OutOfMemoryExits {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let pointer = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if pointer.is_null() {
            out_of_memory(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: as above.
        let pointer = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        if pointer.is_null() {
            out_of_memory(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as above.
        unsafe { mimalloc::MiMalloc.dealloc(pointer, layout) }
    }

    unsafe fn realloc(
        &self,
        pointer: *mut u8,
        layout: std::alloc::Layout,
        new_size: usize,
    ) -> *mut u8 {
        // SAFETY: as above.
        let pointer = unsafe { mimalloc::MiMalloc.realloc(pointer, layout, new_size) };
        if pointer.is_null() {
            out_of_memory(new_size);
        }
        pointer
    }
}

/// Says so and exits 2, without allocating (there is no memory to allocate with).
fn out_of_memory(size: usize) -> ! {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut value = size;
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    write_stderr_raw(b"ssot: error: out of memory (an allocation of ");
    write_stderr_raw(&digits[start..]);
    write_stderr_raw(
        b" bytes failed); raise the memory limit, or lower `max-file-tokens` to skip the \
          largest files\n",
    );
    // SAFETY: `_exit` ends the process without running destructors, which may allocate.
    unsafe { libc::_exit(2) }
}

fn write_stderr_raw(bytes: &[u8]) {
    // SAFETY: the buffer is valid for its length; fd 2 is standard error.
    unsafe {
        libc::write(2, bytes.as_ptr().cast(), bytes.len());
    }
}

/// Keeps a Python codebase's single sources of truth single.
#[derive(Debug, Parser)]
#[command(name = "ssot", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: output::GlobalArgs,
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
    /// The phased remediation plan: security, consolidation, imports, test doubles, critical
    /// tiers first.
    Plan(commands::plan::PlanArgs),
    /// The team lead's view: compliance per concept by scope, the path graph, spread,
    /// offenders with owners, and the trend over git history (`--history`), as a
    /// self-contained HTML page, Markdown or JSON (`ssot.report/1`).
    Report(commands::report::ReportArgs),
    /// Print a rule's documentation.
    Explain(commands::explain::ExplainArgs),
    /// Serve coding agents over the Model Context Protocol (stdio): canonical paths,
    /// existing definitions, checks of unsaved files, concepts.
    Mcp(mcp::McpArgs),
    /// Remove the facts cache (`.ssot_cache` in the project root, or `--cache-dir`).
    Clean(commands::clean::CleanArgs),
    /// The editor server: diagnostics, quick fixes, hover and go-to-definition over the
    /// Language Server Protocol on standard input and output.
    Server(server::ServerArgs),
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
    exit_quietly_when_out_of_resources();
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
    output::set_global(cli.global);
    ssot_engine::events::install(ssot_engine::events::Hooks {
        warn: output::warn,
        verbose: output::verbose,
        start: progress::start,
        phase: progress::phase,
    });
    let result = match &cli.command {
        Command::Scan(args) => commands::scan::run(args),
        Command::Init(args) => commands::init::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Fix(args) => commands::fix::run(args),
        Command::Baseline(args) => commands::baseline::run(args),
        Command::Plan(args) => commands::plan::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Clean(args) => commands::clean::run(args),
        Command::Server(args) => server::run(args),
        Command::Mcp(args) => mcp::run(args),
    };
    progress::clear();
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                // Only commands that print progress notes get here (reports handle a closed
                // pipe themselves and keep their exit code); the work itself was done.
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

/// A thread that cannot be started (too little memory for its stack, or a process limit) is
/// the same condition as a failed allocation: exit 2 with a message, not a panic's backtrace.
fn exit_quietly_when_out_of_resources() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed to spawn thread") {
            eprintln!(
                "ssot: error: out of memory or processes: {message}; raise the limits, or \
                 set RAYON_NUM_THREADS=1"
            );
            std::process::exit(2);
        }
        default_hook(info);
    }));
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
