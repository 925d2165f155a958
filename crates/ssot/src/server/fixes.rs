//! Code actions: quick fixes and fix-all, computed by the fix engine itself (what `ssot fix`
//! would write) over the document texts of a snapshot.
//!
//! The fix engine rewrites a project in place (it applies edits, parses and resolves again,
//! then puts the facts back), so it cannot run on the analysis thread's session without
//! waiting for its analysis, nor on a shared immutable snapshot. It runs on a second warm
//! session, [`FixReplica`], which only the fix thread touches: before each request it is
//! brought to the snapshot's state (the same open buffers, the same files-changed-on-disk
//! events applied), which re-extracts only the buffers that differ. It never analyses
//! incrementally, so keeping it costs memory for a second copy of the facts, not time per edit.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use crossbeam_channel::Sender;
use lsp_server::Message;
use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams};
use ssot_engine::session::{FileFix, Session};
use ssot_rules::Applicability;

use super::convert::{diagnostic_range, overlaps, to_lsp_diagnostic, workspace_edit};
use super::disk_log::{DiskEvent, DiskLog};
use super::loader::CliLoader;
use super::pool::Cancelled;
use super::snapshot::Snapshot;
use super::text::LineIndex;
use super::{show_error, FIX_ALL_KIND};

/// What one fix computation is keyed by: path, the finding's fingerprint (`None`: the whole
/// file), unsafe fixes allowed.
type FixKey = (String, Option<String>, bool);

/// The fix engine's own warm copy of the project.
pub struct FixReplica {
    loader: CliLoader,
    session: Option<Session>,
    log: DiskLog,
    /// How many of the log's events the session has applied.
    applied: usize,
    /// Fixes computed for the snapshot of this generation (editors ask for code actions
    /// again on every cursor move).
    cached: (u64, BTreeMap<FixKey, Option<FileFix>>),
}

impl FixReplica {
    pub fn new(loader: CliLoader, log: DiskLog) -> Self {
        Self {
            loader,
            session: None,
            log,
            applied: 0,
            cached: (0, BTreeMap::new()),
        }
    }

    /// Loads the project if it is not loaded yet.
    pub fn prepare(&mut self) -> Result<(), String> {
        if self.session.is_none() {
            // Events before now are already on disk.
            let applied = self.log.len();
            let session = self.loader.clone().session().map_err(|e| e.to_string())?;
            self.session = Some(session);
            self.applied = applied;
        }
        Ok(())
    }

    /// Brings the session to the snapshot's state: its disk events, its open buffers.
    fn sync(&mut self, snapshot: &Snapshot) -> Result<&mut Session, String> {
        self.prepare()?;
        let events = self.log.take(self.applied, snapshot.disk_events);
        self.applied = self.applied.max(snapshot.disk_events);
        let session = self.session.as_mut().expect("prepared above");
        for event in events {
            let result = match event {
                DiskEvent::Reload => session.reload(),
                DiskEvent::Sources(paths) => session.disk_changed(&paths).map(|_| ()),
            };
            result.map_err(|e| e.to_string())?;
        }
        let wanted: BTreeMap<&str, &str> = snapshot
            .documents
            .values()
            .filter_map(|document| Some((document.path.as_deref()?, document.text.as_str())))
            .collect();
        let closed: Vec<String> = session
            .buffers()
            .filter(|path| !wanted.contains_key(path))
            .map(str::to_string)
            .collect();
        for path in closed {
            session.close_buffer(&path);
        }
        for (path, text) in wanted {
            session.set_buffer(path, text.as_bytes().to_vec());
        }
        if self.cached.0 != snapshot.generation {
            self.cached = (snapshot.generation, BTreeMap::new());
        }
        Ok(session)
    }

    fn fix(&mut self, snapshot: &Snapshot, key: FixKey) -> Result<Option<FileFix>, String> {
        if self.cached.0 == snapshot.generation {
            if let Some(found) = self.cached.1.get(&key) {
                return Ok(found.clone());
            }
        }
        let session = self.sync(snapshot)?;
        let (path, fingerprint, unsafe_fixes) = &key;
        let found = match fingerprint {
            Some(fingerprint) => session.fix_diagnostic(path, fingerprint, *unsafe_fixes),
            None => session.fix_file(path, *unsafe_fixes),
        }
        .map_err(|e| e.to_string())?;
        self.cached.1.insert(key, found.clone());
        Ok(found)
    }
}

/// The code actions for a range of an open document: a quick fix per fixable finding there
/// (safe preferred, else marked unsafe) and fix-all, as `params.context.only` asks.
/// `versioned`: the client takes versioned document edits.
pub fn code_actions(
    snapshot: &Snapshot,
    params: &CodeActionParams,
    replica: &mut FixReplica,
    cancelled: &Cancelled,
    versioned: bool,
    client: &Sender<Message>,
) -> Vec<CodeActionOrCommand> {
    let uri = &params.text_document.uri;
    let Some(document) = snapshot.documents.get(uri) else {
        return Vec::new();
    };
    let Some(path) = document.path.clone() else {
        return Vec::new();
    };
    if snapshot.root.is_none() {
        return Vec::new();
    }
    let text = &document.text;
    let version = versioned.then_some(document.version);
    let wanted = |kind: &CodeActionKind| {
        params.context.only.as_ref().is_none_or(|only| {
            only.iter()
                .any(|asked| kind.as_str().starts_with(asked.as_str()))
        })
    };
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    if wanted(&CodeActionKind::QUICKFIX) {
        let index = LineIndex::new(text);
        for finding in document.findings.iter().filter(|d| d.rule.info().fixable) {
            let range = diagnostic_range(finding, &index);
            if !overlaps(range, params.range) {
                continue;
            }
            let mut fix = None;
            for unsafe_fixes in [false, true] {
                if cancelled.load(Ordering::Relaxed) {
                    return Vec::new();
                }
                let key = (
                    path.clone(),
                    Some(finding.fingerprint.clone()),
                    unsafe_fixes,
                );
                match replica.fix(snapshot, key) {
                    Ok(Some(found)) => {
                        fix = Some(found);
                        break;
                    }
                    Ok(None) => {}
                    Err(err) => errors.push(err),
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
            if let Some(edit) = workspace_edit(uri, text, &fix, version) {
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![to_lsp_diagnostic(finding, text)]),
                    edit: Some(edit),
                    is_preferred: Some(safe),
                    ..CodeAction::default()
                }));
            }
        }
    }
    let fix_all = CodeActionKind::from(FIX_ALL_KIND);
    if wanted(&fix_all) && !cancelled.load(Ordering::Relaxed) {
        match replica.fix(snapshot, (path.clone(), None, false)) {
            Ok(Some(fix)) => {
                if let Some(edit) = workspace_edit(uri, text, &fix, version) {
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: "Fix all ssot violations (safe fixes)".to_string(),
                        kind: Some(fix_all),
                        edit: Some(edit),
                        ..CodeAction::default()
                    }));
                }
            }
            Ok(None) => {}
            Err(err) => errors.push(err),
        }
    }
    errors.dedup();
    for error in errors {
        show_error(client, &error);
    }
    actions
}
