//! The immutable state read-only requests are answered from: what the analysis thread knew
//! after its latest analysis, copied out of the warm session so that requests never wait for
//! the next one.
//!
//! A snapshot holds, for each open document, the text and version that analysis saw, its
//! findings, and every import binding written in it with what it resolves to (origin,
//! definition, concept, canonical path, compliance). Hover and go-to-definition are lookups
//! in it; code actions take the findings from it and have the fix engine run over the same
//! document texts (see [`super::fixes`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location,
    MarkupContent, MarkupKind, Range, Url,
};
use ssot_engine::session::ImportInfo;
use ssot_rules::Diagnostic;

use super::convert::describe_import;
use super::text::LineIndex;

/// The state after one analysis.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Counts the snapshots the analysis thread made; a fix result is reused only within one.
    pub generation: u64,
    /// The project root; `None` while the project could not be loaded.
    pub root: Option<PathBuf>,
    pub documents: BTreeMap<Url, DocumentSnapshot>,
    /// How many files-changed-on-disk events the analysis thread had applied (see
    /// [`super::disk_log::DiskLog`]).
    pub disk_events: usize,
}

/// An open document as the analysis saw it.
#[derive(Debug)]
pub struct DocumentSnapshot {
    /// Root-relative path; `None` for a document outside the project root.
    pub path: Option<String>,
    /// The client's version of the text.
    pub version: i32,
    /// The server's order number of this state of the document (see
    /// [`super::scheduler`]): a request made after the document reached state `n` is
    /// answered from a snapshot whose document has state `n` or later.
    pub state: u64,
    pub text: String,
    /// The document's findings, in order.
    pub findings: Vec<Diagnostic>,
    /// Its import bindings with what they resolve to, in the order they are written.
    pub imports: Vec<ImportInfo>,
}

impl Snapshot {
    /// The state of `uri` this snapshot has, if it has the document.
    pub fn state_of(&self, uri: &Url) -> Option<u64> {
        self.documents.get(uri).map(|document| document.state)
    }

    /// The import binding at a position of an open document.
    fn import_at(&self, uri: &Url, position: lsp_types::Position) -> Option<&ImportInfo> {
        let document = self.documents.get(uri)?;
        let offset = LineIndex::new(&document.text).offset(position) as u32;
        document
            .imports
            .iter()
            .find(|info| info.binding.span.start <= offset && offset <= info.binding.span.end)
    }

    pub fn hover(&self, params: &HoverParams) -> Option<Hover> {
        let position = &params.text_document_position_params;
        let info = self.import_at(&position.text_document.uri, position.position)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: describe_import(info),
            }),
            range: None,
        })
    }

    pub fn definition(&self, params: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let position = &params.text_document_position_params;
        let info = self.import_at(&position.text_document.uri, position.position)?;
        let definition = info.definition.as_ref()?;
        let uri = Url::from_file_path(self.root.as_ref()?.join(&definition.path)).ok()?;
        let text = self.text_of(&uri)?;
        let index = LineIndex::new(&text);
        let start = index.position_of_column(definition.position.line, definition.position.column);
        Some(GotoDefinitionResponse::Scalar(Location {
            uri,
            range: Range::new(start, start),
        }))
    }

    /// The text of a file: the open document's, else the disk's (to turn a character column
    /// into the protocol's UTF-16 position).
    fn text_of(&self, uri: &Url) -> Option<String> {
        if let Some(document) = self.documents.get(uri) {
            return Some(document.text.clone());
        }
        let bytes = std::fs::read(uri.to_file_path().ok()?).ok()?;
        Some(ssot_python::decode_source(&bytes).ok()?.text.into_owned())
    }
}
