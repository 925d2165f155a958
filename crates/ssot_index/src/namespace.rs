//! The top-level bindings of one module file.
//!
//! A name may be bound several times (`try`/`except` fallbacks, `if`/`else`, a `global` write in
//! a function). The binding that counts is the last one among those of the highest rank: plain
//! module-level statements, then `except`-handler fallbacks and `global` writes from
//! functions, then `TYPE_CHECKING`-only imports. Resolution tries the others when the preferred
//! one dangles, as the fallback would take over at run time.

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
    /// Star-import statements in source order.
    pub star_imports: Vec<u32>,
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
                        namespace.star_imports.push(statement_index as u32);
                    }
                    continue;
                }
                namespace.add(
                    name.bound_name(&statement.kind),
                    RankedBinding {
                        rank: rank(&statement.context, false),
                        order: statement.span.start,
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

    pub fn binds(&self, name: &str) -> bool {
        self.bindings.contains_key(name)
    }

    /// Every bound name, for star imports without `__all__`.
    pub fn names(&self) -> impl Iterator<Item = &'p str> + '_ {
        self.bindings.keys().copied()
    }
}
