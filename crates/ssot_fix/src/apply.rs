//! The edit engine: applies a set of fixes to one text, all of a fix's edits or none.
//!
//! Fixes are taken in order of their first edit; a fix whose edits overlap (or touch at the same
//! insertion point as) an edit already taken is skipped for this pass. The caller re-plans on the
//! new text and applies again, so a skipped fix gets its turn in a later pass.

use ssot_facts::Span;
use ssot_rules::{Edit, Fix};

/// The outcome of applying fixes to one text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Indices (into the given fixes) of the fixes applied, ascending.
    pub applied: Vec<usize>,
    /// Indices of the fixes skipped because they overlapped one already taken.
    pub overlapping: Vec<usize>,
}

/// Applies every fix that does not overlap an earlier one. A fix with an edit outside `text` or
/// off a character boundary can never be applied and is reported in `overlapping` too.
pub fn apply_fixes(text: &str, fixes: &[Fix]) -> Applied {
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by_key(|&i| {
        let first = fixes[i].edits.iter().map(|e| e.span).min();
        (first, i)
    });
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    let mut overlapping = Vec::new();
    for index in order {
        let edits = &fixes[index].edits;
        let valid = edits.iter().all(|e| is_valid_span(text, e.span));
        let clashes = edits.iter().enumerate().any(|(i, edit)| {
            taken.iter().any(|t| overlaps(t.span, edit.span))
                || edits[..i]
                    .iter()
                    .any(|other| overlaps(other.span, edit.span))
        });
        if !valid || clashes || edits.is_empty() {
            overlapping.push(index);
            continue;
        }
        taken.extend(edits.iter());
        applied.push(index);
    }
    applied.sort_unstable();
    overlapping.sort_unstable();
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut cursor = 0usize;
    for edit in taken {
        let (start, end) = (edit.span.start as usize, edit.span.end as usize);
        out.push_str(&text[cursor..start]);
        out.push_str(&edit.content);
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    Applied {
        text: out,
        applied,
        overlapping,
    }
}

fn is_valid_span(text: &str, span: Span) -> bool {
    span.start <= span.end
        && (span.end as usize) <= text.len()
        && text.is_char_boundary(span.start as usize)
        && text.is_char_boundary(span.end as usize)
}

/// Two edits clash when their ranges share a byte, or when both insert at one point (their
/// order would be arbitrary), or when one inserts strictly inside the other's range.
fn overlaps(a: Span, b: Span) -> bool {
    if a.start == a.end && b.start == b.end {
        return a.start == b.start;
    }
    if a.start == a.end {
        return a.start > b.start && a.start < b.end;
    }
    if b.start == b.end {
        return b.start > a.start && b.start < a.end;
    }
    a.start < b.end && b.start < a.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssot_rules::Applicability;

    fn fix(edits: &[(u32, u32, &str)]) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            edits: edits
                .iter()
                .map(|&(start, end, content)| Edit {
                    span: Span { start, end },
                    content: content.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn applies_disjoint_fixes_in_any_order() {
        let text = "from a import b\nfrom c import d\n";
        let fixes = [fix(&[(21, 22, "x")]), fix(&[(5, 6, "y")])];
        let applied = apply_fixes(text, &fixes);
        assert_eq!(applied.text, "from y import b\nfrom x import d\n");
        assert_eq!(applied.applied, vec![0, 1]);
        assert!(applied.overlapping.is_empty());
    }

    #[test]
    fn a_fix_overlapping_an_earlier_one_is_skipped_whole() {
        let text = "abcdef";
        let fixes = [fix(&[(0, 3, "X")]), fix(&[(5, 6, "Z"), (2, 4, "Y")])];
        let applied = apply_fixes(text, &fixes);
        assert_eq!(applied.text, "Xdef");
        assert_eq!(applied.overlapping, vec![1]);
    }

    #[test]
    fn two_insertions_at_one_point_clash_but_touching_ranges_do_not() {
        let text = "ab";
        let same_point = [fix(&[(1, 1, "X")]), fix(&[(1, 1, "Y")])];
        assert_eq!(apply_fixes(text, &same_point).text, "aXb");
        let touching = [
            fix(&[(0, 1, "X")]),
            fix(&[(1, 2, "Y")]),
            fix(&[(2, 2, "!")]),
        ];
        assert_eq!(apply_fixes(text, &touching).text, "XY!");
    }

    #[test]
    fn an_edit_off_a_character_boundary_is_never_applied() {
        let text = "é";
        let applied = apply_fixes(text, &[fix(&[(1, 2, "e")])]);
        assert_eq!(applied.text, "é");
        assert_eq!(applied.overlapping, vec![0]);
    }
}
