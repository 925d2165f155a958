//! The top-level bindings of one module file.
//!
//! A name may be bound several times (`try`/`except` fallbacks, `if`/`else`, a `global` write in
//! a function). The binding that counts is the last one among those of the highest rank: plain
//! module-level statements, then `except`-handler fallbacks and `global` writes from
//! functions, then `TYPE_CHECKING`-only imports. Resolution tries the others when the preferred
//! one dangles, as the fallback would take over at run time. Star imports rank the same way:
//! `from m import *` written after `class X` rebinds `X` when `m` exports it.

use rustc_hash::FxHashMap;
use ssot_facts::{FileFacts, ImportKind, ScopeKind, StmtContext};

/// Where a top-level binding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingSource {
    /// `definitions[index]` of the file.
    Definition(u32),
    /// `imports[statement].names[name]`.
    Import { statement: u32, name: u32 },
}

/// One step in finding what a name is bound to: an explicit binding, or a star import that may
/// or may not bring the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingStep {
    Binding(BindingSource),
    /// `imports[statement]` is `from ... import *`.
    Star(u32),
}

/// A module-level `from ... import *`.
#[derive(Clone, Copy, Debug)]
pub struct StarImport {
    /// Index into the file's imports.
    pub statement: u32,
    rank: u8,
    order: u32,
}

#[derive(Clone, Copy, Debug)]
struct RankedBinding {
    rank: u8,
    order: u32,
    source: BindingSource,
}

/// The bindings of one module's top level.
#[derive(Debug, Default)]
pub struct Namespace<'p> {
    bindings: FxHashMap<&'p str, Vec<RankedBinding>>,
    /// Star imports in source order.
    pub star_imports: Vec<StarImport>,
}

fn rank(context: &StmtContext, from_function: bool) -> u8 {
    if context.type_checking {
        2
    } else if context.in_except_handler || from_function {
        1
    } else {
        0
    }
}

impl<'p> Namespace<'p> {
    pub fn build(facts: &'p FileFacts) -> Self {
        let mut namespace = Namespace::default();
        for (index, definition) in facts.definitions.iter().enumerate() {
            if !definition.module_level {
                continue;
            }
            let from_function = definition.context.scope == ScopeKind::Function;
            namespace.add(
                &definition.name,
                RankedBinding {
                    rank: rank(&definition.context, from_function),
                    order: definition.span.start,
                    source: BindingSource::Definition(index as u32),
                },
            );
        }
        for (statement_index, statement) in facts.imports.iter().enumerate() {
            if statement.context.scope != ScopeKind::Module {
                continue;
            }
            for (name_index, name) in statement.names.iter().enumerate() {
                if name.name == "*" {
                    if matches!(statement.kind, ImportKind::From { .. }) {
                        namespace.star_imports.push(StarImport {
                            statement: statement_index as u32,
                            rank: rank(&statement.context, false),
                            order: statement.span.start,
                        });
                    }
                    continue;
                }
                namespace.add(
                    name.bound_name(&statement.kind),
                    RankedBinding {
                        rank: rank(&statement.context, false),
                        // The name's own position: `from a import A as B, B` binds `B` twice,
                        // and the later one wins.
                        order: name.span.start,
                        source: BindingSource::Import {
                            statement: statement_index as u32,
                            name: name_index as u32,
                        },
                    },
                );
            }
        }
        for candidates in namespace.bindings.values_mut() {
            // Preferred first: lowest rank, then latest in the file.
            candidates.sort_by(|a, b| a.rank.cmp(&b.rank).then(b.order.cmp(&a.order)));
        }
        namespace
    }

    fn add(&mut self, name: &'p str, binding: RankedBinding) {
        self.bindings.entry(name).or_default().push(binding);
    }

    /// The bindings of `name`, preferred first.
    pub fn candidates(&self, name: &str) -> impl Iterator<Item = BindingSource> + '_ {
        self.bindings
            .get(name)
            .into_iter()
            .flatten()
            .map(|binding| binding.source)
    }

    /// The bindings of `name` and the star imports, preferred first by the same rule: lowest
    /// rank, then latest in the file.
    pub fn steps(&self, name: &str) -> Vec<BindingStep> {
        let bindings = self
            .bindings
            .get(name)
            .into_iter()
            .flatten()
            .map(|binding| {
                (
                    binding.rank,
                    binding.order,
                    BindingStep::Binding(binding.source),
                )
            });
        let stars = self
            .star_imports
            .iter()
            .map(|star| (star.rank, star.order, BindingStep::Star(star.statement)));
        let mut steps: Vec<_> = bindings.chain(stars).collect();
        steps.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        steps.into_iter().map(|(_, _, step)| step).collect()
    }

    /// `name` as the file spells it, when the module binds it explicitly.
    pub fn bound_name(&self, name: &str) -> Option<&'p str> {
        self.bindings.get_key_value(name).map(|(bound, _)| *bound)
    }

    pub fn binds(&self, name: &str) -> bool {
        self.bindings.contains_key(name)
    }

    /// Every bound name, for star imports without `__all__`.
    pub fn names(&self) -> impl Iterator<Item = &'p str> + '_ {
        self.bindings.keys().copied()
    }
}
