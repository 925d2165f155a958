//! `ssot mcp`: a Model Context Protocol server over stdio, so coding agents ask ssot before
//! they write an import or a class.
//!
//! The project is loaded once (in the background, so `initialize` answers at once) and kept
//! in memory with what the answers read ([`warm`]); every tool call is answered from it. An
//! unsaved file sent to `ssot_check_source` is analysed over the loaded project and then
//! taken out again.
//!
//! The protocol is written by hand on `serde_json` ([`protocol`]) rather than with an MCP SDK
//! crate. The maintained Rust SDK (`rmcp`) builds on this toolchain, but it is built on tokio
//! and pulls an async runtime, codecs, `schemars`, procedural macros and more into a binary
//! that is otherwise synchronous; a tools-only stdio server needs five methods of
//! newline-delimited JSON-RPC, one request at a time, which is a few hundred lines here and
//! keeps the error behaviour (a bad line answered, the server reading on) under our tests.
//!
//! - [`protocol`]: JSON-RPC framing, errors and version negotiation;
//! - [`tools`]: the tool table (names, descriptions, schemas) and dispatch;
//! - [`resolve`], [`find_existing`], [`check_source`], [`concepts`]: one file per tool;
//! - [`canonical`]: the canonical path and import line of any definition;
//! - [`disk_watch`]: notice of activity on disk between calls;
//! - [`agents`]: the guide for agents (`initialize` instructions, `ssot explain --agents`).

pub mod agents;
mod canonical;
mod check_source;
mod concepts;
mod disk_watch;
mod find_existing;
mod protocol;
mod resolve;
mod tools;
mod warm;

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Result;

use crate::workspace::ProjectArgs;
use crate::ExitStatus;

/// Arguments of `ssot mcp`.
#[derive(Clone, Debug, clap::Args)]
pub struct McpArgs {
    /// The project to serve (default: the current directory's project).
    pub path: Option<PathBuf>,
    /// Use this config file (`ssot.toml` or `pyproject.toml`) instead of discovering one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Neither read nor write the facts cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Keep the facts cache here instead of `.ssot_cache` in the project root (also
    /// `SSOT_CACHE_DIR`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// Serves until standard input ends.
pub fn run(args: &McpArgs) -> Result<ExitStatus> {
    let project_args = ProjectArgs {
        paths: args.path.iter().cloned().collect(),
        config: args.config.clone(),
        exclude: Vec::new(),
        no_cache: args.no_cache,
        cache_dir: args.cache_dir.clone(),
    };
    let loading = std::thread::Builder::new()
        .name("ssot-mcp-load".to_string())
        .spawn(move || warm::load_for_server(&project_args))?;
    let mut server =
        protocol::Server::new(tools::Tools::new(tools::ProjectState::Loading(loading)));
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if let Some(reply) = server.handle_line(&line) {
            let mut out = stdout.lock();
            out.write_all(reply.as_bytes())?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
    }
    Ok(ExitStatus::Success)
}
