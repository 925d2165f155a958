//! Positions between the protocol and ssot: the protocol counts UTF-16 code units from 0,
//! ssot's facts count lines from 1 and characters from 1, and spans are byte offsets.

use lsp_types::{Position, Range, TextEdit};

/// Where each line of a text starts.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        Self { text, starts }
    }

    /// The text of a 0-based line, without its line break; empty past the end.
    fn line(&self, line: usize) -> &'a str {
        let Some(&start) = self.starts.get(line) else {
            return "";
        };
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        self.text[start..end].trim_end_matches('\r')
    }

    /// The byte offset of a protocol position (clamped to the line and the text).
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        let mut units = 0;
        for (at, ch) in self.line(line).char_indices() {
            if units >= position.character as usize {
                return start + at;
            }
            units += ch.len_utf16();
        }
        start + self.line(line).len()
    }

    /// The protocol position of a byte offset.
    pub fn position_of_offset(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let units: usize = self.text[start..end].chars().map(char::len_utf16).sum();
        Position::new(line as u32, units as u32)
    }

    /// The protocol position of ssot's 1-based line and character column (clamped to the
    /// line).
    pub fn position_of_column(&self, line: u32, column: u32) -> Position {
        let line = line.saturating_sub(1) as usize;
        let units: usize = self
            .line(line)
            .chars()
            .take(column.saturating_sub(1) as usize)
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, units as u32)
    }
}

/// One edit turning `before` into `after`: the differing middle, between the longest common
/// prefix and suffix (on character boundaries).
pub fn whole_change(before: &str, after: &str) -> TextEdit {
    let mut prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !before.is_char_boundary(prefix) || !after.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let mut suffix = before[prefix..]
        .bytes()
        .rev()
        .zip(after[prefix..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    while !before.is_char_boundary(before.len() - suffix)
        || !after.is_char_boundary(after.len() - suffix)
    {
        suffix -= 1;
    }
    let index = LineIndex::new(before);
    TextEdit {
        range: Range::new(
            index.position_of_offset(prefix),
            index.position_of_offset(before.len() - suffix),
        ),
        new_text: after[prefix..after.len() - suffix].to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edit: &TextEdit) -> String {
        let index = LineIndex::new(text);
        let start = index.offset(edit.range.start);
        let end = index.offset(edit.range.end);
        format!("{}{}{}", &text[..start], edit.new_text, &text[end..])
    }

    #[test]
    fn whole_change_round_trips_through_protocol_positions() {
        let cases = [
            ("from a import b\nx = 1\n", "from c import b\nx = 1\n"),
            ("é = 1\nfrom a import b\n", "é = 1\nfrom a.b import b\n"),
            (
                "𝒳 = 'a'\r\nimport x\r\n",
                "𝒳 = 'a'\r\nimport y\r\nimport z\r\n",
            ),
            ("same\n", "same\n"),
            ("", "new\n"),
            ("old\n", ""),
        ];
        for (before, after) in cases {
            let edit = whole_change(before, after);
            assert_eq!(apply(before, &edit), after, "{before:?} -> {after:?}");
        }
    }

    #[test]
    fn columns_count_utf16_units() {
        let index = LineIndex::new("x = 1\n𝒳é = 2\n");
        assert_eq!(index.position_of_column(2, 3), Position::new(1, 3));
        assert_eq!(index.offset(Position::new(1, 3)), 6 + 4 + 2);
        assert_eq!(index.position_of_offset(6 + 4 + 2), Position::new(1, 3));
        assert_eq!(index.offset(Position::new(9, 0)), 17);
    }
}
