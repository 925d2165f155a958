//! `ssot server`: the editor server, the Language Server Protocol over standard input and
//! output.
//!
//! Built the way ruff's server is: a synchronous main loop ([`scheduler`]) that never
//! analyses; one analysis thread ([`analysis_thread`]), the only writer of the warm
//! [`ssot_engine::session::Session`], which applies changes in order, analyses (on the rayon
//! pool), publishes diagnostics and then an immutable [`snapshot::Snapshot`]; and a small
//! pool of threads that answer read-only requests (hover, go-to-definition, code actions)
//! from the latest snapshot, so they never wait for an analysis to finish. Code actions run
//! the fix engine on its own copy of the project ([`fixes`]).

mod analysis_thread;
mod convert;
mod disk_log;
mod fixes;
mod loader;
mod pool;
mod scheduler;
mod snapshot;
mod text;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use crossbeam_channel::Sender;
use lsp_server::{Connection, Message, Notification, Request};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability,
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, InitializeParams,
    MessageType, Registration, RegistrationParams, ServerCapabilities, ServerInfo,
    ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

use disk_log::DiskLog;
use fixes::FixReplica;
pub use loader::CliLoader;
use pool::Pool;
use scheduler::Scheduler;

use crate::analysis::SelectionArgs;
use crate::workspace::ProjectArgs;
use crate::ExitStatus;

/// The code-action kind of "fix everything ssot can fix in this file".
pub const FIX_ALL_KIND: &str = "source.fixAll.ssot";

/// Arguments of `ssot server`.
#[derive(Clone, Debug, clap::Args)]
pub struct ServerArgs {
    /// Use this config file (`ssot.toml` or `pyproject.toml`) instead of discovering one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub rules: SelectionArgs,
    /// Neither read nor write the facts cache.
    #[arg(long)]
    pub no_cache: bool,
}

pub fn run(args: &ServerArgs) -> Result<ExitStatus> {
    let selection = args.rules.selection()?;
    let (connection, io_threads) = Connection::stdio();
    let (id, params) = connection
        .initialize_start()
        .context("the client did not initialize")?;
    let params: InitializeParams =
        serde_json::from_value(params).context("invalid initialize parameters")?;
    let root = workspace_root(&params)?;
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|w| w.dynamic_registration)
        .unwrap_or(false);
    let versioned_edits = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.workspace_edit.as_ref())
        .and_then(|e| e.document_changes)
        .unwrap_or(false);
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo {
            name: "ssot".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    // `initialize_finish` also reads the client's `initialized` notification, so the file
    // watchers are registered here, once the handshake is complete.
    connection
        .initialize_finish(id, result)
        .context("the client went away during initialization")?;
    if watch {
        connection
            .sender
            .send(Message::Request(watch_registration()))
            .context("the client went away during initialization")?;
    }

    let loader = CliLoader {
        args: ProjectArgs {
            paths: vec![root],
            config: args.config.clone(),
            no_cache: args.no_cache,
            ..ProjectArgs::default()
        },
        selection,
    };
    let log = DiskLog::default();
    let (events, events_receiver) = crossbeam_channel::unbounded();
    let replica = Arc::new(Mutex::new(FixReplica::new(loader.clone(), log.clone())));
    let jobs = analysis_thread::start(loader, connection.sender.clone(), events.clone(), log);
    let scheduler = Scheduler {
        connection: &connection,
        jobs,
        events: events_receiver,
        reads: Pool::new("ssot-read", READ_THREADS, events.clone()),
        fixes: Pool::new("ssot-fix", 1, events),
        replica,
        versioned_edits,
    };
    let exit = scheduler.run();
    // The writer thread ends when every sender of the connection is gone: the main loop's,
    // the analysis thread's and the pool's once their queues close. The analysis thread may
    // be in the middle of a long analysis; the process ends without waiting for it.
    drop(scheduler);
    drop(connection);
    io_threads
        .join()
        .context("the connection to the client failed")?;
    exit
}

/// Threads answering hover and go-to-definition: lookups in a snapshot, so two are plenty.
const READ_THREADS: usize = 2;

/// Asks the client to tell the server about Python files and configuration changed on disk.
fn watch_registration() -> Request {
    let watchers = ["**/*.py", "**/*.pyi", "**/pyproject.toml", "**/ssot.toml"]
        .into_iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.to_string()),
            kind: None,
        })
        .collect();
    let options = DidChangeWatchedFilesRegistrationOptions { watchers };
    Request::new(
        "ssot/watch".to_string().into(),
        lsp_types::request::RegisterCapability::METHOD.to_string(),
        RegistrationParams {
            registrations: vec![Registration {
                id: "ssot-watched-files".to_string(),
                method: lsp_types::notification::DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        },
    )
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp_types::OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::SOURCE_FIX_ALL,
                CodeActionKind::from(FIX_ALL_KIND),
            ]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// The directory the client opened: the first workspace folder, else the root URI, else the
/// current directory.
#[allow(deprecated)]
fn workspace_root(params: &InitializeParams) -> Result<PathBuf> {
    let uri = params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.first())
        .map(|folder| folder.uri.clone())
        .or_else(|| params.root_uri.clone());
    match uri {
        Some(uri) => uri
            .to_file_path()
            .map_err(|()| anyhow::anyhow!("the workspace `{uri}` is not a local directory")),
        None => std::env::current_dir().context("cannot determine the current directory"),
    }
}

/// A notification for the client.
fn notification<N: lsp_types::notification::Notification>(params: N::Params) -> Message {
    Message::Notification(Notification::new(N::METHOD.to_string(), params))
}

/// Shows an error in the client's message area.
fn show_error(client: &Sender<Message>, message: &str) {
    let _ = client.send(notification::<lsp_types::notification::ShowMessage>(
        ShowMessageParams {
            typ: MessageType::ERROR,
            message: message.to_string(),
        },
    ));
}
