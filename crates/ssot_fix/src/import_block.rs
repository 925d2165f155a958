//! Import blocks as isort sees them, and where a new import goes in one.
//!
//! A block is a run of import statements with nothing but blank lines and comments between
//! them, each on lines of its own at one indentation. A block is *sorted* when it already is
//! what the sorter would print (section order, statement order, name order, nothing it would
//! merge or split): only then does a fix place new imports where the sorter would. A block that
//! is not sorted keeps the old placement, right after the statement names leave, so a fix never
//! sorts what the user did not sort.

use std::cmp::Ordering;

use ssot_facts::{FileFacts, ImportKind, ImportStmt};

use crate::import_style::{ImportStyle, Section, StatementKey, WrapMode};
use crate::import_text::{comments_in, line_end, line_start, next_line_start, own_lines_indent};

/// One block: indices into the file's imports, in file order.
#[derive(Clone, Debug)]
pub(crate) struct ImportBlock {
    pub statements: Vec<u32>,
    pub sorted: bool,
}

/// Where a new statement goes and which blank lines it brings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Insertion {
    pub at: u32,
    pub blank_before: bool,
    pub blank_after: bool,
}

/// The import blocks of a file and the keys they sort by.
pub(crate) struct Blocks<'a> {
    style: &'a ImportStyle,
    facts: &'a FileFacts,
    source: &'a str,
    own_package: Option<&'a str>,
    blocks: Vec<ImportBlock>,
    /// Each statement's block.
    block_of: Vec<usize>,
}

impl<'a> Blocks<'a> {
    pub(crate) fn new(
        style: &'a ImportStyle,
        facts: &'a FileFacts,
        source: &'a str,
        own_package: Option<&'a str>,
    ) -> Self {
        let skip_file = source.contains("isort: skip_file") || source.contains("isort:skip_file");
        let mut blocks: Vec<ImportBlock> = Vec::new();
        let mut block_of = Vec::with_capacity(facts.imports.len());
        for (index, statement) in facts.imports.iter().enumerate() {
            let joins = index > 0 && {
                let previous = &facts.imports[index - 1];
                let indent = own_lines_indent(source, statement.span);
                indent.is_some()
                    && indent == own_lines_indent(source, previous.span)
                    && previous.span.end <= statement.span.start
                    && only_blanks_and_comments(
                        &source[previous.span.end as usize..statement.span.start as usize],
                    )
            };
            if joins {
                blocks
                    .last_mut()
                    .expect("a statement joins a block")
                    .statements
                    .push(index as u32);
            } else {
                blocks.push(ImportBlock {
                    statements: vec![index as u32],
                    sorted: false,
                });
            }
            block_of.push(blocks.len() - 1);
        }
        let mut this = Self {
            style,
            facts,
            source,
            own_package,
            blocks,
            block_of,
        };
        if !skip_file && style.unmodelled_settings.is_empty() {
            for k in 0..this.blocks.len() {
                let sorted = this.is_sorted(&this.blocks[k].statements);
                this.blocks[k].sorted = sorted;
            }
        }
        this
    }

    /// The block holding statement `index`.
    pub(crate) fn block(&self, index: u32) -> &ImportBlock {
        &self.blocks[self.block_of[index as usize]]
    }

    fn statement(&self, index: u32) -> &ImportStmt {
        &self.facts.imports[index as usize]
    }

    /// The section of an import of `module` at `level` from this file.
    pub(crate) fn section(&self, module: Option<&str>, level: u32) -> Section {
        self.style
            .section(module.unwrap_or_default(), level, self.own_package)
    }

    /// What statement `index` sorts by (its names taken in their written order).
    pub(crate) fn key(&self, index: u32) -> StatementKey {
        let statement = self.statement(index);
        match &statement.kind {
            ImportKind::Import => {
                let first = &statement.names[0];
                StatementKey {
                    section: self.section(Some(&first.name), 0),
                    is_from: false,
                    level: 0,
                    module: Some(first.name.to_string()),
                    first_name: None,
                    asname: first.asname.clone().map(Into::into),
                }
            }
            ImportKind::From { module, level } => {
                let first = statement
                    .names
                    .first()
                    .map(|n| (n.name.to_string(), n.asname.as_deref().map(str::to_string)));
                self.key_of_from(module.as_deref(), *level, first)
            }
        }
    }

    /// The key of `from <dots><module> import <first>, ...`.
    pub(crate) fn key_of_from(
        &self,
        module: Option<&str>,
        level: u32,
        first: Option<(String, Option<String>)>,
    ) -> StatementKey {
        StatementKey {
            section: self.section(module, level),
            is_from: true,
            level,
            module: module.map(str::to_string),
            first_name: first,
            asname: None,
        }
    }

    /// The block is what the sorter would print, as far as order goes.
    fn is_sorted(&self, statements: &[u32]) -> bool {
        let style = self.style;
        for &index in statements {
            let statement = self.statement(index);
            if comments_in(self.source, statement.span)
                .iter()
                .chain(self.trailing_comment(statement).iter())
                .any(|c| is_sorter_directive(&self.source[c.start as usize..c.end as usize]))
            {
                return false;
            }
            match &statement.kind {
                ImportKind::Import => {
                    if statement.names.len() != 1 {
                        return false;
                    }
                }
                ImportKind::From { .. } => {
                    let names = &statement.names;
                    if style.force_single_line && names.len() > 1 {
                        return false;
                    }
                    if !style.combine_as_imports
                        && names.len() > 1
                        && names.iter().any(|n| n.asname.is_some())
                    {
                        return false;
                    }
                    let in_order = names.windows(2).all(|pair| {
                        style.compare_members(
                            (&pair[0].name, pair[0].asname.as_deref()),
                            (&pair[1].name, pair[1].asname.as_deref()),
                        ) == Ordering::Less
                    });
                    if !in_order {
                        return false;
                    }
                }
            }
        }
        for pair in statements.windows(2) {
            let (a, b) = (self.key(pair[0]), self.key(pair[1]));
            if style.compare_statements(&a, &b) != Ordering::Less {
                return false;
            }
            if self.would_merge(pair[0], pair[1]) {
                return false;
            }
            let between = &self.source[self.statement(pair[0]).span.end as usize
                ..self.statement(pair[1]).span.start as usize];
            let blank = style.blank_between(a.section, b.section) || self.types_apart(&a, &b);
            let blank_found = has_blank_line(between);
            // Between sections the sorter prints exactly what the style says (`no-lines-before`
            // joins a section to the one before it).
            if (blank && !blank_found) || (a.section != b.section && !blank && blank_found) {
                return false;
            }
        }
        // The sorter merges any two `from` imports of one module, not only neighbours.
        for (i, &a) in statements.iter().enumerate() {
            for &b in &statements[i + 1..] {
                if self.would_merge(a, b) {
                    return false;
                }
            }
        }
        true
    }

    /// The sorter separates `a` (an `import`) from `b` (a `from` import of the same section)
    /// with a blank line: `lines-between-types`.
    pub(crate) fn types_apart(&self, a: &StatementKey, b: &StatementKey) -> bool {
        self.style.lines_between_types > 0
            && !self.style.force_sort_within_sections
            && a.section == b.section
            && !a.is_from
            && b.is_from
    }

    /// The sorter would print `a` and `b` as one statement.
    fn would_merge(&self, a: u32, b: u32) -> bool {
        let (a, b) = (self.statement(a), self.statement(b));
        match (&a.kind, &b.kind) {
            (ImportKind::From { .. }, ImportKind::From { .. }) => {
                !self.style.force_single_line
                    && a.kind == b.kind
                    && self.joinable(a)
                    && self.joinable(b)
            }
            (ImportKind::Import, ImportKind::Import) => a.names == b.names,
            _ => false,
        }
    }

    /// A `from` statement other names of its module can join (not a star import, not an `as`
    /// import unless the style combines them, and never under `force-single-line`).
    pub(crate) fn joinable(&self, statement: &ImportStmt) -> bool {
        !self.style.force_single_line
            && !statement.names.iter().any(|n| n.name == "*")
            && (self.style.combine_as_imports || statement.names.iter().all(|n| n.asname.is_none()))
    }

    /// The comment after the statement on its last line.
    pub(crate) fn trailing_comment(&self, statement: &ImportStmt) -> Option<ssot_facts::Span> {
        let end = line_end(self.source, statement.span.end);
        let rest = &self.source[statement.span.end as usize..end as usize];
        let hash = rest.find('#')?;
        Some(ssot_facts::Span {
            start: statement.span.end + hash as u32,
            end,
        })
    }

    /// Where a new statement with `key` goes in the block of statement `anchor`, among the
    /// block's statements other than `excluded`.
    pub(crate) fn insertion(
        &self,
        anchor: u32,
        key: &StatementKey,
        excluded: &[u32],
    ) -> Option<Insertion> {
        let others: Vec<u32> = self
            .block(anchor)
            .statements
            .iter()
            .copied()
            .filter(|s| !excluded.contains(s))
            .collect();
        let slot = others
            .iter()
            .position(|&s| self.style.compare_statements(&self.key(s), key) == Ordering::Greater)
            .unwrap_or(others.len());
        let previous = slot.checked_sub(1).map(|i| others[i]);
        let next = others.get(slot).copied();
        let same = |s: Option<u32>| s.is_some_and(|s| self.key(s).section == key.section);
        let after = |s: u32| next_line_start(self.source, self.statement(s).span.end);
        let before = |s: u32| line_start(self.source, self.statement(s).span.start);
        Some(
            if same(previous) && self.types_apart(&self.key(previous?), key) {
                // The first `from` after the section's `import`s: past the blank line between them.
                if same(next) {
                    Insertion {
                        at: before(next?),
                        blank_before: false,
                        blank_after: false,
                    }
                } else {
                    Insertion {
                        at: after(previous?),
                        blank_before: true,
                        blank_after: false,
                    }
                }
            } else if !same(previous) && same(next) && self.types_apart(key, &self.key(next?)) {
                Insertion {
                    at: before(next?),
                    blank_before: false,
                    blank_after: true,
                }
            } else if same(previous) {
                Insertion {
                    at: after(previous?),
                    blank_before: false,
                    blank_after: false,
                }
            } else if same(next) {
                Insertion {
                    at: before(next?),
                    blank_before: false,
                    blank_after: false,
                }
            } else if let Some(previous) = previous {
                let previous_section = self.key(previous).section;
                let blank_before = self.style.blank_between(previous_section, key.section);
                match next.map(|n| self.key(n).section) {
                    // The blank line between the two sections is there only for the one
                    // before the new statement: the statement goes after it.
                    Some(next_section)
                        if blank_before && !self.style.blank_between(key.section, next_section) =>
                    {
                        Insertion {
                            at: before(next?),
                            blank_before: false,
                            blank_after: false,
                        }
                    }
                    _ => Insertion {
                        at: after(previous),
                        blank_before,
                        blank_after: false,
                    },
                }
            } else {
                Insertion {
                    at: before(next?),
                    blank_before: false,
                    blank_after: self
                        .style
                        .blank_between(key.section, self.key(next?).section),
                }
            },
        )
    }

    /// Statement `index`, rewritten to sort by `key`, still sorts between its neighbours and
    /// stays in its section: it can be rewritten where it is.
    pub(crate) fn keeps_its_slot(&self, index: u32, key: &StatementKey) -> bool {
        let block = &self.block(index).statements;
        let position = block.iter().position(|&s| s == index).unwrap_or(0);
        let previous = position.checked_sub(1).map(|i| self.key(block[i]));
        let next = block.get(position + 1).map(|&s| self.key(s));
        if block.len() == 1 {
            return true;
        }
        self.key(index).section == key.section
            && previous.is_none_or(|p| self.style.compare_statements(&p, key) == Ordering::Less)
            && next.is_none_or(|n| self.style.compare_statements(key, &n) == Ordering::Less)
    }

    /// The deletion of statement `index` with its lines, and of a blank line that separated it
    /// from a neighbouring section when it was its section's only statement.
    pub(crate) fn deletion(&self, index: u32) -> ssot_facts::Span {
        let statement = self.statement(index);
        let start = line_start(self.source, statement.span.start);
        let mut end = next_line_start(self.source, statement.span.end);
        let block = &self.block(index).statements;
        let position = block.iter().position(|&s| s == index).unwrap_or(0);
        let section = self.key(index).section;
        let alone = position
            .checked_sub(1)
            .is_none_or(|i| self.key(block[i]).section != section)
            && block
                .get(position + 1)
                .is_none_or(|&s| self.key(s).section != section);
        if alone && position > 0 {
            // Take the blank line after it (or before it, at the end of the block); a section
            // printed without a blank line before it (`no-lines-before`) has none to take.
            let following = &self.source[end as usize..next_line_start(self.source, end) as usize];
            if let Some(&next) = block.get(position + 1) {
                // Two blank lines around it become one; a single one stays, as the sections
                // on either side of it still need it.
                let previous = self.key(block[position - 1]).section;
                let next = self.key(next).section;
                if self.style.blank_between(previous, section)
                    && self.style.blank_between(section, next)
                    && following.trim().is_empty()
                    && !following.is_empty()
                {
                    end = next_line_start(self.source, end);
                }
            } else if start > 0 {
                let previous_line = line_start(self.source, start - 1);
                if self.source[previous_line as usize..start as usize]
                    .trim()
                    .is_empty()
                {
                    return ssot_facts::Span {
                        start: previous_line,
                        end,
                    };
                }
            }
        }
        ssot_facts::Span { start, end }
    }

    /// A comment line sits right above statement `index` (the sorter keeps it with it).
    pub(crate) fn has_comment_above(&self, index: u32) -> bool {
        let start = line_start(self.source, self.statement(index).span.start);
        if start == 0 {
            return false;
        }
        let previous = line_start(self.source, start - 1);
        self.source[previous as usize..start as usize]
            .trim_start()
            .starts_with('#')
    }
}

/// `text` holds only blanks, line endings and whole comments.
fn only_blanks_and_comments(text: &str) -> bool {
    let mut in_comment = false;
    for c in text.chars() {
        match c {
            '\n' | '\r' => in_comment = false,
            _ if in_comment => {}
            '#' => in_comment = true,
            ' ' | '\t' | '\x0c' => {}
            _ => return false,
        }
    }
    true
}

/// `text` (between two statements) holds a line with nothing on it.
fn has_blank_line(text: &str) -> bool {
    let text = text.replace("\r\n", "\n");
    text.split('\n')
        .skip(1)
        .collect::<Vec<_>>()
        .split_last()
        .is_some_and(|(_, middle)| middle.iter().any(|l| l.trim().is_empty()))
}

/// An `isort:` or `ruff: isort` directive, which changes what the sorter does with a block.
fn is_sorter_directive(comment: &str) -> bool {
    comment.contains("isort:") || comment.contains("isort :")
}

/// A comment that applies to its statement's line: a checker or linter directive.
pub(crate) fn is_pragma(comment: &str) -> bool {
    comment.split('#').skip(1).any(|part| {
        let part = part.trim_start().to_ascii_lowercase();
        [
            "type:", "noqa", "pragma", "ssot:", "pyright:", "pylint:", "mypy:", "nosec",
        ]
        .iter()
        .any(|p| part.starts_with(p))
    })
}

/// A `from` statement as the formatters print it: on one line when it fits in `line_length`
/// (with `comment_width` more columns for a trailing comment) and is not held open by a magic
/// trailing comma, otherwise wrapped in parentheses the way `wrap` says (by default one name
/// per line with a trailing comma). The first line is returned without its indentation.
#[allow(clippy::too_many_arguments)]
pub(crate) fn render_from(
    module: &str,
    names: &[String],
    indent: &str,
    unit: &str,
    line_ending: &str,
    line_length: usize,
    comment_width: usize,
    keep_open: bool,
    wrap: WrapMode,
) -> String {
    let single = format!("from {module} import {}", names.join(", "));
    let width = display_width(indent) + single.chars().count() + comment_width;
    if names.iter().any(|n| n == "*") || (!keep_open && width <= line_length) {
        return single;
    }
    match wrap {
        WrapMode::VerticalHangingIndent { trailing_comma } => {
            let mut out = format!("from {module} import ({line_ending}");
            for (i, name) in names.iter().enumerate() {
                out.push_str(indent);
                out.push_str(unit);
                out.push_str(name);
                if trailing_comma || i + 1 < names.len() {
                    out.push(',');
                }
                out.push_str(line_ending);
            }
            out.push_str(indent);
            out.push(')');
            out
        }
        WrapMode::Grid { trailing_comma } => render_grid(
            module,
            names,
            indent,
            line_ending,
            line_length,
            trailing_comma,
        ),
    }
}

/// isort's grid wrap: `from m import (a, b,` then lines of names aligned after the
/// parenthesis, each line filled while it and the comma or parenthesis after it fit.
fn render_grid(
    module: &str,
    names: &[String],
    indent: &str,
    line_ending: &str,
    line_length: usize,
    trailing_comma: bool,
) -> String {
    let head = format!("from {module} import (");
    let align = " ".repeat(head.chars().count());
    let mut out = head;
    let mut line_width = display_width(indent) + out.chars().count();
    for (i, name) in names.iter().enumerate() {
        let width = name.chars().count();
        if i == 0 {
            out.push_str(name);
            line_width += width;
        } else if line_width + 2 + width + 1 > line_length {
            out.push(',');
            out.push_str(line_ending);
            out.push_str(indent);
            out.push_str(&align);
            out.push_str(name);
            line_width = display_width(indent) + align.len() + width;
        } else {
            out.push_str(", ");
            out.push_str(name);
            line_width += 2 + width;
        }
    }
    if trailing_comma {
        out.push(',');
    }
    out.push(')');
    out
}

/// Columns taken by an indentation, a tab counting as four (ruff's default `indent-width`).
pub(crate) fn display_width(indent: &str) -> usize {
    indent.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

/// The file's indentation unit: what its first indented block adds (four spaces by default).
pub(crate) fn indent_unit(source: &str) -> String {
    let mut previous: Option<&str> = None;
    for line in source.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(previous) = previous {
            if previous.trim_end().ends_with(':') {
                let outer = leading_blanks(previous);
                let inner = leading_blanks(line);
                if inner.len() > outer.len() && inner.starts_with(outer) {
                    return inner[outer.len()..].to_string();
                }
            }
        }
        previous = Some(line);
    }
    "    ".to_string()
}

fn leading_blanks(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With `SSOT_STYLE_CORPUS=<dir>` (a tree `ruff check --select I` accepts, with ruff's
    /// default settings and `src = [".", "src"]`), prints every block not judged sorted: each is
    /// a block whose new imports would keep the old placement.
    #[test]
    fn corpus_blocks_judged_sorted() {
        let Ok(root) = std::env::var("SSOT_STYLE_CORPUS") else {
            return;
        };
        let root = std::path::PathBuf::from(root);
        let mut files = Vec::new();
        let mut pending = vec![root.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "py") {
                    files.push(path);
                }
            }
        }
        let mut style = ImportStyle {
            combine_as_imports: std::env::var("SSOT_STYLE_COMBINE_AS").is_ok(),
            ..ImportStyle::default()
        };
        for path in &files {
            for base in [root.clone(), root.join("src")] {
                let Ok(relative) = path.strip_prefix(&base) else {
                    continue;
                };
                let text = relative
                    .with_extension("")
                    .to_string_lossy()
                    .replace('/', ".");
                let parts: Vec<&str> = text.split('.').filter(|p| *p != "__init__").collect();
                for end in 1..=parts.len() {
                    style.source_modules.insert(parts[..end].join("."));
                }
            }
        }
        let (mut sorted, mut unsorted) = (0, 0);
        for path in &files {
            let source = std::fs::read_to_string(path).unwrap_or_default();
            let facts = ssot_python::extract_facts(&source, ssot_python::SourceKind::Python);
            let mut own = None;
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| d.join("__init__.py").is_file()) {
                own = d.file_name().map(|n| n.to_string_lossy().into_owned());
                dir = d.parent();
            }
            let blocks = Blocks::new(&style, &facts, &source, own.as_deref());
            for block in &blocks.blocks {
                if block.sorted {
                    sorted += 1;
                } else {
                    unsorted += 1;
                    let first = &facts.imports[block.statements[0] as usize];
                    println!("not sorted: {}:{}", path.display(), first.position.line);
                }
            }
        }
        println!("blocks judged sorted: {sorted}, not sorted: {unsorted}");
    }

    #[test]
    fn pragmas() {
        assert!(is_pragma("# type: ignore[attr-defined]"));
        assert!(is_pragma("# noqa: F401"));
        assert!(is_pragma("# re-export  # NOQA"));
        assert!(is_pragma("# ssot: ignore[SSOT101]"));
        assert!(is_pragma("# pragma: no cover"));
        assert!(!is_pragma("# the manager"));
    }

    const VHI: WrapMode = WrapMode::VerticalHangingIndent {
        trailing_comma: true,
    };

    #[test]
    fn renders_on_one_line_or_one_name_per_line() {
        let names = vec!["Alpha".to_string(), "beta".to_string()];
        assert_eq!(
            render_from("pkg.core", &names, "", "    ", "\n", 88, 0, false, VHI),
            "from pkg.core import Alpha, beta"
        );
        assert_eq!(
            render_from("pkg.core", &names, "    ", "    ", "\n", 30, 0, false, VHI),
            "from pkg.core import (\n        Alpha,\n        beta,\n    )"
        );
        let long: Vec<String> = ["Manager", "helper_function", "other_function", "registry"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // isort's default grid, as `isort` prints it at line length 40 (continuation lines
        // aligned after the parenthesis; a name goes on when it and the `,` or `)` after it fit).
        let grid = WrapMode::Grid {
            trailing_comma: false,
        };
        assert_eq!(
            render_from("pkg.core", &long, "", "    ", "\n", 40, 0, false, grid),
            "from pkg.core import (Manager,\n                      helper_function,\n                      other_function,\n                      registry)"
        );
        assert_eq!(
            render_from("pkg.core", &long, "", "    ", "\n", 60, 0, false, grid),
            "from pkg.core import (Manager, helper_function,\n                      other_function, registry)"
        );
        let no_comma = WrapMode::VerticalHangingIndent {
            trailing_comma: false,
        };
        assert_eq!(
            render_from("pkg.core", &names, "", "    ", "\n", 20, 0, false, no_comma),
            "from pkg.core import (\n    Alpha,\n    beta\n)"
        );
        assert_eq!(indent_unit("if x:\n\tpass\n"), "\t");
        assert_eq!(indent_unit("x = 1\n"), "    ");
    }
}
