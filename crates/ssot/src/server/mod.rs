//! `ssot server`: the editor server, the Language Server Protocol over standard input and
//! output.
//!
//! The main loop is synchronous and does no analysis: it reads messages, keeps track of
//! what the client asked, and hands every document change and request, in arrival order, to
//! one analysis thread that owns the warm [`ssot_engine::session::Session`]. That thread
//! applies every change waiting in its queue before it analyses (a burst of keystrokes costs
//! one analysis), runs the engine's parallel work on the rayon pool, publishes the
//! diagnostics of the open documents whose findings changed, and answers requests against
//! the state the changes before them produced.

mod loader;
mod text;
mod worker;

use std::path::PathBuf;

use anyhow::{Context, Result};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, InitializeParams,
    Registration, RegistrationParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};

pub use loader::CliLoader;
use worker::{Job, Worker};

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
    let (jobs, worker) = Worker::start(loader, connection.sender.clone());
    let exit = main_loop(&connection, &jobs);
    // The writer thread ends when every sender of the connection is gone: the main loop's,
    // and the analysis thread's once its queue closes. That thread may be in the middle of a
    // long analysis; the process ends without waiting for it.
    drop(jobs);
    drop(worker);
    drop(connection);
    io_threads
        .join()
        .context("the connection to the client failed")?;
    exit
}

/// Reads messages until the client shuts the server down.
fn main_loop(connection: &Connection, jobs: &crossbeam_channel::Sender<Job>) -> Result<ExitStatus> {
    let send = |job: Job| jobs.send(job).is_ok();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(ExitStatus::Success);
                }
                match worker::request_job(request) {
                    Ok(job) => {
                        if !send(job) {
                            break;
                        }
                    }
                    Err(request) => {
                        let response = method_not_found(&request);
                        connection.sender.send(Message::Response(response))?;
                    }
                }
            }
            Message::Notification(notification) => {
                if notification.method == lsp_types::notification::Exit::METHOD {
                    // `exit` without `shutdown` first: the protocol's exit code 1.
                    return Ok(ExitStatus::Failure);
                }
                if notification.method == lsp_types::notification::DidChangeWatchedFiles::METHOD {
                    if let Ok(params) =
                        serde_json::from_value::<DidChangeWatchedFilesParams>(notification.params)
                    {
                        send(Job::DiskChanged(
                            params.changes.into_iter().map(|c| c.uri).collect(),
                        ));
                    }
                    continue;
                }
                if let Some(job) = worker::notification_job(notification) {
                    if !send(job) {
                        break;
                    }
                }
            }
            // Answers to our own requests (the watcher registration): nothing to do.
            Message::Response(_) => {}
        }
    }
    Ok(ExitStatus::Failure)
}

fn method_not_found(request: &Request) -> Response {
    Response::new_err(
        request.id.clone(),
        ErrorCode::MethodNotFound as i32,
        format!("ssot does not handle `{}`", request.method),
    )
}

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
