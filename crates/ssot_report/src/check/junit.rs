//! `--output-format junit`: JUnit XML in ruff's layout, for CI systems that show test reports.
//!
//! `<testsuites name="ssot">` holds one `<testsuite>` per file with violations and one failing
//! `<testcase name="ssot.CODE">` per diagnostic; a clean run is one passing test case, so the
//! report is never empty.

use std::io::{self, Write};

use ssot_rules::Diagnostic;

use super::CheckReport;

/// Writes the JUnit report.
pub fn render_check_junit(report: &CheckReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let total = report.diagnostics.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="ssot" tests="{}" failures="{total}" errors="0">"#,
        total.max(1)
    )?;
    if report.diagnostics.is_empty() {
        writeln!(
            out,
            r#"    <testsuite name="ssot" tests="1" disabled="0" errors="0" failures="0" package="ssot">"#
        )?;
        writeln!(
            out,
            r#"        <testcase name="No errors found" classname="ssot"/>"#
        )?;
        writeln!(out, "    </testsuite>")?;
    }
    for file in report
        .diagnostics
        .chunk_by(|a: &Diagnostic, b: &Diagnostic| a.path == b.path)
    {
        let path = &file[0].path;
        writeln!(
            out,
            r#"    <testsuite name="{}" tests="{n}" disabled="0" errors="0" failures="{n}" package="ssot">"#,
            escape_xml(path),
            n = file.len()
        )?;
        let classname = escape_xml(class_name(path));
        for d in file {
            let (line, column) = (d.start.line, d.start.column);
            writeln!(
                out,
                r#"        <testcase name="ssot.{}" classname="{classname}" line="{line}" column="{column}">"#,
                d.rule.code()
            )?;
            // A property's value is a string: a file in no tier has no `tier` property.
            let tier = d
                .tier
                .as_deref()
                .map(|tier| format!(r#"<property name="tier" value="{}"/>"#, escape_xml(tier)))
                .unwrap_or_default();
            writeln!(
                out,
                r#"            <properties><property name="scope" value="{}"/>{tier}</properties>"#,
                escape_xml(&d.scope)
            )?;
            let message = escape_xml(&d.message);
            writeln!(
                out,
                r#"            <failure message="{message}">line {line}, col {column}, {message}</failure>"#
            )?;
            writeln!(out, "        </testcase>")?;
        }
        writeln!(out, "    </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// The path without its extension, as ruff names a test case's class.
fn class_name(path: &str) -> &str {
    let file_start = path.rfind('/').map_or(0, |slash| slash + 1);
    match path[file_start..].rfind('.') {
        Some(dot) if dot > 0 => &path[..file_start + dot],
        _ => path,
    }
}

/// Text safe in both XML content and double- or single-quoted attributes: markup characters
/// as entities, whitespace that attribute normalisation would fold as character references,
/// and characters XML 1.0 cannot hold at all as U+FFFD.
pub(crate) fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' => escaped.push_str("&#9;"),
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\0'..='\x1f' | '\u{fffe}' | '\u{ffff}' => escaped.push('\u{fffd}'),
            _ => escaped.push(character),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_quotes_and_line_breaks_are_escaped() {
        assert_eq!(
            escape_xml(r#"a<b>&"c" 'd'"#),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(escape_xml("one\ntwo\r\tthree"), "one&#10;two&#13;&#9;three");
    }

    #[test]
    fn characters_xml_cannot_hold_are_replaced() {
        assert_eq!(
            escape_xml("a\0b\x1bc\u{ffff}"),
            "a\u{fffd}b\u{fffd}c\u{fffd}"
        );
        assert_eq!(escape_xml("é ✓"), "é ✓");
    }

    #[test]
    fn class_names_drop_the_extension_only() {
        assert_eq!(class_name("pkg/core.py"), "pkg/core");
        assert_eq!(class_name("pkg.v2/core"), "pkg.v2/core");
        assert_eq!(class_name(".hidden"), ".hidden");
        assert_eq!(class_name("a.b.pyi"), "a.b");
    }
}
