//! The analysis thread: owns the warm session, applies document changes in order, publishes
//! diagnostics and answers requests.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notify, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, DiagnosticSeverity,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents,
    HoverParams, Location, MarkupContent, MarkupKind, MessageType, NumberOrString,
    PublishDiagnosticsParams, Range, ShowMessageParams, TextEdit, Url, WorkspaceEdit,
};
use ssot_engine::session::{relevant_changes, FileFix, ImportInfo, Session};
use ssot_rules::{Applicability, Diagnostic};

use super::loader::CliLoader;
use super::text::{whole_change, LineIndex};
use super::{notification, FIX_ALL_KIND};

/// What the main loop hands the analysis thread.
pub enum Job {
    Open {
        uri: Url,
        version: i32,
        text: String,
    },
    Change(DidChangeTextDocumentParams),
    Save(Url),
    Close(Url),
    /// Files changed on disk, as the client's watcher saw them.
    DiskChanged(Vec<Url>),
    Hover(RequestId, HoverParams),
    Definition(RequestId, GotoDefinitionParams),
    CodeAction(RequestId, CodeActionParams),
}

/// A request the server answers, as a job; anything else comes back to be refused.
pub fn request_job(request: Request) -> Result<Job, Request> {
    fn parse<P: serde::de::DeserializeOwned>(request: &Request) -> Option<P> {
        serde_json::from_value(request.params.clone()).ok()
    }
    let id = request.id.clone();
    let job = match request.method.as_str() {
        req::HoverRequest::METHOD => parse(&request).map(|p| Job::Hover(id, p)),
        req::GotoDefinition::METHOD => parse(&request).map(|p| Job::Definition(id, p)),
        req::CodeActionRequest::METHOD => parse(&request).map(|p| Job::CodeAction(id, p)),
        _ => None,
    };
    job.ok_or(request)
}

/// A notification the server acts on, as a job.
pub fn notification_job(notification: Notification) -> Option<Job> {
    let params = notification.params;
    match notification.method.as_str() {
        notify::DidOpenTextDocument::METHOD => {
            let params: DidOpenTextDocumentParams = serde_json::from_value(params).ok()?;
            Some(Job::Open {
                uri: params.text_document.uri,
                version: params.text_document.version,
                text: params.text_document.text,
            })
        }
        notify::DidChangeTextDocument::METHOD => {
            serde_json::from_value(params).ok().map(Job::Change)
        }
        notify::DidSaveTextDocument::METHOD => {
            let params: DidSaveTextDocumentParams = serde_json::from_value(params).ok()?;
            Some(Job::Save(params.text_document.uri))
        }
        notify::DidCloseTextDocument::METHOD => {
            let params: DidCloseTextDocumentParams = serde_json::from_value(params).ok()?;
            Some(Job::Close(params.text_document.uri))
        }
        _ => None,
    }
}

/// An open document.
struct Document {
    /// Root-relative path; `None` for a document outside the project root.
    path: Option<String>,
    version: i32,
    text: String,
}

pub struct Worker {
    _thread: JoinHandle<()>,
}

impl Worker {
    /// Starts the analysis thread, which loads the project first.
    pub fn start(loader: CliLoader, client: Sender<Message>) -> (Sender<Job>, Self) {
        let (jobs, receiver) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
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
                    documents: BTreeMap::new(),
                    published: BTreeMap::new(),
                    touched: BTreeSet::new(),
                    receiver,
                    backlog: VecDeque::new(),
                };
                state.run();
            })
            .expect("the analysis thread starts");
        (jobs, Self { _thread: thread })
    }
}

struct State {
    /// Loads the project again when the first load failed.
    loader: CliLoader,
    /// `None` when the project could not be loaded (a broken configuration): the next
    /// configuration change tries again.
    session: Option<Session>,
    client: Sender<Message>,
    documents: BTreeMap<Url, Document>,
    /// What was last published per document.
    published: BTreeMap<Url, Vec<lsp_types::Diagnostic>>,
    /// Documents changed since the last publication: published again even when their
    /// findings are the same, so the client sees them for the new version.
    touched: BTreeSet<Url>,
    receiver: Receiver<Job>,
    /// Jobs that arrived while an analysis ran, read before publishing its results (a
    /// document changed again is not published for the superseded version).
    backlog: VecDeque<Job>,
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
            // Every change waiting is applied before one analysis.
            let mut batch = vec![first];
            batch.extend(self.backlog.drain(..));
            batch.extend(self.receiver.try_iter());
            let mut changed = false;
            for job in batch {
                let outcome = catch_unwind(AssertUnwindSafe(|| self.handle(job, &mut changed)));
                if let Err(panic) = outcome {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".to_string());
                    show_error(&self.client, &format!("ssot: internal error: {message}"));
                }
            }
            if changed {
                self.publish();
            }
        }
    }

    /// Applies a change (setting `changed`) or answers a request (publishing first, so
    /// answers and diagnostics describe the same state).
    fn handle(&mut self, job: Job, changed: &mut bool) {
        match job {
            Job::Open { uri, version, text } => {
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
                        text,
                    },
                );
                *changed = true;
            }
            Job::Change(params) => {
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
                self.touched.insert(uri.clone());
                if let (Some(session), Some(path)) = (&mut self.session, &document.path) {
                    session.set_buffer(path, document.text.clone().into_bytes());
                }
                *changed = true;
            }
            // The buffer already holds what was saved; findings are published again in case
            // the client cleared them.
            Job::Save(uri) => {
                self.touched.insert(uri);
                *changed = true;
            }
            Job::Close(uri) => {
                if let Some(document) = self.documents.remove(&uri) {
                    if let (Some(session), Some(path)) = (&mut self.session, &document.path) {
                        session.close_buffer(path);
                    }
                }
                self.published.remove(&uri);
                self.send(notification::<notify::PublishDiagnostics>(
                    PublishDiagnosticsParams::new(uri, Vec::new(), None),
                ));
                *changed = true;
            }
            Job::DiskChanged(uris) => {
                self.disk_changed(&uris);
                *changed = true;
            }
            Job::Hover(id, params) => {
                self.publish_if(changed);
                let result = self.hover(&params);
                self.respond(id, result);
            }
            Job::Definition(id, params) => {
                self.publish_if(changed);
                let result = self.definition(&params);
                self.respond(id, result);
            }
            Job::CodeAction(id, params) => {
                self.publish_if(changed);
                let result = self.code_actions(&params);
                self.respond(id, result);
            }
        }
    }

    fn publish_if(&mut self, changed: &mut bool) {
        if *changed {
            self.publish();
            *changed = false;
        }
    }

    fn disk_changed(&mut self, uris: &[Url]) {
        let paths: Vec<String> = uris.iter().filter_map(|uri| self.relative(uri)).collect();
        let (configuration, sources) = relevant_changes(&paths);
        let Some(session) = &mut self.session else {
            if configuration {
                self.reload();
            }
            return;
        };
        let result = if configuration {
            session.reload().map(|()| true)
        } else {
            session.disk_changed(&sources)
        };
        if let Err(err) = result {
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

    /// Publishes the findings of every open document whose findings changed.
    fn publish(&mut self) {
        let Some(session) = &mut self.session else {
            return;
        };
        let analysis = match session.analysis() {
            Ok(analysis) => analysis,
            Err(err) => {
                show_error(&self.client, &err.to_string());
                return;
            }
        };
        // A document changed again while this analysis ran: its findings are for a version
        // the client has left, so they wait for the next analysis.
        self.backlog.extend(self.receiver.try_iter());
        let superseded: BTreeSet<Url> = self
            .backlog
            .iter()
            .filter_map(|job| match job {
                Job::Open { uri, .. } | Job::Save(uri) | Job::Close(uri) => Some(uri.clone()),
                Job::Change(params) => Some(params.text_document.uri.clone()),
                Job::DiskChanged(_)
                | Job::Hover(..)
                | Job::Definition(..)
                | Job::CodeAction(..) => None,
            })
            .collect();
        // The edited documents first, as soon as each is ready; then the other open
        // documents whose findings the analysis recomputed (a module they import changed).
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
                let message =
                    notification::<notify::PublishDiagnostics>(PublishDiagnosticsParams::new(
                        uri.clone(),
                        diagnostics.clone(),
                        Some(document.version),
                    ));
                self.published.insert(uri, diagnostics);
                self.send(message);
            }
        }
        self.touched.retain(|uri| superseded.contains(uri));
    }

    fn hover(&mut self, params: &HoverParams) -> Option<Hover> {
        let position = &params.text_document_position_params;
        let info = self.import_at(&position.text_document.uri, position.position)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: describe_import(&info),
            }),
            range: None,
        })
    }

    fn definition(&mut self, params: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let position = &params.text_document_position_params;
        let info = self.import_at(&position.text_document.uri, position.position)?;
        let definition = info.definition?;
        let session = self.session.as_ref()?;
        let uri = Url::from_file_path(session.root().join(&definition.path)).ok()?;
        let text = self.text_of(&uri, &definition.path)?;
        let index = LineIndex::new(&text);
        let start = index.position_of_column(definition.position.line, definition.position.column);
        Some(GotoDefinitionResponse::Scalar(Location {
            uri,
            range: Range::new(start, start),
        }))
    }

    fn import_at(&mut self, uri: &Url, position: lsp_types::Position) -> Option<ImportInfo> {
        let document = self.documents.get(uri)?;
        let path = document.path.clone()?;
        let offset = LineIndex::new(&document.text).offset(position);
        let session = self.session.as_mut()?;
        match session.import_at(&path, offset as u32) {
            Ok(info) => info,
            Err(err) => {
                show_error(&self.client, &err.to_string());
                None
            }
        }
    }

    /// The text of a file: its open document, else what the session analysed.
    fn text_of(&self, uri: &Url, path: &str) -> Option<String> {
        if let Some(document) = self.documents.get(uri) {
            return Some(document.text.clone());
        }
        let bytes = self.session.as_ref()?.file_bytes(path).ok()?;
        Some(ssot_python::decode_source(&bytes).ok()?.text.into_owned())
    }

    fn code_actions(&mut self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = &params.text_document.uri;
        let Some(document) = self.documents.get(uri) else {
            return Vec::new();
        };
        let Some(path) = document.path.clone() else {
            return Vec::new();
        };
        let text = document.text.clone();
        let wanted = |kind: &CodeActionKind| {
            params.context.only.as_ref().is_none_or(|only| {
                only.iter()
                    .any(|asked| kind.as_str().starts_with(asked.as_str()))
            })
        };
        let Some(session) = self.session.as_mut() else {
            return Vec::new();
        };
        let mut actions = Vec::new();
        let mut errors = Vec::new();
        if wanted(&CodeActionKind::QUICKFIX) {
            let findings = match session.diagnostics_for(&path) {
                Ok(findings) => findings,
                Err(err) => {
                    errors.push(err.to_string());
                    Vec::new()
                }
            };
            let index = LineIndex::new(&text);
            for finding in findings.iter().filter(|d| d.rule.info().fixable) {
                let range = diagnostic_range(finding, &index);
                if !overlaps(range, params.range) {
                    continue;
                }
                let mut fix = None;
                for unsafe_fixes in [false, true] {
                    match session.fix_diagnostic(&path, &finding.fingerprint, unsafe_fixes) {
                        Ok(Some(found)) => {
                            fix = Some(found);
                            break;
                        }
                        Ok(None) => {}
                        Err(err) => errors.push(err.to_string()),
                    }
                }
                let Some(fix) = fix else {
                    continue;
                };
                let safe = fix.applicability == Applicability::Safe;
                let title = format!(
                    "Fix {}: {}{}",
                    finding.rule.code(),
                    finding.rule.info().name,
                    if safe { "" } else { " (unsafe fix)" }
                );
                if let Some(edit) = workspace_edit(uri, &text, &fix) {
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title,
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![to_lsp_diagnostic(finding, &text)]),
                        edit: Some(edit),
                        is_preferred: Some(safe),
                        ..CodeAction::default()
                    }));
                }
            }
        }
        let fix_all = CodeActionKind::from(FIX_ALL_KIND);
        if wanted(&fix_all) {
            match session.fix_file(&path, false) {
                Ok(Some(fix)) => {
                    if let Some(edit) = workspace_edit(uri, &text, &fix) {
                        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                            title: "Fix all ssot violations (safe fixes)".to_string(),
                            kind: Some(fix_all),
                            edit: Some(edit),
                            ..CodeAction::default()
                        }));
                    }
                }
                Ok(None) => {}
                Err(err) => errors.push(err.to_string()),
            }
        }
        for error in errors {
            show_error(&self.client, &error);
        }
        actions
    }

    fn relative(&self, uri: &Url) -> Option<String> {
        let root = match &self.session {
            Some(session) => session.root(),
            None => self.loader.args.paths.first()?,
        };
        relative_path(root, uri)
    }

    fn respond<T: serde::Serialize>(&self, id: RequestId, result: T) {
        self.send(Message::Response(Response::new_ok(id, result)));
    }

    fn send(&self, message: Message) {
        // The client went away: the main loop ends the server.
        let _ = self.client.send(message);
    }
}

/// The root-relative, `/`-separated path of a file URI under `root`.
fn relative_path(root: &Path, uri: &Url) -> Option<String> {
    let path = uri.to_file_path().ok()?;
    let relative = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    Some(parts.join("/"))
}

fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The range `check` reports for a finding, in protocol positions.
fn diagnostic_range(diagnostic: &Diagnostic, index: &LineIndex<'_>) -> Range {
    Range::new(
        index.position_of_column(diagnostic.start.line, diagnostic.start.column),
        index.position_of_column(diagnostic.end.line, diagnostic.end.column),
    )
}

fn to_lsp_diagnostic(diagnostic: &Diagnostic, text: &str) -> lsp_types::Diagnostic {
    let index = LineIndex::new(text);
    let info = diagnostic.rule.info();
    lsp_types::Diagnostic {
        range: diagnostic_range(diagnostic, &index),
        severity: Some(match diagnostic.rule {
            ssot_rules::Rule::InvalidSyntax => DiagnosticSeverity::ERROR,
            _ => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(info.code.to_string())),
        source: Some("ssot".to_string()),
        message: diagnostic.message.clone(),
        data: Some(serde_json::json!({
            "fingerprint": diagnostic.fingerprint,
            "concept": diagnostic.concept,
            "fixable": info.fixable,
        })),
        ..lsp_types::Diagnostic::default()
    }
}

/// The edit turning the document into what the fix writes; `None` when the document is not
/// the text the fix started from (it changed meanwhile).
fn workspace_edit(uri: &Url, text: &str, fix: &FileFix) -> Option<WorkspaceEdit> {
    if fix.before != text.as_bytes() {
        return None;
    }
    let after = String::from_utf8(fix.after.clone()).ok()?;
    let edit: TextEdit = whole_change(text, &after);
    Some(WorkspaceEdit {
        changes: Some([(uri.clone(), vec![edit])].into_iter().collect()),
        ..WorkspaceEdit::default()
    })
}

/// Hover text: the import, what it resolves to, and the concept's canonical path and
/// compliance.
fn describe_import(info: &ImportInfo) -> String {
    let mut lines = vec![format!("**`{}`** — {}", info.import_path, info.resolution)];
    if let Some(origin) = &info.origin {
        lines.push(format!("origin: `{origin}`"));
    }
    if let Some(definition) = &info.definition {
        lines.push(format!(
            "defined in `{}:{}`",
            definition.path, definition.position.line
        ));
    }
    if let Some(concept) = &info.concept {
        lines.push(format!(
            "concept **{}**: canonical path `{}` (`{}`)",
            concept.name, concept.canonical, concept.canonical_origin
        ));
        let figure =
            |label: &str, compliance: ssot_rules::concepts::Compliance| match compliance.ratio() {
                Some(ratio) => format!(
                    "{label}: {}/{} canonical ({:.0}%)",
                    compliance.canonical_references,
                    compliance.references,
                    ratio * 100.0
                ),
                None => format!("{label}: no references"),
            };
        lines.push(format!(
            "compliance: {}; {}",
            figure("production", concept.production),
            figure("tests", concept.tests)
        ));
        if info.import_path != concept.canonical {
            lines.push(format!("import it as `{}`", concept.canonical));
        }
    }
    lines.join("\n\n")
}

fn show_error(client: &Sender<Message>, message: &str) {
    let _ = client.send(notification::<notify::ShowMessage>(ShowMessageParams {
        typ: MessageType::ERROR,
        message: message.to_string(),
    }));
}
