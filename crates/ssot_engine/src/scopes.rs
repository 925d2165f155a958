//! Scopes: which part of a project a file belongs to. A file is in the first configured scope
//! (in name order) one of whose globs matches it, else `test` when it matches `test-paths`,
//! else `production`. Every diagnostic carries its file's scope, `check --scope` limits the
//! report to some, and compliance is split by scope.

use anyhow::{bail, Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::{Config, DEFAULT_SCOPES, DEFAULT_TEST_PATHS};

/// The scope of files outside every configured scope and the test paths.
pub const PRODUCTION: &str = "production";
/// The scope of files matching `test-paths` (and no configured scope).
pub const TEST: &str = "test";

/// Classifies paths (relative to the project root, `/`-separated) into scopes.
pub struct Scopes {
    /// Configured scopes with globs, in name order.
    named: Vec<(String, GlobSet)>,
    tests: GlobSet,
}

impl Scopes {
    /// [`DEFAULT_SCOPES`] with the configured `scopes` on top: a configured scope replaces
    /// the default of the same name, an empty one drops it.
    pub fn from_config(config: &Config) -> Result<Self> {
        let mut scopes: std::collections::BTreeMap<String, Vec<String>> = DEFAULT_SCOPES
            .iter()
            .map(|(name, globs)| {
                (
                    name.to_string(),
                    globs.iter().map(|g| g.to_string()).collect(),
                )
            })
            .collect();
        for (name, globs) in &config.scopes {
            scopes.insert(name.clone(), globs.clone());
        }
        let named = scopes
            .into_iter()
            .filter(|(_, globs)| !globs.is_empty())
            .map(|(name, globs)| {
                let set = glob_set(globs.iter().map(String::as_str))
                    .with_context(|| format!("scopes: scope `{name}`"))?;
                Ok((name, set))
            })
            .collect::<Result<_>>()?;
        let tests = match &config.test_paths {
            Some(globs) => glob_set(globs.iter().map(String::as_str))?,
            None => glob_set(DEFAULT_TEST_PATHS.iter().copied())?,
        };
        Ok(Self { named, tests })
    }

    /// The scope of the file at `path`.
    pub fn of(&self, path: &str) -> &str {
        if let Some((name, _)) = self.named.iter().find(|(_, globs)| globs.is_match(path)) {
            return name;
        }
        if self.tests.is_match(path) {
            TEST
        } else {
            PRODUCTION
        }
    }

    /// Whether `name` is a scope of this project: `production`, `test` or a configured one.
    pub fn knows(&self, name: &str) -> bool {
        name == PRODUCTION || name == TEST || self.named.iter().any(|(n, _)| n == name)
    }

    /// Every scope name, `production` and `test` first.
    pub fn names(&self) -> Vec<&str> {
        [PRODUCTION, TEST]
            .into_iter()
            .chain(self.named.iter().map(|(name, _)| name.as_str()))
            .collect()
    }

    /// Checks the names given to `--scope`.
    pub fn check_selection(&self, selected: &[String]) -> Result<()> {
        for name in selected {
            if !self.knows(name) {
                bail!(
                    "--scope: unknown scope `{name}`; this project's scopes are {}",
                    self.names().join(", ")
                );
            }
        }
        Ok(())
    }
}

fn glob_set<'a>(patterns: impl Iterator<Item = &'a str>) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(Glob::new(pattern).with_context(|| format!("invalid glob `{pattern}`"))?);
    }
    Ok(builder.build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(config: &str) -> Scopes {
        let config: Config = toml::from_str(config).unwrap();
        Scopes::from_config(&config).unwrap()
    }

    #[test]
    fn defaults_put_examples_docs_benchmarks_and_backups_beside_production_and_test() {
        let scopes = scopes("");
        assert_eq!(scopes.of("app/core.py"), "production");
        assert_eq!(scopes.of("tests/test_core.py"), "test");
        assert_eq!(scopes.of("examples/demo.py"), "examples");
        assert_eq!(scopes.of("docs/conf.py"), "examples");
        assert_eq!(scopes.of("benchmarks/bench_core.py"), "benchmarks");
        assert_eq!(scopes.of("app/backup_2023/core.py"), "archive");
        assert_eq!(scopes.of("tests/archived/test_old.py"), "archive");
    }

    #[test]
    fn configured_scopes_replace_defaults_of_the_same_name_and_empty_drops_one() {
        let scopes =
            scopes("[scopes]\nexamples = ['samples/**']\narchive = []\nvendor = ['third/**']\n");
        assert_eq!(scopes.of("samples/demo.py"), "examples");
        assert_eq!(scopes.of("examples/demo.py"), "production");
        assert_eq!(scopes.of("app/backup/core.py"), "production");
        assert_eq!(scopes.of("third/lib.py"), "vendor");
        assert!(scopes.knows("vendor") && !scopes.knows("archive"));
    }
}
