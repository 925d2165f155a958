//! `[tool.ssot.critical-paths]`: named tiers of code that matters most, most critical first.
//!
//! ```toml
//! [tool.ssot.critical-paths]
//! golden-path = ["app/routes/**", "app.websocket_core"]
//! billing = ["app/billing/**"]
//! ```
//!
//! Tiers keep the order they are written in (the first is the most critical). Each entry is a
//! glob over root-relative paths (anything with `/`, `*`, `?`, `[`, `{`, or ending in `.py` or
//! `.pyi`) or a dotted module prefix (`app.websocket_core` is that module, its file and every
//! submodule). A file is in the first tier one of whose entries matches it; a diagnostic
//! carries its file's tier, and a concept is in the most critical tier of its canonical
//! definition's file and of the files that reference it.

use std::fmt;

use anyhow::{Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// What `ssot explain critical-paths` prints.
pub const EXPLANATION: &str = "\
# critical-paths (configuration)

## What it does
Names tiers of code that matter most, most critical first:

    [tool.ssot.critical-paths]
    golden-path = [\"app/routes/**\", \"app.websocket_core\"]
    billing = [\"app/billing/**\"]

An entry with `/`, `*`, `?`, `[` or `{`, or ending in `.py`/`.pyi`, is a glob over paths
relative to the project root; any other entry is a dotted module name and covers the module
and its submodules. A file is in the first tier one of whose entries matches it.

## What it changes
- Every diagnostic carries its file's tier: `tier` in `ssot.check/1` JSON and GitLab issues,
  `properties.tier` in SARIF, a `tier` property in JUnit (null or absent outside every tier).
- A concept's tier is the most critical tier among its canonical definition's file and the
  files that reference it.
- `check` lists the most critical tier first in the `full` and `concise` formats, and
  `check --tier NAME` (repeatable) limits the report and the exit code to those tiers.
- `ssot plan` orders the steps of every phase by tier first.

## Errors
A tier that is not a list of strings, an empty tier, a tier declared twice, an invalid glob or
an entry that is neither a glob nor a module name is a configuration error naming
`critical-paths.TIER`.
";

/// The tiers as configured, in file order, each entry already checked for its shape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CriticalPathsConfig {
    pub tiers: Vec<TierConfig>,
}

/// One configured tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierConfig {
    pub name: String,
    pub entries: Vec<TierEntry>,
}

/// What one entry of a tier names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TierEntry {
    /// A glob over paths relative to the project root.
    Glob(String),
    /// A dotted module name: the module and its submodules.
    ModulePrefix(String),
}

impl TierEntry {
    /// Reads one entry; an error saying why when it is neither a glob nor a dotted module name.
    fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty entry".to_string());
        }
        let looks_like_glob = text.contains(['/', '*', '?', '[', '{'])
            || text.ends_with(".py")
            || text.ends_with(".pyi");
        if looks_like_glob {
            Glob::new(text).map_err(|err| format!("invalid glob `{text}`: {}", err.kind()))?;
            return Ok(TierEntry::Glob(text.to_string()));
        }
        if text.split('.').all(ssot_index::modules::is_identifier) {
            return Ok(TierEntry::ModulePrefix(text.to_string()));
        }
        Err(format!(
            "`{text}` is neither a path glob (`app/routes/**`) nor a dotted module name \
             (`app.routes`)"
        ))
    }
}

impl<'de> Deserialize<'de> for CriticalPathsConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TiersVisitor)
    }
}

struct TiersVisitor;

impl<'de> Visitor<'de> for TiersVisitor {
    type Value = CriticalPathsConfig;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a table of tiers: `tier-name = [\"glob or module\", ...]`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut tiers: Vec<TierConfig> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value: toml::Value = map.next_value()?;
            let key = format!("critical-paths.{name}");
            if name.trim().is_empty() {
                return Err(de::Error::custom(format!("{key}: a tier needs a name")));
            }
            if tiers.iter().any(|tier| tier.name == name) {
                return Err(de::Error::custom(format!("{key}: tier declared twice")));
            }
            let toml::Value::Array(items) = value else {
                return Err(de::Error::custom(format!(
                    "{key}: expected a list of path globs or module names, found a {}",
                    value.type_str()
                )));
            };
            if items.is_empty() {
                return Err(de::Error::custom(format!(
                    "{key}: a tier needs at least one path glob or module name"
                )));
            }
            let mut entries = Vec::with_capacity(items.len());
            for item in items {
                let toml::Value::String(text) = item else {
                    return Err(de::Error::custom(format!(
                        "{key}: expected strings (path globs or module names), found a {}",
                        item.type_str()
                    )));
                };
                let entry = TierEntry::parse(&text)
                    .map_err(|problem| de::Error::custom(format!("{key}: {problem}")))?;
                entries.push(entry);
            }
            tiers.push(TierConfig { name, entries });
        }
        Ok(CriticalPathsConfig { tiers })
    }
}

/// The configured tiers, compiled: which tier a file is in.
#[derive(Clone, Debug, Default)]
pub struct CriticalPaths {
    tiers: Vec<CompiledTier>,
}

#[derive(Clone, Debug)]
struct CompiledTier {
    name: String,
    globs: GlobSet,
    module_prefixes: Vec<String>,
}

impl CriticalPaths {
    /// Compiles the configured tiers (their globs were checked when the file was read).
    pub fn from_config(config: &CriticalPathsConfig) -> Result<Self> {
        let tiers = config
            .tiers
            .iter()
            .map(|tier| {
                let mut globs = GlobSetBuilder::new();
                let mut module_prefixes = Vec::new();
                for entry in &tier.entries {
                    match entry {
                        TierEntry::Glob(pattern) => {
                            globs.add(Glob::new(pattern).with_context(|| {
                                format!("critical-paths.{}: invalid glob `{pattern}`", tier.name)
                            })?);
                        }
                        TierEntry::ModulePrefix(prefix) => module_prefixes.push(prefix.clone()),
                    }
                }
                Ok(CompiledTier {
                    name: tier.name.clone(),
                    globs: globs
                        .build()
                        .with_context(|| format!("critical-paths.{}: invalid globs", tier.name))?,
                    module_prefixes,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self { tiers })
    }

    /// No tier is configured.
    pub fn is_empty(&self) -> bool {
        self.tiers.is_empty()
    }

    /// The tier names, most critical first.
    pub fn names(&self) -> Vec<&str> {
        self.tiers.iter().map(|tier| tier.name.as_str()).collect()
    }

    /// The rank (0 is the most critical) of the tier named `name`.
    pub fn rank(&self, name: &str) -> Option<usize> {
        self.tiers.iter().position(|tier| tier.name == name)
    }

    /// The rank of the first tier that holds the file at `path` (root-relative, `/`-separated)
    /// whose module, if it is importable, is `module`.
    pub fn rank_of(&self, path: &str, module: Option<&str>) -> Option<usize> {
        self.tiers.iter().position(|tier| {
            tier.globs.is_match(path)
                || module.is_some_and(|module| {
                    tier.module_prefixes.iter().any(|prefix| {
                        module == prefix
                            || module
                                .strip_prefix(prefix.as_str())
                                .is_some_and(|rest| rest.starts_with('.'))
                    })
                })
        })
    }

    /// The name of the tier of rank `rank`.
    pub fn name(&self, rank: usize) -> &str {
        &self.tiers[rank].name
    }

    /// The first tier holding `path`, found through the project's module table.
    pub fn tier_of_path(&self, project: &ssot_index::Project, path: &str) -> Option<usize> {
        if self.tiers.is_empty() {
            return None;
        }
        let module = project
            .files
            .binary_search_by(|file| file.path.as_str().cmp(path))
            .ok()
            .and_then(|file| project.modules.module_of_file(file as ssot_index::FileId))
            .map(|module| project.modules.module(module).name.as_str());
        self.rank_of(path, module)
    }

    /// Checks the names given to `--tier`.
    pub fn check_selection(&self, selected: &[String]) -> Result<()> {
        for name in selected {
            if self.rank(name).is_none() {
                if self.tiers.is_empty() {
                    anyhow::bail!(
                        "--tier: unknown tier `{name}`; this project declares no \
                         `critical-paths`"
                    );
                }
                anyhow::bail!(
                    "--tier: unknown tier `{name}`; this project's tiers are {}",
                    self.names().join(", ")
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CriticalPathsConfig, String> {
        #[derive(Deserialize)]
        #[serde(rename_all = "kebab-case")]
        struct Wrapper {
            critical_paths: CriticalPathsConfig,
        }
        toml::from_str::<Wrapper>(text)
            .map(|w| w.critical_paths)
            .map_err(|err| err.to_string())
    }

    #[test]
    fn tiers_keep_the_order_they_are_written_in() {
        let config =
            parse("[critical-paths]\nzeta = ['z/**']\nalpha = ['a/**']\nmid = ['m.core']\n")
                .unwrap();
        let names: Vec<&str> = config.tiers.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["zeta", "alpha", "mid"]);
        assert_eq!(
            config.tiers[2].entries,
            [TierEntry::ModulePrefix("m.core".into())]
        );
    }

    #[test]
    fn pyproject_tiers_keep_their_order_too() {
        // `[tool.ssot]` goes through a TOML value before it becomes a `Config`.
        let text = "[tool.ssot.critical-paths]\nzeta = ['z/**']\nalpha = ['a/**']\n";
        let config = super::super::parse_pyproject(text, std::path::Path::new("pyproject.toml"))
            .unwrap()
            .unwrap();
        let names: Vec<&str> = config
            .critical_paths
            .tiers
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(names, ["zeta", "alpha"]);
    }

    #[test]
    fn the_first_matching_tier_wins_and_module_prefixes_cover_submodules() {
        let config =
            parse("[critical-paths]\ngolden = ['app/routes/**', 'app.ws']\nrest = ['app/**']\n")
                .unwrap();
        let tiers = CriticalPaths::from_config(&config).unwrap();
        assert_eq!(
            tiers.rank_of("app/routes/chat.py", Some("app.routes.chat")),
            Some(0)
        );
        assert_eq!(tiers.rank_of("app/ws/__init__.py", Some("app.ws")), Some(0));
        assert_eq!(
            tiers.rank_of("app/ws/manager.py", Some("app.ws.manager")),
            Some(0)
        );
        assert_eq!(tiers.rank_of("app/wsx.py", Some("app.wsx")), Some(1));
        assert_eq!(tiers.rank_of("scripts/run.py", None), None);
        assert_eq!(tiers.names(), ["golden", "rest"]);
    }

    #[test]
    fn bad_shapes_and_globs_name_the_key() {
        for (text, expected) in [
            (
                "[critical-paths]\ngolden = 'app/**'\n",
                "critical-paths.golden",
            ),
            ("[critical-paths]\ngolden = [1]\n", "critical-paths.golden"),
            ("[critical-paths]\ngolden = []\n", "critical-paths.golden"),
            ("[critical-paths]\ngolden = ['app/[**']\n", "invalid glob"),
            (
                "[critical-paths]\ngolden = ['not a module']\n",
                "neither a path glob",
            ),
            ("critical-paths = ['app/**']\n", "table of tiers"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn unknown_tier_names_are_refused_with_the_known_ones() {
        let config = parse("[critical-paths]\ngolden = ['app/**']\n").unwrap();
        let tiers = CriticalPaths::from_config(&config).unwrap();
        assert!(tiers.check_selection(&["golden".into()]).is_ok());
        let err = tiers.check_selection(&["gold".into()]).unwrap_err();
        assert!(err.to_string().contains("golden"), "{err}");
    }
}
