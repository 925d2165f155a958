//! `--output-format github`: GitHub Actions workflow commands, which the runner turns into
//! annotations on the pull request's diff.

use std::io::{self, Write};

use super::CheckReport;

/// One `::error` command per diagnostic, in diagnostic order.
///
/// The message repeats the location and code, as ruff does, so the step log reads like the
/// concise output while the annotation shows beside the line. The title names the code and
/// the diagnostic's scope (`ssot (SSOT101) in test`), so a reviewer sees which part of the
/// project an annotation is about.
pub fn render_check_github(report: &CheckReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in report.diagnostics {
        let code = d.rule.code();
        writeln!(
            out,
            "::error title={},file={},line={},col={},endLine={},endColumn={}::{}",
            escape_property(&format!("ssot ({code}) in {}", d.scope)),
            escape_property(&d.path),
            d.start.line,
            d.start.column,
            d.end.line,
            d.end.column,
            escape_data(&format!(
                "{}:{}:{}: {code} {}",
                d.path, d.start.line, d.start.column, d.message
            )),
        )?;
    }
    Ok(())
}

/// The command's message: `%`, CR and LF are percent-encoded so the command stays on one line
/// and a literal `%0A` in a message survives.
pub(crate) fn escape_data(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '%' => escaped.push_str("%25"),
            '\r' => escaped.push_str("%0D"),
            '\n' => escaped.push_str("%0A"),
            _ => escaped.push(character),
        }
    }
    escaped
}

/// A property value: as [`escape_data`], plus `:` and `,`, which separate the properties.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(
            escape_data("50% of a:b,c\r\nnext"),
            "50%25 of a:b,c%0D%0Anext"
        );
        // Escaping `%` first keeps an already-encoded-looking text literal.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_the_separators() {
        assert_eq!(
            escape_property("dir, x/a:b%.py\n"),
            "dir%2C x/a%3Ab%25.py%0A"
        );
        assert_eq!(escape_property("ssot (SSOT101)"), "ssot (SSOT101)");
    }
}
