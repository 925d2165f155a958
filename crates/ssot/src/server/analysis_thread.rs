//! The analysis thread: the one writer of the warm session. It applies document changes and
//! files changed on disk in order, analyses, hands the diagnostics of the open documents to
//! the main loop for publication, and then a new [`Snapshot`] for read-only requests.
//!
//! Every change waiting in its queue is applied before one analysis, so a burst of
//! keystrokes costs one analysis and a newer edit supersedes the pending ones. An analysis
//! cannot be interrupted; when a document changes again while it runs, its findings for the
//! version the client left are not published (the main loop also checks each publication
//! against the document's latest state before sending it), and the next analysis starts at
//! once with every change that arrived.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::Message;
use lsp_types::{DidChangeTextDocumentParams, PublishDiagnosticsParams, Url};
use ssot_engine::session::{relevant_changes, Session, SessionAnalysis};

use super::convert::{relative_path, to_lsp_diagnostic};
use super::disk_log::{DiskEvent, DiskLog};
use super::loader::CliLoader;
use super::pool::panic_message;
use super::scheduler::Event;
use super::show_error;
use super::snapshot::{DocumentSnapshot, Snapshot};
use super::text::LineIndex;

/// What the main loop hands the analysis thread. `state` is the main loop's order number of
/// the document state the job leads to.
pub enum Job {
    Open {
        uri: Url,
        version: i32,
        text: String,
        state: u64,
    },
    Change {
        params: DidChangeTextDocumentParams,
        state: u64,
    },
    Save(Url),
    Close(Url),
    /// Files changed on disk, as the client's watcher saw them.
    DiskChanged(Vec<Url>),
}

impl Job {
    /// The document whose text or presence the job changes.
    fn document(&self) -> Option<&Url> {
        match self {
            Job::Open { uri, .. } | Job::Save(uri) | Job::Close(uri) => Some(uri),
            Job::Change { params, .. } => Some(&params.text_document.uri),
            Job::DiskChanged(_) => None,
        }
    }
}

/// An open document.
struct Document {
    /// Root-relative path; `None` for a document outside the project root.
    path: Option<String>,
    version: i32,
    state: u64,
    text: String,
}

/// Starts the analysis thread, which loads the project first. Diagnostics and snapshots go
/// to `events`; error messages straight to the client.
pub fn start(
    loader: CliLoader,
    client: Sender<Message>,
    events: Sender<Event>,
    log: DiskLog,
) -> Sender<Job> {
    let (jobs, receiver) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("ssot-analysis".to_string())
        .spawn(move || {
            let session = match loader.clone().session() {
                Ok(session) => Some(session),
                Err(err) => {
                    show_error(&client, &err.to_string());
                    None
                }
            };
            let mut state = State {
                loader,
                session,
                client,
                events,
                log,
                documents: BTreeMap::new(),
                published: BTreeMap::new(),
                touched: BTreeSet::new(),
                receiver,
                backlog: VecDeque::new(),
                generation: 0,
                last: None,
                hold: std::env::var_os("SSOT_TEST_HOLD_ANALYSIS").map(PathBuf::from),
            };
            state.run();
        })
        .expect("the analysis thread starts");
    jobs
}

struct State {
    /// Loads the project again when the first load failed.
    loader: CliLoader,
    /// `None` when the project could not be loaded (a broken configuration): the next
    /// configuration change tries again.
    session: Option<Session>,
    client: Sender<Message>,
    events: Sender<Event>,
    log: DiskLog,
    documents: BTreeMap<Url, Document>,
    /// What was last published per document.
    published: BTreeMap<Url, Vec<lsp_types::Diagnostic>>,
    /// Documents changed since the last publication: published again even when their
    /// findings are the same, so the client sees them for the new version.
    touched: BTreeSet<Url>,
    receiver: Receiver<Job>,
    /// Jobs that arrived while an analysis ran, read before publishing its results.
    backlog: VecDeque<Job>,
    generation: u64,
    /// The previous snapshot and the analysis it was made from: the import bindings of a
    /// document are copied again only when the analysis or the document changed.
    last: Option<(Arc<SessionAnalysis>, Arc<Snapshot>)>,
    /// Tests only (`SSOT_TEST_HOLD_ANALYSIS=FILE`): while FILE exists, an analysis waits
    /// before it starts, so a test can make requests while one is due, deterministically.
    hold: Option<PathBuf>,
}

impl State {
    fn run(&mut self) {
        loop {
            let first = match self.backlog.pop_front() {
                Some(job) => job,
                None => match self.receiver.recv() {
                    Ok(job) => job,
                    Err(_) => break,
                },
            };
            let mut batch = vec![first];
            batch.extend(self.backlog.drain(..));
            batch.extend(self.receiver.try_iter());
            for job in batch {
                let outcome = catch_unwind(AssertUnwindSafe(|| self.apply(job)));
                if let Err(panic) = outcome {
                    let message = format!("ssot: internal error: {}", panic_message(&*panic));
                    show_error(&self.client, &message);
                }
            }
            self.wait_while_held();
            let analysis = catch_unwind(AssertUnwindSafe(|| self.analyse()));
            let analysis = analysis.unwrap_or_else(|panic| {
                let message = format!("ssot: internal error: {}", panic_message(&*panic));
                show_error(&self.client, &message);
                None
            });
            // A snapshot after every batch, even a failed one, so that requests waiting for
            // these document states are answered.
            let snapshot = catch_unwind(AssertUnwindSafe(|| self.snapshot(analysis.as_ref())))
                .unwrap_or_else(|panic| {
                    let message = format!("ssot: internal error: {}", panic_message(&*panic));
                    show_error(&self.client, &message);
                    self.bare_snapshot()
                });
            if let Some(analysis) = analysis {
                self.last = Some((analysis, Arc::clone(&snapshot)));
            } else {
                self.last = None;
            }
            if self.events.send(Event::Snapshot(snapshot)).is_err() {
                break;
            }
        }
    }

    fn wait_while_held(&self) {
        if let Some(hold) = &self.hold {
            while hold.exists() {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }

    /// Applies a document change or a change on disk to the session.
    fn apply(&mut self, job: Job) {
        match job {
            Job::Open {
                uri,
                version,
                text,
                state,
            } => {
                let path = self.relative(&uri);
                if let (Some(session), Some(path)) = (&mut self.session, &path) {
                    session.set_buffer(path, text.clone().into_bytes());
                }
                self.touched.insert(uri.clone());
                self.documents.insert(
                    uri,
                    Document {
                        path,
                        version,
                        state,
                        text,
                    },
                );
            }
            Job::Change { params, state } => {
                let uri = params.text_document.uri;
                let Some(document) = self.documents.get_mut(&uri) else {
                    return;
                };
                for change in params.content_changes {
                    match change.range {
                        Some(range) => {
                            let index = LineIndex::new(&document.text);
                            let start = index.offset(range.start);
                            let end = index.offset(range.end).max(start);
                            document.text.replace_range(start..end, &change.text);
                        }
                        None => document.text = change.text,
                    }
                }
                document.version = params.text_document.version;
                document.state = state;
                self.touched.insert(uri.clone());
                if let (Some(session), Some(path)) = (&mut self.session, &document.path) {
                    session.set_buffer(path, document.text.clone().into_bytes());
                }
            }
            // The buffer already holds what was saved; findings are published again in case
            // the client cleared them.
            Job::Save(uri) => {
                self.touched.insert(uri);
            }
            Job::Close(uri) => {
                if let Some(document) = self.documents.remove(&uri) {
                    if let (Some(session), Some(path)) = (&mut self.session, &document.path) {
                        session.close_buffer(path);
                    }
                }
                self.published.remove(&uri);
                self.touched.remove(&uri);
            }
            Job::DiskChanged(uris) => self.disk_changed(&uris),
        }
    }

    fn disk_changed(&mut self, uris: &[Url]) {
        let paths: Vec<String> = uris.iter().filter_map(|uri| self.relative(uri)).collect();
        let (configuration, sources) = relevant_changes(&paths);
        if configuration || self.session.is_none() {
            if !configuration {
                return;
            }
            self.log.push(DiskEvent::Reload);
            match &mut self.session {
                Some(session) => {
                    if let Err(err) = session.reload() {
                        show_error(&self.client, &err.to_string());
                    }
                }
                None => self.reload(),
            }
            return;
        }
        if sources.is_empty() {
            return;
        }
        self.log.push(DiskEvent::Sources(sources.clone()));
        let session = self.session.as_mut().expect("checked above");
        if let Err(err) = session.disk_changed(&sources) {
            show_error(&self.client, &err.to_string());
        }
    }

    /// Loads the project again (after its configuration was fixed).
    fn reload(&mut self) {
        match self.loader.clone().session() {
            Ok(mut session) => {
                for document in self.documents.values() {
                    if let Some(path) = &document.path {
                        session.set_buffer(path, document.text.clone().into_bytes());
                    }
                }
                self.session = Some(session);
            }
            Err(err) => show_error(&self.client, &err.to_string()),
        }
    }

    /// Analyses, then hands the main loop the findings of every open document whose findings
    /// changed, the edited documents first; a document changed again meanwhile is left for
    /// the next analysis.
    fn analyse(&mut self) -> Option<Arc<SessionAnalysis>> {
        let session = self.session.as_mut()?;
        let analysis = match session.analysis() {
            Ok(analysis) => analysis,
            Err(err) => {
                show_error(&self.client, &err.to_string());
                return None;
            }
        };
        self.backlog.extend(self.receiver.try_iter());
        let superseded: BTreeSet<Url> = self
            .backlog
            .iter()
            .filter_map(Job::document)
            .cloned()
            .collect();
        let recomputed: Option<BTreeSet<&str>> = analysis
            .recomputed
            .as_ref()
            .map(|paths| paths.iter().map(String::as_str).collect());
        let (edited, others): (Vec<&Url>, Vec<&Url>) = self
            .documents
            .keys()
            .partition(|uri| self.touched.contains(*uri));
        let order: Vec<Url> = edited.into_iter().chain(others).cloned().collect();
        for uri in order {
            if superseded.contains(&uri) {
                continue;
            }
            let document = &self.documents[&uri];
            let touched = self.touched.contains(&uri);
            let unchanged = match (&document.path, &recomputed) {
                (Some(path), Some(recomputed)) => !recomputed.contains(path.as_str()),
                _ => false,
            };
            if !touched && unchanged && self.published.contains_key(&uri) {
                continue;
            }
            let diagnostics: Vec<lsp_types::Diagnostic> = match &document.path {
                Some(path) => analysis
                    .for_path(path)
                    .iter()
                    .map(|d| to_lsp_diagnostic(d, &document.text))
                    .collect(),
                None => Vec::new(),
            };
            if touched || self.published.get(&uri) != Some(&diagnostics) {
                let event = Event::Publish {
                    state: document.state,
                    params: PublishDiagnosticsParams::new(
                        uri.clone(),
                        diagnostics.clone(),
                        Some(document.version),
                    ),
                };
                self.published.insert(uri, diagnostics);
                let _ = self.events.send(event);
            }
        }
        self.touched.retain(|uri| superseded.contains(uri));
        Some(analysis)
    }

    /// The state just analysed, for read-only requests.
    fn snapshot(&mut self, analysis: Option<&Arc<SessionAnalysis>>) -> Arc<Snapshot> {
        let mut snapshot = self.bare_snapshot();
        let (Some(session), Some(analysis)) = (self.session.as_mut(), analysis) else {
            return snapshot;
        };
        let same_analysis = self
            .last
            .as_ref()
            .filter(|(last, _)| Arc::ptr_eq(last, analysis))
            .map(|(_, snapshot)| snapshot);
        let documents = &mut Arc::get_mut(&mut snapshot)
            .expect("not shared yet")
            .documents;
        // Import bindings are described again only for documents the previous snapshot did
        // not have at this state with this very analysis; all of them over one resolver.
        let mut describe = Vec::new();
        for (uri, document) in documents.iter_mut() {
            let Some(path) = &document.path else {
                continue;
            };
            document.findings = analysis.for_path(path).to_vec();
            let kept = same_analysis
                .and_then(|last| last.documents.get(uri))
                .filter(|last| last.state == document.state);
            match kept {
                Some(last) => document.imports = last.imports.clone(),
                None => describe.push(uri.clone()),
            }
        }
        let paths: Vec<&str> = describe
            .iter()
            .filter_map(|uri| documents[uri].path.as_deref())
            .collect();
        match session.imports_of_files(&paths) {
            Ok(described) => {
                for (uri, imports) in describe.iter().zip(described) {
                    if let Some(document) = documents.get_mut(uri) {
                        document.imports = imports;
                    }
                }
            }
            Err(err) => show_error(&self.client, &err.to_string()),
        }
        snapshot
    }

    /// A snapshot of the documents' texts and states, without findings.
    fn bare_snapshot(&mut self) -> Arc<Snapshot> {
        self.generation += 1;
        Arc::new(Snapshot {
            generation: self.generation,
            root: self.session.as_ref().map(|s| s.root().to_path_buf()),
            documents: self
                .documents
                .iter()
                .map(|(uri, document)| {
                    (
                        uri.clone(),
                        DocumentSnapshot {
                            path: document.path.clone(),
                            version: document.version,
                            state: document.state,
                            text: document.text.clone(),
                            findings: Vec::new(),
                            imports: Vec::new(),
                        },
                    )
                })
                .collect(),
            disk_events: self.log.len(),
        })
    }

    fn relative(&self, uri: &Url) -> Option<String> {
        let root = match &self.session {
            Some(session) => session.root(),
            None => self.loader.args.paths.first()?,
        };
        relative_path(root, uri)
    }
}
