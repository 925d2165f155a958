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

use crate::import_text::{
    comments_in, from_parts, line_end, line_start, next_line_start, own_lines_indent,
};

/// A fix and the diagnostics (indices into the planner's input) it resolves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFix {
    pub fix: Fix,
    pub diagnostics: Vec<usize>,
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
) -> (Vec<PlannedFix>, Vec<Unfixable>) {
    let facts = &resolver.project().file(file).facts;
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
    let context = FileContext {
        resolver,
        file,
        facts,
        source,
        line_ending,
    };
    // One statement (or `import M` binding) at a time: a fix for its names, or the reason none.
    let mut record = |movers: &[Mover], result: Result<Fix, String>| match result {
        Ok(fix) => planned.push(PlannedFix {
            fix,
            diagnostics: movers.iter().flat_map(|m| m.diagnostics.clone()).collect(),
        }),
        Err(reason) => unfixable.extend(movers.iter().flat_map(|m| {
            m.diagnostics.iter().map(|&diagnostic| Unfixable {
                diagnostic,
                reason: reason.clone(),
            })
        })),
    };
    for (statement, movers) in from_groups {
        record(
            &movers,
            context.rewrite_from(statement, &movers, &rewriting),
        );
    }
    let mut attribute_groups: Vec<_> = attribute_groups.into_iter().collect();
    attribute_groups.sort_by_key(|(key, _)| *key);
    for ((statement, alias), movers) in attribute_groups {
        record(
            &movers,
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
        let (in_place, movers): (Vec<Mover>, Vec<Mover>) = movers
            .iter()
            .cloned()
            .partition(|m| own_module.as_deref() == Some(m.module.as_str()));
        for mover in &in_place {
            let alias = &statement.names[mover.name_index as usize];
            let local = alias.bound_name(&statement.kind);
            edits.push(Self::edit(alias.span, format!("{} as {local}", mover.name)));
        }
        let movers = &movers[..];
        if movers.is_empty() {
            // Only aliases of the canonical module itself: done above.
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
            let module = self.module_text(level, first_module);
            if self.text(parts.module) != module {
                edits.push(Self::edit(parts.module, module));
            }
            for mover in &stay {
                let alias = &statement.names[mover.name_index as usize];
                if alias.name != mover.name {
                    let local = alias.bound_name(&statement.kind);
                    edits.push(Self::edit(alias.span, format!("{} as {local}", mover.name)));
                }
            }
            if !leave.is_empty() {
                edits.extend(self.move_out(index, &leave, level, rewriting));
            }
        } else {
            edits.extend(self.move_out(index, movers, level, rewriting));
        }
        Ok(Fix {
            applicability: self.applicability(statement),
            edits,
        })
    }

    /// The edits that move `movers` out of their statement: merged into an earlier import of
    /// their module, or imported by a new statement right after this one.
    fn move_out(&self, index: u32, movers: &[Mover], level: u32, rewriting: &[u32]) -> Vec<Edit> {
        let statement = &self.facts.imports[index as usize];
        let mut modules: Vec<&str> = movers.iter().map(|m| m.module.as_str()).collect();
        modules.sort_unstable();
        modules.dedup();
        let indent = own_lines_indent(self.source, statement.span);
        let mut edits = Vec::new();
        let mut appended = String::new();
        for module in modules {
            let group: Vec<&Mover> = movers.iter().filter(|m| m.module == module).collect();
            let local =
                |m: &Mover| statement.names[m.name_index as usize].bound_name(&statement.kind);
            let item = |m: &Mover| {
                let alias = &statement.names[m.name_index as usize];
                if alias.asname.is_some() || m.name != local(m) {
                    format!("{} as {}", m.name, local(m))
                } else {
                    m.name.clone()
                }
            };
            let locals: Vec<&str> = group.iter().map(|m| local(m)).collect();
            if let Some(target) = self.merge_target(index, module, &locals, rewriting) {
                let items: Vec<String> = group
                    .iter()
                    .filter(|m| {
                        !target
                            .names
                            .iter()
                            .any(|n| n.name == m.name && n.bound_name(&target.kind) == local(m))
                    })
                    .map(|m| item(m))
                    .collect();
                if !items.is_empty() {
                    let last = target.names.last().map_or(target.span.end, |n| n.span.end);
                    edits.push(Self::edit(
                        Span {
                            start: last,
                            end: last,
                        },
                        format!(", {}", items.join(", ")),
                    ));
                }
                continue;
            }
            let items: Vec<String> = group.iter().map(|m| item(m)).collect();
            match indent {
                Some(indent) => {
                    appended.push_str(self.line_ending);
                    appended.push_str(indent);
                }
                None => appended.push_str("; "),
            }
            appended.push_str(&format!(
                "from {} import {}",
                self.module_text(level, module),
                items.join(", ")
            ));
        }
        if !appended.is_empty() {
            let at = if indent.is_some() {
                line_end(self.source, statement.span.end)
            } else {
                statement.span.end
            };
            edits.push(Self::edit(Span { start: at, end: at }, appended));
        }
        let removed: Vec<u32> = movers.iter().map(|m| m.name_index).collect();
        edits.extend(self.removals(statement, &removed));
        edits
    }

    /// An earlier module-level `from <module> import ...` in the same context that moving
    /// names can join: only when each moving local name is bound nowhere else in the file, so
    /// binding it earlier cannot change what it holds.
    fn merge_target(
        &self,
        index: u32,
        module: &str,
        locals: &[&str],
        rewriting: &[u32],
    ) -> Option<&ImportStmt> {
        let statement = &self.facts.imports[index as usize];
        if statement.context.scope != ScopeKind::Module || statement.context.conditional {
            return None;
        }
        self.facts.imports[..index as usize]
            .iter()
            .enumerate()
            .find(|(other_index, other)| {
                let ImportKind::From { module: m, level } = &other.kind else {
                    return false;
                };
                other.context == statement.context
                    && !rewriting.contains(&(*other_index as u32))
                    && !other.names.iter().any(|n| n.name == "*")
                    && self
                        .resolver
                        .absolute_module(self.file, *level, m.as_deref())
                        .is_some_and(|absolute| absolute == module)
                    && locals.iter().all(|local| {
                        let in_target = other
                            .names
                            .iter()
                            .any(|n| n.bound_name(&other.kind) == *local);
                        self.bindings_of(local) == 1 + usize::from(in_target)
                    })
            })
            .map(|(_, other)| other)
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
        let bound = alias.bound_name(&statement.kind).to_string();
        // What the bound name stands for: `a` for `import a.b`, `a.b` for `import a.b as x`.
        let bound_module = if alias.asname.is_some() {
            alias.name.clone()
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
        edits.push(Self::edit(alias.span, new_alias));
        Ok(Fix {
            applicability: Applicability::Unsafe,
            edits,
        })
    }
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
