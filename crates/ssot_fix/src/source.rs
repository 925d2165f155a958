//! One file's text as a fix sees it: decoded, with what writing it back must restore.

use std::fmt;

/// A file read for fixing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The bytes as read: the file is only written when the disk still holds exactly these.
    pub original: Vec<u8>,
    /// The decoded text (without a byte-order mark), which fact offsets point into.
    pub text: String,
    /// Write a UTF-8 byte-order mark back.
    pub bom: bool,
    /// The line ending new lines get: the file's first one (`\n` when it has none).
    pub line_ending: &'static str,
}

/// Why a file cannot be fixed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotFixable {
    /// Not UTF-8 (a PEP 263 cookie naming another encoding): offsets would not map to bytes.
    NotUtf8,
    /// The bytes do not decode at all.
    Undecodable(String),
}

impl fmt::Display for NotFixable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotFixable::NotUtf8 => f.write_str("the file is not UTF-8, so it is never rewritten"),
            NotFixable::Undecodable(message) => write!(f, "cannot decode the file: {message}"),
        }
    }
}

impl SourceFile {
    /// Decodes `bytes` the way analysis does; only UTF-8 files (with or without BOM) are fixable.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, NotFixable> {
        let decoded = ssot_python::decode_source(&bytes)
            .map_err(|err| NotFixable::Undecodable(err.to_string()))?;
        if decoded.transcoded {
            return Err(NotFixable::NotUtf8);
        }
        let bom = decoded.had_bom;
        let text = decoded.text.into_owned();
        let line_ending = detect_line_ending(&text);
        Ok(Self {
            original: bytes,
            text,
            bom,
            line_ending,
        })
    }

    /// The bytes to write for `text`: the BOM restored, nothing else touched.
    pub fn encode(&self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() + 3);
        if self.bom {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        bytes.extend_from_slice(text.as_bytes());
        bytes
    }
}

/// The first line ending of `text`: `\r\n`, `\r` or `\n`.
pub fn detect_line_ending(text: &str) -> &'static str {
    match memchr_line_end(text.as_bytes()) {
        Some(i) if text.as_bytes()[i] == b'\r' => {
            if text.as_bytes().get(i + 1) == Some(&b'\n') {
                "\r\n"
            } else {
                "\r"
            }
        }
        _ => "\n",
    }
}

fn memchr_line_end(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n' || b == b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_bom_and_line_endings() {
        let file =
            SourceFile::from_bytes(b"\xEF\xBB\xBFimport a\r\nimport b\r\n".to_vec()).unwrap();
        assert!(file.bom);
        assert_eq!(file.line_ending, "\r\n");
        assert_eq!(file.text, "import a\r\nimport b\r\n");
        assert_eq!(file.encode(&file.text), file.original);
    }

    #[test]
    fn other_encodings_are_not_fixable() {
        let latin1 = b"# -*- coding: latin-1 -*-\nx = '\xe9'\n".to_vec();
        assert_eq!(SourceFile::from_bytes(latin1), Err(NotFixable::NotUtf8));
    }
}
