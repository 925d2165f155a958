//! The project's import style, as isort and ruff's `I001` see it: which section an import
//! belongs to and in what order statements and names sort.
//!
//! The order follows ruff's isort defaults: sections future, standard library, third party,
//! first party, local folder (relative imports); inside a section `import x` statements before
//! `from x import y` ones (unless `force-sort-within-sections`, or the other way round with
//! `from-first`); modules in natural order, case-insensitively unless `case-sensitive`; names in
//! a `from` import constants first, then classes, then the rest (unless `order-by-type =
//! false`); with `force-single-line`, one name per `from` statement, statements of one module
//! ordered by name. Custom sections (ruff's `sections`, isort's `known_<name>`), their order
//! (`section-order`, isort's `sections`), the section of unknown modules (`default-section`),
//! sections printed without a blank line before them (`no-lines-before`) and the order of
//! relative imports (`relative-imports-order`) are followed too. Settings this does not know
//! never make a block look sorted by accident: a block is only treated as sorted when it is
//! sorted by these rules.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use ssot_index::stdlib::is_stdlib_or_private_module as is_stdlib;

/// The settings of the project's import sorter and formatter that decide where a new import
/// goes and how long a line may be (`[tool.ruff.lint.isort]`, `[tool.isort]`, `line-length`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportStyle {
    /// The longest line the formatter leaves alone (`line-length`, default 88).
    pub line_length: usize,
    /// Module patterns (`pkg`, `pkg.sub`, `pkg_*`) of each kind, from the sorter's settings.
    pub known_first_party: Vec<String>,
    pub known_third_party: Vec<String>,
    pub known_local_folder: Vec<String>,
    pub extra_standard_library: Vec<String>,
    /// Custom sections and their module patterns (ruff's `sections`, isort's `known_<name>`).
    pub custom_sections: Vec<(String, Vec<String>)>,
    /// Section names in the order the sorter prints them: `future`, `standard-library`,
    /// `third-party`, `first-party`, `local-folder` and custom ones (`section-order`).
    pub section_order: Vec<String>,
    /// The section of a module no setting and no source root claims (`default-section`).
    pub default_section: String,
    /// Sections printed right after the previous one, without a blank line (`no-lines-before`).
    pub no_lines_before: Vec<String>,
    /// `from x import y` before `import x` in each section (`from-first`).
    pub from_first: bool,
    /// Relative imports `.` before `..` (`relative-imports-order = "closest-to-furthest"`).
    pub relative_closest_first: bool,
    /// Sort `import x` and `from x import y` together by module.
    pub force_sort_within_sections: bool,
    /// `from m import a as b, c` in one statement instead of one statement per `as` name.
    pub combine_as_imports: bool,
    /// Every name of a `from` import in a statement of its own (`force-single-line`).
    pub force_single_line: bool,
    /// Constants, then classes, then other names in a `from` import.
    pub order_by_type: bool,
    pub case_sensitive: bool,
    /// A trailing comma keeps a statement one name per line.
    pub split_on_trailing_comma: bool,
    /// How a `from` import too long for one line is wrapped.
    pub wrap: WrapMode,
    /// Classify imports of the file's own top-level package as first party.
    pub detect_same_package: bool,
    /// Blank lines between the `import x` and the `from x import y` statements of one section
    /// (`lines-between-types`, default 0).
    pub lines_between_types: usize,
    /// Dotted names of the modules and packages the sorter finds under its `src` roots: an
    /// import of one of them is first party.
    pub source_modules: BTreeSet<String>,
    /// The project's order-changing sorter settings this model does not follow (such as
    /// `section-order` or custom `sections`): with any, no block is judged sorted and a rewrite
    /// that could move a statement within its block is skipped, so a block the sorter accepts
    /// is never left unsorted.
    pub unmodelled_settings: Vec<String>,
    /// Directories (project-relative, ending in `/`) with a sorter configuration of their own,
    /// as ruff reads configuration hierarchically: a file takes the style of the deepest one
    /// holding it, else this one.
    pub directory_styles: Vec<(String, ImportStyle)>,
}

impl Default for ImportStyle {
    fn default() -> Self {
        Self {
            line_length: 88,
            known_first_party: Vec::new(),
            known_third_party: Vec::new(),
            known_local_folder: Vec::new(),
            extra_standard_library: Vec::new(),
            custom_sections: Vec::new(),
            section_order: DEFAULT_SECTION_ORDER
                .iter()
                .map(|s| s.to_string())
                .collect(),
            default_section: THIRD_PARTY.to_string(),
            no_lines_before: Vec::new(),
            from_first: false,
            relative_closest_first: false,
            force_sort_within_sections: false,
            combine_as_imports: false,
            force_single_line: false,
            order_by_type: true,
            case_sensitive: false,
            split_on_trailing_comma: true,
            wrap: WrapMode::VerticalHangingIndent {
                trailing_comma: true,
            },
            detect_same_package: true,
            lines_between_types: 0,
            source_modules: BTreeSet::new(),
            unmodelled_settings: Vec::new(),
            directory_styles: Vec::new(),
        }
    }
}

/// How a `from` import that does not fit on one line is printed: isort's `multi_line_output`
/// modes the formatters and sorters use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WrapMode {
    /// Parenthesised, one name per line, indented one level (ruff's formatter, black, ruff's
    /// sorter, isort's `multi_line_output = 3`, as in its `black` profile), with a trailing
    /// comma after the last name when `trailing_comma` (isort's `include_trailing_comma`).
    VerticalHangingIndent { trailing_comma: bool },
    /// isort's default (`multi_line_output = 0`): names fill each line, continuation lines
    /// aligned just after the opening parenthesis.
    Grid { trailing_comma: bool },
}

const FUTURE: &str = "future";
const STANDARD_LIBRARY: &str = "standard-library";
const THIRD_PARTY: &str = "third-party";
const FIRST_PARTY: &str = "first-party";
const LOCAL_FOLDER: &str = "local-folder";
/// The sorters' order of the built-in sections.
pub const DEFAULT_SECTION_ORDER: [&str; 5] = [
    FUTURE,
    STANDARD_LIBRARY,
    THIRD_PARTY,
    FIRST_PARTY,
    LOCAL_FOLDER,
];

/// An import section: its place in the style's section order (sections compare in that order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Section(u16);

impl ImportStyle {
    /// The style of the file at project-relative `path`: that of the deepest directory with a
    /// configuration of its own above it, else this one.
    pub fn for_path(&self, path: &str) -> &ImportStyle {
        self.directory_styles
            .iter()
            .filter(|(directory, _)| path.starts_with(directory.as_str()))
            .max_by_key(|(directory, _)| directory.len())
            .map_or(self, |(_, style)| style)
    }

    /// The section of an import of `module` (without dots) at relative `level`, from a file
    /// whose top-level package is `own_package`.
    pub(crate) fn section(&self, module: &str, level: u32, own_package: Option<&str>) -> Section {
        self.section_named(self.section_name(module, level, own_package))
    }

    fn section_name<'s>(&'s self, module: &str, level: u32, own_package: Option<&str>) -> &'s str {
        let base = module.split('.').next().unwrap_or_default();
        if level == 0 && base == "__future__" {
            return FUTURE;
        }
        if level > 0 {
            return LOCAL_FOLDER;
        }
        if let Some(section) = self.known_section(module) {
            return section;
        }
        if is_stdlib(base) {
            return STANDARD_LIBRARY;
        }
        if self.detect_same_package && own_package == Some(base) {
            return FIRST_PARTY;
        }
        if self.source_modules.contains(module) {
            return FIRST_PARTY;
        }
        &self.default_section
    }

    /// The section called `name`: its place in the section order. A section the order leaves
    /// out takes the default section's place, as ruff does with such a custom section.
    fn section_named(&self, name: &str) -> Section {
        let position = |name: &str| self.section_order.iter().position(|s| s == name);
        let rank = position(name)
            .or_else(|| position(&self.default_section))
            .unwrap_or(self.section_order.len());
        Section(u16::try_from(rank).unwrap_or(u16::MAX))
    }

    /// The sorter prints a blank line between the statements of section `a` and those of a
    /// later section `b`: as ruff does, unless every section after `a` up to `b` (the empty ones
    /// between them included) is in `no-lines-before`.
    pub(crate) fn blank_between(&self, a: Section, b: Section) -> bool {
        a != b
            && (usize::from(a.0.min(b.0)) + 1..=usize::from(a.0.max(b.0))).any(|rank| {
                self.section_order
                    .get(rank)
                    .is_none_or(|name| !self.no_lines_before.contains(name))
            })
    }

    /// The section the settings give `module` or its closest parent package.
    fn known_section(&self, module: &str) -> Option<&str> {
        let builtin = [
            (&self.known_first_party, FIRST_PARTY),
            (&self.known_third_party, THIRD_PARTY),
            (&self.known_local_folder, LOCAL_FOLDER),
            (&self.extra_standard_library, STANDARD_LIBRARY),
        ];
        let lists: Vec<(&Vec<String>, &str)> = builtin
            .into_iter()
            .chain(
                self.custom_sections
                    .iter()
                    .map(|(name, patterns)| (patterns, name.as_str())),
            )
            .collect();
        let prefixes = module
            .match_indices('.')
            .map(|(i, _)| i)
            .chain(std::iter::once(module.len()))
            .rev();
        for end in prefixes {
            let prefix = &module[..end];
            for (patterns, section) in &lists {
                if patterns.iter().any(|p| glob_matches(p, prefix)) {
                    return Some(section);
                }
            }
        }
        None
    }

    /// The order of two names inside one `from` import (`asname` included).
    pub(crate) fn compare_members(
        &self,
        a: (&str, Option<&str>),
        b: (&str, Option<&str>),
    ) -> Ordering {
        let star = |name: &str| name != "*";
        star(a.0)
            .cmp(&star(b.0))
            .then_with(|| {
                if self.order_by_type {
                    member_type(a.0).cmp(&member_type(b.0))
                } else {
                    Ordering::Equal
                }
            })
            .then_with(|| {
                if self.case_sensitive {
                    Ordering::Equal
                } else {
                    natural_cmp(&a.0.to_lowercase(), &b.0.to_lowercase())
                }
            })
            .then_with(|| natural_cmp(a.0, b.0))
            .then_with(|| compare_optional(a.1, b.1))
    }

    /// The order of two statements of one section.
    pub(crate) fn compare_statements(&self, a: &StatementKey, b: &StatementKey) -> Ordering {
        let straight_first = |k: &StatementKey| {
            if self.force_sort_within_sections {
                0
            } else {
                u8::from(k.is_from != self.from_first)
            }
        };
        // Relative imports sort furthest first (or closest first); absolute ones after every
        // relative one.
        let distance = |k: &StatementKey| match k.level {
            0 => (1, 0),
            level if self.relative_closest_first => (0, i64::from(level)),
            level => (0, -i64::from(level)),
        };
        a.section
            .cmp(&b.section)
            .then_with(|| straight_first(a).cmp(&straight_first(b)))
            .then_with(|| distance(a).cmp(&distance(b)))
            .then_with(|| {
                if self.case_sensitive {
                    Ordering::Equal
                } else {
                    compare_optional_by(
                        a.module.as_deref().map(str::to_lowercase).as_deref(),
                        b.module.as_deref().map(str::to_lowercase).as_deref(),
                        natural_cmp,
                    )
                }
            })
            .then_with(|| compare_optional(a.module.as_deref(), b.module.as_deref()))
            .then_with(|| match (&a.first_name, &b.first_name) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(x), Some(y)) => self.compare_members(
                    (x.0.as_str(), x.1.as_deref()),
                    (y.0.as_str(), y.1.as_deref()),
                ),
            })
            .then_with(|| compare_optional(a.asname.as_deref(), b.asname.as_deref()))
    }
}

/// What a statement sorts by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StatementKey {
    pub section: Section,
    pub is_from: bool,
    pub level: u32,
    /// The module without dots (`None` for `from . import x`).
    pub module: Option<String>,
    /// The first name of a `from` import, after sorting.
    pub first_name: Option<(String, Option<String>)>,
    /// The `as` name of an `import x as y`.
    pub asname: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum MemberType {
    Constant,
    Class,
    Variable,
}

fn member_type(name: &str) -> MemberType {
    let has_upper = name.chars().any(char::is_uppercase);
    let has_lower = name.chars().any(char::is_lowercase);
    if name.chars().count() > 1 && has_upper && !has_lower {
        MemberType::Constant
    } else if name.chars().next().is_some_and(char::is_uppercase) {
        MemberType::Class
    } else {
        MemberType::Variable
    }
}

fn compare_optional(a: Option<&str>, b: Option<&str>) -> Ordering {
    compare_optional_by(a, b, natural_cmp)
}

fn compare_optional_by(
    a: Option<&str>,
    b: Option<&str>,
    cmp: impl Fn(&str, &str) -> Ordering,
) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => cmp(a, b),
    }
}

/// Natural order: runs of digits compare by value (`mod2` before `mod10`), everything else
/// character by character.
pub(crate) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let run = |s: &[u8], k: usize| {
                    let end = s[k..]
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .map_or(s.len(), |e| k + e);
                    (k, end)
                };
                let (ai, ae) = run(a, i);
                let (bj, be) = run(b, j);
                let (ra, rb) = (&a[ai..ae], &b[bj..be]);
                let order = if ra[0] == b'0' || rb[0] == b'0' {
                    // A leading zero reads as a fraction: digit by digit.
                    ra.cmp(rb)
                } else {
                    ra.len().cmp(&rb.len()).then_with(|| ra.cmp(rb))
                };
                if order != Ordering::Equal {
                    return order;
                }
                i = ae;
                j = be;
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                i += 1;
                j += 1;
            }
        }
    }
}

/// `pattern` (with `*` and `?` wildcards) matches the whole of `text`.
fn glob_matches(pattern: &str, text: &str) -> bool {
    fn matches(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') => (0..=t.len()).any(|k| matches(&p[1..], &t[k..])),
            Some(b'?') => !t.is_empty() && matches(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && matches(&p[1..], &t[1..]),
        }
    }
    matches(pattern.as_bytes(), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        let mut style = ImportStyle {
            known_first_party: vec!["mine".into()],
            known_third_party: vec!["mine.vendored".into()],
            ..ImportStyle::default()
        };
        style.source_modules.insert("app".into());
        style.source_modules.insert("app.core".into());
        let name = |module: &str, level: u32, own: Option<&str>| {
            style.section_name(module, level, own).to_string()
        };
        assert_eq!(name("__future__", 0, None), FUTURE);
        assert_eq!(name("os.path", 0, None), STANDARD_LIBRARY);
        assert_eq!(name("requests", 0, None), THIRD_PARTY);
        assert_eq!(name("mine.x", 0, None), FIRST_PARTY);
        assert_eq!(name("mine.vendored.y", 0, None), THIRD_PARTY);
        assert_eq!(name("app.core", 0, None), FIRST_PARTY);
        assert_eq!(name("lib", 0, Some("lib")), FIRST_PARTY);
        assert_eq!(name("x", 2, None), LOCAL_FOLDER);
        assert!(style.section("os", 0, None) < style.section("requests", 0, None));
    }

    #[test]
    fn custom_sections_in_their_order() {
        let mut style = ImportStyle {
            custom_sections: vec![
                ("vendored".into(), vec!["pip._vendor".into()]),
                ("tests".into(), vec!["tests".into()]),
            ],
            section_order: [
                FUTURE,
                STANDARD_LIBRARY,
                THIRD_PARTY,
                "vendored",
                FIRST_PARTY,
            ]
            .iter()
            .chain(&[LOCAL_FOLDER])
            .map(|s| s.to_string())
            .collect(),
            no_lines_before: vec![LOCAL_FOLDER.into()],
            ..ImportStyle::default()
        };
        style.source_modules.insert("pip._internal".into());
        let vendored = style.section("pip._vendor.six", 0, None);
        let first = style.section("pip._internal", 0, None);
        let third = style.section("requests", 0, None);
        assert!(third < vendored && vendored < first);
        // A custom section left out of the order is printed with the default section.
        assert_eq!(style.section("tests.unit", 0, None), third);
        let local = style.section("x", 1, None);
        assert!(style.blank_between(third, vendored));
        assert!(!style.blank_between(first, local));
        assert!(style.blank_between(vendored, local));
        assert!(!style.blank_between(first, first));
    }

    #[test]
    fn each_file_takes_the_style_of_its_nearest_configured_directory() {
        let inner = ImportStyle {
            force_single_line: true,
            ..ImportStyle::default()
        };
        let outer = ImportStyle {
            combine_as_imports: true,
            ..ImportStyle::default()
        };
        let style = ImportStyle {
            directory_styles: vec![
                ("dist/".to_string(), outer.clone()),
                ("dist/inner/".to_string(), inner.clone()),
            ],
            ..ImportStyle::default()
        };
        assert_eq!(style.for_path("dist/inner/pkg/mod.py"), &inner);
        assert_eq!(style.for_path("dist/pkg/mod.py"), &outer);
        assert_eq!(style.for_path("distant/mod.py"), &style);
        assert_eq!(style.for_path("top.py"), &style);
    }

    #[test]
    fn member_order() {
        let style = ImportStyle::default();
        let mut names = vec!["b", "CONST", "Class", "a", "A2", "x10", "x9"];
        names.sort_by(|a, b| style.compare_members((a, None), (b, None)));
        assert_eq!(names, ["A2", "CONST", "Class", "a", "b", "x9", "x10"]);
        let style = ImportStyle {
            order_by_type: false,
            ..ImportStyle::default()
        };
        names.sort_by(|a, b| style.compare_members((a, None), (b, None)));
        assert_eq!(names, ["a", "A2", "b", "Class", "CONST", "x9", "x10"]);
    }
}
