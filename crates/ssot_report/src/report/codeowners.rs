//! Owners of files from a `CODEOWNERS` file, matched as GitHub matches them: the file is read
//! from `.github/`, the root or `docs/` (the first that exists), each line is a pattern and
//! owners, and the *last* matching line wins (a line with a pattern and no owners makes the
//! files it matches unowned).
//!
//! Patterns follow GitHub's `.gitignore`-like rules: a pattern with no `/` but a trailing one
//! matches at any depth; one with a `/` at the start or in the middle is anchored at the
//! root; a trailing `/` or a plain directory name matches everything below it; `*` does not
//! cross `/` and `**` does; `docs/*` matches the files directly in `docs/` only. `!` negation
//! and `[ ]` ranges are not supported by GitHub and are skipped here too.

use globset::{GlobBuilder, GlobMatcher};

/// Where GitHub looks for the file, in its order.
pub const CODEOWNERS_LOCATIONS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// A parsed CODEOWNERS file.
#[derive(Default)]
pub struct Codeowners {
    rules: Vec<(Vec<GlobMatcher>, Vec<String>)>,
}

impl Codeowners {
    /// The project's owners file as GitHub finds it (the first of [`CODEOWNERS_LOCATIONS`]
    /// that `read` returns, given a root-relative path); `None` when there is none.
    pub fn find(read: &dyn Fn(&str) -> Option<Vec<u8>>) -> Option<Self> {
        CODEOWNERS_LOCATIONS
            .iter()
            .find_map(|location| read(location))
            .map(|bytes| Self::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// Parses the text of a CODEOWNERS file; lines it cannot read are skipped.
    pub fn parse(text: &str) -> Self {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // An unescaped `#` starts a comment.
            let line = match line.find(" #") {
                Some(at) => &line[..at],
                None => line,
            };
            let mut fields = line.split_whitespace();
            let Some(pattern) = fields.next() else {
                continue;
            };
            if pattern.starts_with('!') || pattern.contains('[') {
                continue;
            }
            let owners: Vec<String> = fields.map(str::to_string).collect();
            if let Some(matchers) = matchers(pattern) {
                rules.push((matchers, owners));
            }
        }
        Self { rules }
    }

    /// The owners of a root-relative file path (empty when no rule matches or the last
    /// matching rule names nobody).
    pub fn owners(&self, path: &str) -> &[String] {
        self.rules
            .iter()
            .rev()
            .find(|(matchers, _)| matchers.iter().any(|m| m.is_match(path)))
            .map_or(&[], |(_, owners)| owners.as_slice())
    }

    /// Whether the file has any rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

fn matchers(pattern: &str) -> Option<Vec<GlobMatcher>> {
    let directory_only = pattern.ends_with('/');
    let trimmed = pattern.trim_end_matches('/');
    if trimmed.is_empty() || trimmed == "*" && !directory_only {
        // `*` alone owns every file.
        return glob("**").map(|m| vec![m]);
    }
    let anchored = trimmed.starts_with('/') || trimmed.contains('/');
    let body = trimmed.trim_start_matches('/');
    let base = if anchored || body.starts_with("**") {
        body.to_string()
    } else {
        format!("**/{body}")
    };
    let mut globs = Vec::new();
    if !directory_only {
        globs.push(base.clone());
    }
    // A directory owns what is below it, unless the pattern ends with a wildcard segment
    // (`docs/*` is the files directly inside `docs/`).
    if directory_only || !body.ends_with('*') || body.ends_with("**") {
        globs.push(format!("{base}/**"));
    }
    globs.iter().map(|g| glob(g)).collect()
}

fn glob(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .ok()
        .map(|glob| glob.compile_matcher())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_matching_rule_wins_as_on_github() {
        let owners = Codeowners::parse(
            "# comment\n\
             *       @global\n\
             *.py    @python # trailing comment\n\
             /app/   @app-team\n\
             docs/*  @docs\n\
             apps/   @apps\n\
             /app/generated/\n\
             **/logs @ops\n",
        );
        assert_eq!(owners.owners("setup.cfg"), ["@global"]);
        assert_eq!(owners.owners("tools/run.py"), ["@python"]);
        assert_eq!(owners.owners("app/core.py"), ["@app-team"]);
        assert_eq!(owners.owners("app/deep/er/x.py"), ["@app-team"]);
        // A rule with no owners unowns what it matches.
        assert!(owners.owners("app/generated/x.py").is_empty());
        assert_eq!(owners.owners("docs/readme.py"), ["@docs"]);
        assert_eq!(owners.owners("docs/nested/readme.py"), ["@python"]);
        // No slash but a trailing one: any depth.
        assert_eq!(owners.owners("x/apps/y.py"), ["@apps"]);
        assert_eq!(owners.owners("a/b/logs/l.py"), ["@ops"]);
        assert!(Codeowners::parse("").owners("a.py").is_empty());
    }

    #[test]
    fn a_pattern_without_owners_unowns_and_names_match_at_any_depth() {
        let owners = Codeowners::parse(
            "# comment\n* @everyone\n/app/routes/ @web-team\n*.md @docs\napp/routes/admin.py\n",
        );
        assert_eq!(owners.owners("setup.py"), ["@everyone"]);
        assert_eq!(owners.owners("app/routes/chat.py"), ["@web-team"]);
        assert_eq!(owners.owners("app/README.md"), ["@docs"]);
        assert!(owners.owners("app/routes/admin.py").is_empty());
        let owners = Codeowners::parse("tests @qa @core\n");
        assert_eq!(owners.owners("pkg/tests/test_a.py"), ["@qa", "@core"]);
        assert_eq!(owners.owners("tests/test_b.py"), ["@qa", "@core"]);
        assert!(owners.owners("pkg/testsuite.py").is_empty());
    }

    #[test]
    fn find_reads_the_first_location_github_reads() {
        let read = |path: &str| match path {
            "CODEOWNERS" => Some(b"* @root".to_vec()),
            "docs/CODEOWNERS" => Some(b"* @docs".to_vec()),
            _ => None,
        };
        assert_eq!(Codeowners::find(&read).unwrap().owners("a.py"), ["@root"]);
        assert!(Codeowners::find(&|_| None).is_none());
    }
}
