//! Property test: arbitrary bytes, and arbitrary edits of a small valid module, never make
//! `facts_from_bytes` panic, and the facts keep the invariants the fuzz target checks
//! (`fuzz/invariants.rs`, shared so that both check the same things). The fuzz target
//! explores far longer; this is the short, deterministic version that runs with every
//! `cargo test`.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed};
use ssot_python::{facts_from_bytes, SourceKind};

#[path = "../../../fuzz/invariants.rs"]
mod invariants;

/// Cases per property: together well under a few seconds in a debug build.
const CASES: u32 = 1_000;
const SEED: u64 = 0x5507_f422;

fn config() -> Config {
    Config {
        cases: CASES,
        rng_seed: RngSeed::Fixed(SEED),
        failure_persistence: None,
        ..Config::default()
    }
}

/// A module touching every kind of fact: imports in each context, definitions, `__all__`,
/// attribute uses of imported modules, suppressions, strings and a line continuation.
const VALID_MODULE: &str = r#"# -*- coding: utf-8 -*-
"""Docstring with 'quotes' and # not a comment."""
import os.path
import pkg.core as core
from . import sibling
from ..parent import (Name as Alias,  # ssot: ignore[SSOT101] -- kept
    Other)
from typing import TYPE_CHECKING

try:
    from pkg.fast import speedup
except ImportError:
    speedup = None

if TYPE_CHECKING:
    from pkg.types import Hint

__all__ = ["Manager", 'helper']
__all__ += ["Alias"]


@decorator.wrap
class Manager(core.Base, metaclass=core.Meta):
	def method(self, a, b=1, *args, **kwargs):
		global STATE
		STATE = core.make(a) + \
		    os.path.join("x", f"{b!r:>3}")
		return self.inner.send(a)

async def helper(x: "Hint") -> None:
    import pkg.lazy
    class FakeManager(Manager):
        Inner = core.Inner
    values = [y for y in pkg.lazy.items(x) if y]
    return (lambda: core.thing.attr)()


def __getattr__(name):
    raise AttributeError(name)
"#;

/// Tokens that stress line counting, indentation and error recovery.
const TOKENS: &[&[u8]] = &[
    b"\n",
    b"\r",
    b"\r\n",
    b"\t",
    b"    ",
    b"\x0c",
    b"\\",
    b"\xc3\xa9",
    b"'",
    b"\"",
    b"'''",
    b"\"\"\"",
    b"f\"{",
    b"}",
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b":",
    b",",
    b".",
    b"...",
    b"*",
    b"=",
    b"#",
    b"# ssot: ignore",
    b"# ssot: ignore[SSOT101] -- why",
    b"import ",
    b"from ",
    b" import ",
    b" as ",
    b"def ",
    b"class ",
    b"if x:",
    b"try:",
    b"except ImportError:",
    b"global ",
    b"__all__",
    b"lambda ",
    b"print ",
    b"m.n",
];

/// Bytes that make decoding fail or switch encodings: rare, or most inputs would stop there.
const DECODE_BREAKERS: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"\xe2\x82",
    b"\xef\xbb\xbf",
    b"# coding: latin-1\n",
    b"# coding: klingon\n",
];

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => (1u8..0x80).prop_map(|byte| vec![byte]),
        24 => proptest::sample::select(TOKENS).prop_map(<[u8]>::to_vec),
        6 => "[a-z_]{1,6}".prop_map(String::into_bytes),
        1 => proptest::sample::select(DECODE_BREAKERS).prop_map(<[u8]>::to_vec),
    ]
}

/// An edit at a position chosen relative to the current length.
#[derive(Clone, Debug)]
enum Edit {
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Replace(Index, Vec<u8>),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), piece()).prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (any::<Index>(), 1usize..24).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<Index>(), piece()).prop_map(|(at, bytes)| Edit::Replace(at, bytes)),
    ]
}

fn apply(source: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = source.to_vec();
    for edit in edits {
        match edit {
            Edit::Insert(at, piece) => {
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, piece.iter().copied());
            }
            Edit::Delete(at, len) => {
                if bytes.is_empty() {
                    continue;
                }
                let at = at.index(bytes.len());
                let end = (at + len).min(bytes.len());
                bytes.drain(at..end);
            }
            Edit::Replace(at, piece) => {
                if bytes.is_empty() {
                    continue;
                }
                let at = at.index(bytes.len());
                let end = (at + piece.len()).min(bytes.len());
                bytes.splice(at..end, piece.iter().copied());
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_keep_the_invariants(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        invariants::check_facts_of_bytes(&bytes).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn arbitrary_token_soup_keeps_the_invariants(pieces in proptest::collection::vec(piece(), 0..64)) {
        invariants::check_facts_of_bytes(&pieces.concat()).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn edited_valid_module_keeps_the_invariants(edits in proptest::collection::vec(edit(), 1..8)) {
        let bytes = apply(VALID_MODULE.as_bytes(), &edits);
        invariants::check_facts_of_bytes(&bytes).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn the_unedited_module_is_valid_and_keeps_the_invariants() {
    let facts = facts_from_bytes(VALID_MODULE.as_bytes(), SourceKind::Python).unwrap();
    assert_eq!(facts.syntax_errors, vec![], "the seed module must parse");
    assert!(!facts.attribute_refs.is_empty());
    assert_eq!(facts.suppressions.len(), 1);
    invariants::check_facts_of_bytes(VALID_MODULE.as_bytes()).unwrap();
}

/// The checker itself catches what it is meant to catch.
#[test]
fn the_invariant_checker_rejects_broken_facts() {
    let text = VALID_MODULE;
    let facts = facts_from_bytes(text.as_bytes(), SourceKind::Python).unwrap();

    let mut shifted = facts.clone();
    shifted.imports[1].position.line += 1;
    assert!(invariants::check_facts(text, &shifted).is_err());

    let mut outside = facts.clone();
    outside.definitions[0].span.end = text.len() as u32 + 1;
    assert!(invariants::check_facts(text, &outside).is_err());

    let mut dangling = facts.clone();
    dangling.attribute_refs[0].import_index = facts.imports.len() as u32;
    assert!(invariants::check_facts(text, &dangling).is_err());

    let mut from_import = facts;
    let from_index = from_import
        .imports
        .iter()
        .position(|import| import.kind != ssot_facts::ImportKind::Import)
        .unwrap();
    from_import.attribute_refs[0].import_index = from_index as u32;
    assert!(invariants::check_facts(text, &from_import).is_err());
}
