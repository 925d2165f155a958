//! The only ssot crate that knows the Python parser: source bytes in, [`FileFacts`] out.
//!
//! Decoding follows CPython (UTF-8, BOM, PEP 263 cookies). Parsing uses `ruff_python_parser`
//! with error recovery, so a file with a syntax error still yields the facts the parser
//! recovered, plus one [`SyntaxErrorFact`](ssot_facts::SyntaxErrorFact) per error. Suppression
//! comments are read from the parser's comment tokens, never by matching the text, so a
//! directive inside a string does not count. Parser types never leave this crate.

mod calls;
mod decode;
mod extract;
mod names;
mod positions;
mod shared_instances;
mod suppressions;

pub use decode::{decode_source, DecodeError, DecodedSource};
pub use names::{name_occurrences, NameOccurrence};
use ruff_python_ast::PySourceType;
use ruff_python_parser::ParseOptions;
pub use ssot_facts::CallDetail;
use ssot_facts::ToCompactString;
use ssot_facts::{FileFacts, SyntaxErrorFact};

/// Whether a file is a regular module or a type stub (`.pyi`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Python,
    Stub,
}

impl SourceKind {
    /// The kind for a file name (`.pyi` is a stub, anything else Python).
    pub fn from_path(path: &str) -> Self {
        if path.ends_with(".pyi") {
            SourceKind::Stub
        } else {
            SourceKind::Python
        }
    }
}

/// The Python version a project runs on: syntax newer than it is a syntax error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetVersion {
    /// Always 3.
    pub major: u8,
    /// `11` for Python 3.11.
    pub minor: u8,
}

impl TargetVersion {
    /// The oldest version `target-version` accepts.
    pub const OLDEST: TargetVersion = TargetVersion { major: 3, minor: 8 };
    /// The newest grammar the parser knows: the default when nothing says otherwise.
    pub const NEWEST: TargetVersion = TargetVersion {
        major: 3,
        minor: 14,
    };

    /// `py311` (as ruff's `target-version` spells it), or `None` when it is not a version
    /// between [`TargetVersion::OLDEST`] and [`TargetVersion::NEWEST`].
    pub fn from_config(text: &str) -> Option<TargetVersion> {
        let digits = text.strip_prefix("py")?;
        let minor = digits.strip_prefix('3')?.parse::<u8>().ok()?;
        let version = TargetVersion { major: 3, minor };
        (Self::OLDEST..=Self::NEWEST)
            .contains(&version)
            .then_some(version)
    }

    fn to_parser(self) -> ruff_python_ast::PythonVersion {
        ruff_python_ast::PythonVersion {
            major: self.major,
            minor: self.minor,
        }
    }
}

impl std::fmt::Display for TargetVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Facts of one decoded source text with every call site, for the newest grammar.
pub fn extract_facts(source: &str, kind: SourceKind) -> FileFacts {
    extract_facts_with(source, kind, CallDetail::Sites)
}

/// Facts of one decoded source text, recording calls to the given detail; every other fact
/// is the same at every detail.
///
/// Facts are a function of the text, the kind, the options and the ssot version only, never
/// of the rest of the project: every `M.N` use of a module bound by `import M` is recorded,
/// and the index drops those of third-party modules (`ssot_index::first_party_uses`). That
/// is what lets a file's facts be cached by the hash of its bytes.
pub fn extract_facts_with(source: &str, kind: SourceKind, calls: CallDetail) -> FileFacts {
    extract_facts_for(source, kind, calls, TargetVersion::NEWEST)
}

/// Like [`extract_facts_with`], for a project that runs on `target`: syntax that version
/// lacks (a PEP 701 f-string on 3.11, `match` on 3.9) is one more syntax error.
pub fn extract_facts_for(
    source: &str,
    kind: SourceKind,
    calls: CallDetail,
    target: TargetVersion,
) -> FileFacts {
    let source_type = match kind {
        SourceKind::Python => PySourceType::Python,
        SourceKind::Stub => PySourceType::Stub,
    };
    let options = ParseOptions::from(source_type).with_target_version(target.to_parser());
    let parsed = ruff_python_parser::parse_unchecked(source, options)
        .try_into_module()
        .expect("a Python or stub source parses to a module");
    let lines = positions::LineIndex::new(source);
    let (mut facts, depth) = extract::extract_module(
        &parsed.syntax().body,
        &lines,
        calls,
        kind == SourceKind::Stub,
    );
    facts.syntax_errors = parsed
        .errors()
        .iter()
        .map(|error| SyntaxErrorFact {
            position: lines.position(error.location.start().to_u32()),
            span: ssot_facts::Span {
                start: error.location.start().to_u32(),
                end: error.location.end().to_u32(),
            },
            message: error.error.to_compact_string(),
        })
        .collect();
    // Stubs are read by type checkers, not run: their syntax is not bound to the target.
    if kind == SourceKind::Python {
        facts
            .syntax_errors
            .extend(
                parsed
                    .unsupported_syntax_errors()
                    .iter()
                    .map(|error| SyntaxErrorFact {
                        position: lines.position(error.range.start().to_u32()),
                        span: ssot_facts::Span {
                            start: error.range.start().to_u32(),
                            end: error.range.end().to_u32(),
                        },
                        message: error.to_compact_string(),
                    }),
            );
        facts.syntax_errors.sort_by_key(|error| error.span.start);
    }
    facts.suppressions = suppressions::extract_suppressions(parsed.tokens(), source, &lines);
    drop_deep_tree(parsed, depth);
    facts
}

/// Nodes nested deeper than this are dropped on a stack sized for them.
const DEEP_TREE: usize = 1_000;
/// Stack bytes per level of nesting when dropping a deep tree (generous for debug builds).
const DROP_STACK_PER_LEVEL: usize = 1_024;

/// Dropping a syntax tree recurses once per level of nesting, so a generated file with an
/// expression nested 100,000 deep would overflow the thread's stack; such trees are dropped on
/// a stack segment big enough for them.
fn drop_deep_tree<T>(tree: T, depth: usize) {
    if depth < DEEP_TREE {
        drop(tree);
    } else {
        stacker::grow(depth * DROP_STACK_PER_LEVEL + (1 << 20), move || drop(tree));
    }
}

/// Decodes and extracts in one step.
pub fn facts_from_bytes(bytes: &[u8], kind: SourceKind) -> Result<FileFacts, DecodeError> {
    facts_from_bytes_with(bytes, kind, CallDetail::Sites)
}

/// Decodes and extracts in one step, recording calls as [`extract_facts_with`] does.
pub fn facts_from_bytes_with(
    bytes: &[u8],
    kind: SourceKind,
    calls: CallDetail,
) -> Result<FileFacts, DecodeError> {
    facts_from_bytes_for(bytes, kind, calls, TargetVersion::NEWEST)
}

/// Decodes and extracts in one step for a project that runs on `target`, as
/// [`extract_facts_for`] does.
pub fn facts_from_bytes_for(
    bytes: &[u8],
    kind: SourceKind,
    calls: CallDetail,
    target: TargetVersion,
) -> Result<FileFacts, DecodeError> {
    let decoded = decode_source(bytes)?;
    Ok(extract_facts_for(&decoded.text, kind, calls, target))
}
