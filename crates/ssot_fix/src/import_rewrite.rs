//! SSOT101's fix: rewriting an import to the concept's canonical path.
//!
//! Every form is handled as an edit of the statement's own text, so formatting, comments and
//! the names that stay are untouched:
//!
//! - every name of a `from` statement moves to one module: the module part is rewritten in
//!   place, and each name whose canonical name differs becomes `Canonical as local`;
//! - only some names move: they are removed from the statement (with their commas, and their
//!   line when they had one to themselves) and imported from the canonical module, merged into an
//!   earlier module-level import of that module in the same context when there is one, otherwise
//!   in a new statement right after the old one (on its own line with the same indentation, or
//!   after a `;` when the old statement shares its line);
//! - `import legacy` used as `legacy.Manager`: the binding is rewritten to the canonical module
//!   and every use renamed, only when the module name is used for nothing else (unsafe: the
//!   legacy module is no longer imported, so its import-time side effects are gone).
//!
//! Relative imports stay relative when the canonical module lies under the package their dots
//! reach (`from ..compat import M` becomes `from ..core import M`); otherwise the rewrite is
//! absolute. A comment inside a statement makes its fix unsafe (the comment is kept, but may end
//! up beside other names).

use rustc_hash::FxHashMap;
use ssot_facts::{FileFacts, ImportKind, ImportStmt, ScopeKind, Span};
use ssot_index::{FileId, Resolver};
use ssot_rules::{Applicability, Diagnostic, Edit, Fix};

use crate::import_block::{display_width, indent_unit, is_pragma, render_from, Blocks, Insertion};
use crate::import_style::{ImportStyle, StatementKey};
use crate::import_text::{
    comments_in, from_parts, line_end, line_start, next_line_start, own_lines_indent,
};

/// A fix and the diagnostics (indices into the planner's input) it resolves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFix {
    pub fix: Fix,
    pub diagnostics: Vec<usize>,
    /// The sorted import block (its first statement) the fix places statements in. Where a
    /// statement goes there depends on its neighbours' modules: two fixes of one such block
    /// planned from one snapshot would each place their statement among the other's old text,
    /// so the session applies one per block per pass and plans the next against the new text.
    pub sorted_block: Option<u32>,
    /// For a fix of a sorted block that edits nothing but its own statement: what the block
    /// needs to know to let other such fixes of it apply in the same pass.
    pub in_place: Option<InPlace>,
}

/// A rewrite of one statement of a sorted block, in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InPlace {
    /// The statement (an index into the file's imports).
    pub statement: u32,
    /// The module it imports from after the fix, as written (`..core`).
    pub module: String,
    /// The modules the block's other statements import from before the fix, as written.
    pub others: Vec<String>,
}

impl InPlace {
    /// Fixes of one sorted block that can apply in the same pass: each keeps its statement
    /// where it is, and none can change another's neighbours or end up beside a statement of
    /// its new module (which the sorter would merge). Any other combination applies one fix
    /// per pass, planned against the text the previous one left.
    pub fn independent(fixes: &[&InPlace]) -> bool {
        fixes.iter().enumerate().all(|(i, a)| {
            fixes[i + 1..].iter().all(|b| {
                a.statement.abs_diff(b.statement) > 1
                    && a.module != b.module
                    && !a.others.contains(&b.module)
                    && !b.others.contains(&a.module)
            })
        })
    }
}

/// A diagnostic the rewriter cannot fix, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfixable {
    pub diagnostic: usize,
    pub reason: String,
}

/// One name to move: which alias of which statement, to what.
#[derive(Clone, Debug)]
struct Mover {
    name_index: u32,
    /// The canonical module and name.
    module: String,
    name: String,
    /// The path as written (`legacy.sub:Manager`): for `M.N` uses, what the use spells.
    written_module: String,
    written_name: String,
    diagnostics: Vec<usize>,
}

/// Plans the fixes for SSOT101 diagnostics of one file; `diagnostics` pairs each diagnostic
/// with the index the result refers to.
pub fn plan_import_fixes(
    resolver: &Resolver<'_>,
    file: FileId,
    source: &str,
    line_ending: &str,
    diagnostics: &[(usize, &Diagnostic)],
    style: &ImportStyle,
) -> (Vec<PlannedFix>, Vec<Unfixable>) {
    let facts = &resolver.project().file(file).facts;
    let style = style.for_path(&resolver.project().file(file).path);
    let mut unfixable = Vec::new();
    let mut from_groups: FxHashMap<u32, Vec<Mover>> = FxHashMap::default();
    let mut attribute_groups: FxHashMap<(u32, u32), Vec<Mover>> = FxHashMap::default();
    for &(index, diagnostic) in diagnostics {
        let Some((module, name)) = diagnostic.symbol.as_deref().and_then(|s| s.split_once(':'))
        else {
            unfixable.push(Unfixable {
                diagnostic: index,
                reason: "the diagnostic names no canonical symbol".to_string(),
            });
            continue;
        };
        if name.contains('.') {
            unfixable.push(Unfixable {
                diagnostic: index,
                reason: format!(
                    "the canonical `{name}` is nested in a class and cannot be imported by name"
                ),
            });
            continue;
        }
        let Some(location) = locate(facts, diagnostic.span) else {
            unfixable.push(Unfixable {
                diagnostic: index,
                reason: "the import was not found in the file".to_string(),
            });
            continue;
        };
        let (written_module, written_name) = diagnostic
            .import_path
            .as_deref()
            .and_then(|p| p.split_once(':'))
            .unwrap_or_default();
        let mover = Mover {
            name_index: location.name_index,
            module: module.to_string(),
            name: name.to_string(),
            written_module: written_module.to_string(),
            written_name: written_name.to_string(),
            diagnostics: vec![index],
        };
        let group = if location.via_attribute {
            attribute_groups
                .entry((location.statement, location.name_index))
                .or_default()
        } else {
            from_groups.entry(location.statement).or_default()
        };
        match group
            .iter_mut()
            .find(|m| m.name_index == mover.name_index && m.written_name == mover.written_name)
        {
            Some(existing) => existing.diagnostics.push(index),
            None => group.push(mover),
        }
    }
    let rewriting: Vec<u32> = from_groups.keys().copied().collect();
    let mut planned = Vec::new();
    let mut from_groups: Vec<_> = from_groups.into_iter().collect();
    from_groups.sort_by_key(|(statement, _)| *statement);
    let own_package = own_package(resolver.project(), &resolver.project().file(file).path);
    let context = FileContext {
        resolver,
        file,
        facts,
        source,
        line_ending,
        style,
        blocks: Blocks::new(style, facts, source, own_package.as_deref()),
        unit: indent_unit(source),
    };
    let module_of = |index: u32| -> Option<String> {
        let statement = &facts.imports[index as usize];
        let text = &source[statement.span.start as usize..statement.span.end as usize];
        statement_module(text)
    };
    // A fix whose edits all lie inside the one statement of a sorted block it rewrites.
    let in_place = |sorted_block: Option<u32>, fix: &Fix| -> Option<InPlace> {
        sorted_block?;
        let first = fix.edits.first()?;
        let statement = facts
            .imports
            .iter()
            .position(|s| s.span.start <= first.span.start && first.span.end <= s.span.end)?
            as u32;
        let span = facts.imports[statement as usize].span;
        if !fix
            .edits
            .iter()
            .all(|e| span.start <= e.span.start && e.span.end <= span.end)
        {
            return None;
        }
        let mut edits: Vec<&Edit> = fix.edits.iter().collect();
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        let mut text = String::new();
        let mut cursor = span.start as usize;
        for e in edits {
            if (e.span.start as usize) < cursor {
                return None;
            }
            text.push_str(&source[cursor..e.span.start as usize]);
            text.push_str(&e.content);
            cursor = e.span.end as usize;
        }
        text.push_str(&source[cursor..span.end as usize]);
        let block = context.blocks.block(statement).statements.clone();
        Some(InPlace {
            statement,
            module: statement_module(&text)?,
            others: block
                .into_iter()
                .filter(|&s| s != statement)
                .filter_map(module_of)
                .collect(),
        })
    };
    // One statement (or `import M` binding) at a time: a fix for its names, or the reason none.
    let mut record =
        |movers: &[Mover], sorted_block: Option<u32>, result: Result<Fix, String>| match result {
            Ok(fix) => planned.push(PlannedFix {
                in_place: in_place(sorted_block, &fix),
                fix,
                diagnostics: movers.iter().flat_map(|m| m.diagnostics.clone()).collect(),
                sorted_block,
            }),
            Err(reason) => unfixable.extend(movers.iter().flat_map(|m| {
                m.diagnostics.iter().map(|&diagnostic| Unfixable {
                    diagnostic,
                    reason: reason.clone(),
                })
            })),
        };
    for (statement, movers) in from_groups {
        let block = context.blocks.block(statement);
        let sorted_block =
            (block.sorted && block.statements.len() > 1).then(|| block.statements[0]);
        record(
            &movers,
            sorted_block,
            context.rewrite_from(statement, &movers, &rewriting),
        );
    }
    let mut attribute_groups: Vec<_> = attribute_groups.into_iter().collect();
    attribute_groups.sort_by_key(|(key, _)| *key);
    for ((statement, alias), movers) in attribute_groups {
        record(
            &movers,
            None,
            context.rewrite_module_binding(statement, alias, &movers),
        );
    }
    for fix in &mut planned {
        fix.diagnostics.sort_unstable();
    }
    (planned, unfixable)
}

struct Location {
    statement: u32,
    name_index: u32,
    via_attribute: bool,
}

/// The import alias (or `M.N` use) a diagnostic points at.
fn locate(facts: &FileFacts, span: Span) -> Option<Location> {
    for (statement, import) in facts.imports.iter().enumerate() {
        if !(import.span.start <= span.start && span.end <= import.span.end) {
            continue;
        }
        if let Some(name_index) = import.names.iter().position(|n| n.span == span) {
            return Some(Location {
                statement: statement as u32,
                name_index: name_index as u32,
                via_attribute: false,
            });
        }
    }
    facts
        .attribute_refs
        .iter()
        .find(|a| a.span == span)
        .map(|a| Location {
            statement: a.import_index,
            name_index: a.name_index,
            via_attribute: true,
        })
}

struct FileContext<'a, 'p> {
    resolver: &'a Resolver<'p>,
    file: FileId,
    facts: &'a FileFacts,
    source: &'a str,
    line_ending: &'a str,
    style: &'a ImportStyle,
    blocks: Blocks<'a>,
    /// The file's indentation unit, for names on lines of their own.
    unit: String,
}

/// The top-level package the file lives in: the outermost directory above it that holds an
/// `__init__.py` all the way down (what the sorter calls the file's own package).
fn own_package(project: &ssot_index::Project, path: &str) -> Option<String> {
    let is_file = |p: &str| {
        project
            .files
            .binary_search_by(|f| f.path.as_str().cmp(p))
            .is_ok()
    };
    let mut directory = path.rsplit_once('/').map(|(d, _)| d)?;
    let mut package = None;
    loop {
        if !is_file(&format!("{directory}/__init__.py"))
            && !is_file(&format!("{directory}/__init__.pyi"))
        {
            break;
        }
        package = Some(
            directory
                .rsplit('/')
                .next()
                .unwrap_or(directory)
                .to_string(),
        );
        match directory.rsplit_once('/') {
            Some((parent, _)) => directory = parent,
            None => break,
        }
    }
    package
}

impl FileContext<'_, '_> {
    fn text(&self, span: Span) -> &str {
        &self.source[span.start as usize..span.end as usize]
    }

    fn edit(span: Span, content: impl Into<String>) -> Edit {
        Edit {
            span,
            content: content.into(),
        }
    }

    /// How to write `canonical` in a `from` statement with `level` leading dots.
    fn module_text(&self, level: u32, canonical: &str) -> String {
        if level > 0 {
            if let Some(anchor) = self.resolver.absolute_module(self.file, level, None) {
                let dots = ".".repeat(level as usize);
                if !anchor.is_empty() {
                    if canonical == anchor {
                        return dots;
                    }
                    if let Some(rest) = canonical
                        .strip_prefix(anchor.as_str())
                        .and_then(|r| r.strip_prefix('.'))
                    {
                        return format!("{dots}{rest}");
                    }
                }
            }
        }
        canonical.to_string()
    }

    fn applicability(&self, statement: &ImportStmt) -> Applicability {
        if comments_in(self.source, statement.span).is_empty() {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        }
    }

    /// `from M import a, b as c`: every moving name rewritten, in place or split out.
    fn rewrite_from(&self, index: u32, movers: &[Mover], rewriting: &[u32]) -> Result<Fix, String> {
        let statement = &self.facts.imports[index as usize];
        let ImportKind::From { level, .. } = statement.kind else {
            return Err("not a `from` import".to_string());
        };
        let parts = from_parts(self.source, statement.span)
            .ok_or_else(|| "the statement's text could not be read".to_string())?;
        let mut edits = Vec::new();
        // A name that reaches the canonical object through an alias in the canonical module
        // itself only needs its imported name changed.
        let ImportKind::From {
            module: written, ..
        } = &statement.kind
        else {
            unreachable!("checked above");
        };
        let own_module = self
            .resolver
            .absolute_module(self.file, level, written.as_deref());
        // In a sorted block whose sorter keeps `as` names apart, a name renamed here would
        // sit beside other names: it moves to a statement of its own instead.
        // A block of this one statement is sorted too: the name still leaves it.
        let renames_leave = statement.names.len() > 1
            && !self.style.combine_as_imports
            && self.movable_in_sorted_block(index);
        let (in_place, movers): (Vec<Mover>, Vec<Mover>) = movers
            .iter()
            .cloned()
            .partition(|m| own_module.as_deref() == Some(m.module.as_str()) && !renames_leave);
        for mover in &in_place {
            let alias = &statement.names[mover.name_index as usize];
            let local = alias.bound_name(&statement.kind);
            edits.push(Self::edit(alias.span, format!("{} as {local}", mover.name)));
        }
        let movers = &movers[..];
        if !movers.is_empty() {
            let stays_one_statement = statement.names.len() == movers.len()
                && movers.iter().all(|m| m.module == movers[0].module);
            self.order_is_known(index, stays_one_statement)?;
        }
        if movers.is_empty() {
            // Only aliases of the canonical module itself: done above.
        } else if statement.names.len() == movers.len() && self.relocatable(index) {
            // In a sorted block the statement goes where the sorter puts its new module.
            edits.extend(self.relocate(index, movers, level, rewriting, parts.module));
        } else if statement.names.len() == movers.len() {
            // Every name moves: the statement itself is rewritten for one module (which keeps
            // it, and any block it is alone in, non-empty); names bound for other modules are
            // split out.
            let first_module = movers
                .iter()
                .map(|m| m.module.as_str())
                .min()
                .unwrap_or_default();
            let (stay, leave): (Vec<Mover>, Vec<Mover>) = movers
                .iter()
                .cloned()
                .partition(|m| m.module == first_module);
            if self.would_unsort_in_place(index, &stay, level) {
                return Err(
                    "the statement carries a comment and its new module sorts elsewhere in \
                     the sorted import block: move it by hand with its comment"
                        .to_string(),
                );
            }
            edits.extend(self.rewrite_in_place(index, &stay, level, parts.module));
            if !leave.is_empty() {
                edits.extend(self.move_out(index, &leave, level, rewriting, false));
            }
        } else {
            edits.extend(self.move_out(index, movers, level, rewriting, false));
        }
        Ok(Fix {
            applicability: self.applicability(statement),
            edits: self.rewrap(statement, edits),
        })
    }

    /// The module part rewritten to `movers`' module, and each name whose canonical name
    /// differs renamed `Canonical as local`.
    fn rewrite_in_place(
        &self,
        index: u32,
        movers: &[Mover],
        level: u32,
        module_part: Span,
    ) -> Vec<Edit> {
        let statement = &self.facts.imports[index as usize];
        let mut edits = Vec::new();
        let Some(first) = movers.first() else {
            return edits;
        };
        let module = self.module_text(level, &first.module);
        if self.text(module_part) != module {
            edits.push(Self::edit(module_part, module));
        }
        for mover in movers {
            let alias = &statement.names[mover.name_index as usize];
            if alias.name != mover.name {
                let local = alias.bound_name(&statement.kind);
                edits.push(Self::edit(alias.span, format!("{} as {local}", mover.name)));
            }
        }
        edits
    }

    /// Under sorter settings this model does not follow, a changed module may sort elsewhere:
    /// only a statement alone in its block that stays one statement (`stays_one_statement`)
    /// is rewritten.
    fn order_is_known(&self, index: u32, stays_one_statement: bool) -> Result<(), String> {
        let unmodelled = &self.style.unmodelled_settings;
        if unmodelled.is_empty()
            || (stays_one_statement && self.blocks.block(index).statements.len() == 1)
        {
            return Ok(());
        }
        Err(format!(
            "the project's import sorter uses `{}`, which ssot does not model: the new import \
             could leave the block unsorted",
            unmodelled.join("`, `")
        ))
    }

    /// Statement `index` sits in a sorted block but carries a comment (so it is not
    /// relocated), and rewritten in place for `stay` it would no longer sort where it is: the
    /// rewrite would leave the block unsorted.
    fn would_unsort_in_place(&self, index: u32, stay: &[Mover], level: u32) -> bool {
        let statement = &self.facts.imports[index as usize];
        let block = self.blocks.block(index);
        let Some(first) = stay.first() else {
            return false;
        };
        if !block.sorted
            || block.statements.len() < 2
            || own_lines_indent(self.source, statement.span).is_none()
        {
            return false;
        }
        let mut items: Vec<(String, Option<String>)> =
            stay.iter().map(|m| self.item(statement, m)).collect();
        items.sort_by(|a, b| {
            self.style
                .compare_members((&a.0, a.1.as_deref()), (&b.0, b.1.as_deref()))
        });
        let module_text = self.module_text(level, &first.module);
        let (new_level, new_module) = split_dots(&module_text);
        let key = self
            .blocks
            .key_of_from(new_module, new_level, items.first().cloned());
        !self.blocks.keeps_its_slot(index, &key)
    }

    /// A statement of a sorted block the sorter would move with nothing else: no comment in
    /// it, after it or above it.
    fn relocatable(&self, index: u32) -> bool {
        self.blocks.block(index).statements.len() > 1 && self.movable_in_sorted_block(index)
    }

    /// Statement `index` sits in a sorted block (of any size), on lines of its own, with no
    /// comment in, after or just above it: names may leave it for statements the sorter
    /// places.
    fn movable_in_sorted_block(&self, index: u32) -> bool {
        let statement = &self.facts.imports[index as usize];
        self.blocks.block(index).sorted
            && own_lines_indent(self.source, statement.span).is_some()
            && comments_in(self.source, statement.span).is_empty()
            && self.blocks.trailing_comment(statement).is_none()
            && !self.blocks.has_comment_above(index)
    }

    /// Every name of statement `index` (in a sorted block) moves: the statement is rewritten in
    /// place when it still sorts there, otherwise removed and its names imported where the
    /// sorter puts them.
    fn relocate(
        &self,
        index: u32,
        movers: &[Mover],
        level: u32,
        rewriting: &[u32],
        module_part: Span,
    ) -> Vec<Edit> {
        let statement = &self.facts.imports[index as usize];
        let module = &movers[0].module;
        if movers.iter().all(|m| &m.module == module) {
            let items: Vec<(String, Option<String>)> =
                movers.iter().map(|m| self.item(statement, m)).collect();
            let locals: Vec<&str> = movers
                .iter()
                .map(|m| statement.names[m.name_index as usize].bound_name(&statement.kind))
                .collect();
            let has_as = items.iter().any(|(_, asname)| asname.is_some());
            let one_statement = items.len() == 1
                || (!self.style.force_single_line && (!has_as || self.style.combine_as_imports));
            let in_order = items.windows(2).all(|pair| {
                self.style.compare_members(
                    (&pair[0].0, pair[0].1.as_deref()),
                    (&pair[1].0, pair[1].1.as_deref()),
                ) == std::cmp::Ordering::Less
            });
            let module_text = self.module_text(level, module);
            let (new_level, new_module) = split_dots(&module_text);
            let key = self
                .blocks
                .key_of_from(new_module, new_level, items.first().cloned());
            if one_statement
                && in_order
                && self
                    .merge_target(index, module, &locals, rewriting, has_as)
                    .is_none()
                && self.blocks.keeps_its_slot(index, &key)
            {
                return self.rewrite_in_place(index, movers, level, module_part);
            }
        }
        self.move_out(index, movers, level, rewriting, true)
    }

    /// How a moving name is written in its new statement: `(name, as)`.
    fn item(&self, statement: &ImportStmt, mover: &Mover) -> (String, Option<String>) {
        let alias = &statement.names[mover.name_index as usize];
        let local = alias.bound_name(&statement.kind);
        if alias.asname.is_some() || mover.name != local {
            (mover.name.clone(), Some(local.to_string()))
        } else {
            (mover.name.clone(), None)
        }
    }

    /// The edits that move `movers` out of their statement: merged into another import of
    /// their module, or imported by a new statement (where the sorter puts it in a sorted
    /// block, otherwise right after this one). With `delete`, the statement goes entirely.
    fn move_out(
        &self,
        index: u32,
        movers: &[Mover],
        level: u32,
        rewriting: &[u32],
        delete: bool,
    ) -> Vec<Edit> {
        let statement = &self.facts.imports[index as usize];
        let mut modules: Vec<&str> = movers.iter().map(|m| m.module.as_str()).collect();
        modules.sort_unstable();
        modules.dedup();
        let indent = own_lines_indent(self.source, statement.span);
        let sorted = indent.is_some() && self.blocks.block(index).sorted;
        let mut edits = Vec::new();
        let mut appended = String::new();
        let mut inserted: Vec<(Insertion, StatementKey, String)> = Vec::new();
        for module in modules {
            let group: Vec<&Mover> = movers.iter().filter(|m| m.module == module).collect();
            // The statements the group becomes: one, or (in a sorted block whose sorter keeps
            // `as` names apart) the plain names together and each `as` name alone.
            let mut statements: Vec<Vec<&Mover>> = Vec::new();
            if self.style.force_single_line {
                // One statement per name, sorted block or not: the sorter would split any other.
                statements.extend(group.iter().map(|m| vec![*m]));
            } else if sorted && !self.style.combine_as_imports {
                let (plain, renamed): (Vec<&Mover>, Vec<&Mover>) = group
                    .iter()
                    .partition(|m| self.item(statement, m).1.is_none());
                if !plain.is_empty() {
                    statements.push(plain);
                }
                statements.extend(renamed.into_iter().map(|m| vec![m]));
            } else {
                statements.push(group);
            }
            for members in statements {
                let locals: Vec<&str> = members
                    .iter()
                    .map(|m| statement.names[m.name_index as usize].bound_name(&statement.kind))
                    .collect();
                let mut items: Vec<(String, Option<String>)> =
                    members.iter().map(|m| self.item(statement, m)).collect();
                let has_as = items.iter().any(|(_, asname)| asname.is_some());
                if let Some(target) = self.merge_target(index, module, &locals, rewriting, has_as) {
                    items.retain(|(name, asname)| {
                        !target.names.iter().any(|n| {
                            n.name == name
                                && n.bound_name(&target.kind)
                                    == asname.as_deref().unwrap_or(name.as_str())
                        })
                    });
                    if !items.is_empty() {
                        // The target's own block decides whether its names are kept sorted.
                        let target_sorted = self
                            .facts
                            .imports
                            .iter()
                            .position(|s| std::ptr::eq(s, target))
                            .is_some_and(|t| self.blocks.block(t as u32).sorted);
                        edits.extend(self.merge_into(target, &items, target_sorted));
                    }
                    continue;
                }
                if sorted {
                    items.sort_by(|a, b| {
                        self.style
                            .compare_members((&a.0, a.1.as_deref()), (&b.0, b.1.as_deref()))
                    });
                }
                let module_text = self.module_text(level, module);
                let names: Vec<String> = items.iter().map(format_item).collect();
                let indent_text = indent.unwrap_or_default();
                let text = render_from(
                    &module_text,
                    &names,
                    indent_text,
                    &self.unit,
                    self.line_ending,
                    self.style.line_length,
                    0,
                    false,
                    self.style.wrap,
                );
                let (new_level, new_module) = split_dots(&module_text);
                let key = self
                    .blocks
                    .key_of_from(new_module, new_level, items.first().cloned());
                let excluded: &[u32] = if delete { &[index] } else { &[] };
                match (sorted, indent) {
                    (true, Some(_)) => match self.blocks.insertion(index, &key, excluded) {
                        Some(at) => inserted.push((at, key, text)),
                        None => {
                            appended.push_str(self.line_ending);
                            appended.push_str(indent_text);
                            appended.push_str(&text);
                        }
                    },
                    (_, Some(indent)) => {
                        appended.push_str(self.line_ending);
                        appended.push_str(indent);
                        appended.push_str(&text);
                    }
                    (_, None) => {
                        appended.push_str("; ");
                        appended
                            .push_str(&format!("from {module_text} import {}", names.join(", ")));
                    }
                }
            }
        }
        if !appended.is_empty() {
            let at = if indent.is_some() {
                line_end(self.source, statement.span.end)
            } else {
                statement.span.end
            };
            edits.push(Self::edit(Span { start: at, end: at }, appended));
        }
        edits.extend(self.insertion_edits(inserted, indent.unwrap_or_default()));
        if delete {
            edits.push(Self::edit(self.blocks.deletion(index), ""));
        } else {
            let removed: Vec<u32> = movers.iter().map(|m| m.name_index).collect();
            edits.extend(self.removals(statement, &removed));
        }
        edits
    }

    /// New statements placed where the sorter puts them; statements for one place are joined
    /// in sorted order, with a blank line wherever a section starts.
    fn insertion_edits(
        &self,
        mut inserted: Vec<(Insertion, StatementKey, String)>,
        indent: &str,
    ) -> Vec<Edit> {
        inserted.sort_by(|a, b| {
            a.0.at
                .cmp(&b.0.at)
                .then_with(|| self.style.compare_statements(&a.1, &b.1))
        });
        let mut edits = Vec::new();
        let le = self.line_ending;
        for chunk in inserted.chunk_by(|a, b| a.0.at == b.0.at) {
            let at = chunk[0].0.at;
            let mut text = String::new();
            if at as usize == self.source.len() && !self.source.ends_with(['\n', '\r']) {
                text.push_str(le);
            }
            for (k, (insertion, key, statement)) in chunk.iter().enumerate() {
                let new_section = k > 0
                    && (self
                        .style
                        .blank_between(chunk[k - 1].1.section, key.section)
                        || self.blocks.types_apart(&chunk[k - 1].1, key));
                if (k == 0 && insertion.blank_before) || new_section {
                    text.push_str(le);
                }
                text.push_str(indent);
                text.push_str(statement);
                text.push_str(le);
            }
            if chunk
                .last()
                .is_some_and(|(insertion, ..)| insertion.blank_after)
            {
                text.push_str(le);
            }
            edits.push(Self::edit(Span { start: at, end: at }, text));
        }
        edits
    }

    /// The edits that add `items` to `target`: sorted into its names and printed as the
    /// formatter would in a sorted block, appended otherwise (printed anew only when the line
    /// would be too long, or the statement is parenthesised).
    fn merge_into(
        &self,
        target: &ImportStmt,
        items: &[(String, Option<String>)],
        sorted: bool,
    ) -> Vec<Edit> {
        let last = target.names.last().map_or(target.span.end, |n| n.span.end);
        let appended = format!(
            ", {}",
            items.iter().map(format_item).collect::<Vec<_>>().join(", ")
        );
        let target_text = self.text(target.span);
        let plain = !target_text.contains(['(', '\n', '\r', '\\']);
        if !sorted && plain {
            let edit = Self::edit(
                Span {
                    start: last,
                    end: last,
                },
                appended,
            );
            return self.rewrap(target, vec![edit]);
        }
        let (Some(indent), Some(parts)) = (
            own_lines_indent(self.source, target.span),
            from_parts(self.source, target.span),
        ) else {
            return vec![Self::edit(
                Span {
                    start: last,
                    end: last,
                },
                appended,
            )];
        };
        if !comments_in(self.source, target.span).is_empty() {
            return vec![Self::edit(
                Span {
                    start: last,
                    end: last,
                },
                appended,
            )];
        }
        // A comment after a one-line statement stays on its line (see `rewrap`).
        let one_line = !target_text.contains(['\n', '\r']);
        let line_length = if one_line && self.blocks.trailing_comment(target).is_some() {
            usize::MAX
        } else {
            self.style.line_length
        };
        let mut names: Vec<(String, Option<String>)> = target
            .names
            .iter()
            .map(|n| (n.name.to_string(), n.asname.as_deref().map(str::to_string)))
            .chain(items.iter().cloned())
            .collect();
        if sorted {
            names.sort_by(|a, b| {
                self.style
                    .compare_members((&a.0, a.1.as_deref()), (&b.0, b.1.as_deref()))
            });
        }
        let keep_open = self.style.split_on_trailing_comma
            && self.source[last as usize..target.span.end as usize].contains(',');
        let text = render_from(
            self.text(parts.module),
            &names.iter().map(format_item).collect::<Vec<_>>(),
            indent,
            &self.unit,
            self.line_ending,
            line_length,
            self.comment_width(target),
            keep_open,
            self.style.wrap,
        );
        vec![Self::edit(target.span, text)]
    }

    /// Columns the comment after `statement` takes on its line (with the two spaces before).
    fn comment_width(&self, statement: &ImportStmt) -> usize {
        self.blocks
            .trailing_comment(statement)
            .map_or(0, |c| self.text(c).chars().count() + 2)
    }

    /// `edits` with those inside `statement` replaced by the statement printed one name per
    /// line, when they leave it a single line longer than the line length (and it holds no
    /// comment or line continuation); or printed on one line when the style joins it.
    fn rewrap(&self, statement: &ImportStmt, edits: Vec<Edit>) -> Vec<Edit> {
        let span = statement.span;
        let Some(indent) = own_lines_indent(self.source, span) else {
            return edits;
        };
        // A comment stays on the line it was on: wrapping would move it away from the names
        // it was written for.
        if !matches!(statement.kind, ImportKind::From { .. })
            || !comments_in(self.source, span).is_empty()
            || self.blocks.trailing_comment(statement).is_some()
        {
            return edits;
        }
        // New statements inserted right before or after this one are not part of it.
        let (inside, outside): (Vec<Edit>, Vec<Edit>) = edits.into_iter().partition(|e| {
            let insertion = e.span.start == e.span.end;
            span.start <= e.span.start
                && e.span.end <= span.end
                && !(insertion && e.span.start == span.start)
                && !(insertion
                    && e.span.start == span.end
                    && e.content.starts_with(['\n', '\r', ';']))
        });
        let mut inside_sorted = inside.clone();
        inside_sorted.sort_by_key(|e| (e.span.start, e.span.end));
        let mut text = String::new();
        let mut cursor = span.start as usize;
        for edit in &inside_sorted {
            if (edit.span.start as usize) < cursor {
                return inside.into_iter().chain(outside).collect();
            }
            text.push_str(&self.source[cursor..edit.span.start as usize]);
            text.push_str(&edit.content);
            cursor = edit.span.end as usize;
        }
        text.push_str(&self.source[cursor..span.end as usize]);
        let width = display_width(indent) + text.chars().count() + self.comment_width(statement);
        let multi_line = text.contains(['\n', '\r']);
        // Without `split-on-trailing-comma`, the sorter joins a parenthesised statement that
        // fits on one line again: in a sorted block, so does the fix.
        let joins = multi_line
            && !self.style.split_on_trailing_comma
            && self
                .facts
                .imports
                .iter()
                .position(|s| std::ptr::eq(s, statement))
                .is_some_and(|i| self.blocks.block(i as u32).sorted);
        if inside.is_empty()
            || text.contains('\\')
            || (multi_line && !joins)
            || (!multi_line && width <= self.style.line_length)
        {
            return inside.into_iter().chain(outside).collect();
        }
        let Some((head, names)) = text.split_once(" import ") else {
            return inside.into_iter().chain(outside).collect();
        };
        let module = head.trim_start_matches("from").trim();
        let names: Vec<String> = names
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|n| !n.is_empty())
            .collect();
        let wrapped = render_from(
            module,
            &names,
            indent,
            &self.unit,
            self.line_ending,
            self.style.line_length,
            self.comment_width(statement),
            false,
            self.style.wrap,
        );
        outside
            .into_iter()
            .chain(std::iter::once(Self::edit(span, wrapped)))
            .collect()
    }

    /// Another `from <module> import ...` in the same context that moving names can join: at
    /// module level an earlier one, or in a sorted block (at any level) one of the block (the
    /// sorter would merge the two). Each moving local name must keep what it holds: merged into
    /// a statement of its own sorted block, no statement between the two binds it; elsewhere it
    /// is bound nowhere else in the file (the target included). Never a statement whose comment
    /// is a checker directive (it would then cover the new names); in a sorted block only a
    /// statement the sorter lets the names join.
    fn merge_target(
        &self,
        index: u32,
        module: &str,
        locals: &[&str],
        rewriting: &[u32],
        has_as: bool,
    ) -> Option<&ImportStmt> {
        let statement = &self.facts.imports[index as usize];
        if self.style.force_single_line {
            return None;
        }
        let module_level =
            statement.context.scope == ScopeKind::Module && !statement.context.conditional;
        let block = self.blocks.block(index);
        let sorted = block.sorted && own_lines_indent(self.source, statement.span).is_some();
        let in_block: &[u32] = if sorted { &block.statements } else { &[] };
        let earlier = if module_level { 0..index } else { 0..0 };
        earlier
            .chain(
                in_block
                    .iter()
                    .copied()
                    .filter(|&s| s != index && (s > index || !module_level)),
            )
            .map(|other_index| (other_index, &self.facts.imports[other_index as usize]))
            .find(|(other_index, other)| {
                let ImportKind::From { module: m, level } = &other.kind else {
                    return false;
                };
                // A statement of the same sorted block that is itself rewritten can still
                // take the names: only one fix of a sorted block applies per pass, and the
                // other statement's fix is planned again against the merged text. Merging
                // keeps the block sorted between the passes, so the later rewrite is placed
                // against the block as it will be (two rewrites that swap modules each end up
                // where the sorter puts them).
                let same_sorted_block = in_block.contains(other_index);
                other.context == statement.context
                    && (same_sorted_block || !rewriting.contains(other_index))
                    && !other.names.iter().any(|n| n.name == "*")
                    && !self.covered_by_directive(other)
                    && (!sorted
                        || (self.blocks.joinable(other)
                            && (!has_as || self.style.combine_as_imports)))
                    && self
                        .resolver
                        .absolute_module(self.file, *level, m.as_deref())
                        .is_some_and(|absolute| absolute == module)
                    && locals.iter().all(|local| {
                        // A name the target already binds is not merged: the two bindings
                        // would collapse into one, which verification rightly refuses.
                        let in_target = other
                            .names
                            .iter()
                            .any(|n| n.bound_name(&other.kind) == *local);
                        let keeps_its_value = if same_sorted_block {
                            !self.bound_between(*other_index, index, local)
                        } else {
                            self.bindings_of(local) == 1
                        };
                        !in_target && keeps_its_value
                    })
            })
            .map(|(_, other)| other)
    }

    /// A statement strictly between imports `a` and `b` (of one block) binds `local`.
    fn bound_between(&self, a: u32, b: u32, local: &str) -> bool {
        (a.min(b) + 1..a.max(b)).any(|k| {
            let statement = &self.facts.imports[k as usize];
            statement
                .names
                .iter()
                .any(|n| n.bound_name(&statement.kind) == local)
        })
    }

    /// A checker directive (`# type: ignore`, `# noqa`, ...) applies to the statement.
    fn covered_by_directive(&self, statement: &ImportStmt) -> bool {
        comments_in(self.source, statement.span)
            .into_iter()
            .chain(self.blocks.trailing_comment(statement))
            .any(|c| is_pragma(self.text(c)))
    }

    /// How many import aliases and module-level definitions bind `local` in this file.
    fn bindings_of(&self, local: &str) -> usize {
        let imports = self
            .facts
            .imports
            .iter()
            .flat_map(|s| s.names.iter().map(move |n| n.bound_name(&s.kind)))
            .filter(|bound| *bound == local)
            .count();
        let definitions = self
            .facts
            .definitions
            .iter()
            .filter(|d| d.module_level && d.name == local)
            .count();
        imports + definitions
    }

    fn removals(&self, statement: &ImportStmt, removed: &[u32]) -> Vec<Edit> {
        removal_edits(self.source, statement, removed)
    }

    /// `root` names nothing in this file but the package `import root[.sub]` binds (or is
    /// unused): another `import root.x` then rebinds it to the same package. Every occurrence
    /// must be such an import, the module part of a `from` import, or a use `root.attr`.
    fn root_is_only_a_package(&self, root: &str) -> bool {
        let binds_package_only = |statement: &ImportStmt| {
            statement.names.iter().all(|name| {
                name.bound_name(&statement.kind) != root
                    || (statement.kind == ImportKind::Import && name.asname.is_none())
            })
        };
        ssot_python::name_occurrences(self.source, root)
            .iter()
            .filter(|o| !o.is_attribute)
            .all(|occurrence| {
                match self.facts.imports.iter().find(|s| {
                    s.span.start <= occurrence.span.start && occurrence.span.end <= s.span.end
                }) {
                    Some(statement) => binds_package_only(statement),
                    None => !occurrence.attributes.is_empty(),
                }
            })
    }

    /// `import legacy` (or `import a.legacy as lg`) used only as `legacy.Name` for names that
    /// move: the binding is rewritten to the canonical module and every use renamed.
    fn rewrite_module_binding(
        &self,
        index: u32,
        alias_index: u32,
        movers: &[Mover],
    ) -> Result<Fix, String> {
        let statement = &self.facts.imports[index as usize];
        let alias = &statement.names[alias_index as usize];
        let module = &movers[0].module;
        if movers.iter().any(|m| &m.module != module) {
            return Err("the names used through this module move to different modules".into());
        }
        self.order_is_known(index, statement.names.len() == 1)?;
        let bound = alias.bound_name(&statement.kind).to_string();
        // What the bound name stands for: `a` for `import a.b`, `a.b` for `import a.b as x`.
        let bound_module = if alias.asname.is_some() {
            alias.name.to_string()
        } else {
            bound.clone()
        };
        // Each mover is written as `bound.<prefix...>.<written name>`.
        let spelled: Vec<(Vec<&str>, &Mover)> = movers
            .iter()
            .filter_map(|m| {
                let rest = m.written_module.strip_prefix(bound_module.as_str())?;
                let prefix: Vec<&str> = rest.split('.').filter(|s| !s.is_empty()).collect();
                Some((prefix, m))
            })
            .collect();
        if spelled.len() != movers.len() {
            return Err("the attribute path could not be matched to the import".to_string());
        }
        let new_root = module.split('.').next().unwrap_or(module);
        if alias.asname.is_none() && new_root != bound && !self.root_is_only_a_package(new_root) {
            return Err(format!(
                "`{new_root}` is already used in this file, so `import {module}` would rebind it"
            ));
        }
        let new_base = alias.asname.as_deref().unwrap_or(module.as_str());
        let mut edits = Vec::new();
        for occurrence in ssot_python::name_occurrences(self.source, &bound) {
            let inside_statement = statement.span.start <= occurrence.span.start
                && occurrence.span.end <= statement.span.end;
            if inside_statement || occurrence.is_attribute {
                continue;
            }
            let chain: Vec<&str> = occurrence
                .attributes
                .iter()
                .map(|(a, _)| a.as_str())
                .collect();
            let matched = spelled.iter().find(|(prefix, mover)| {
                chain.len() > prefix.len()
                    && chain[..prefix.len()] == prefix[..]
                    && chain[prefix.len()] == mover.written_name
            });
            let Some((prefix, mover)) = matched else {
                return Err(format!(
                    "`{bound}` is used for more than the moving names in this file"
                ));
            };
            let name_span = occurrence.attributes[prefix.len()].1;
            edits.push(Self::edit(
                Span {
                    start: occurrence.span.start,
                    end: name_span.end,
                },
                format!("{new_base}.{}", mover.name),
            ));
        }
        let new_alias = match &alias.asname {
            Some(asname) => format!("{module} as {asname}"),
            None => module.clone(),
        };
        // In a sorted block, `import new` goes where the sorter puts it.
        let key = StatementKey {
            section: self.blocks.section(Some(module), 0),
            is_from: false,
            level: 0,
            module: Some(module.clone()),
            first_name: None,
            asname: alias.asname.clone().map(Into::into),
        };
        let moves = statement.names.len() == 1
            && self.relocatable(index)
            && !self.blocks.keeps_its_slot(index, &key);
        match self
            .blocks
            .insertion(index, &key, &[index])
            .filter(|_| moves)
        {
            Some(at) => {
                let indent = own_lines_indent(self.source, statement.span).unwrap_or_default();
                edits.extend(
                    self.insertion_edits(vec![(at, key, format!("import {new_alias}"))], indent),
                );
                edits.push(Self::edit(self.blocks.deletion(index), ""));
            }
            None => edits.push(Self::edit(alias.span, new_alias)),
        }
        Ok(Fix {
            applicability: Applicability::Unsafe,
            edits,
        })
    }
}

/// The module a statement's text imports from, as written: `..core` in
/// `from ..core import X`, `a.b` in `import a.b`.
fn statement_module(text: &str) -> Option<String> {
    let rest = text
        .strip_prefix("from")
        .or_else(|| text.strip_prefix("import"))?;
    let module = rest.split_whitespace().next()?;
    Some(module.trim_end_matches([',', '(', '\\']).to_string())
}

/// `name` or `name as asname`.
fn format_item(item: &(String, Option<String>)) -> String {
    match &item.1 {
        Some(asname) => format!("{} as {asname}", item.0),
        None => item.0.clone(),
    }
}

/// `..pkg.mod` as its level and module (`None` for dots alone).
fn split_dots(text: &str) -> (u32, Option<&str>) {
    let module = text.trim_start_matches('.');
    let level = (text.len() - module.len()) as u32;
    (level, (!module.is_empty()).then_some(module))
}

/// Deletions that take the aliases `removed` (and their commas) out of `statement`,
/// keeping every comment, and whole lines an alias had to itself.
pub(crate) fn removal_edits(source: &str, statement: &ImportStmt, removed: &[u32]) -> Vec<Edit> {
    let names = &statement.names;
    let mut ranges: Vec<Span> = Vec::new();
    for &k in removed {
        let alias = names[k as usize].span;
        let after = skip_blanks_and_newlines(source, alias.end, statement.span.end);
        if source.as_bytes().get(after as usize) == Some(&b',') {
            let end = skip_spaces(source, after + 1, statement.span.end);
            ranges.push(Span {
                start: alias.start,
                end: end.min(statement.span.end),
            });
        } else if let Some(kept) = (0..k).rev().find(|i| !removed.contains(i)) {
            // The last alias, without a trailing comma: delete from the end of the last
            // alias that stays, so no dangling comma is left.
            ranges.push(Span {
                start: names[kept as usize].span.end,
                end: alias.end,
            });
        } else {
            ranges.push(alias);
        }
    }
    ranges.sort();
    let mut merged: Vec<Span> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    let comments = comments_in(source, statement.span);
    let mut edits = Vec::new();
    for range in merged {
        for piece in subtract_comments(source, range, &comments) {
            edits.push(Edit {
                span: whole_line_if_alone(source, piece),
                content: String::new(),
            });
        }
    }
    edits
}

/// Widens a deletion to its whole line when nothing but blanks would remain on it.
fn whole_line_if_alone(source: &str, piece: Span) -> Span {
    let start = line_start(source, piece.start);
    let end = line_end(source, piece.end);
    let before = &source[start as usize..piece.start as usize];
    let after = &source[piece.end as usize..end as usize];
    let blank = |s: &str| s.bytes().all(|b| b == b' ' || b == b'\t' || b == b'\x0c');
    if blank(before) && blank(after) && line_start(source, piece.end) == start {
        Span {
            start,
            end: next_line_start(source, piece.end),
        }
    } else {
        piece
    }
}

/// Skips spaces, tabs, line endings and backslash continuations up to `limit`.
fn skip_blanks_and_newlines(source: &str, mut at: u32, limit: u32) -> u32 {
    let bytes = source.as_bytes();
    while at < limit {
        match bytes[at as usize] {
            b' ' | b'\t' | b'\x0c' | b'\r' | b'\n' | b'\\' => at += 1,
            _ => break,
        }
    }
    at
}

/// Skips spaces and tabs up to `limit`.
fn skip_spaces(source: &str, mut at: u32, limit: u32) -> u32 {
    let bytes = source.as_bytes();
    while at < limit && matches!(bytes[at as usize], b' ' | b'\t' | b'\x0c') {
        at += 1;
    }
    at
}

/// `range` without the comments in it: each comment is kept with the blanks before it and
/// the line ending after it, so code after the comment never ends up inside it.
fn subtract_comments(source: &str, range: Span, comments: &[Span]) -> Vec<Span> {
    let mut pieces = Vec::new();
    let mut start = range.start;
    for comment in comments {
        if comment.start < range.start || comment.start >= range.end {
            continue;
        }
        let mut keep_from = comment.start;
        while keep_from > start && matches!(source.as_bytes()[keep_from as usize - 1], b' ' | b'\t')
        {
            keep_from -= 1;
        }
        if keep_from > start {
            pieces.push(Span {
                start,
                end: keep_from,
            });
        }
        start = next_line_start(source, comment.start).min(range.end.max(start));
        if start < comment.end {
            start = comment.end;
        }
    }
    if start < range.end {
        pieces.push(Span {
            start,
            end: range.end,
        });
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_place(statement: u32, module: &str, others: &[&str]) -> InPlace {
        InPlace {
            statement,
            module: module.to_string(),
            others: others.iter().map(|m| m.to_string()).collect(),
        }
    }

    #[test]
    fn in_place_rewrites_apart_with_distinct_modules_are_independent() {
        let a = in_place(0, "pkg.core", &["pkg.b", "pkg.c"]);
        let c = in_place(2, "pkg.d", &["pkg.a", "pkg.b"]);
        assert!(InPlace::independent(&[&a, &c]));
        // Neighbours: each was placed against the other's old module.
        let b = in_place(1, "pkg.e", &["pkg.a", "pkg.c"]);
        assert!(!InPlace::independent(&[&a, &b]));
        // One module twice, or a module another statement already imports: the sorter merges.
        let same = in_place(2, "pkg.core", &["pkg.a", "pkg.b"]);
        assert!(!InPlace::independent(&[&a, &same]));
        let existing = in_place(2, "pkg.b", &["pkg.a", "pkg.b"]);
        assert!(!InPlace::independent(&[&a, &existing]));
        assert_eq!(
            statement_module("from ..core import (\n    X,\n)").as_deref(),
            Some("..core")
        );
        assert_eq!(statement_module("import a.b as c").as_deref(), Some("a.b"));
    }
}
