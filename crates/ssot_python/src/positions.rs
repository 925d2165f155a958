//! Byte offsets to 1-based lines and character columns.

use ssot_facts::Position;

/// Line starts of one source text, for turning offsets into positions.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<u32>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = Vec::with_capacity(bytes.len() / 32 + 1);
        line_starts.push(0u32);
        for index in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // A lone CR ends a line too (old Mac line endings); CRLF ends at its LF.
            if bytes[index] == b'\n' || bytes.get(index + 1) != Some(&b'\n') {
                line_starts.push(index as u32 + 1);
            }
        }
        Self { text, line_starts }
    }

    pub(crate) fn position(&self, offset: u32) -> Position {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let column = self
            .text
            .get(start..end)
            .map_or(end - start, |prefix| prefix.chars().count());
        Position {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_across_line_endings() {
        let index = LineIndex::new("a\r\nbé c\rd\n");
        assert_eq!(index.position(0), Position { line: 1, column: 1 });
        assert_eq!(index.position(3), Position { line: 2, column: 1 });
        // `c` sits after a two-byte character.
        assert_eq!(index.position(7), Position { line: 2, column: 4 });
        assert_eq!(index.position(9), Position { line: 3, column: 1 });
    }
}
