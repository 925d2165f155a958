//! `CODEOWNERS`: who reviews a file, so hand steps can be batched per reviewer.
//!
//! GitHub reads the first of `.github/CODEOWNERS`, `CODEOWNERS` and `docs/CODEOWNERS`; each
//! line is a gitignore-style pattern and owners, and the last matching line wins. A line with a
//! pattern and no owners makes the file unowned.

use std::path::Path;

use globset::{GlobBuilder, GlobMatcher};

/// The rules of one `CODEOWNERS` file, in file order.
pub struct CodeOwners {
    rules: Vec<(GlobMatcher, Vec<String>)>,
}

impl CodeOwners {
    /// Reads the project's `CODEOWNERS`; `None` when there is none (or it cannot be read).
    pub fn find(root: &Path) -> Option<Self> {
        [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]
            .iter()
            .find_map(|relative| std::fs::read_to_string(root.join(relative)).ok())
            .map(|text| Self::parse(&text))
    }

    /// Parses the text of a `CODEOWNERS` file; lines whose pattern cannot be read are
    /// skipped, as GitHub skips them.
    pub fn parse(text: &str) -> Self {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            let owners: Vec<String> = words
                .take_while(|word| !word.starts_with('#'))
                .map(str::to_string)
                .collect();
            if let Some(matcher) = matcher(pattern) {
                rules.push((matcher, owners));
            }
        }
        Self { rules }
    }

    /// The owners of a root-relative path (last matching rule), `None` when none or unowned.
    pub fn owners_of(&self, path: &str) -> Option<String> {
        self.rules
            .iter()
            .rev()
            .find(|(matcher, _)| matcher.is_match(path))
            .and_then(|(_, owners)| (!owners.is_empty()).then(|| owners.join(" ")))
    }
}

/// A gitignore-style pattern as one glob over root-relative file paths: anchored when it
/// starts with or contains `/`, at any depth otherwise; a directory pattern (or any pattern
/// that may name a directory) covers everything below it.
fn matcher(pattern: &str) -> Option<GlobMatcher> {
    let directory_only = pattern.ends_with('/');
    let trimmed = pattern.trim_end_matches('/');
    let anchored = trimmed.starts_with('/') || trimmed.contains('/');
    let body = trimmed.trim_start_matches('/');
    if body.is_empty() {
        return None;
    }
    let base = if anchored || body.starts_with("**") {
        body.to_string()
    } else {
        format!("**/{body}")
    };
    let glob = if directory_only {
        format!("{base}/**")
    } else if body.ends_with("/**") || body == "*" {
        base
    } else {
        // `docs` names the file `docs` or everything below the directory `docs`.
        format!("{{{base},{base}/**}}")
    };
    GlobBuilder::new(&glob)
        .literal_separator(true)
        .build()
        .ok()
        .map(|glob| glob.compile_matcher())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_matching_rule_wins() {
        let owners = CodeOwners::parse(
            "# comment\n* @everyone\n/app/routes/ @web-team\n*.md @docs\napp/routes/admin.py\n",
        );
        assert_eq!(owners.owners_of("setup.py").as_deref(), Some("@everyone"));
        assert_eq!(
            owners.owners_of("app/routes/chat.py").as_deref(),
            Some("@web-team")
        );
        assert_eq!(owners.owners_of("app/README.md").as_deref(), Some("@docs"));
        // Owners removed for one file.
        assert_eq!(owners.owners_of("app/routes/admin.py"), None);
    }

    #[test]
    fn unanchored_names_match_at_any_depth_and_cover_directories() {
        let owners = CodeOwners::parse("tests @qa @core\n");
        assert_eq!(
            owners.owners_of("pkg/tests/test_a.py").as_deref(),
            Some("@qa @core")
        );
        assert_eq!(
            owners.owners_of("tests/test_b.py").as_deref(),
            Some("@qa @core")
        );
        assert_eq!(owners.owners_of("pkg/testsuite.py"), None);
    }
}
