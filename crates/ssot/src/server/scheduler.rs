//! The main loop: synchronous, never analyses. It reads the client's messages and the other
//! threads' events, and decides what goes where:
//!
//! - document changes and files changed on disk go, in arrival order, to the analysis thread
//!   ([`super::analysis_thread`]), the one writer of the warm session;
//! - read-only requests are answered on a small pool from the latest [`Snapshot`]: hover and
//!   go-to-definition on the read threads, code actions on the fix thread
//!   ([`super::fixes`]), so none of them waits for an analysis;
//! - diagnostics the analysis thread produced are sent only if they are for the document's
//!   latest state (a stale result is never published);
//! - `$/cancelRequest` answers a request that has not been answered yet with
//!   `RequestCancelled` at once; work not started yet is skipped, and a late answer is
//!   dropped.
//!
//! Each document change gets an order number (its *state*). A request about an open
//! document waits until a snapshot has that document at the state it had when the request
//! arrived (the analysis of that text, which the analysis thread starts as soon as it is
//! free), and is then answered from the newest snapshot. So an answer always describes the
//! text the client had when it asked, or a later one, never an older text: positions in the
//! request mean what the client meant. A request about a document that is not open is
//! answered at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Result;
use crossbeam_channel::{select, Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notify, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CancelParams, CodeActionParams, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    GotoDefinitionParams, HoverParams, NumberOrString, PublishDiagnosticsParams, Url,
};

use super::analysis_thread::Job;
use super::fixes::{code_actions, FixReplica};
use super::notification;
use super::pool::{Cancelled, Pool};
use super::snapshot::Snapshot;
use crate::ExitStatus;

/// What the analysis thread and the pool tell the main loop.
pub enum Event {
    /// Diagnostics for a document, computed for its state `state`.
    Publish {
        state: u64,
        params: PublishDiagnosticsParams,
    },
    /// The state after an analysis.
    Snapshot(Arc<Snapshot>),
    /// The answer to a request.
    Respond(Response),
}

/// A request the server answers from a snapshot.
enum ReadRequest {
    Hover(HoverParams),
    Definition(GotoDefinitionParams),
    CodeAction(CodeActionParams),
}

impl ReadRequest {
    fn parse(request: &Request) -> Option<Self> {
        fn parse<P: serde::de::DeserializeOwned>(request: &Request) -> Option<P> {
            serde_json::from_value(request.params.clone()).ok()
        }
        match request.method.as_str() {
            req::HoverRequest::METHOD => parse(request).map(Self::Hover),
            req::GotoDefinition::METHOD => parse(request).map(Self::Definition),
            req::CodeActionRequest::METHOD => parse(request).map(Self::CodeAction),
            _ => None,
        }
    }

    fn document(&self) -> &Url {
        match self {
            Self::Hover(params) => &params.text_document_position_params.text_document.uri,
            Self::Definition(params) => &params.text_document_position_params.text_document.uri,
            Self::CodeAction(params) => &params.text_document.uri,
        }
    }
}

/// A request waiting for the analysis of the document state it was made in.
struct Waiting {
    id: RequestId,
    request: ReadRequest,
    state: u64,
}

/// The threads and channels the main loop works with.
pub struct Scheduler<'c> {
    pub connection: &'c Connection,
    pub jobs: Sender<Job>,
    pub events: Receiver<Event>,
    pub reads: Pool,
    pub fixes: Pool,
    pub replica: Arc<Mutex<FixReplica>>,
    /// The client takes versioned document edits.
    pub versioned_edits: bool,
}

/// The main loop's bookkeeping.
#[derive(Default)]
struct Books {
    /// The latest state of each open document.
    documents: HashMap<Url, u64>,
    next_state: u64,
    latest: Option<Arc<Snapshot>>,
    waiting: Vec<Waiting>,
    /// Requests handed to the pool and not answered yet.
    running: HashMap<RequestId, Cancelled>,
    replica_prepared: bool,
}

impl Scheduler<'_> {
    /// Runs until the client shuts the server down (or goes away).
    pub fn run(&self) -> Result<ExitStatus> {
        let mut books = Books::default();
        loop {
            select! {
                recv(self.connection.receiver) -> message => {
                    let Ok(message) = message else {
                        return Ok(ExitStatus::Failure);
                    };
                    if let Some(exit) = self.on_message(&mut books, message)? {
                        return Ok(exit);
                    }
                }
                recv(self.events) -> event => {
                    let Ok(event) = event else {
                        return Ok(ExitStatus::Failure);
                    };
                    self.on_event(&mut books, event);
                }
            }
        }
    }

    fn send(&self, message: Message) {
        // The client went away: reading its next message ends the loop.
        let _ = self.connection.sender.send(message);
    }

    fn on_message(&self, books: &mut Books, message: Message) -> Result<Option<ExitStatus>> {
        match message {
            Message::Request(request) => {
                if self.connection.handle_shutdown(&request)? {
                    return Ok(Some(ExitStatus::Success));
                }
                match ReadRequest::parse(&request) {
                    Some(read) => self.schedule(books, request.id, read),
                    None => self.send(Message::Response(method_not_found(&request))),
                }
            }
            Message::Notification(notification) => {
                if notification.method == notify::Exit::METHOD {
                    // `exit` without `shutdown` first: the protocol's exit code 1.
                    return Ok(Some(ExitStatus::Failure));
                }
                self.on_notification(books, notification);
            }
            // Answers to our own requests (the watcher registration): nothing to do.
            Message::Response(_) => {}
        }
        Ok(None)
    }

    fn on_notification(&self, books: &mut Books, received: Notification) {
        fn parse<P: serde::de::DeserializeOwned>(params: serde_json::Value) -> Option<P> {
            serde_json::from_value(params).ok()
        }
        let params = received.params;
        let job = match received.method.as_str() {
            notify::DidOpenTextDocument::METHOD => {
                let Some(params) = parse::<DidOpenTextDocumentParams>(params) else {
                    return;
                };
                let state = books.advance(&params.text_document.uri);
                Job::Open {
                    uri: params.text_document.uri,
                    version: params.text_document.version,
                    text: params.text_document.text,
                    state,
                }
            }
            notify::DidChangeTextDocument::METHOD => {
                let Some(params) = parse::<DidChangeTextDocumentParams>(params) else {
                    return;
                };
                if !books.documents.contains_key(&params.text_document.uri) {
                    return;
                }
                let state = books.advance(&params.text_document.uri);
                Job::Change { params, state }
            }
            notify::DidSaveTextDocument::METHOD => {
                let Some(params) = parse::<DidSaveTextDocumentParams>(params) else {
                    return;
                };
                Job::Save(params.text_document.uri)
            }
            notify::DidCloseTextDocument::METHOD => {
                let Some(params) = parse::<DidCloseTextDocumentParams>(params) else {
                    return;
                };
                let uri = params.text_document.uri;
                books.documents.remove(&uri);
                self.send(notification::<notify::PublishDiagnostics>(
                    PublishDiagnosticsParams::new(uri.clone(), Vec::new(), None),
                ));
                // Requests about it no longer wait for its analysis.
                self.dispatch_ready(books);
                Job::Close(uri)
            }
            notify::DidChangeWatchedFiles::METHOD => {
                let Some(params) = parse::<DidChangeWatchedFilesParams>(params) else {
                    return;
                };
                Job::DiskChanged(params.changes.into_iter().map(|c| c.uri).collect())
            }
            notify::Cancel::METHOD => {
                if let Some(params) = parse::<CancelParams>(params) {
                    self.cancel(books, params.id);
                }
                return;
            }
            _ => return,
        };
        // The analysis thread only goes away with the process.
        let _ = self.jobs.send(job);
    }

    fn on_event(&self, books: &mut Books, event: Event) {
        match event {
            Event::Publish { state, params } => {
                // Only the findings of the document's latest state reach the client.
                if books.documents.get(&params.uri) == Some(&state) {
                    self.send(notification::<notify::PublishDiagnostics>(params));
                }
            }
            Event::Snapshot(snapshot) => {
                books.latest = Some(snapshot);
                if !books.replica_prepared {
                    // The fix engine's copy of the project loads in the background once the
                    // first diagnostics are out, so the first code action need not wait.
                    books.replica_prepared = true;
                    let replica = Arc::clone(&self.replica);
                    self.fixes.spawn(
                        RequestId::from("ssot/prepare".to_string()),
                        Arc::new(AtomicBool::new(false)),
                        move |_| {
                            let mut replica = replica.lock().unwrap_or_else(|p| p.into_inner());
                            // A failure is shown when a code action needs the copy.
                            let _ = replica.prepare();
                            None
                        },
                    );
                }
                self.dispatch_ready(books);
            }
            Event::Respond(response) => {
                if books.running.remove(&response.id).is_some() {
                    self.send(Message::Response(response));
                }
            }
        }
    }

    /// Answers a request from the latest snapshot, or keeps it until a snapshot has its
    /// document's current state.
    fn schedule(&self, books: &mut Books, id: RequestId, request: ReadRequest) {
        let waiting = Waiting {
            state: books
                .documents
                .get(request.document())
                .copied()
                .unwrap_or(0),
            id,
            request,
        };
        if books.covers(&waiting) {
            self.dispatch(books, waiting);
        } else {
            books.waiting.push(waiting);
        }
    }

    fn dispatch_ready(&self, books: &mut Books) {
        let (ready, waiting): (Vec<Waiting>, Vec<Waiting>) = std::mem::take(&mut books.waiting)
            .into_iter()
            .partition(|waiting| books.covers(waiting));
        books.waiting = waiting;
        for waiting in ready {
            self.dispatch(books, waiting);
        }
    }

    fn dispatch(&self, books: &mut Books, waiting: Waiting) {
        let Waiting { id, request, .. } = waiting;
        let Some(snapshot) = books.latest.clone() else {
            // Only requests about documents that are not open get here before the first
            // analysis: there is nothing to say about them.
            let response = match request {
                ReadRequest::CodeAction(_) => Response::new_ok(id, Vec::<()>::new()),
                ReadRequest::Hover(_) | ReadRequest::Definition(_) => {
                    Response::new_ok(id, serde_json::Value::Null)
                }
            };
            self.send(Message::Response(response));
            return;
        };
        let cancelled: Cancelled = Arc::new(AtomicBool::new(false));
        books.running.insert(id.clone(), Arc::clone(&cancelled));
        let answer = id.clone();
        match request {
            ReadRequest::Hover(params) => self.reads.spawn(id, cancelled, move |_| {
                Some(Response::new_ok(answer, snapshot.hover(&params)))
            }),
            ReadRequest::Definition(params) => self.reads.spawn(id, cancelled, move |_| {
                Some(Response::new_ok(answer, snapshot.definition(&params)))
            }),
            ReadRequest::CodeAction(params) => {
                let replica = Arc::clone(&self.replica);
                let client = self.connection.sender.clone();
                let versioned = self.versioned_edits;
                self.fixes.spawn(id, cancelled, move |cancelled| {
                    let mut replica = replica.lock().unwrap_or_else(|p| p.into_inner());
                    let actions = code_actions(
                        &snapshot,
                        &params,
                        &mut replica,
                        cancelled,
                        versioned,
                        &client,
                    );
                    Some(Response::new_ok(answer, actions))
                })
            }
        }
    }

    fn cancel(&self, books: &mut Books, id: NumberOrString) {
        let id = match id {
            NumberOrString::Number(number) => RequestId::from(number),
            NumberOrString::String(string) => RequestId::from(string),
        };
        let known = if let Some(index) = books.waiting.iter().position(|w| w.id == id) {
            books.waiting.remove(index);
            true
        } else if let Some(cancelled) = books.running.remove(&id) {
            cancelled.store(true, Ordering::Relaxed);
            true
        } else {
            false
        };
        if known {
            self.send(Message::Response(Response::new_err(
                id,
                ErrorCode::RequestCanceled as i32,
                "cancelled by the client".to_string(),
            )));
        }
    }
}

impl Books {
    /// The next state of a document that was opened or changed.
    fn advance(&mut self, uri: &Url) -> u64 {
        self.next_state += 1;
        self.documents.insert(uri.clone(), self.next_state);
        self.next_state
    }

    /// Whether the latest snapshot can answer the request: its document is not open (any
    /// snapshot will do, or none), or the snapshot has it at the state of the request.
    fn covers(&self, waiting: &Waiting) -> bool {
        let uri = waiting.request.document();
        if !self.documents.contains_key(uri) {
            return true;
        }
        self.latest
            .as_ref()
            .and_then(|snapshot| snapshot.state_of(uri))
            .is_some_and(|state| state >= waiting.state)
    }
}

fn method_not_found(request: &Request) -> Response {
    Response::new_err(
        request.id.clone(),
        ErrorCode::MethodNotFound as i32,
        format!("ssot does not handle `{}`", request.method),
    )
}
