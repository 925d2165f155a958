//! The text of an import statement, read without a parser.
//!
//! An import statement holds only names, dots, commas, parentheses, whitespace, line
//! continuations and comments (no string can appear in one), so a small scanner finds its parts
//! exactly: every `#` in it starts a comment.

use ssot_facts::Span;

/// The parts of a `from ... import ...` statement a rewrite needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromParts {
    /// The module as written, dots included (`..pkg.mod`, `.`).
    pub module: Span,
}

/// Finds the module part of the `from` statement whose text is `source[statement]`.
pub fn from_parts(source: &str, statement: Span) -> Option<FromParts> {
    let text = &source[statement.start as usize..statement.end as usize];
    let bytes = text.as_bytes();
    if !text.starts_with("from") {
        return None;
    }
    let mut i = 4;
    i = skip_blank(bytes, i);
    let start = i;
    let mut end = i;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'.' {
            i += 1;
            end = i;
        } else if is_name_byte(b) {
            let word_start = i;
            while i < bytes.len() && is_name_byte(bytes[i]) {
                i += 1;
            }
            // `import` is a keyword, never a module segment.
            if &text[word_start..i] == "import" {
                break;
            }
            end = i;
        } else if b == b' ' || b == b'\t' || b == b'\x0c' || b == b'\\' || b == b'\r' || b == b'\n'
        {
            i = skip_blank(bytes, i);
        } else {
            return None;
        }
    }
    if end == start {
        return None;
    }
    Some(FromParts {
        module: Span {
            start: statement.start + start as u32,
            end: statement.start + end as u32,
        },
    })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Skips spaces, tabs, form feeds and backslash continuations.
fn skip_blank(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\x0c' => i += 1,
            b'\\' => {
                i += 1;
                if bytes.get(i) == Some(&b'\r') {
                    i += 1;
                }
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    i
}

/// The comments inside `source[span]`, each from its `#` to the end of its line.
pub fn comments_in(source: &str, span: Span) -> Vec<Span> {
    let text = &source[span.start as usize..span.end as usize];
    let mut out = Vec::new();
    let mut offset = 0;
    while let Some(hash) = text[offset..].find('#') {
        let start = offset + hash;
        let end = text[start..]
            .find(['\n', '\r'])
            .map_or(text.len(), |e| start + e);
        out.push(Span {
            start: span.start + start as u32,
            end: span.start + end as u32,
        });
        offset = end;
    }
    out
}

/// Where the line holding `offset` starts.
pub fn line_start(source: &str, offset: u32) -> u32 {
    source[..offset as usize]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i as u32 + 1)
}

/// Where the line holding `offset` ends (before its line ending).
pub fn line_end(source: &str, offset: u32) -> u32 {
    source[offset as usize..]
        .find(['\n', '\r'])
        .map_or(source.len() as u32, |i| offset + i as u32)
}

/// After the line ending of the line holding `offset` (or the end of the text).
pub fn next_line_start(source: &str, offset: u32) -> u32 {
    let end = line_end(source, offset) as usize;
    let bytes = source.as_bytes();
    match bytes.get(end) {
        Some(b'\r') if bytes.get(end + 1) == Some(&b'\n') => end as u32 + 2,
        Some(_) => end as u32 + 1,
        None => end as u32,
    }
}

/// The statement has its lines to itself: only indentation before it, and only blanks or a
/// comment after it. Returns the indentation.
pub fn own_lines_indent(source: &str, statement: Span) -> Option<&str> {
    let start = line_start(source, statement.start);
    let indent = &source[start as usize..statement.start as usize];
    if !indent
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b == b'\x0c')
    {
        return None;
    }
    let rest = &source[statement.end as usize..line_end(source, statement.end) as usize];
    let rest = rest.trim_start_matches([' ', '\t', '\x0c']);
    (rest.is_empty() || rest.starts_with('#')).then_some(indent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_of(source: &str) -> Option<&str> {
        let span = Span {
            start: 0,
            end: source.len() as u32,
        };
        from_parts(source, span).map(|p| &source[p.module.start as usize..p.module.end as usize])
    }

    #[test]
    fn finds_the_module_part_in_every_spelling() {
        assert_eq!(module_of("from a.b import c"), Some("a.b"));
        assert_eq!(module_of("from  ..a import (c)"), Some("..a"));
        assert_eq!(module_of("from . import c"), Some("."));
        assert_eq!(module_of("from \\\n  a import c"), Some("a"));
        assert_eq!(module_of("from ...import c"), Some("..."));
        assert_eq!(module_of("from importlib import c"), Some("importlib"));
        assert_eq!(module_of("import a"), None);
    }

    #[test]
    fn finds_comments_and_lines() {
        let source = "from a import (  # one\n    b,  # two\r\n)\n";
        let comments = comments_in(source, Span { start: 0, end: 40 });
        assert_eq!(comments.len(), 2);
        assert_eq!(
            &source[comments[1].start as usize..comments[1].end as usize],
            "# two"
        );
        assert_eq!(next_line_start(source, 30), 38);
        assert_eq!(
            own_lines_indent("    from a import b  # c\n", Span { start: 4, end: 19 }),
            Some("    ")
        );
        assert_eq!(
            own_lines_indent("x = 1; from a import b\n", Span { start: 7, end: 22 }),
            None
        );
    }
}
