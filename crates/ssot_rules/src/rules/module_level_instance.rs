//! SSOT302 module-level-instance.

use ssot_facts::{ScopeKind, StorageKind};
use ssot_index::census::origin_path;
use ssot_index::Origin;

use crate::registry::Rule;
use crate::symbols::{class_facts, concept_of, DottedResolver};
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# module-level-instance (SSOT302)

## What it does
Reports an instance of a declared concept's class (the canonical class or a competing
member) created when a module is imported rather than when a request needs it: a call
`Cls(...)` at module level (a default argument value included) or in a class body, and an
instance stored in a module global from a function through `global`.

## Why is this bad?
An instance created at import time, or cached in a global, is one object for the whole
process: every user, request and test that reaches it shares its state. For a class that
holds per-user state (connections, sessions, credentials) that is how one user's events reach
another. It also makes tests order-dependent, since the instance outlives each test.

## Example
```python
# app/routes/admin.py
console_sessions = SimpleWebSocketManager()

# app/websocket_core/__init__.py
def get_websocket_manager():
    global _manager
    if _manager is None:
        _manager = UnifiedWebSocketManager()
    return _manager
```

## Use instead
Create the instance where its owner is known (per request, per user, per connection),
usually through the concept's declared `factory`, and pass it down:
```python
def broadcast_announcement(text, manager):
    ...
```

## What it does not detect
- Instances built through a factory function or `functools.partial` at module level
  (`manager = create_manager()`): only calls that resolve to the class itself count.
- Calls under `if __name__ == \"__main__\":`, in lambdas and in the bodies of classes defined
  inside functions, which do not run at import time (they are not reported).
- Instances built through a name that is neither imported from a first-party module nor a
  module-level class or alias (`cls = registry.lookup(\"manager\"); cls()`).
- Instances stored in globals by other means (`globals()[...]`, `module.attr = ...`,
  `setattr`), in mutable containers (`_registry[key] = Cls()`), or in class attributes from
  methods (`cls._instance = cls()`; see SSOT301).
- Subclasses of the concept's classes that are not declared members.

## Declarations, not instances
A class-body instance of a class that takes part in building its owner class is a
declaration: a descriptor (`__get__`, `__set__` or `__set_name__`) or a declarative field
(`contribute_to_class`, as Django's `models.ForeignKey(...)`), defined by the class itself or a
first-party base. It describes every instance of the owner rather than sharing state between
users, and is not reported.

This rule needs a declared concept; without one it reports nothing.
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    if context.concepts.is_empty() {
        return;
    }
    let project = context.project;
    let mut resolver = DottedResolver::new(project);
    for (file_id, file) in project.files.iter().enumerate() {
        for (index, call) in file.facts.calls.iter().enumerate() {
            let callee = file.facts.callee(call);
            let stored = file
                .facts
                .call_extras(index)
                .and_then(|extras| extras.stored.as_ref());
            let where_ = match (stored, call.scope) {
                (Some(storage), _) if storage.kind == StorageKind::Global => {
                    format!(
                        "in a function and stored in the module global `{}`",
                        storage.name
                    )
                }
                (_, ScopeKind::Function) => continue,
                (Some(storage), ScopeKind::Module) => {
                    format!("at module level as `{}`", storage.name)
                }
                (Some(storage), ScopeKind::Class) => {
                    format!("as the class attribute `{}`", storage.name)
                }
                (None, ScopeKind::Module) => "at module level".to_string(),
                (None, ScopeKind::Class) => "in a class body".to_string(),
            };
            let Some(origin) = resolver.definition(file_id as u32, callee) else {
                continue;
            };
            let Some(concept) = concept_of(context.concepts, origin) else {
                continue;
            };
            if call.scope == ScopeKind::Class
                && stored.is_none_or(|storage| storage.kind != StorageKind::Global)
                && is_declaration_class(&mut resolver, origin)
            {
                continue;
            }
            let factory = match &concept.factory {
                Some(factory) => format!("; create it per owner with `{}`", factory.symbol),
                None => String::new(),
            };
            let mut diagnostic = Diagnostic::new(
                Rule::ModuleLevelInstance,
                &file.path,
                call.span,
                call.position,
                format!(
                    "one `{}` instance (concept `{}`) shared by the whole process: `{}()` \
                     created {where_}{factory}",
                    origin_path(project, origin),
                    concept.name,
                    callee
                ),
            );
            diagnostic.concept = Some(concept.name.clone());
            diagnostic.symbol = Some(origin_path(project, origin));
            diagnostic.import_path = Some(callee.to_string());
            out.push(diagnostic);
        }
    }
}

/// Methods that make a class-body instance part of its owner class's definition.
const DECLARATION_METHODS: &[&str] = &["__get__", "__set__", "__set_name__", "contribute_to_class"];

/// Whether the class `origin`, or one of its first-party bases, defines a descriptor or
/// declarative-field method ([`DECLARATION_METHODS`]).
fn is_declaration_class(resolver: &mut DottedResolver<'_>, origin: Origin) -> bool {
    let project = resolver.project();
    let mut pending = vec![origin];
    let mut seen = Vec::new();
    while let Some(class) = pending.pop() {
        if seen.contains(&class) || seen.len() > 64 {
            continue;
        }
        seen.push(class);
        let Some(facts) = class_facts(project, class) else {
            continue;
        };
        if facts
            .methods
            .iter()
            .any(|method| DECLARATION_METHODS.contains(&method.name.as_str()))
        {
            return true;
        }
        for base in &facts.bases {
            if let Some(base) = resolver.definition(class.file, base) {
                pending.push(base);
            }
        }
    }
    false
}
