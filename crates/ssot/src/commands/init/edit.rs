//! Putting the section into the file: find the `[tool.ssot]` tables without a TOML editor
//! (a small scanner that knows strings, comments, arrays and inline tables), append or replace,
//! check the result means what it should, and write it atomically.

use std::ops::Range;

use anyhow::{bail, Result};

use super::TargetKind;
use crate::config::Config;

/// One table header: where its line starts and its key path.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    line_start: usize,
    path: Vec<String>,
}

/// The table headers of a TOML document (`[a.b]`, `[[a.b]]`), skipping brackets inside
/// strings, comments, arrays and inline tables.
fn table_headers(text: &str) -> Vec<Header> {
    let bytes = text.as_bytes();
    let mut headers = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        if line_start {
            if b == b' ' || b == b'\t' {
                i += 1;
                continue;
            }
            line_start = false;
            if b == b'[' && depth == 0 {
                let start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                if let Some(path) = parse_header(&text[i..]) {
                    headers.push(Header {
                        line_start: start,
                        path,
                    });
                }
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
        }
        match b {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b'#' => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'"' | b'\'' => i = skip_string(bytes, i),
            b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    headers
}

/// The index just after the string starting at `start` (basic, literal, multi-line or not).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let escapes = quote == b'"';
    let triple = bytes.get(start..start + 3) == Some(&[quote, quote, quote][..]);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        let b = bytes[i];
        if escapes && b == b'\\' {
            i += 2;
            continue;
        }
        if triple {
            if bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]) {
                i += 3;
                // Up to two more quotes belong to the string's content.
                let mut extra = 0;
                while extra < 2 && bytes.get(i) == Some(&quote) {
                    i += 1;
                    extra += 1;
                }
                return i;
            }
        } else if b == quote || b == b'\n' {
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// The key path of a header line starting with `[`.
fn parse_header(line: &str) -> Option<Vec<String>> {
    let mut rest = line.strip_prefix('[')?;
    rest = rest.strip_prefix('[').unwrap_or(rest);
    let mut path = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        let segment;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((index, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                other => other,
                            });
                        }
                    }
                    '"' => {
                        end = Some(index);
                        break;
                    }
                    other => value.push(other),
                }
            }
            let end = end?;
            segment = value;
            rest = &quoted[end + 1..];
        } else if let Some(literal) = rest.strip_prefix('\'') {
            let end = literal.find('\'')?;
            segment = literal[..end].to_string();
            rest = &literal[end + 1..];
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            segment = rest[..end].to_string();
            rest = &rest[end..];
        }
        path.push(segment);
        rest = rest.trim_start_matches([' ', '\t']);
        if let Some(after) = rest.strip_prefix('.') {
            rest = after;
        } else if rest.starts_with(']') {
            return Some(path);
        } else {
            return None;
        }
    }
}

/// The byte ranges of the `[tool.ssot]` and `[tool.ssot.*]` tables: from a header to the next
/// table that is not ssot's, without the comment lines directly above that table (they
/// describe it) and the blank lines before them.
fn ssot_regions(text: &str) -> Vec<Range<usize>> {
    let headers = table_headers(text);
    let is_ssot = |h: &Header| h.path.len() >= 2 && h.path[0] == "tool" && h.path[1] == "ssot";
    let mut regions: Vec<Range<usize>> = Vec::new();
    let mut index = 0;
    while index < headers.len() {
        if !is_ssot(&headers[index]) {
            index += 1;
            continue;
        }
        let start = headers[index].line_start;
        let mut next = index + 1;
        while next < headers.len() && is_ssot(&headers[next]) {
            next += 1;
        }
        let last_header = headers[next - 1].line_start;
        let mut end = headers.get(next).map_or(text.len(), |h| h.line_start);
        if next < headers.len() {
            let floor = text[last_header..]
                .find('\n')
                .map_or(text.len(), |n| last_header + n + 1);
            end = back_over(text, end, floor, |line| line.trim_start().starts_with('#'));
            end = back_over(text, end, floor, |line| line.trim().is_empty());
        }
        regions.push(start..end);
        index = next;
    }
    regions
}

/// Moves `end` (a line start) back over whole lines matching `matches`, not below `floor`.
fn back_over(text: &str, mut end: usize, floor: usize, matches: impl Fn(&str) -> bool) -> usize {
    while end > floor {
        let previous_start = text[..end - 1].rfind('\n').map_or(0, |n| n + 1);
        if previous_start < floor || !matches(&text[previous_start..end]) {
            break;
        }
        end = previous_start;
    }
    end
}

fn ends_with_blank_line(text: &str) -> bool {
    text.ends_with("\n\n") || text.ends_with("\n\r\n")
}

fn starts_with_blank_line(text: &str) -> bool {
    text.starts_with('\n') || text.starts_with("\r\n")
}

/// The new file text: `old` with the section appended, or with the old ssot tables replaced
/// (the first one by the section, the others removed).
pub(super) fn splice(
    old: &str,
    section: &str,
    kind: TargetKind,
    replace: bool,
    shown: &str,
) -> Result<String> {
    let newline = if old.find('\n').is_some_and(|n| old[..n].ends_with('\r')) {
        "\r\n"
    } else {
        "\n"
    };
    let section = if newline == "\n" {
        section.to_string()
    } else {
        section.replace('\n', "\r\n")
    };
    if kind == TargetKind::Standalone {
        // The whole file is ssot's: replaced when asked, otherwise it was empty.
        return Ok(section);
    }
    let regions = if replace {
        ssot_regions(old)
    } else {
        Vec::new()
    };
    if regions.is_empty() {
        if replace {
            bail!(
                "{shown}: the [tool.ssot] settings are not written as `[tool.ssot]` tables \
                 (dotted keys or an inline table under [tool]); remove them by hand, then run \
                 `ssot init` again"
            );
        }
        let mut text = old.to_string();
        if !text.is_empty() {
            if !text.ends_with('\n') {
                text.push_str(newline);
            }
            if !ends_with_blank_line(&text) {
                text.push_str(newline);
            }
        }
        text.push_str(&section);
        return Ok(text);
    }
    let mut text = String::with_capacity(old.len() + section.len());
    let mut position = 0;
    for (index, region) in regions.iter().enumerate() {
        text.push_str(&old[position..region.start]);
        if index == 0 {
            // What stood before the old section (a comment describing it, say) stays as it was.
            text.push_str(&section);
            if region.end < old.len() && !starts_with_blank_line(&old[region.end..]) {
                text.push_str(newline);
            }
        }
        position = region.end;
    }
    text.push_str(&old[position..]);
    Ok(text)
}

/// The new text must parse, its ssot settings must load, and everything else must mean what
/// it meant before.
pub(super) fn check_new_text(old: &str, new: &str, kind: TargetKind, shown: &str) -> Result<()> {
    let parse = |text: &str| -> Result<toml::Table> {
        toml::from_str(text).map_err(|err| {
            anyhow::anyhow!(
                "cannot add the section to {shown}: the result would not be valid TOML ({}); \
                 nothing written",
                err.to_string().trim_end()
            )
        })
    };
    let mut document = parse(new)?;
    let section = match kind {
        TargetKind::Standalone => toml::Value::Table(document),
        TargetKind::PyProject => {
            let mut before = if old.trim().is_empty() {
                toml::Table::new()
            } else {
                parse(old)?
            };
            let section =
                take_ssot(&mut document).unwrap_or(toml::Value::Table(Default::default()));
            take_ssot(&mut before);
            if before != document {
                bail!(
                    "cannot add the section to {shown} without changing its other tables; \
                     nothing written (run `ssot init --dry-run` and add the section by hand)"
                );
            }
            section
        }
    };
    section.try_into::<Config>().map(drop).map_err(|err| {
        anyhow::anyhow!("internal error: the generated section does not load: {err}")
    })
}

/// Removes `tool.ssot` (and `tool` when nothing else is left in it).
fn take_ssot(document: &mut toml::Table) -> Option<toml::Value> {
    let tool = document.get_mut("tool")?.as_table_mut()?;
    let section = tool.remove("ssot");
    if tool.is_empty() {
        document.remove("tool");
    }
    section
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_skip_strings_arrays_and_comments() {
        let text = "[project]\nname = \"x\"\ndeps = [\n  [1, 2],\n  \"[tool.ssot]\",\n]\n\
                    doc = \"\"\"\n[tool.ssot]\n\"\"\"\n# [tool.ssot]\n  [ tool . \"ssot\" ]  # c\n\
                    a = 1\n[[tool.ssot.list]]\n[tool.black]\n";
        let paths: Vec<Vec<String>> = table_headers(text).into_iter().map(|h| h.path).collect();
        assert_eq!(
            paths,
            vec![
                vec!["project".to_string()],
                vec!["tool".to_string(), "ssot".to_string()],
                vec!["tool".to_string(), "ssot".to_string(), "list".to_string()],
                vec!["tool".to_string(), "black".to_string()],
            ]
        );
    }

    #[test]
    fn regions_leave_the_next_tables_comments() {
        let text = "[project]\nname = 'x'\n\n[tool.ssot]\nsrc = ['.']\n\n[tool.ssot.concepts.a]\n\
                    canonical = 'a:B'\n\n# Black's settings\n[tool.black]\nline-length = 99\n";
        let regions = ssot_regions(text);
        assert_eq!(regions.len(), 1);
        assert_eq!(
            &text[regions[0].clone()],
            "[tool.ssot]\nsrc = ['.']\n\n[tool.ssot.concepts.a]\ncanonical = 'a:B'\n"
        );
    }

    #[test]
    fn splice_appends_after_a_blank_line_and_replaces_in_place() {
        let section = "[tool.ssot]\nx = 1\n";
        let appended = splice(
            "[project]\nname = 'x'",
            section,
            TargetKind::PyProject,
            false,
            "p",
        )
        .unwrap();
        assert_eq!(appended, "[project]\nname = 'x'\n\n[tool.ssot]\nx = 1\n");
        let old = "[tool.ssot]\nsrc = 1\n[tool.black]\na = 1\n[tool.ssot.concepts.b]\nc = 2\n";
        let replaced = splice(old, section, TargetKind::PyProject, true, "p").unwrap();
        assert_eq!(replaced, "[tool.ssot]\nx = 1\n\n[tool.black]\na = 1\n");
        let crlf = splice(
            "[project]\r\nname = 'x'\r\n",
            section,
            TargetKind::PyProject,
            false,
            "p",
        )
        .unwrap();
        assert_eq!(
            crlf,
            "[project]\r\nname = 'x'\r\n\r\n[tool.ssot]\r\nx = 1\r\n"
        );
    }

    #[test]
    fn dotted_ssot_keys_cannot_be_replaced() {
        let old = "[tool]\nssot.src = ['.']\n";
        assert!(splice(old, "[tool.ssot]\n", TargetKind::PyProject, true, "p").is_err());
    }

    #[test]
    fn other_tables_must_keep_their_meaning() {
        let old = "tool = { black = { a = 1 } }\n";
        let new = splice(old, "[tool.ssot]\n", TargetKind::PyProject, false, "p").unwrap();
        assert!(check_new_text(old, &new, TargetKind::PyProject, "p").is_err());
    }
}
