//! The project's import style, read from the settings of the tools that check it: ruff
//! (`ruff.toml`, `.ruff.toml`, or `[tool.ruff]` in `pyproject.toml`), isort (`[tool.isort]`)
//! and black (`[tool.black]`).
//!
//! Only what decides where `fix` puts a new import and when it wraps a line is read: the line
//! length, the sorter's known modules and order switches, and ruff's `src` roots (a module
//! found under one is first party). These files are other tools' business: anything unreadable
//! or unexpected in them leaves the default, never an error.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ssot_fix::ImportStyle;
use toml::Value;

use crate::workspace::LoadedProject;

/// The style `fix` writes imports in for `loaded`: that of the configuration nearest the root,
/// and for each directory below it with a configuration of its own (one distribution of a
/// monorepo, say), that directory's style, as ruff reads configuration hierarchically.
pub fn import_style(loaded: &LoadedProject) -> ImportStyle {
    let mut style = style_at(loaded, &loaded.root);
    let mut directories: BTreeSet<PathBuf> = BTreeSet::new();
    for file in &loaded.project.files {
        if let Some(parent) = loaded.root.join(&file.path).parent() {
            directories.insert(parent.to_path_buf());
        }
    }
    // The directories strictly below the root with a configuration file, each read once.
    let mut configured: BTreeSet<PathBuf> = BTreeSet::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    for directory in &directories {
        for ancestor in directory.ancestors() {
            if ancestor == loaded.root || !ancestor.starts_with(&loaded.root) {
                break;
            }
            if !seen.insert(ancestor.to_path_buf()) {
                break;
            }
            if has_sorter_config(ancestor) {
                configured.insert(ancestor.to_path_buf());
            }
        }
    }
    for directory in configured {
        let Ok(relative) = directory.strip_prefix(&loaded.root) else {
            continue;
        };
        let prefix = format!("{}/", relative.to_string_lossy().replace('\\', "/"));
        style
            .directory_styles
            .push((prefix, style_at(loaded, &directory)));
    }
    style
}

/// `directory` holds a file that configures ruff or isort.
fn has_sorter_config(directory: &Path) -> bool {
    [".ruff.toml", "ruff.toml", ".isort.cfg"]
        .iter()
        .any(|name| directory.join(name).is_file())
        || read_toml(&directory.join("pyproject.toml")).is_some_and(|v| {
            v.get("tool")
                .is_some_and(|t| t.get("ruff").is_some() || t.get("isort").is_some())
        })
}

/// The style of the configuration nearest `start` (at or above it).
fn style_at(loaded: &LoadedProject, start: &Path) -> ImportStyle {
    let mut style = ImportStyle::default();
    let ruff = find_ruff_config(start);
    let pyproject = find_upwards(start, "pyproject.toml")
        .and_then(|path| read_toml(&path).map(|value| (path, value)));
    let black_length = pyproject.as_ref().and_then(|(_, v)| {
        v.get("tool")?
            .get("black")?
            .get("line-length")?
            .as_integer()
    });
    let isort = pyproject
        .as_ref()
        .and_then(|(_, v)| v.get("tool")?.get("isort").cloned());
    let (ruff_root, ruff_table) = match &ruff {
        Some((dir, table)) => (dir.clone(), Some(table)),
        None => (start.to_path_buf(), None),
    };
    let ruff_length = ruff_table.and_then(|t| t.get("line-length")?.as_integer());
    let isort_length = isort
        .as_ref()
        .and_then(|t| t.get("line_length")?.as_integer());
    if let Some(length) = ruff_length.or(black_length).or(isort_length) {
        style.line_length = usize::try_from(length).unwrap_or(style.line_length);
    }
    let ruff_isort = ruff_table.and_then(|t| {
        t.get("lint")
            .and_then(|l| l.get("isort"))
            .or_else(|| t.get("isort"))
    });
    match (ruff_isort, &isort) {
        (Some(settings), _) => apply_sorter_settings(&mut style, settings, "-"),
        (None, Some(settings)) if ruff_table.is_none() => {
            apply_sorter_settings(&mut style, settings, "_")
        }
        _ => {}
    }
    let src: Vec<PathBuf> = match ruff_table.and_then(|t| t.get("src")?.as_array().cloned()) {
        Some(entries) => entries
            .iter()
            .filter_map(Value::as_str)
            .map(|entry| ruff_root.join(entry))
            .collect(),
        None => vec![ruff_root.clone(), ruff_root.join("src")],
    };
    for file in &loaded.project.files {
        let path = loaded.root.join(&file.path);
        for root in &src {
            if let Ok(relative) = path.strip_prefix(root) {
                add_source_module(&mut style, relative);
            }
        }
    }
    style
}

/// The module `relative` (a path under a source root) names, and its packages.
fn add_source_module(style: &mut ImportStyle, relative: &Path) {
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let Some((file, directories)) = parts.split_last() else {
        return;
    };
    let Some(stem) = file
        .strip_suffix(".py")
        .or_else(|| file.strip_suffix(".pyi"))
    else {
        return;
    };
    let mut module = String::new();
    for segment in directories.iter().map(String::as_str).chain(Some(stem)) {
        if segment == "__init__" {
            break;
        }
        if !module.is_empty() {
            module.push('.');
        }
        module.push_str(segment);
        style.source_modules.insert(module.clone());
    }
}

/// Reads the order-changing settings of `[tool.ruff.lint.isort]` (keys with `-`) or
/// `[tool.isort]` (keys with `_`).
fn apply_sorter_settings(style: &mut ImportStyle, settings: &Value, separator: &str) {
    let key = |name: &str| name.replace('-', separator);
    let flag = |name: &str| settings.get(key(name)).and_then(Value::as_bool);
    let list = |name: &str| -> Vec<String> {
        settings
            .get(key(name))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            // isort also takes a comma-separated string (`known_first_party = "django"`).
            .or_else(|| {
                settings.get(key(name)).and_then(Value::as_str).map(|s| {
                    s.split(',')
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(str::to_string)
                        .collect()
                })
            })
            .unwrap_or_default()
    };
    style.known_first_party = list("known-first-party");
    style.known_third_party = list("known-third-party");
    style.known_local_folder = list("known-local-folder");
    style.extra_standard_library = list("extra-standard-library");
    if let Some(value) = flag("force-sort-within-sections") {
        style.force_sort_within_sections = value;
    }
    // Order-changing settings `fix` does not model: their presence makes it leave blocks be.
    for name in [
        "section-order",
        "sections",
        "no-sections",
        "force-to-top",
        "from-first",
        "length-sort",
        "length-sort-straight",
        "no-lines-before",
        "relative-imports-order",
        "force-sort-within-types",
        "known-other",
        "default-section",
        "reverse-relative",
        "force-alphabetical-sort",
        "lexicographical",
        "group-by-package",
    ] {
        let Some(value) = settings.get(key(name)) else {
            continue;
        };
        // The default section for unknown modules is third-party in both sorters; naming it
        // changes nothing.
        if name == "default-section" && value.as_str().is_some_and(is_third_party_section) {
            continue;
        }
        style.unmodelled_settings.push(name.to_string());
    }
    if let Some(value) = flag("force-single-line") {
        style.force_single_line = value;
    }
    if let Some(value) = flag("combine-as-imports") {
        style.combine_as_imports = value;
    }
    if let Some(value) = flag("order-by-type") {
        style.order_by_type = value;
    }
    if let Some(value) = flag("case-sensitive") {
        style.case_sensitive = value;
    }
    if let Some(value) = flag("split-on-trailing-comma") {
        style.split_on_trailing_comma = value;
    }
    if let Some(value) = flag("detect-same-package") {
        style.detect_same_package = value;
    }
    if let Some(n) = settings
        .get(key("lines-between-types"))
        .and_then(Value::as_integer)
    {
        style.lines_between_types = usize::try_from(n).unwrap_or(0);
    }
}

/// The nearest ruff configuration at or above `start`: its directory and its settings table.
fn find_ruff_config(start: &Path) -> Option<(PathBuf, Value)> {
    for directory in start.ancestors() {
        for name in [".ruff.toml", "ruff.toml"] {
            let path = directory.join(name);
            if path.is_file() {
                return read_toml(&path).map(|value| (directory.to_path_buf(), value));
            }
        }
        let pyproject = directory.join("pyproject.toml");
        if pyproject.is_file() {
            if let Some(table) = read_toml(&pyproject)
                .and_then(|v| v.get("tool").and_then(|t| t.get("ruff")).cloned())
            {
                return Some((directory.to_path_buf(), table));
            }
        }
    }
    None
}

fn find_upwards(start: &Path, name: &str) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn is_third_party_section(name: &str) -> bool {
    let letters: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    letters == "thirdparty"
}

fn read_toml(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    toml::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorter_settings_in_either_spelling() {
        let ruff: Value =
            toml::from_str("known-first-party = ['app']\nforce-sort-within-sections = true\n")
                .unwrap();
        let mut style = ImportStyle::default();
        apply_sorter_settings(&mut style, &ruff, "-");
        assert_eq!(style.known_first_party, ["app"]);
        assert!(style.force_sort_within_sections);
        let isort: Value =
            toml::from_str("known_first_party = ['lib']\ncase_sensitive = true\n").unwrap();
        let mut style = ImportStyle::default();
        apply_sorter_settings(&mut style, &isort, "_");
        assert_eq!(style.known_first_party, ["lib"]);
        assert!(style.case_sensitive);
    }

    #[test]
    fn isort_string_lists_and_the_default_section_named_as_it_is() {
        let isort: Value =
            toml::from_str("default_section = 'THIRDPARTY'\nknown_first_party = 'django, tests'\n")
                .unwrap();
        let mut style = ImportStyle::default();
        apply_sorter_settings(&mut style, &isort, "_");
        assert_eq!(style.known_first_party, ["django", "tests"]);
        assert!(style.unmodelled_settings.is_empty());
        let ruff: Value = toml::from_str("default-section = 'first-party'\n").unwrap();
        let mut style = ImportStyle::default();
        apply_sorter_settings(&mut style, &ruff, "-");
        assert_eq!(style.unmodelled_settings, ["default-section"]);
    }

    #[test]
    fn source_modules_and_their_packages() {
        let mut style = ImportStyle::default();
        add_source_module(&mut style, Path::new("pkg/sub/__init__.py"));
        add_source_module(&mut style, Path::new("pkg/mod.pyi"));
        add_source_module(&mut style, Path::new("README.md"));
        let modules: Vec<&str> = style.source_modules.iter().map(String::as_str).collect();
        assert_eq!(modules, ["pkg", "pkg.mod", "pkg.sub"]);
    }
}
