//! How much memory analysing one file will take, estimated before parsing.
//!
//! The syntax tree of a file grows with its tokens, not its bytes: a 7 MB file that is one
//! long list literal needs 180 MB. [`estimate_tokens`] counts tokens roughly (a string literal
//! or comment is one, a name or number is one, each operator is one) in one pass over the
//! bytes, so a file past `max-file-tokens` is reported as too large to analyse instead of
//! exhausting memory.

/// Tokens above which a file is not parsed, by default: about 200 MB of syntax tree, and more
/// than any hand-written Python file has (10 MB of ordinary code holds about 2 million).
pub const DEFAULT_MAX_FILE_TOKENS: u64 = 2_000_000;

/// A rough count of the Python tokens in `bytes`, never far below the real count.
pub fn estimate_tokens(bytes: &[u8]) -> u64 {
    let mut tokens = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'#' => {
                i = memchr_newline(bytes, i);
            }
            b'\'' | b'"' => {
                tokens += 1;
                i = skip_string(bytes, i);
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'\\' => i += 1,
            b'\n' => {
                tokens += 1;
                i += 1;
            }
            b'0'..=b'9' => {
                tokens += 1;
                while i < bytes.len() && (is_word(bytes[i]) || bytes[i] == b'.') {
                    i += 1;
                }
            }
            _ if is_word(byte) => {
                tokens += 1;
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
            }
            _ => {
                tokens += 1;
                i += 1;
            }
        }
    }
    tokens
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |offset| from + offset)
}

/// The index after the string literal opening at `start` (single or triple quoted).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if !triple => return i,
            b if b == quote => {
                if !triple {
                    return i + 1;
                }
                if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_names_operators_and_literals() {
        // x = [ 1 , 2.5 ] NEWLINE; a string counts once, a comment not at all.
        assert_eq!(estimate_tokens(b"x = [1, 2.5]\n"), 8);
        assert_eq!(estimate_tokens(b"s = 'a, b, c'  # x, y, z\n"), 4);
        assert_eq!(estimate_tokens(b"d = \"\"\"\n, , ,\n\"\"\"\n"), 4);
    }

    #[test]
    fn a_long_list_literal_is_many_tokens() {
        let text = format!("x = [{}]\n", vec!["1"; 1000].join(","));
        assert!(estimate_tokens(text.as_bytes()) >= 1999);
    }
}
