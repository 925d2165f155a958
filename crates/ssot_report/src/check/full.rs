//! `--output-format full`: each diagnostic with the source lines around it and its range
//! underlined, the way ruff prints them, then the compliance table.
//!
//! The snippet is best effort: a file that cannot be read now (deleted, not UTF-8) or a
//! position past its end prints the diagnostic line alone, never an error.

use std::io::{self, Write};

use ssot_rules::Diagnostic;

use super::{fix_marker, write_compliance, CheckReport};
use crate::Style;

/// Lines of context shown before and after the diagnostic's range.
const CONTEXT_LINES: usize = 2;
/// Columns a tab advances to (the next multiple of), as in ruff's default indent width.
const TAB_WIDTH: usize = 4;

/// Writes every diagnostic with its source snippet, then the compliance table.
pub fn render_check_full(
    report: &CheckReport<'_>,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Diagnostics are sorted by path: read each file once.
    let mut cached: Option<(&str, Option<String>)> = None;
    for (index, diagnostic) in report.diagnostics.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        write_header(diagnostic, style, out)?;
        if cached.as_ref().map(|(path, _)| *path) != Some(diagnostic.path.as_str()) {
            cached = Some((&diagnostic.path, (report.source)(&diagnostic.path)));
        }
        if let Some((_, Some(text))) = &cached {
            write_snippet(text, diagnostic, style, out)?;
        }
    }
    write_compliance(report, out)
}

/// `path:line:column: CODE [*] message`
fn write_header(diagnostic: &Diagnostic, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let colon = style.cyan(":");
    writeln!(
        out,
        "{}{colon}{}{colon}{}{colon} {} {}{}",
        style.bold(&diagnostic.path),
        diagnostic.start.line,
        diagnostic.start.column,
        style.bold(&style.red(diagnostic.rule.code())),
        fix_marker(diagnostic),
        diagnostic.message
    )
}

/// One source line as displayed: tabs expanded, control characters made visible, and for
/// every character column (1-based) the display column it starts at.
struct DisplayLine {
    text: String,
    /// `starts[c - 1]` is where character column `c` is displayed; one extra entry for the
    /// column just past the end of the line.
    starts: Vec<usize>,
}

impl DisplayLine {
    fn new(line: &str) -> Self {
        let mut text = String::with_capacity(line.len());
        let mut starts = Vec::with_capacity(line.len() + 1);
        let mut width = 0;
        for character in line.chars() {
            starts.push(width);
            match character {
                '\t' => {
                    let next_stop = (width / TAB_WIDTH + 1) * TAB_WIDTH;
                    text.extend(std::iter::repeat_n(' ', next_stop - width));
                    width = next_stop;
                }
                // C0 controls and DEL as their visible "control picture", so a stray escape
                // byte in a source file cannot restyle the terminal.
                '\0'..='\x1f' => {
                    text.push(char::from_u32(0x2400 + character as u32).unwrap_or('?'));
                    width += 1;
                }
                '\x7f' => {
                    text.push('\u{2421}');
                    width += 1;
                }
                _ => {
                    text.push(character);
                    width += 1;
                }
            }
        }
        starts.push(width);
        Self { text, starts }
    }

    /// The display column of a character column, clamped to the end of the line.
    fn display_column(&self, column: u32) -> usize {
        let index = (column.max(1) as usize - 1).min(self.starts.len() - 1);
        self.starts[index]
    }

    fn width(&self) -> usize {
        self.starts[self.starts.len() - 1]
    }
}

/// Splits text into lines the way positions count them: `\n`, `\r\n` and a lone `\r` end a
/// line. A leading byte-order mark is not part of the first line's columns.
fn source_lines(text: &str) -> Vec<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\n' => {
                lines.push(&text[start..index]);
                start = index + 1;
            }
            b'\r' => {
                lines.push(&text[start..index]);
                if bytes.get(index + 1) == Some(&b'\n') {
                    index += 1;
                }
                start = index + 1;
            }
            _ => {}
        }
        index += 1;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// The gutter, the context lines and one caret line under each line of the range.
fn write_snippet(
    text: &str,
    diagnostic: &Diagnostic,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    let lines = source_lines(text);
    let first = diagnostic.start.line as usize;
    let last = (diagnostic.end.line as usize).max(first);
    if first == 0 || first > lines.len() {
        return Ok(());
    }
    let last = last.min(lines.len());
    let is_blank = |line: usize| lines[line - 1].trim().is_empty();
    let mut shown_first = first.saturating_sub(CONTEXT_LINES).max(1);
    while shown_first < first && is_blank(shown_first) {
        shown_first += 1;
    }
    let mut shown_last = (last + CONTEXT_LINES).min(lines.len());
    while shown_last > last && is_blank(shown_last) {
        shown_last -= 1;
    }

    let gutter_width = shown_last.to_string().len();
    let bar = style.cyan("|");
    let empty_gutter = format!("{:gutter_width$} {bar}", "");
    writeln!(out, "{empty_gutter}")?;
    for number in shown_first..=shown_last {
        let line = DisplayLine::new(lines[number - 1]);
        let shown = line.text.trim_end();
        let number_text = style.cyan(&format!("{number:>gutter_width$}"));
        if shown.is_empty() {
            writeln!(out, "{number_text} {bar}")?;
        } else {
            writeln!(out, "{number_text} {bar} {shown}")?;
        }
        if (first..=last).contains(&number) {
            let from = if number == first {
                line.display_column(diagnostic.start.column)
            } else {
                0
            };
            let to = if number == last {
                line.display_column(diagnostic.end.column)
            } else {
                line.width()
            };
            let carets = "^".repeat(to.saturating_sub(from).max(1));
            let label = if number == last {
                format!(" {}", diagnostic.rule.code())
            } else {
                String::new()
            };
            writeln!(
                out,
                "{empty_gutter} {:from$}{}",
                "",
                style.red(&format!("{carets}{label}"))
            )?;
        }
    }
    writeln!(out, "{empty_gutter}")
}

#[cfg(test)]
mod tests {
    use ssot_facts::{Position, Span};
    use ssot_rules::Rule;

    use super::*;

    fn diagnostic(line: u32, column: u32, end_column: u32) -> Diagnostic {
        let mut diagnostic = Diagnostic::new(
            Rule::DanglingImport,
            "pkg/app.py",
            Span { start: 0, end: 0 },
            Position { line, column },
            "`pkg.old:Thing` leads nowhere".into(),
        );
        diagnostic.end = Position {
            line,
            column: end_column,
        };
        diagnostic
    }

    fn snippet(text: &str, diagnostic: &Diagnostic) -> String {
        let mut out = Vec::new();
        write_snippet(text, diagnostic, Style::plain(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn underlines_the_range_with_context_trimmed_of_blank_edges() {
        let text = "import os\n\n\nfrom pkg.old import Thing\nx = 1\n\n\n";
        assert_eq!(
            snippet(text, &diagnostic(4, 21, 26)),
            "  |\n\
             4 | from pkg.old import Thing\n  \
             |                     ^^^^^ SSOT103\n\
             5 | x = 1\n  \
             |\n"
        );
    }

    #[test]
    fn tabs_and_control_characters_keep_the_carets_aligned() {
        let text = "if x:\n\tfrom a\x1b import b\n";
        assert_eq!(
            snippet(text, &diagnostic(2, 17, 18)),
            "  |\n\
             1 | if x:\n\
             2 |     from a\u{241b} import b\n  \
             |                    ^ SSOT103\n  \
             |\n"
        );
    }

    #[test]
    fn out_of_range_positions_print_no_snippet_or_clamp() {
        assert_eq!(snippet("x = 1\n", &diagnostic(9, 1, 2)), "");
        // A column past the end of the line points just after it.
        assert_eq!(
            snippet("x = 1\n", &diagnostic(1, 40, 41)),
            "  |\n1 | x = 1\n  |      ^ SSOT103\n  |\n"
        );
    }

    #[test]
    fn crlf_lone_cr_and_bom_count_lines_like_positions_do() {
        assert_eq!(
            source_lines("\u{feff}a\r\nb\rc\nd"),
            vec!["a", "b", "c", "d"]
        );
        assert_eq!(source_lines(""), Vec::<&str>::new());
    }

    #[test]
    fn colour_only_when_asked() {
        let diagnostic = diagnostic(1, 1, 2);
        let mut plain = Vec::new();
        write_header(&diagnostic, Style::plain(), &mut plain).unwrap();
        assert!(!plain.contains(&0x1b));
        let mut colored = Vec::new();
        write_header(&diagnostic, Style { color: true }, &mut colored).unwrap();
        assert!(colored.contains(&0x1b));
    }
}
