//! What a project's packaging files say that resolution needs: the oldest Python it supports
//! and the import names of the packages it depends on.
//!
//! Read from the project root: `pyproject.toml` (`[project] requires-python`, `dependencies`
//! and `optional-dependencies`; `[tool.poetry.dependencies]`), `requirements*.txt` and
//! `setup.cfg` (`[options] python_requires` and `install_requires`). A distribution's import
//! name is taken to be its name lower-cased with `-` turned into `_` (`Flask-SQLAlchemy` is
//! `flask_sqlalchemy`); one that imports under another name (`PyYAML` as `yaml`) belongs in
//! `known-third-party`. Files that cannot be read or parsed say nothing: this is a default,
//! never an error.

use std::collections::BTreeSet;
use std::path::Path;

use ssot_python::TargetVersion;

/// What the packaging files say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectMetadata {
    /// The lower bound of `requires-python` (or poetry's `python`, or `python_requires`).
    pub requires_python: Option<TargetVersion>,
    /// Import names of the declared dependencies, sorted.
    pub dependencies: BTreeSet<String>,
}

/// Reads the packaging files in `root`.
pub fn read_project_metadata(root: &Path) -> ProjectMetadata {
    let mut metadata = ProjectMetadata::default();
    if let Ok(text) = std::fs::read_to_string(root.join("pyproject.toml")) {
        read_pyproject(&text, &mut metadata);
    }
    if let Ok(text) = std::fs::read_to_string(root.join("setup.cfg")) {
        read_setup_cfg(&text, &mut metadata);
    }
    let mut requirements: Vec<_> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("requirements") && name.ends_with(".txt"))
        })
        .collect();
    requirements.sort();
    for path in requirements {
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                add_requirement(line, &mut metadata.dependencies);
            }
        }
    }
    metadata
}

fn read_pyproject(text: &str, metadata: &mut ProjectMetadata) {
    let Ok(document) = toml::from_str::<toml::Table>(text) else {
        return;
    };
    let project = document.get("project").and_then(toml::Value::as_table);
    if let Some(project) = project {
        if let Some(specifier) = project.get("requires-python").and_then(toml::Value::as_str) {
            metadata.requires_python = lower_bound(specifier);
        }
        let requirements = project
            .get("dependencies")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .chain(
                project
                    .get("optional-dependencies")
                    .and_then(toml::Value::as_table)
                    .into_iter()
                    .flat_map(|extras| extras.values())
                    .filter_map(toml::Value::as_array)
                    .flatten(),
            );
        for requirement in requirements.filter_map(toml::Value::as_str) {
            add_requirement(requirement, &mut metadata.dependencies);
        }
    }
    let poetry = document
        .get("tool")
        .and_then(|tool| tool.get("poetry"))
        .and_then(|poetry| poetry.get("dependencies"))
        .and_then(toml::Value::as_table);
    for (name, value) in poetry.into_iter().flatten() {
        if name == "python" {
            if metadata.requires_python.is_none() {
                metadata.requires_python = value.as_str().and_then(lower_bound);
            }
        } else {
            metadata.dependencies.insert(import_name(name));
        }
    }
}

/// `[options]` of a `setup.cfg`: `python_requires` and the `install_requires` list (one
/// requirement per continuation line, or `;`-separated on one line).
fn read_setup_cfg(text: &str, metadata: &mut ProjectMetadata) {
    let mut in_options = false;
    let mut in_install_requires = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_options = trimmed == "[options]";
            in_install_requires = false;
            continue;
        }
        if !in_options || trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let continuation = line.starts_with([' ', '\t']);
        if continuation {
            if in_install_requires {
                add_requirement(trimmed, &mut metadata.dependencies);
            }
            continue;
        }
        in_install_requires = false;
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        match key.trim() {
            "install_requires" => {
                in_install_requires = true;
                for requirement in value.split(';') {
                    add_requirement(requirement, &mut metadata.dependencies);
                }
            }
            "python_requires" if metadata.requires_python.is_none() => {
                metadata.requires_python = lower_bound(value.trim());
            }
            _ => {}
        }
    }
}

/// Adds the import name of one PEP 508 requirement (`Flask-SQLAlchemy[async]>=3; python_version
/// >= "3.9"`); options (`-r other.txt`, `-e .`), URLs and comments add nothing.
fn add_requirement(line: &str, dependencies: &mut BTreeSet<String>) {
    let line = line.split('#').next().unwrap_or_default().trim();
    if line.is_empty() || line.starts_with('-') || line.contains("://") {
        return;
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = &line[..end];
    if !name.is_empty() {
        dependencies.insert(import_name(name));
    }
}

/// A distribution name as an import name: lower-cased, `-` as `_`.
fn import_name(distribution: &str) -> String {
    distribution.to_ascii_lowercase().replace('-', "_")
}

/// The oldest Python a version specifier allows (`>=3.9,<4` is 3.9, poetry's `^3.10` is 3.10),
/// never older than 3.7, the oldest the parser knows.
fn lower_bound(specifier: &str) -> Option<TargetVersion> {
    specifier
        .split([',', '|'])
        .filter_map(|clause| {
            let clause = clause.trim();
            let version = ["~=", ">=", "==", "^", "~", ">"]
                .iter()
                .find_map(|operator| clause.strip_prefix(operator))?;
            let mut parts = version.trim().split('.');
            let major: u8 = parts.next()?.trim().parse().ok()?;
            let minor: u8 = parts
                .next()
                .map_or(Some(0), |minor| minor.trim().parse().ok())?;
            (major == 3).then_some(TargetVersion {
                major,
                minor: minor.max(7),
            })
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_python_lower_bound() {
        let version = |s| lower_bound(s).map(|v| v.to_string());
        assert_eq!(version(">=3.9").as_deref(), Some("3.9"));
        assert_eq!(version(">=3.10, <4").as_deref(), Some("3.10"));
        assert_eq!(version("^3.11").as_deref(), Some("3.11"));
        assert_eq!(version("~=3.8.1").as_deref(), Some("3.8"));
        assert_eq!(version(">=3.6").as_deref(), Some("3.7"));
        assert_eq!(version("<4"), None);
    }

    #[test]
    fn dependencies_from_every_source() {
        let mut metadata = ProjectMetadata::default();
        read_pyproject(
            "[project]\nrequires-python = '>=3.9'\ndependencies = ['Flask-SQLAlchemy[async]>=3', 'alembic ; python_version>\"3\"']\n[project.optional-dependencies]\ndev = ['pytest']\n[tool.poetry.dependencies]\npython = '^3.11'\nCelery = '*'\n",
            &mut metadata,
        );
        read_setup_cfg(
            "[metadata]\nname = x\n[options]\npython_requires = >=3.8\ninstall_requires =\n    requests>=2\n    # a comment\n    attrs\n[options.extras_require]\nfoo = bar\n",
            &mut metadata,
        );
        for line in ["-r base.txt", "redis==5.0  # cache", "https://x/y.whl", ""] {
            add_requirement(line, &mut metadata.dependencies);
        }
        assert_eq!(metadata.requires_python.unwrap().to_string(), "3.9");
        assert_eq!(
            metadata.dependencies.into_iter().collect::<Vec<_>>(),
            [
                "alembic",
                "attrs",
                "celery",
                "flask_sqlalchemy",
                "pytest",
                "redis",
                "requests"
            ]
        );
    }
}
