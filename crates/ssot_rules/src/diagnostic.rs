//! What rules report, and the fingerprint that lets a baseline recognise a violation after
//! unrelated edits.

use std::cmp::Ordering;

use ssot_facts::{Position, Span};

use crate::registry::Rule;

/// How safe a fix is to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Keeps behaviour; applied by `ssot fix`.
    Safe,
    /// May change behaviour; applied with `--unsafe-fixes`.
    Unsafe,
    /// Shown, never applied.
    DisplayOnly,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

/// Replace the bytes of `span` with `content`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

/// A list of edits applied together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fix {
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

/// One violation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: Rule,
    /// File path relative to the project root.
    pub path: String,
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub message: String,
    /// The declared concept the violation belongs to.
    pub concept: Option<String>,
    /// The symbol involved (an origin `module:Name`), for the fingerprint.
    pub symbol: Option<String>,
    /// The import path involved, for the fingerprint.
    pub import_path: Option<String>,
    /// Stable identity: rule, file, concept, symbol, import path and occurrence number,
    /// never the line.
    pub fingerprint: String,
    /// The part of the project the file belongs to: `production`, `test` or a configured
    /// scope. Rules leave `production`; the caller, who knows the configuration, sets it.
    pub scope: String,
    /// The first configured critical-path tier whose paths hold the file, if any. Rules leave
    /// `None`; the caller, who knows the configuration, sets it.
    pub tier: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic with an empty fingerprint (assigned once all are collected).
    pub fn new(rule: Rule, path: &str, span: Span, start: Position, message: String) -> Self {
        Self {
            rule,
            path: path.to_string(),
            span,
            start,
            end: end_on_same_line(start, span),
            message,
            concept: None,
            symbol: None,
            import_path: None,
            fingerprint: String::new(),
            scope: "production".to_string(),
            tier: None,
            fix: None,
        }
    }

    /// Output order: path, position, code, message.
    pub fn sort_key_cmp(a: &Self, b: &Self) -> Ordering {
        a.path
            .cmp(&b.path)
            .then(a.start.cmp(&b.start))
            .then(a.rule.code().cmp(b.rule.code()))
            .then(a.message.cmp(&b.message))
    }

    fn identity(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.rule.code(),
            self.path,
            self.concept.as_deref().unwrap_or(""),
            self.symbol.as_deref().unwrap_or(""),
            self.import_path.as_deref().unwrap_or(self.message.as_str()),
        )
    }
}

/// The end of a span that stays on its first line (import names and definitions do).
fn end_on_same_line(start: Position, span: Span) -> Position {
    Position {
        line: start.line,
        column: start.column + span.end.saturating_sub(span.start),
    }
}

/// Gives every diagnostic its fingerprint: the hash of its identity plus how many earlier
/// diagnostics (in source order) share that identity, so a copy of a violation in the same
/// file is a new violation while moving lines around changes nothing.
pub fn assign_fingerprints(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(Diagnostic::sort_key_cmp);
    let mut seen: rustc_hash::FxHashMap<String, u32> = rustc_hash::FxHashMap::default();
    for diagnostic in diagnostics.iter_mut() {
        let identity = diagnostic.identity();
        let occurrence = seen.entry(identity.clone()).or_insert(0);
        *occurrence += 1;
        diagnostic.fingerprint =
            format!("{:016x}", fnv1a(&format!("{identity}\u{1f}{occurrence}")));
    }
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike `std`'s hasher.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(line: u32) -> Diagnostic {
        let mut d = Diagnostic::new(
            Rule::NonCanonicalImport,
            "a.py",
            Span { start: 0, end: 3 },
            Position { line, column: 1 },
            "message".into(),
        );
        d.import_path = Some("pkg.compat:Manager".into());
        d
    }

    #[test]
    fn fingerprint_survives_line_shifts() {
        let mut before = vec![diagnostic(3)];
        let mut after = vec![diagnostic(40)];
        assign_fingerprints(&mut before);
        assign_fingerprints(&mut after);
        assert_eq!(before[0].fingerprint, after[0].fingerprint);
    }

    #[test]
    fn a_copy_in_the_same_file_is_a_new_fingerprint() {
        let mut one = vec![diagnostic(3)];
        let mut two = vec![diagnostic(3), diagnostic(9)];
        assign_fingerprints(&mut one);
        assign_fingerprints(&mut two);
        assert_eq!(one[0].fingerprint, two[0].fingerprint);
        assert_ne!(two[0].fingerprint, two[1].fingerprint);
    }

    #[test]
    fn fnv1a_is_stable() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
