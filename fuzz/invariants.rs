//! What must hold for the facts of any input bytes, shared by the fuzz target
//! (`fuzz_targets/facts_from_bytes.rs`) and the property test
//! (`crates/ssot_python/tests/arbitrary_bytes.rs`), so that the normal test suite keeps this
//! file compiling against the current fact types.
//!
//! Decoding either fails for both source kinds or succeeds for both; the facts then never
//! point outside the decoded text, every span starts and ends on a character boundary (edits
//! and snippets slice the text with them), and every position is the line and character
//! column of its span's start, counted the way CPython counts lines (LF, CRLF and a lone CR
//! each end one). Attribute uses name an existing `import` statement and one of its names.

use ssot_facts::{FileFacts, ImportKind, Position, Span};
use ssot_python::{decode_source, facts_from_bytes, SourceKind};

/// Decodes `bytes`, extracts facts as a module and as a stub, and checks every invariant.
/// A panic inside ssot propagates; a broken invariant is an `Err` naming it.
pub fn check_facts_of_bytes(bytes: &[u8]) -> Result<(), String> {
    let decoded = decode_source(bytes);
    for kind in [SourceKind::Python, SourceKind::Stub] {
        match (&decoded, facts_from_bytes(bytes, kind)) {
            (Ok(decoded), Ok(facts)) => check_facts(&decoded.text, &facts)
                .map_err(|broken| format!("{kind:?}: {broken}"))?,
            (Err(expected), Err(error)) if *expected == error => {}
            (decoded, facts) => {
                return Err(format!(
                    "{kind:?}: decode_source gave {:?} but facts_from_bytes gave {:?}",
                    decoded.as_ref().map(|_| ()),
                    facts.map(|_| ())
                ))
            }
        }
    }
    Ok(())
}

/// Checks the facts extracted from `text`.
pub fn check_facts(text: &str, facts: &FileFacts) -> Result<(), String> {
    let lines = ReferenceLines::new(text);
    for (index, import) in facts.imports.iter().enumerate() {
        let what = format!("import #{index}");
        lines.check(&what, import.span, import.position)?;
        for (name_index, name) in import.names.iter().enumerate() {
            let what = format!("{what} name #{name_index} `{}`", name.name);
            lines.check(&what, name.span, name.position)?;
            if name.span.start < import.span.start || name.span.end > import.span.end {
                return Err(format!(
                    "{what}: span {:?} lies outside its statement's {:?}",
                    name.span, import.span
                ));
            }
        }
    }
    for definition in &facts.definitions {
        let what = format!("definition `{}`", definition.qualname);
        lines.check(&what, definition.span, definition.position)?;
    }
    for local in &facts.local_classes {
        let what = format!("local class `{}`", local.qualname);
        lines.check(&what, local.span, local.position)?;
    }
    for (index, reference) in facts.attribute_refs.iter().enumerate() {
        let what = format!("attribute ref #{index} {:?}", reference.attributes);
        lines.check(&what, reference.span, reference.position)?;
        let Some(import) = facts.imports.get(reference.import_index as usize) else {
            return Err(format!(
                "{what}: import_index {} but there are {} import statements",
                reference.import_index,
                facts.imports.len()
            ));
        };
        if import.kind != ImportKind::Import {
            return Err(format!(
                "{what}: points at a `from` import (statement #{})",
                reference.import_index
            ));
        }
        if reference.name_index as usize >= import.names.len() {
            return Err(format!(
                "{what}: name_index {} but statement #{} has {} names",
                reference.name_index,
                reference.import_index,
                import.names.len()
            ));
        }
    }
    for (index, error) in facts.syntax_errors.iter().enumerate() {
        let what = format!("syntax error #{index} `{}`", error.message);
        lines.check(&what, error.span, error.position)?;
    }
    for (index, suppression) in facts.suppressions.iter().enumerate() {
        let what = format!("suppression #{index}");
        lines.check(&what, suppression.span, suppression.position)?;
        lines.check_span(&format!("{what} removal"), suppression.removal)?;
        if suppression.removal.start > suppression.span.start
            || suppression.removal.end < suppression.span.end
        {
            return Err(format!(
                "{what}: removal {:?} does not cover the directive {:?}",
                suppression.removal, suppression.span
            ));
        }
    }
    Ok(())
}

/// Line starts computed independently of `ssot_python`'s own line index, character by
/// character, so that a shared mistake cannot hide.
struct ReferenceLines<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> ReferenceLines<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        let mut chars = text.char_indices().peekable();
        while let Some((index, c)) = chars.next() {
            let ends_line = match c {
                '\n' => true,
                '\r' => chars.peek().map(|&(_, next)| next) != Some('\n'),
                _ => false,
            };
            if ends_line {
                line_starts.push(index + 1);
            }
        }
        Self { text, line_starts }
    }

    fn check_span(&self, what: &str, span: Span) -> Result<(), String> {
        let (start, end) = (span.start as usize, span.end as usize);
        if start > end || end > self.text.len() {
            return Err(format!(
                "{what}: span {start}..{end} outside the decoded text of {} bytes",
                self.text.len()
            ));
        }
        if !self.text.is_char_boundary(start) || !self.text.is_char_boundary(end) {
            return Err(format!("{what}: span {start}..{end} splits a character"));
        }
        Ok(())
    }

    fn check(&self, what: &str, span: Span, position: Position) -> Result<(), String> {
        self.check_span(what, span)?;
        if position.line < 1 || position.column < 1 {
            return Err(format!("{what}: position {position:?} is not 1-based"));
        }
        let start = span.start as usize;
        let line = self
            .line_starts
            .partition_point(|&line_start| line_start <= start);
        let column = self.text[self.line_starts[line - 1]..start].chars().count() + 1;
        let expected = Position {
            line: line as u32,
            column: column as u32,
        };
        if position != expected {
            return Err(format!(
                "{what}: position {position:?} but its span starts at {expected:?}"
            ));
        }
        Ok(())
    }
}
