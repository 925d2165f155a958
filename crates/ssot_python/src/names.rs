//! Where a name is written: what a rewrite needs to know before it renames a module binding.
//!
//! Read from the parser's tokens, so occurrences inside strings and comments never count.

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::PySourceType;
use ruff_text_size::Ranged;
use ssot_facts::Span;

/// One occurrence of an identifier token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameOccurrence {
    /// The identifier itself.
    pub span: Span,
    /// The attribute names written after it (`a.b.c` gives `["b", "c"]` for `a`), each with its
    /// span, as long as the chain continues with `.` and a name.
    pub attributes: Vec<(String, Span)>,
    /// Written after a `.`: an attribute of something else, not a use of the name.
    pub is_attribute: bool,
}

/// Every occurrence of the identifier `name` in `source` (a keyword argument, a parameter, a
/// use, an assignment target alike), in source order.
pub fn name_occurrences(source: &str, name: &str) -> Vec<NameOccurrence> {
    let parsed = ruff_python_parser::parse_unchecked_source(source, PySourceType::Python);
    let tokens: Vec<(TokenKind, Span)> = parsed
        .tokens()
        .iter()
        .filter(|t| {
            !matches!(
                t.kind(),
                TokenKind::Comment | TokenKind::NonLogicalNewline | TokenKind::Newline
            )
        })
        .map(|t| {
            (
                t.kind(),
                Span {
                    start: t.start().to_u32(),
                    end: t.end().to_u32(),
                },
            )
        })
        .collect();
    let text = |span: Span| &source[span.start as usize..span.end as usize];
    let mut out = Vec::new();
    for (index, &(kind, span)) in tokens.iter().enumerate() {
        if kind != TokenKind::Name || text(span) != name {
            continue;
        }
        let is_attribute = index > 0 && tokens[index - 1].0 == TokenKind::Dot;
        let mut attributes = Vec::new();
        let mut next = index + 1;
        while next + 1 < tokens.len()
            && tokens[next].0 == TokenKind::Dot
            && tokens[next + 1].0 == TokenKind::Name
        {
            let attribute = tokens[next + 1].1;
            attributes.push((text(attribute).to_string(), attribute));
            next += 2;
        }
        out.push(NameOccurrence {
            span,
            attributes,
            is_attribute,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_uses_with_their_attribute_chains_and_skips_strings_and_comments() {
        let source = "import legacy\nx = legacy.Manager()  # legacy\ny = 'legacy'\nz = o.legacy\n";
        let found = name_occurrences(source, "legacy");
        assert_eq!(found.len(), 3);
        assert!(found[0].attributes.is_empty());
        assert_eq!(found[1].attributes[0].0, "Manager");
        assert!(found[2].is_attribute);
    }
}
