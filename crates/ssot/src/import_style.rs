//! The project's import style, read from the settings of the tools that check it: ruff
//! (`ruff.toml`, `.ruff.toml`, or `[tool.ruff]` in `pyproject.toml`), isort (`.isort.cfg`,
//! `[tool.isort]`, `[isort]` in `setup.cfg` or `tox.ini`) and black (`[tool.black]`).
//!
//! Only what decides where `fix` puts a new import and when it wraps a line is read: the line
//! length, the sorter's known modules and order switches, and ruff's `src` roots (a module
//! found under one is first party). These files are other tools' business: anything unreadable
//! or unexpected in them leaves the default, never an error.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ssot_fix::import_style::WrapMode;
use ssot_fix::{ImportStyle, DEFAULT_SECTION_ORDER};
use toml::Value;

use crate::workspace::LoadedProject;
use ssot_index::Project;

/// The style `fix` writes imports in for `loaded`: that of the configuration nearest the root,
/// and for each directory below it with a configuration of its own (one distribution of a
/// monorepo, say), that directory's style, as ruff reads configuration hierarchically.
pub fn import_style(loaded: &LoadedProject) -> ImportStyle {
    import_style_at(&loaded.root, &loaded.project)
}

/// [`import_style`] of `project` with its configuration files read below `root`.
pub fn import_style_at(root: &Path, project: &Project) -> ImportStyle {
    let loaded = Layout { root, project };
    let mut style = style_at(&loaded, loaded.root);
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
            if ancestor == loaded.root || !ancestor.starts_with(loaded.root) {
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
        let Ok(relative) = directory.strip_prefix(loaded.root) else {
            continue;
        };
        let prefix = format!("{}/", relative.to_string_lossy().replace('\\', "/"));
        style
            .directory_styles
            .push((prefix, style_at(&loaded, &directory)));
    }
    style
}

/// Where a project's files and configuration are.
struct Layout<'a> {
    root: &'a Path,
    project: &'a Project,
}

/// The files that configure the import style, wherever they sit in a tree.
const STYLE_FILES: [&str; 6] = [
    "pyproject.toml",
    "ruff.toml",
    ".ruff.toml",
    ".isort.cfg",
    "setup.cfg",
    "tox.ini",
];

/// [`import_style`] of a project read from a commit's tree (no checkout): the tree's style
/// files (`tree_paths` lists every path of the tree, `read` gives a path's bytes) are copied
/// into a temporary directory and read there as a checkout would be.
pub fn import_style_of_tree(
    project: &Project,
    tree_paths: &[String],
    read: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> std::io::Result<ImportStyle> {
    let directory = std::env::temp_dir().join(format!(
        "ssot-import-style-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos()
    ));
    let style = copy_style_files(&directory, tree_paths, read)
        .map(|()| import_style_at(&directory, project));
    let _ = std::fs::remove_dir_all(&directory);
    style
}

fn copy_style_files(
    directory: &Path,
    tree_paths: &[String],
    read: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(directory)?;
    for path in tree_paths {
        let name = path.rsplit('/').next().unwrap_or(path);
        if !STYLE_FILES.contains(&name) {
            continue;
        }
        let Some(bytes) = read(path) else {
            continue;
        };
        let target = directory.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, bytes)?;
    }
    Ok(())
}

/// `directory` holds a file that configures ruff or isort.
fn has_sorter_config(directory: &Path) -> bool {
    [".ruff.toml", "ruff.toml"]
        .iter()
        .any(|name| directory.join(name).is_file())
        || read_toml(&directory.join("pyproject.toml"))
            .is_some_and(|v| v.get("tool").is_some_and(|t| t.get("ruff").is_some()))
        || isort_config_in(directory).is_some()
}

/// The isort settings of the nearest directory at or above `start` that configures isort, as
/// isort looks for them: in each directory `.isort.cfg` (`[settings]` or `[isort]`),
/// `pyproject.toml` (`[tool.isort]`), `setup.cfg` and `tox.ini` (`[isort]` or `[tool:isort]`),
/// the first one found.
fn find_isort_config(start: &Path) -> Option<Value> {
    start.ancestors().find_map(isort_config_in)
}

fn isort_config_in(directory: &Path) -> Option<Value> {
    let ini = |name: &str, sections: &[&str]| -> Option<Value> {
        let path = directory.join(name);
        if !path.is_file() {
            return None;
        }
        let text = std::fs::read_to_string(path).ok()?;
        sections
            .iter()
            .find_map(|section| ini_section(&text, section))
    };
    ini(".isort.cfg", &["settings", "isort"])
        .or_else(|| {
            read_toml(&directory.join("pyproject.toml"))
                .and_then(|v| v.get("tool")?.get("isort").cloned())
        })
        .or_else(|| ini("setup.cfg", &["isort", "tool:isort"]))
        .or_else(|| ini("tox.ini", &["isort", "tool:isort"]))
}

/// The keys of `[section]` in an INI file (as Python's `configparser` reads it: `key = value`
/// or `key: value`, values continued on indented lines, `#` and `;` comment lines), each value
/// typed as the TOML of `[tool.isort]` would hold it: `true`/`false` as booleans, whole numbers
/// as integers, anything with a comma or on several lines as a list, the rest as a string.
fn ini_section(text: &str, section: &str) -> Option<Value> {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut found = false;
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && trimmed.ends_with(']') && !line.starts_with([' ', '\t']) {
            inside = trimmed[1..trimmed.len() - 1].trim() == section;
            found |= inside;
            continue;
        }
        if !inside || trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = entries.last_mut() {
                value.push('\n');
                value.push_str(trimmed);
            }
            continue;
        }
        let Some(split) = trimmed.find(['=', ':']) else {
            continue;
        };
        let key = trimmed[..split]
            .trim()
            .to_ascii_lowercase()
            .replace('-', "_");
        entries.push((key, trimmed[split + 1..].trim().to_string()));
    }
    if !found {
        return None;
    }
    let mut table = toml::map::Map::new();
    for (key, raw) in entries {
        let value = raw.trim();
        let typed = if value.eq_ignore_ascii_case("true") {
            Value::Boolean(true)
        } else if value.eq_ignore_ascii_case("false") {
            Value::Boolean(false)
        } else if let Ok(n) = value.parse::<i64>() {
            Value::Integer(n)
        } else if value.contains([',', '\n']) {
            Value::Array(
                value
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(|item| Value::String(item.to_string()))
                    .collect(),
            )
        } else {
            Value::String(value.to_string())
        };
        table.insert(key, typed);
    }
    Some(Value::Table(table))
}

/// The style of the configuration nearest `start` (at or above it).
fn style_at(loaded: &Layout<'_>, start: &Path) -> ImportStyle {
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
    let isort = find_isort_config(start);
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
            apply_isort_settings(&mut style, settings)
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

/// isort is the sorter (there is no ruff configuration): its settings over the defaults of its
/// `profile`, and isort's own defaults where ruff's differ. isort wraps the imports it prints,
/// so its line length (`line_length`, else the profile's, else 79) is the one imports must fit,
/// whatever black's is; its default wrap is a grid without a trailing comma and it joins a
/// parenthesised statement that fits on one line (`split_on_trailing_comma = false`).
fn apply_isort_settings(style: &mut ImportStyle, settings: &Value) {
    let mut merged = toml::map::Map::new();
    let profile = settings
        .get("profile")
        .and_then(Value::as_str)
        .map(str::trim);
    if let Some(name) = profile {
        match isort_profile(name) {
            Some(defaults) => merged.extend(defaults),
            None => style.unmodelled_settings.push(format!("profile = {name}")),
        }
    }
    if let Value::Table(table) = settings {
        merged.extend(table.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    merged.remove("profile");
    let settings = Value::Table(merged);
    style.line_length = settings
        .get("line_length")
        .and_then(Value::as_integer)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(79);
    style.split_on_trailing_comma = false;
    apply_sorter_settings(style, &settings, "_");
    let trailing_comma = settings
        .get("include_trailing_comma")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mode = settings.get("multi_line_output").map(|v| match v {
        Value::Integer(n) => n.to_string(),
        Value::String(s) => s.trim().to_ascii_uppercase(),
        other => other.to_string(),
    });
    style.wrap = match mode.as_deref() {
        None | Some("0" | "GRID") => WrapMode::Grid { trailing_comma },
        Some("3" | "VERTICAL_HANGING_INDENT") => WrapMode::VerticalHangingIndent { trailing_comma },
        Some(other) => {
            style
                .unmodelled_settings
                .push(format!("multi_line_output = {other}"));
            WrapMode::Grid { trailing_comma }
        }
    };
    // Wrapping a statement with two or more names whatever its length is not modelled.
    if settings
        .get("force_grid_wrap")
        .and_then(Value::as_integer)
        .is_some_and(|n| n > 0)
    {
        style
            .unmodelled_settings
            .push("force_grid_wrap".to_string());
    }
}

/// The settings of isort's built-in profile `name`, as isort 5+ defines them (its
/// `isort/profiles.py`); `None` for a profile isort does not have.
fn isort_profile(name: &str) -> Option<toml::map::Map<String, Value>> {
    let black = "multi_line_output = 3\ninclude_trailing_comma = true\n\
                 split_on_trailing_comma = true\nforce_grid_wrap = 0\nuse_parentheses = true\n\
                 ensure_newline_before_comments = true\nline_length = 88\n";
    let text = match name {
        "black" => black.to_string(),
        "django" => "combine_as_imports = true\ninclude_trailing_comma = true\n\
                     multi_line_output = 5\nline_length = 79\n"
            .to_string(),
        "pycharm" => "multi_line_output = 3\nforce_grid_wrap = 2\nlines_after_imports = 2\n".to_string(),
        "google" => "force_single_line = true\nforce_sort_within_sections = true\n\
                     lexicographical = true\nline_length = 1000\norder_by_type = false\n\
                     group_by_package = true\n\
                     single_line_exclusions = ['collections.abc', 'six.moves', 'typing', 'typing_extensions']\n"
            .to_string(),
        "open_stack" => "force_single_line = true\nforce_sort_within_sections = true\n\
                         lexicographical = true\n"
            .to_string(),
        "plone" => format!("{black}force_alphabetical_sort = true\nforce_single_line = true\n"),
        "attrs" => "atomic = true\nforce_grid_wrap = 0\ninclude_trailing_comma = true\n\
                    lines_after_imports = 2\nlines_between_types = 1\nmulti_line_output = 3\n\
                    use_parentheses = true\n"
            .to_string(),
        "hug" => "multi_line_output = 3\ninclude_trailing_comma = true\nforce_grid_wrap = 0\n\
                  use_parentheses = true\nline_length = 100\n"
            .to_string(),
        "wemake" => "multi_line_output = 3\ninclude_trailing_comma = true\n\
                     use_parentheses = true\nline_length = 80\n"
            .to_string(),
        "appnexus" => format!(
            "{black}force_sort_within_sections = true\norder_by_type = false\n\
             case_sensitive = false\nreverse_relative = true\n\
             sort_relative_in_force_sorted_sections = true\n\
             sections = ['FUTURE', 'STDLIB', 'THIRDPARTY', 'FIRSTPARTY', 'APPLICATION', 'LOCALFOLDER']\n\
             no_lines_before = 'LOCALFOLDER'\n"
        ),
        _ => return None,
    };
    match toml::from_str::<Value>(&text) {
        Ok(Value::Table(table)) => Some(table),
        _ => None,
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
    if let Some(value) = flag("from-first") {
        style.from_first = value;
    }
    apply_section_settings(style, settings, separator);
    // Order-changing settings `fix` does not model: their presence makes it leave blocks be.
    for name in [
        "no-sections",
        "force-to-top",
        "length-sort",
        "length-sort-straight",
        "force-sort-within-types",
        "reverse-relative",
        "force-alphabetical-sort",
        "force-alphabetical-sort-within-sections",
        "lexicographical",
        "group-by-package",
        "sort-relative-in-force-sorted-sections",
    ] {
        if settings.get(key(name)).is_some() {
            style.unmodelled_settings.push(name.to_string());
        }
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

/// The sections, their order, the default one and the ones printed without a blank line
/// before them: ruff's `sections` (a table of module lists), `section-order`, `default-section`,
/// `no-lines-before`, `relative-imports-order`; isort's `sections` (a list of names),
/// `known_<name>` for each custom one, `default_section`, `no_lines_before`.
fn apply_section_settings(style: &mut ImportStyle, settings: &Value, separator: &str) {
    let key = |name: &str| name.replace('-', separator);
    let names = |value: &Value| -> Vec<String> {
        let items: Vec<String> = match value {
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Value::String(text) => text.split(',').map(str::to_string).collect(),
            _ => Vec::new(),
        };
        items
            .iter()
            .map(|name| section_name(name))
            .filter(|name| !name.is_empty())
            .collect()
    };
    let patterns = |value: &Value| -> Vec<String> {
        match value {
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Value::String(text) => text
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    };
    match settings.get("sections") {
        // ruff: `[sections]` maps each custom section to its modules.
        Some(Value::Table(table)) => {
            for (name, modules) in table {
                style
                    .custom_sections
                    .push((section_name(name), patterns(modules)));
            }
        }
        // isort: the order of the sections; each custom one's modules are `known_<name>`.
        Some(order) => {
            let order = names(order);
            for name in &order {
                if DEFAULT_SECTION_ORDER.contains(&name.as_str()) {
                    continue;
                }
                let known = format!("known_{}", name.replace('-', "_"));
                let modules = settings.get(&known).map(&patterns).unwrap_or_default();
                style.custom_sections.push((name.clone(), modules));
            }
            style.section_order = order;
        }
        None => {}
    }
    if let Some(order) = settings.get(key("section-order")) {
        style.section_order = names(order);
    }
    if let Some(name) = settings.get(key("default-section")).and_then(Value::as_str) {
        style.default_section = section_name(name);
    }
    if let Some(list) = settings.get(key("no-lines-before")) {
        style.no_lines_before = names(list);
    }
    if let Some(order) = settings
        .get(key("relative-imports-order"))
        .and_then(Value::as_str)
    {
        style.relative_closest_first = order == "closest-to-furthest";
    }
    // ruff appends the built-in sections a `section-order` leaves out; a custom section left
    // out is printed with the default section (see `ImportStyle::section_named`).
    for builtin in DEFAULT_SECTION_ORDER {
        if !style.section_order.iter().any(|s| s == builtin) {
            style.section_order.push(builtin.to_string());
        }
    }
}

/// A section name as ruff spells it (`standard-library`), from either sorter's spelling
/// (`STDLIB`, `THIRDPARTY`, `first_party`, ...); a custom name in lower case.
fn section_name(name: &str) -> String {
    let letters: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match letters.as_str() {
        "future" => "future",
        "stdlib" | "standardlibrary" => "standard-library",
        "thirdparty" => "third-party",
        "firstparty" => "first-party",
        "localfolder" => "local-folder",
        _ => return name.trim().to_ascii_lowercase(),
    }
    .to_string()
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
    fn isort_defaults_and_profiles_decide_line_length_and_wrap() {
        let isort = |text: &str| {
            let mut style = ImportStyle::default();
            apply_isort_settings(&mut style, &toml::from_str(text).unwrap());
            style
        };
        let plain = isort("known_first_party = ['lib']\n");
        assert_eq!(plain.line_length, 79);
        assert!(!plain.split_on_trailing_comma);
        assert_eq!(
            plain.wrap,
            WrapMode::Grid {
                trailing_comma: false
            }
        );
        assert!(plain.unmodelled_settings.is_empty());
        let black = isort("profile = 'black'\n");
        assert_eq!(black.line_length, 88);
        assert!(black.split_on_trailing_comma);
        assert_eq!(
            black.wrap,
            WrapMode::VerticalHangingIndent {
                trailing_comma: true
            }
        );
        assert!(black.unmodelled_settings.is_empty());
        // The project's own settings win over its profile's.
        let wider = isort("profile = 'black'\nline_length = 100\ninclude_trailing_comma = false\n");
        assert_eq!(wider.line_length, 100);
        assert_eq!(
            wider.wrap,
            WrapMode::VerticalHangingIndent {
                trailing_comma: false
            }
        );
        let by_name = isort("multi_line_output = 'VERTICAL_HANGING_INDENT'\n");
        assert!(matches!(
            by_name.wrap,
            WrapMode::VerticalHangingIndent { .. }
        ));
        // Profiles and settings that order or wrap in ways not modelled are named.
        let google = isort("profile = 'google'\n");
        assert!(google.force_single_line && google.force_sort_within_sections);
        assert!(google
            .unmodelled_settings
            .contains(&"lexicographical".to_string()));
        assert!(isort("profile = 'django'\n")
            .unmodelled_settings
            .contains(&"multi_line_output = 5".to_string()));
        assert!(isort("profile = 'pycharm'\n")
            .unmodelled_settings
            .contains(&"force_grid_wrap".to_string()));
        assert!(isort("profile = 'nonesuch'\n")
            .unmodelled_settings
            .contains(&"profile = nonesuch".to_string()));
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
        assert_eq!(
            style,
            ImportStyle {
                known_first_party: style.known_first_party.clone(),
                ..ImportStyle::default()
            }
        );
        let ruff: Value = toml::from_str("default-section = 'first-party'\n").unwrap();
        let mut style = ImportStyle::default();
        apply_sorter_settings(&mut style, &ruff, "-");
        assert_eq!(style.default_section, "first-party");
        assert!(style.unmodelled_settings.is_empty());
    }

    #[test]
    fn custom_sections_in_either_sorter() {
        let ruff: Value = toml::from_str(
            "section-order = ['future', 'standard-library', 'third-party', 'vendored', \
             'first-party', 'tests', 'local-folder']\nno-lines-before = ['local-folder']\n\
             relative-imports-order = 'closest-to-furthest'\n\
             [sections]\nvendored = ['pip._vendor']\ntests = ['tests']\n",
        )
        .unwrap();
        let mut style = ImportStyle::default();
        apply_sorter_settings(&mut style, &ruff, "-");
        assert!(style.unmodelled_settings.is_empty());
        assert_eq!(
            style.custom_sections,
            // In the order the configuration writes them (TOML tables keep their order).
            [
                ("vendored".to_string(), vec!["pip._vendor".to_string()]),
                ("tests".to_string(), vec!["tests".to_string()]),
            ]
        );
        assert_eq!(style.section_order[3], "vendored");
        assert_eq!(style.no_lines_before, ["local-folder"]);
        assert!(style.relative_closest_first);
        let isort = ini_section(
            "[isort]\nsections = FUTURE,STDLIB,DJANGO,THIRDPARTY,FIRSTPARTY,LOCALFOLDER\n\
             known_django = django\nno_lines_before = LOCALFOLDER\nfrom_first = true\n\
             profile = black\n",
            "isort",
        )
        .unwrap();
        let mut style = ImportStyle::default();
        apply_sorter_settings(&mut style, &isort, "_");
        assert!(style.unmodelled_settings.is_empty());
        assert_eq!(
            style.section_order,
            [
                "future",
                "standard-library",
                "django",
                "third-party",
                "first-party",
                "local-folder"
            ]
        );
        assert_eq!(
            style.custom_sections,
            [("django".to_string(), vec!["django".to_string()])]
        );
        assert_eq!(style.no_lines_before, ["local-folder"]);
        assert!(style.from_first);
    }

    #[test]
    fn isort_settings_from_ini_files_typed_as_in_pyproject() {
        let text = "[flake8]\nmax-line-length = 100\n\n[tool:isort]\nprofile = black\n\
                    known_first_party = app,lib\nknown-third-party =\n    django\n    celery\n\
                    force_sort_within_sections = True\n; a comment\nline_length: 100\n";
        let value = ini_section(text, "tool:isort").unwrap();
        let mut style = ImportStyle::default();
        apply_sorter_settings(&mut style, &value, "_");
        assert_eq!(style.known_first_party, ["app", "lib"]);
        assert_eq!(style.known_third_party, ["django", "celery"]);
        assert!(style.force_sort_within_sections);
        assert_eq!(
            value.get("line_length").and_then(Value::as_integer),
            Some(100)
        );
        assert!(ini_section(text, "isort").is_none());
    }

    #[test]
    fn isort_looks_in_each_directory_in_its_own_order() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("sub");
        std::fs::create_dir(&nested).unwrap();
        std::fs::write(
            dir.path().join("tox.ini"),
            "[isort]\nknown_first_party = tox\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("setup.cfg"),
            "[isort]\nknown_first_party = cfg\n",
        )
        .unwrap();
        let found = find_isort_config(&nested).unwrap();
        assert_eq!(
            found.get("known_first_party").and_then(Value::as_str),
            Some("cfg")
        );
        std::fs::write(
            nested.join(".isort.cfg"),
            "[settings]\nknown_first_party = own\n",
        )
        .unwrap();
        let found = find_isort_config(&nested).unwrap();
        assert_eq!(
            found.get("known_first_party").and_then(Value::as_str),
            Some("own")
        );
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
