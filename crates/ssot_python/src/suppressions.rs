//! `# ssot: ignore[...]` comments, read from the parser's comment tokens.
//!
//! Only comment tokens are looked at, so a directive spelled inside a string literal or a
//! docstring never counts. The grammar, case-insensitive in `ssot` and `ignore`:
//!
//! ```text
//! # ssot: ignore                         every code
//! # ssot: ignore[SSOT101]                one code (or rule name)
//! # ssot: ignore[SSOT101, SSOT102] -- why   codes separated by commas or spaces, then a reason
//! ```
//!
//! The directive may follow another comment in the same token, after whitespace
//! (`# noqa: F401  # ssot: ignore`), and be followed by one (`# ssot: ignore[SSOT101]  # noqa`);
//! a reason ends at the end of the comment or at a `#` after whitespace. A directive with an
//! unterminated or empty code list (`# ssot: ignore[SSOT101`, `# ssot: ignore[]`) is not a
//! suppression.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_text_size::Ranged;
use ssot_facts::{Span, Suppression};

use crate::positions::LineIndex;

/// Every suppression directive in the comments of a parsed file, in source order.
pub(crate) fn extract_suppressions(
    tokens: &Tokens,
    source: &str,
    lines: &LineIndex<'_>,
) -> Vec<Suppression> {
    let mut suppressions = Vec::new();
    for token in tokens.iter() {
        if token.kind() != TokenKind::Comment {
            continue;
        }
        let start = token.start().to_usize();
        let end = token.end().to_usize();
        let Some(comment) = source.get(start..end) else {
            continue;
        };
        if let Some(directive) = find_directive(comment) {
            suppressions.push(suppression(source, start, end, &directive, lines));
        }
    }
    suppressions
}

/// A directive found in one comment, offsets relative to the comment's `#`.
#[derive(Debug, PartialEq, Eq)]
struct Directive {
    start: usize,
    end: usize,
    codes: Vec<String>,
    reason: Option<String>,
}

/// The first directive in a comment: it starts at the comment's `#` or at a later `#`.
fn find_directive(comment: &str) -> Option<Directive> {
    comment
        .match_indices('#')
        // A later `#` starts a directive only after whitespace, so prose that quotes a
        // directive between backticks is not one.
        .filter(|&(offset, _)| offset == 0 || comment[..offset].ends_with(char::is_whitespace))
        .find_map(|(offset, _)| parse_directive(comment, offset))
}

/// Parses a directive starting at the `#` at `start`.
fn parse_directive(comment: &str, start: usize) -> Option<Directive> {
    let mut rest = &comment[start + 1..];
    rest = rest.trim_start();
    rest = strip_prefix_ignore_case(rest, "ssot")?;
    rest = rest.trim_start().strip_prefix(':')?;
    rest = strip_prefix_ignore_case(rest.trim_start(), "ignore")?;
    // `# ssot: ignored` or `# ssot: ignore_all` is not the directive.
    if rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-' && !rest.starts_with("--"))
    {
        return None;
    }
    let mut codes = Vec::new();
    let after_ignore = rest.trim_start();
    if let Some(list) = after_ignore.strip_prefix('[') {
        let close = list.find(']')?;
        codes = list[..close]
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|code| !code.is_empty())
            .map(str::to_string)
            .collect();
        if codes.is_empty() {
            return None;
        }
        rest = &list[close + 1..];
    }
    let mut end = comment.len() - rest.len();
    let mut reason = None;
    if let Some(text) = rest.trim_start().strip_prefix("--") {
        // The reason ends at another comment (`# ...` after whitespace) or the comment's end.
        let length = text
            .char_indices()
            .find(|&(i, c)| c == '#' && i > 0 && text[..i].ends_with(char::is_whitespace))
            .map_or(text.len(), |(i, _)| i);
        let written = &text[..length];
        let trimmed = written.trim();
        reason = (!trimmed.is_empty()).then(|| trimmed.to_string());
        end = comment.len() - text.len() + written.trim_end().len();
    }
    Some(Directive {
        start,
        end,
        codes,
        reason,
    })
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Places a directive in the file and works out what deleting it removes.
fn suppression(
    source: &str,
    comment_start: usize,
    comment_end: usize,
    directive: &Directive,
    lines: &LineIndex<'_>,
) -> Suppression {
    let bytes = source.as_bytes();
    let start = comment_start + directive.start;
    let end = comment_start + directive.end;
    let line_start = source[..comment_start]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i + 1);
    let own_line = source[line_start..comment_start]
        .chars()
        .all(|c| c == ' ' || c == '\t' || c == '\x0c');
    let whitespace_before = |offset: usize| {
        let mut offset = offset;
        while offset > line_start && matches!(bytes[offset - 1], b' ' | b'\t') {
            offset -= 1;
        }
        offset
    };
    let comment_rest = source[end..comment_end].trim_start();
    let removal = if directive.start == 0 && comment_rest.is_empty() {
        if own_line {
            // The whole line, with its line ending.
            let mut line_end = comment_end;
            if source[line_end..].starts_with("\r\n") {
                line_end += 2;
            } else if matches!(bytes.get(line_end), Some(b'\n' | b'\r')) {
                line_end += 1;
            }
            line_start..line_end
        } else {
            whitespace_before(comment_start)..comment_end
        }
    } else if directive.start == 0 {
        // Another comment follows: it moves up to the directive's place.
        start..comment_end - comment_rest.len()
    } else {
        whitespace_before(start)..end
    };
    Suppression {
        position: lines.position(start as u32),
        codes: directive
            .codes
            .clone()
            .into_iter()
            .map(Into::into)
            .collect(),
        reason: directive.reason.clone().map(Into::into),
        span: Span {
            start: start as u32,
            end: end as u32,
        },
        removal: Span {
            start: removal.start as u32,
            end: removal.end as u32,
        },
        own_line,
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::PySourceType;

    use super::*;

    fn suppressions(source: &str) -> Vec<Suppression> {
        let parsed = ruff_python_parser::parse_unchecked_source(source, PySourceType::Python);
        extract_suppressions(parsed.tokens(), source, &LineIndex::new(source))
    }

    fn slice(source: &str, span: Span) -> &str {
        &source[span.start as usize..span.end as usize]
    }

    fn directive(comment: &str) -> Option<(Vec<String>, Option<String>, &str)> {
        find_directive(comment).map(|d| (d.codes, d.reason, &comment[d.start..d.end]))
    }

    #[test]
    fn one_code() {
        assert_eq!(
            directive("# ssot: ignore[SSOT101]"),
            Some((vec!["SSOT101".into()], None, "# ssot: ignore[SSOT101]"))
        );
    }

    #[test]
    fn several_codes_and_a_reason() {
        assert_eq!(
            directive("# ssot: ignore[SSOT101, SSOT102] -- legacy path, removed in 3.0  "),
            Some((
                vec!["SSOT101".into(), "SSOT102".into()],
                Some("legacy path, removed in 3.0".into()),
                "# ssot: ignore[SSOT101, SSOT102] -- legacy path, removed in 3.0"
            ))
        );
    }

    #[test]
    fn bare_ignore_covers_every_code() {
        assert_eq!(
            directive("# ssot: ignore"),
            Some((vec![], None, "# ssot: ignore"))
        );
        assert_eq!(
            directive("#ssot:ignore -- generated"),
            Some((
                vec![],
                Some("generated".into()),
                "#ssot:ignore -- generated"
            ))
        );
    }

    #[test]
    fn spacing_case_and_rule_names() {
        assert_eq!(
            directive("#  SSOT :  Ignore [non-canonical-import SSOT103]"),
            Some((
                vec!["non-canonical-import".into(), "SSOT103".into()],
                None,
                "#  SSOT :  Ignore [non-canonical-import SSOT103]"
            ))
        );
    }

    #[test]
    fn not_directives() {
        for comment in [
            "# ssot: ignored",
            "# ssot: ignore_this",
            "# ssot ignore[SSOT101]",
            "# ssot: ignore[SSOT101",
            "# ssot: ignore[]",
            "# ssot: ignore[ , ]",
            "# see ssot: ignore docs",
            "# noqa: F401",
            "# write `# ssot: ignore[SSOT101]` to silence it",
        ] {
            assert_eq!(directive(comment), None, "{comment}");
        }
    }

    #[test]
    fn shares_a_comment_with_other_tools() {
        assert_eq!(
            directive("# noqa: F401  # ssot: ignore[SSOT101] -- why  # type: ignore"),
            Some((
                vec!["SSOT101".into()],
                Some("why".into()),
                "# ssot: ignore[SSOT101] -- why"
            ))
        );
        assert_eq!(
            directive("# ssot: ignore[SSOT101]  # noqa: F401"),
            Some((vec!["SSOT101".into()], None, "# ssot: ignore[SSOT101]"))
        );
    }

    #[test]
    fn a_directive_inside_a_string_does_not_count() {
        let source = concat!(
            "x = '# ssot: ignore[SSOT101]'\n",
            "y = \"\"\"\n# ssot: ignore\n\"\"\"\n",
            "z = f\"{x} # ssot: ignore[SSOT103]\"\n",
            "from a import b  # ssot: ignore[SSOT103] -- real\n",
        );
        let found = suppressions(source);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].position.line, 6);
        assert_eq!(found[0].codes, vec!["SSOT103"]);
        assert_eq!(found[0].reason.as_deref(), Some("real"));
        assert!(!found[0].own_line);
    }

    #[test]
    fn positions_spans_and_removal() {
        let source = "import a\nfrom a import b  # ssot: ignore[SSOT101]\n";
        let found = suppressions(source);
        assert_eq!(found.len(), 1);
        let suppression = &found[0];
        assert_eq!(suppression.position.line, 2);
        assert_eq!(suppression.position.column, 18);
        assert_eq!(slice(source, suppression.span), "# ssot: ignore[SSOT101]");
        assert_eq!(
            slice(source, suppression.removal),
            "  # ssot: ignore[SSOT101]"
        );
    }

    #[test]
    fn removal_keeps_other_comments() {
        let source = "import a  # ssot: ignore  # noqa\nimport b  # noqa  # ssot: ignore\n";
        let found = suppressions(source);
        assert_eq!(found.len(), 2);
        assert_eq!(slice(source, found[0].removal), "# ssot: ignore  ");
        assert_eq!(slice(source, found[1].removal), "  # ssot: ignore");
    }

    #[test]
    fn a_comment_on_its_own_line_is_removed_with_its_line() {
        let source = "import a\n    # ssot: ignore[SSOT101]\r\nimport b\n";
        let found = suppressions(source);
        assert_eq!(found.len(), 1);
        assert!(found[0].own_line);
        assert_eq!(
            slice(source, found[0].removal),
            "    # ssot: ignore[SSOT101]\r\n"
        );
    }

    #[test]
    fn inside_a_parenthesized_import() {
        let source = "from a import (  # ssot: ignore\n    b,  # ssot: ignore[SSOT103]\n)\n";
        let found = suppressions(source);
        assert_eq!(
            found.iter().map(|s| s.position.line).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }
}
