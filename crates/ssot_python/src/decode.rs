//! Bytes to text the way CPython does it: UTF-8 by default, a BOM means UTF-8, and a PEP 263
//! coding cookie on one of the first two lines names any other encoding.

use std::borrow::Cow;
use std::fmt;

/// Why a file's bytes are not Python source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Bytes that are not valid in the file's encoding.
    InvalidBytes {
        encoding: String,
        offset: usize,
        line: usize,
    },
    /// A coding cookie naming an encoding ssot does not know.
    UnknownEncoding(String),
    /// A NUL byte: CPython refuses such source too.
    NulByte { offset: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::InvalidBytes {
                encoding,
                offset,
                line,
            } => write!(
                f,
                "invalid {encoding} at byte {offset} (line {line}); declare the encoding with a coding cookie or re-save as UTF-8"
            ),
            DecodeError::UnknownEncoding(name) => {
                write!(f, "unknown encoding `{name}` in the coding cookie")
            }
            DecodeError::NulByte { offset } => {
                write!(f, "source contains a NUL byte at byte {offset}")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decoded source text and what the decoding saw.
#[derive(Debug)]
pub struct DecodedSource<'a> {
    pub text: Cow<'a, str>,
    /// The file starts with a UTF-8 byte-order mark (stripped from `text`).
    pub had_bom: bool,
    /// The text was transcoded from another encoding, so byte offsets differ from the file's.
    pub transcoded: bool,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes Python source bytes.
pub fn decode_source(bytes: &[u8]) -> Result<DecodedSource<'_>, DecodeError> {
    if let Some(offset) = memchr::memchr(0, bytes) {
        return Err(DecodeError::NulByte { offset });
    }
    let (body, had_bom) = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    let cookie = if had_bom { None } else { coding_cookie(body) };
    match cookie {
        Some(label) if is_latin1_label(&label) => Ok(DecodedSource {
            // ISO-8859-1 maps every byte to the code point of the same value.
            text: Cow::Owned(body.iter().map(|&b| char::from(b)).collect()),
            had_bom,
            transcoded: true,
        }),
        Some(label) if !is_utf8_label(&label) => {
            let encoding = encoding_rs::Encoding::for_label(label.replace('_', "-").as_bytes())
                .ok_or_else(|| DecodeError::UnknownEncoding(label.clone()))?;
            let (text, had_errors) = encoding.decode_without_bom_handling(body);
            if had_errors {
                return Err(invalid_bytes(
                    body,
                    encoding.name(),
                    first_error_offset(body),
                ));
            }
            Ok(DecodedSource {
                text: Cow::Owned(text.into_owned()),
                had_bom,
                transcoded: true,
            })
        }
        _ => match std::str::from_utf8(body) {
            Ok(text) => Ok(DecodedSource {
                text: Cow::Borrowed(text),
                had_bom,
                transcoded: false,
            }),
            Err(err) => Err(invalid_bytes(body, "UTF-8", err.valid_up_to())),
        },
    }
}

fn invalid_bytes(body: &[u8], encoding: &str, offset: usize) -> DecodeError {
    let line = body[..offset.min(body.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    DecodeError::InvalidBytes {
        encoding: encoding.to_string(),
        offset,
        line,
    }
}

/// For a legacy encoding that reported an error, the first byte that is not ASCII is the best
/// place to point at.
fn first_error_offset(body: &[u8]) -> usize {
    body.iter().position(|b| !b.is_ascii()).unwrap_or(0)
}

/// Python's names for ISO-8859-1 (which WHATWG, and so `encoding_rs`, maps to windows-1252).
fn is_latin1_label(label: &str) -> bool {
    let normalized = label.to_ascii_lowercase().replace('_', "-");
    matches!(
        normalized.as_str(),
        "latin-1" | "latin1" | "l1" | "iso-8859-1" | "iso8859-1" | "8859" | "cp819" | "latin"
    )
}

fn is_utf8_label(label: &str) -> bool {
    let normalized = label.to_ascii_lowercase().replace('_', "-");
    normalized == "utf-8" || normalized == "utf8" || normalized.starts_with("utf-8-")
}

/// The encoding named by a PEP 263 cookie (`# -*- coding: latin-1 -*-`) on line 1 or 2.
/// Line 2 counts only when line 1 is a comment or blank, as in CPython.
fn coding_cookie(body: &[u8]) -> Option<String> {
    let mut lines = body.split(|&b| b == b'\n');
    for line_number in 0..2 {
        let line = lines.next()?;
        let text = String::from_utf8_lossy(line);
        let trimmed = text.trim_start();
        if !trimmed.starts_with('#') {
            if line_number == 0 && trimmed.trim().is_empty() {
                continue;
            }
            return None;
        }
        if let Some(name) = cookie_in_comment(trimmed) {
            return Some(name);
        }
    }
    None
}

fn cookie_in_comment(comment: &str) -> Option<String> {
    let index = comment.find("coding")?;
    let rest = &comment[index + "coding".len()..];
    let rest = rest.strip_prefix([':', '='])?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_without_cookie_borrows() {
        let decoded = decode_source(b"x = 1\n").unwrap();
        assert!(matches!(decoded.text, Cow::Borrowed("x = 1\n")));
        assert!(!decoded.had_bom);
    }

    #[test]
    fn bom_is_stripped_and_remembered() {
        let decoded = decode_source(b"\xEF\xBB\xBFx = 1\n").unwrap();
        assert_eq!(decoded.text, "x = 1\n");
        assert!(decoded.had_bom);
    }

    #[test]
    fn latin1_cookie_transcodes() {
        let decoded = decode_source(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n").unwrap();
        assert_eq!(decoded.text, "# -*- coding: latin-1 -*-\nname = '\u{e9}'\n");
        assert!(decoded.transcoded);
    }

    #[test]
    fn cookie_on_second_line_after_shebang() {
        let decoded =
            decode_source(b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n")
                .unwrap();
        assert!(decoded.text.contains('\u{20ac}'));
    }

    #[test]
    fn cookie_after_code_is_ignored() {
        let err = decode_source(b"x = 1\n# coding: latin-1\ny = '\xe9'\n").unwrap_err();
        assert!(
            matches!(err, DecodeError::InvalidBytes { line: 3, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn invalid_utf8_names_line_and_offset() {
        let err = decode_source(b"a = 1\nb = '\xff'\n").unwrap_err();
        assert_eq!(
            err,
            DecodeError::InvalidBytes {
                encoding: "UTF-8".into(),
                offset: 11,
                line: 2
            }
        );
    }

    #[test]
    fn unknown_cookie_is_an_error() {
        let err = decode_source(b"# coding: klingon\n").unwrap_err();
        assert_eq!(err, DecodeError::UnknownEncoding("klingon".into()));
    }

    #[test]
    fn nul_byte_is_an_error() {
        assert_eq!(
            decode_source(b"x = 1\0\n").unwrap_err(),
            DecodeError::NulByte { offset: 5 }
        );
    }
}
