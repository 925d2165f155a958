//! `[tool.ssot]` in `pyproject.toml`, or `ssot.toml` (same keys at top level).
//!
//! The project root is the directory of the nearest `ssot.toml`, or of the nearest
//! `pyproject.toml` with a `[tool.ssot]` table, found by walking up from the first path given
//! (or the current directory). Without one, the root is the directory being analysed. Unknown
//! keys are errors that name the file, line and key.

pub mod critical_paths;
pub mod project_metadata;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// The settings of `[tool.ssot]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Import roots, relative to the project root; auto-detected when absent.
    pub src: Option<Vec<String>>,
    /// Replaces the default excludes.
    pub exclude: Option<Vec<String>>,
    /// Added to the default excludes.
    #[serde(default)]
    pub extend_exclude: Vec<String>,
    /// Globs of test files.
    pub test_paths: Option<Vec<String>>,
    /// The baseline file, relative to the project root (default `.ssot-baseline.json`).
    pub baseline: Option<String>,
    /// Files larger than this many bytes are reported and skipped.
    pub max_file_size: Option<u64>,
    /// Rules ignored in files matching a glob: `{"tests/**" = ["SSOT101"]}`.
    #[serde(default)]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    /// Declared concepts, by name.
    #[serde(default)]
    pub concepts: BTreeMap<String, ConceptConfig>,
    /// Files with more tokens than this (estimated) are reported and skipped: bounds the
    /// memory one file can take.
    pub max_file_tokens: Option<u64>,
    /// Follow symbolic links out of the project root (default: only links that stay inside).
    #[serde(default)]
    pub follow_links: bool,
    /// The Python the project runs on (`py38` … `py314`): newer syntax is SSOT001. Default:
    /// the lower bound of `requires-python`, else the newest.
    pub target_version: Option<String>,
    /// Top-level names of installed packages, on top of the declared dependencies: a
    /// namespace directory of that name is not first-party.
    #[serde(default)]
    pub known_third_party: Vec<String>,
    /// Modules that exist at run time but not in the tree (`pkg._vendored`, `pkg.gen.*`):
    /// imports of them and re-export chains through them are never dangling.
    #[serde(default)]
    pub external_modules: Vec<String>,
    /// Scopes beside production and test, each a list of globs
    /// (`{examples = ["examples/**"]}`), on top of [`DEFAULT_SCOPES`]: a scope of a default's
    /// name replaces its globs, an empty list drops it.
    #[serde(default)]
    pub scopes: BTreeMap<String, Vec<String>>,
    /// Named tiers of critical code, most critical first (see [`critical_paths`]).
    #[serde(default)]
    pub critical_paths: critical_paths::CriticalPathsConfig,
}

impl Config {
    /// The configured `target-version`; `validate` has checked that it parses.
    pub fn target_version(&self) -> Option<ssot_python::TargetVersion> {
        self.target_version
            .as_deref()
            .and_then(ssot_python::TargetVersion::from_config)
    }
}

/// One declared concept.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConceptConfig {
    pub canonical: String,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub accessors: Vec<String>,
    pub factory: Option<String>,
    /// Compatibility modules allowed to re-export, reported as legacy.
    #[serde(default)]
    pub shims: Vec<String>,
    /// Definitions that look like the concept but are not copies of it (SSOT204 leaves them be).
    #[serde(default)]
    pub allow: Vec<String>,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<PyProjectTool>,
}

#[derive(Deserialize)]
struct PyProjectTool {
    ssot: Option<toml::Value>,
}

/// Test files by default: pytest's conventions.
pub const DEFAULT_TEST_PATHS: &[&str] = &[
    "**/tests/**",
    "**/test/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
];

/// Scopes beside production and test by default; a file is in the first (by name) whose
/// globs match it, before `test-paths` is consulted.
pub const DEFAULT_SCOPES: &[(&str, &[&str])] = &[
    ("archive", &["**/backup*/**", "**/*archive*/**"]),
    (
        "benchmarks",
        &[
            "benchmarks/**",
            "benchmark/**",
            "benches/**",
            "asv_bench/**",
        ],
    ),
    (
        "examples",
        &["examples/**", "example/**", "docs/**", "doc/**"],
    ),
];

/// Files larger than this are reported (SSOT002) and skipped.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// A loaded configuration and where it came from.
#[derive(Debug)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file it was read from, if any.
    pub source: Option<PathBuf>,
}

/// Reads a config file given with `--config`.
pub fn read_config_file(path: &Path) -> Result<LoadedConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let is_pyproject = path
        .file_name()
        .is_some_and(|name| name == "pyproject.toml");
    let config = if is_pyproject {
        parse_pyproject(&text, path)?.unwrap_or_default()
    } else {
        parse_config(&text, path)?
    };
    Ok(LoadedConfig {
        config,
        source: Some(path.to_path_buf()),
    })
}

/// Finds the nearest config above `start` (inclusive).
pub fn discover_config(start: &Path) -> Result<Option<LoadedConfig>> {
    for directory in start.ancestors() {
        let ssot_toml = directory.join("ssot.toml");
        if ssot_toml.is_file() {
            return read_config_file(&ssot_toml).map(Some);
        }
        let pyproject = directory.join("pyproject.toml");
        if pyproject.is_file() {
            let text = std::fs::read_to_string(&pyproject)
                .with_context(|| format!("cannot read {}", pyproject.display()))?;
            if let Some(config) = parse_pyproject(&text, &pyproject)? {
                return Ok(Some(LoadedConfig {
                    config,
                    source: Some(pyproject),
                }));
            }
        }
    }
    Ok(None)
}

fn parse_pyproject(text: &str, path: &Path) -> Result<Option<Config>> {
    let pyproject: PyProject = toml::from_str(text)
        .map_err(|err| anyhow::anyhow!("{}: {}", path.display(), err.to_string().trim_end()))?;
    let Some(section) = pyproject.tool.and_then(|tool| tool.ssot) else {
        return Ok(None);
    };
    match section.try_into::<Config>() {
        Ok(config) => {
            validate(&config, path)?;
            Ok(Some(config))
        }
        // The value has no positions: parse the section's text again to name the line.
        Err(_) => bail!(
            "{}: {}",
            path.display(),
            locate_section_error(text).trim_end()
        ),
    }
}

/// Parses `[tool.ssot]` alone, padded with blank lines so reported lines match the file.
fn locate_section_error(text: &str) -> String {
    let mut padded = String::with_capacity(text.len());
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            inside = trimmed == "[tool.ssot]" || trimmed.starts_with("[tool.ssot.");
        }
        if inside {
            let rewritten = if trimmed == "[tool.ssot]" {
                String::new()
            } else if let Some(rest) = trimmed.strip_prefix("[tool.ssot.") {
                format!("[{rest}")
            } else {
                line.to_string()
            };
            padded.push_str(&rewritten);
        }
        padded.push('\n');
    }
    match toml::from_str::<Config>(&padded) {
        Err(err) => err.to_string(),
        Ok(_) => "invalid [tool.ssot] section".to_string(),
    }
}

fn parse_config(text: &str, path: &Path) -> Result<Config> {
    let config: Config = toml::from_str(text)
        .map_err(|err| anyhow::anyhow!("{}: {}", path.display(), err.to_string().trim_end()))?;
    validate(&config, path)?;
    Ok(config)
}

fn validate(config: &Config, path: &Path) -> Result<()> {
    // One object, one concept: a canonical declared twice would count every finding twice.
    let mut canonical_of: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, concept) in &config.concepts {
        if let Some(first) = canonical_of.insert(&concept.canonical, name) {
            bail!(
                "{}: concepts `{first}` and `{name}` declare the same canonical `{}`; merge them \
                 into one concept",
                path.display(),
                concept.canonical
            );
        }
    }
    if let Some(version) = &config.target_version {
        if ssot_python::TargetVersion::from_config(version).is_none() {
            bail!(
                "{}: target-version `{version}` is not one of py38, py39, … py314",
                path.display()
            );
        }
    }
    for module in &config.external_modules {
        let name = module.strip_suffix(".*").unwrap_or(module);
        if name.is_empty() || name.split('.').any(str::is_empty) || name.contains('*') {
            bail!(
                "{}: external-modules: `{module}` is not a dotted module name (optionally ending in `.*`)",
                path.display()
            );
        }
    }
    for name in config.scopes.keys() {
        if name == "production" || name == "test" || name.is_empty() {
            bail!(
                "{}: scopes: `{name}` cannot be configured; `production` and `test` (the `test-paths`) are built in",
                path.display()
            );
        }
    }
    for (name, concept) in &config.concepts {
        let symbols = std::iter::once(&concept.canonical)
            .chain(&concept.members)
            .chain(&concept.accessors)
            .chain(&concept.factory);
        for symbol in symbols {
            if !is_symbol(symbol) {
                bail!(
                    "{}: concept `{name}`: `{symbol}` is not a symbol; write it as `module.path:Qualified.Name`",
                    path.display()
                );
            }
        }
    }
    Ok(())
}

/// `module.path:Qualified.Name`.
fn is_symbol(text: &str) -> bool {
    let Some((module, name)) = text.split_once(':') else {
        return false;
    };
    let dotted = |s: &str| !s.is_empty() && s.split('.').all(|part| !part.is_empty());
    dotted(module) && dotted(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_line_and_key() {
        let text = "[project]\nname = 'x'\n\n[tool.ssot]\nsrc = ['.']\nexclude-this = 1\n";
        let err = parse_pyproject(text, Path::new("pyproject.toml")).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("line 6"), "{message}");
        assert!(message.contains("exclude-this"), "{message}");
    }

    #[test]
    fn pyproject_without_section_is_no_config() {
        assert!(parse_pyproject("[project]\nname='x'\n", Path::new("p"))
            .unwrap()
            .is_none());
    }

    #[test]
    fn malformed_symbol_is_an_error() {
        let text = "[concepts.m]\ncanonical = 'pkg.Manager'\n";
        let err = parse_config(text, Path::new("ssot.toml")).unwrap_err();
        assert!(
            err.to_string().contains("module.path:Qualified.Name"),
            "{err}"
        );
    }

    #[test]
    fn resolution_keys_parse_and_are_checked() {
        let text = "target-version = 'py311'\nknown-third-party = ['alembic']\nexternal-modules = ['pkg._vendored', 'pkg.gen.*']\n";
        let config = parse_config(text, Path::new("ssot.toml")).unwrap();
        assert_eq!(config.target_version().unwrap().to_string(), "3.11");
        assert_eq!(config.known_third_party, ["alembic"]);
        for bad in [
            "target-version = '3.11'",
            "target-version = 'py27'",
            "external-modules = ['pkg.*.x']",
        ] {
            assert!(parse_config(bad, Path::new("ssot.toml")).is_err(), "{bad}");
        }
    }

    #[test]
    fn concepts_parse() {
        let text = "src = ['src']\n[concepts.manager]\ncanonical = 'a.b:C'\nmembers = ['a.c:D']\n";
        let config = parse_config(text, Path::new("ssot.toml")).unwrap();
        assert_eq!(config.concepts["manager"].members, vec!["a.c:D"]);
    }
}
