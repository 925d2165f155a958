//! Findings, fixes and lookups in the protocol's terms: ranges in UTF-16 positions,
//! diagnostics, workspace edits and hover text.

use std::path::Path;

use lsp_types::{
    DiagnosticSeverity, NumberOrString, OptionalVersionedTextDocumentIdentifier, Range,
    TextDocumentEdit, TextEdit, Url, WorkspaceEdit,
};
use ssot_engine::session::{FileFix, ImportInfo};
use ssot_rules::Diagnostic;

use super::text::{whole_change, LineIndex};

/// The root-relative, `/`-separated path of a file URI under `root`.
pub fn relative_path(root: &Path, uri: &Url) -> Option<String> {
    let path = uri.to_file_path().ok()?;
    let relative = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    Some(parts.join("/"))
}

pub fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The range `check` reports for a finding, in protocol positions.
pub fn diagnostic_range(diagnostic: &Diagnostic, index: &LineIndex<'_>) -> Range {
    Range::new(
        index.position_of_column(diagnostic.start.line, diagnostic.start.column),
        index.position_of_column(diagnostic.end.line, diagnostic.end.column),
    )
}

pub fn to_lsp_diagnostic(diagnostic: &Diagnostic, text: &str) -> lsp_types::Diagnostic {
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
/// the text the fix started from. With `version` (the client takes versioned document
/// edits), the edit names the document version it was computed for, so a client whose
/// buffer moved on refuses it instead of applying it to other text.
pub fn workspace_edit(
    uri: &Url,
    text: &str,
    fix: &FileFix,
    version: Option<i32>,
) -> Option<WorkspaceEdit> {
    if fix.before != text.as_bytes() {
        return None;
    }
    let after = String::from_utf8(fix.after.clone()).ok()?;
    let edit: TextEdit = whole_change(text, &after);
    Some(match version {
        Some(version) => WorkspaceEdit {
            document_changes: Some(lsp_types::DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: Some(version),
                },
                edits: vec![lsp_types::OneOf::Left(edit)],
            }])),
            ..WorkspaceEdit::default()
        },
        None => WorkspaceEdit {
            changes: Some([(uri.clone(), vec![edit])].into_iter().collect()),
            ..WorkspaceEdit::default()
        },
    })
}

/// Hover text: the import, what it resolves to, and the concept's canonical path and
/// compliance.
pub fn describe_import(info: &ImportInfo) -> String {
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
