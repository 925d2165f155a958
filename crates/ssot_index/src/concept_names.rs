//! Class names reduced to the idea they name: `_UnifiedWebSocketManagerImplementation`,
//! `SimpleWebSocketManager` and `MockWebSocketManager` all name "web socket manager".

/// Words that decorate a name without changing the idea it names.
pub const DECORATION_WORDS: &[&str] = &[
    "unified",
    "base",
    "abstract",
    "legacy",
    "core",
    "simple",
    "isolated",
    "impl",
    "implementation",
    "interface",
    "v1",
    "v2",
    "v3",
    "compat",
    "adapter",
    "canonical",
    "default",
    "concrete",
    "generic",
    "old",
    "new",
];

pub use ssot_facts::TEST_DOUBLE_WORDS;

/// Splits `_HTTPServerV2_impl` into `["http", "server", "v2", "impl"]`: underscores and
/// case changes separate words; a run of capitals followed by a lower-case letter keeps its
/// last capital for the next word (`HTTPServer` → `http`, `server`); digits stay with the
/// word they follow.
pub fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in name.split('_').filter(|p| !p.is_empty()) {
        let chars: Vec<char> = part.chars().collect();
        let mut current = String::new();
        for (index, &c) in chars.iter().enumerate() {
            let previous = index.checked_sub(1).map(|i| chars[i]);
            let next = chars.get(index + 1).copied();
            let boundary = match previous {
                None => false,
                Some(previous) if c.is_uppercase() => {
                    previous.is_lowercase()
                        || previous.is_ascii_digit()
                        || (previous.is_uppercase() && next.is_some_and(char::is_lowercase))
                }
                _ => false,
            };
            if boundary && !current.is_empty() {
                words.push(std::mem::take(&mut current).to_lowercase());
            }
            current.push(c);
        }
        if !current.is_empty() {
            words.push(current.to_lowercase());
        }
    }
    words
}

/// `IExecutionEngine`, `_IStore`: an `I` followed by a capitalised word, the interface naming
/// convention (zope.interface, C#-style code).
pub fn is_interface_prefixed(name: &str) -> bool {
    let bytes = name.trim_start_matches('_').as_bytes();
    bytes.len() >= 3
        && bytes[0] == b'I'
        && bytes[1].is_ascii_uppercase()
        && bytes[2].is_ascii_lowercase()
}

/// Whether a class name says it is an interface or an abstract base (`IStore`,
/// `AbstractStore`, `BaseStore`, `StoreBase`, `StoreABC`): decoration of the concept it
/// names, not a concept of its own.
pub fn names_an_interface(name: &str) -> bool {
    is_interface_prefixed(name)
        || split_words(name).iter().any(|word| {
            matches!(
                word.as_str(),
                "abstract" | "base" | "abc" | "interface" | "protocol"
            )
        })
}

/// A name without decoration or test-double words: the words of the idea.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NameStem {
    pub words: Vec<String>,
    /// The name carried a test-double word (`Mock`, `Fake`, ...).
    pub test_double_word: bool,
}

impl NameStem {
    pub fn of(name: &str) -> Self {
        let mut test_double_word = false;
        let mut split = split_words(name);
        // `IExecutionEngine`: the `I` of an interface decorates the name it prefixes.
        if is_interface_prefixed(name) {
            split.remove(0);
        }
        let words = split
            .into_iter()
            .filter(|word| {
                if TEST_DOUBLE_WORDS.contains(&word.as_str()) {
                    test_double_word = true;
                    return false;
                }
                !DECORATION_WORDS.contains(&word.as_str())
            })
            .collect();
        Self {
            words,
            test_double_word,
        }
    }

    /// The stem compared case- and underscore-insensitively.
    pub fn key(&self) -> String {
        self.words.concat()
    }

    /// The last word: what kind of thing it is (`manager`, `client`).
    pub fn head(&self) -> Option<&str> {
        self.words.last().map(String::as_str)
    }

    /// Specific enough that equal stems alone suggest one concept: two or more words
    /// (`WebSocketManager`), not a generic `Config` or `Handler`.
    pub fn is_specific(&self) -> bool {
        self.words.len() >= 2
    }

    /// `web-socket-manager`.
    pub fn kebab(&self) -> String {
        self.words.join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_camel_snake_and_acronyms() {
        assert_eq!(
            split_words("WebSocketManager"),
            ["web", "socket", "manager"]
        );
        assert_eq!(
            split_words("_HTTPServerV2_impl"),
            ["http", "server", "v2", "impl"]
        );
        assert_eq!(split_words("websocket_manager"), ["websocket", "manager"]);
        assert_eq!(split_words("IOError"), ["io", "error"]);
    }

    #[test]
    fn every_decoration_word_is_stripped() {
        for word in DECORATION_WORDS {
            let mut decorated = word.to_string();
            decorated[..1].make_ascii_uppercase();
            let name = format!("{decorated}WebSocketManager");
            assert_eq!(NameStem::of(&name).key(), "websocketmanager", "{name}");
            let name = format!("WebSocketManager{decorated}");
            assert_eq!(NameStem::of(&name).key(), "websocketmanager", "{name}");
        }
        assert_eq!(
            NameStem::of("_UnifiedWebSocketManagerImplementation").key(),
            "websocketmanager"
        );
    }

    #[test]
    fn test_double_words_are_stripped_and_remembered() {
        for word in ["Mock", "Fake", "Stub", "Dummy", "Spy"] {
            let stem = NameStem::of(&format!("{word}WebSocketManager"));
            assert_eq!(stem.key(), "websocketmanager");
            assert!(stem.test_double_word);
        }
        assert!(!NameStem::of("WebSocketManager").test_double_word);
    }

    #[test]
    fn interface_prefix_is_decoration() {
        assert_eq!(NameStem::of("IExecutionEngine").key(), "executionengine");
        assert_eq!(NameStem::of("IOError").key(), "ioerror");
        assert!(names_an_interface("IExecutionEngine"));
        assert!(names_an_interface("AbstractStore"));
        assert!(!names_an_interface("Store"));
    }

    #[test]
    fn generic_names_are_not_specific() {
        assert!(!NameStem::of("Config").is_specific());
        assert!(!NameStem::of("BaseHandler").is_specific());
        assert!(NameStem::of("SimpleWebSocketManager").is_specific());
    }
}
