//! SSOT301 shared-instance-accessor.

use rustc_hash::FxHashMap;
use ssot_facts::{CallArguments, SharedInstanceKind};
use ssot_index::census::origin_path;
use ssot_index::Origin;

use crate::registry::Rule;
use crate::symbols::{concept_of, DottedResolver, Target};
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# shared-instance-accessor (SSOT301)

## What it does
Reports each call of an accessor that hands the same instance of a declared concept to every
caller:
- the functions (or `module:Class.method` classmethods) listed in a concept's `accessors`;
- auto-detected accessors whose shared instance is of the concept's canonical class or a
  competing member, or comes from its declared `factory`:
  - a module-level function that creates a module global lazily
    (`global _x; if _x is None: _x = Cls(); return _x`), or a classmethod or staticmethod
    without required parameters that does (`Scope.get_global_scope()`);
  - a `functools.lru_cache`/`functools.cache`-decorated module-level function without
    required parameters (`return Cls()`);
  - a class that keeps its one instance in a class attribute, handed out by `__new__` (then
    every `Cls()` call is an accessor call) or by a classmethod such as `Cls.instance()`;
  - a module-level function returning `registry[key]`, `registry.get(key)` or
    `registry.setdefault(key, Cls())` of a module-level dict.

Each call is classified by its first argument (positional, else the first keyword): none,
the literal `None`, another literal (a string, bytes, number or boolean), or any other value
(a keyed call, such as `get_manager(user_id)`). What a keyed call gets depends on how the
accessor's body keeps its instance, which ssot reads:
- a registry dict indexed by a parameter (`return _by_user[user_id]`, `.get(user_id)`,
  `.setdefault(user_id, ...)`): the argument selects a per-key instance (the call's first
  argument is taken for the key), so a keyed call is not a shared-instance call and is not
  reported. Calls without an argument, with
  `None` or with a literal (`manager_named(\"admin\")`) are: every such caller gets the
  instance kept under the default key, `None` or that literal;
- a lazy global, a class singleton or a cache of a function without parameters: one
  instance whatever the arguments, so a keyed call is reported, and the message says the
  argument does not select the instance;
- a declared `accessors` entry: ssot does not read its body, so a keyed call is reported
  with a message that says it is keyed and that ssot cannot tell whether the argument
  selects a per-owner instance, and any other call with a message that says the declaration
  (not ssot) calls the accessor shared. Suppress it, or drop the entry, when it does not
  share (`ssot init` suggests `get_...` functions by name only).

The message names the accessor, where the shared instance lives, the concept, how the call
passes its argument when it does, and the concept's declared `factory` when there is one.

## Why is this bad?
An accessor like `get_websocket_manager()` looks like a constructor but returns one object
for the whole process. Every user of a multi-user service then shares its state: one user's
events can reach another user's connections, and a test that touches it changes what the next
test sees. The call site gives no hint of this, so every one of them is worth a look.

## Example
```toml
[tool.ssot.concepts.websocket-manager]
canonical = \"app.websocket_core.unified_manager:UnifiedWebSocketManager\"
factory = \"app.websocket_core.factory:create_websocket_manager\"
```
```python
from app.websocket_core import get_websocket_manager

manager = get_websocket_manager()
```

## Use instead
```python
from app.websocket_core.factory import create_websocket_manager

manager = create_websocket_manager(user_id)
```

## Not reported
- A factory that builds a new instance per call (no cache, no global).
- A keyed call (`manager_for(user_id)`) of a registry indexed by that parameter: each key
  has its own instance.
- A per-request context object (`contextvars.ContextVar.get()`, an argument passed down).
- The declared `factory` itself, even when it caches per key (a cache keyed by user id that
  the concept sanctions).
- Auto-detected accessors of classes that are not part of a declared concept: a cached
  settings object or connection pool is shared on purpose, and ssot cannot tell per-user
  state from process-wide configuration. So without a declared concept this rule reports
  nothing; declare the concept (or list the accessor in `accessors`) to have it checked.

## What it does not detect
- Accessors whose instance is built by a call ssot cannot resolve to the concept (a local
  variable, `getattr`, a factory that is not the declared one), or whose cache is not one of
  the shapes above (a `threading.local`, a dependency-injection container, a metaclass
  singleton, a global set from outside the function).
- Calls through another name bound at run time (`f = get_manager; f()`, a module-level
  variable, a local variable), through `functools.partial`, or as callbacks passed without
  calling them (`Depends(get_manager)`): ssot records only calls whose root name an import
  from a first-party module, a module-level class or function, or an alias binds.
- Methods of instances (`app.state.get_manager()`): only module-level functions, classes and
  classmethods are followed.
";

/// What one accessor shares.
pub(crate) struct AccessorInfo {
    concept: usize,
    /// Where the shared instance lives, for the message.
    state: String,
    /// How the accessor's body picks the instance, which decides what a call's argument does.
    keying: Keying,
    /// Declared in the concept's `accessors` and not detected: its body was not read, so a
    /// message can only say what the declaration says.
    declared_only: bool,
}

/// What an argument of an accessor call does to the instance it gets, read from the
/// accessor's body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keying {
    /// One instance whatever the arguments (a lazy global, a class singleton, a cache of a
    /// function without parameters): an argument does not select it.
    Ignored,
    /// A module-level dict indexed by a parameter: an argument selects the instance.
    ByArgument,
    /// The body is not one ssot reads (a declared accessor).
    Unknown,
}

/// Every accessor of a declared concept, declared or auto-detected, keyed by (function or
/// class, classmethod name): what SSOT301 reports calls of.
pub(crate) fn concept_accessors<'p>(
    context: &CheckContext<'p>,
    resolver: &mut DottedResolver<'p>,
) -> FxHashMap<(Origin, Option<String>), AccessorInfo> {
    let project = context.project;
    // (accessor, method) → what it shares.
    let mut accessors: FxHashMap<(Origin, Option<String>), AccessorInfo> = FxHashMap::default();
    for (file_id, file) in project.files.iter().enumerate() {
        let file_id = file_id as u32;
        for shape in &file.facts.shared_instances {
            let Some(index) =
                file.facts.definitions.iter().rposition(|d| {
                    d.module_level && d.name == shape.accessor && d.span == shape.span
                })
            else {
                continue;
            };
            let accessor = Origin {
                file: file_id,
                definition: index as u32,
            };
            let built = match &shape.builds {
                Some(dotted) => resolver.resolve(file_id, dotted),
                None => Some(Target::Definition {
                    origin: accessor,
                    rest: Vec::new(),
                }),
            };
            let Some(Target::Definition { origin, rest }) = built else {
                continue;
            };
            let method = rest
                .first()
                .map(|m| m.to_string())
                .filter(|_| rest.len() == 1);
            let concept = context.concepts.iter().position(|concept| {
                (rest.is_empty() && concept.contains(origin))
                    || concept.is_factory(origin, method.as_deref())
            });
            let Some(concept) = concept else {
                continue;
            };
            let accessor_method = match &shape.kind {
                SharedInstanceKind::ClassSingleton { method } if method != "__new__" => {
                    Some(method.clone())
                }
                SharedInstanceKind::GlobalMethod { method } => Some(method.clone()),
                _ => None,
            };
            if context.concepts[concept].is_factory(accessor, accessor_method.as_deref()) {
                continue;
            }
            let state = match &shape.kind {
                SharedInstanceKind::LazyGlobal | SharedInstanceKind::GlobalMethod { .. } => {
                    format!("kept in the module global `{}`", shape.state)
                }
                SharedInstanceKind::CachedFactory => format!("kept in {}", shape.state),
                SharedInstanceKind::ClassSingleton { .. } => {
                    format!("kept in the class attribute `{}`", shape.state)
                }
                SharedInstanceKind::KeyedRegistry => {
                    format!("kept per key in the module-level dict `{}`", shape.state)
                }
            };
            let keying = match &shape.kind {
                SharedInstanceKind::KeyedRegistry => Keying::ByArgument,
                SharedInstanceKind::LazyGlobal
                | SharedInstanceKind::GlobalMethod { .. }
                | SharedInstanceKind::CachedFactory
                | SharedInstanceKind::ClassSingleton { .. } => Keying::Ignored,
            };
            accessors.insert(
                (accessor, accessor_method.map(Into::into)),
                AccessorInfo {
                    concept,
                    state,
                    keying,
                    declared_only: false,
                },
            );
        }
    }
    for (index, concept) in context.concepts.iter().enumerate() {
        for declared in &concept.accessors {
            accessors
                .entry((declared.origin, declared.method.clone()))
                .or_insert_with(|| AccessorInfo {
                    concept: index,
                    state: "declared in the concept's `accessors`".to_string(),
                    keying: Keying::Unknown,
                    declared_only: true,
                });
        }
    }
    accessors
}

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    if context.concepts.is_empty() {
        return;
    }
    let project = context.project;
    let mut resolver = DottedResolver::new(project);
    let accessors = concept_accessors(context, &mut resolver);
    if accessors.is_empty() {
        return;
    }
    for (file_id, file) in project.files.iter().enumerate() {
        // Each distinct callee of a file is resolved once, however often it is called.
        let mut targets: Vec<Option<Option<Target<'_>>>> = vec![None; file.facts.callees.len()];
        for call in &file.facts.calls {
            let callee = file.facts.callee(call);
            let Some(slot) = targets.get_mut(call.callee as usize) else {
                continue;
            };
            let target = slot.get_or_insert_with(|| resolver.resolve(file_id as u32, callee));
            let Some(Target::Definition { origin, rest }) = target.clone() else {
                continue;
            };
            let method = match rest.as_slice() {
                [] => None,
                [method] => Some(method.to_string()),
                _ => continue,
            };
            let Some(info) = accessors.get(&(origin, method.clone())) else {
                continue;
            };
            let concept = &context.concepts[info.concept];
            let accessor = match &method {
                Some(method) => format!("{}.{method}", origin_path(project, origin)),
                None => origin_path(project, origin),
            };
            let factory = match &concept.factory {
                Some(factory) => format!("; create one per owner with `{}`", factory.symbol),
                None => String::new(),
            };
            let kind = if concept_of(context.concepts, origin).is_some() && method.is_none() {
                "singleton class"
            } else {
                "accessor"
            };
            let shared = format!("one shared instance (concept `{}`)", concept.name);
            let message = match (info.keying, call.arguments) {
                // Only the declaration says the accessor shares an instance: say so, rather
                // than claim what its body does.
                (
                    Keying::Unknown,
                    CallArguments::Nothing | CallArguments::Literal | CallArguments::ExplicitNone,
                ) if info.declared_only => {
                    format!(
                        "call of {kind} `{accessor}`, which the concept's `accessors` declares to \
                         hand out one shared instance (concept `{}`; ssot does not read a declared \
                         accessor's body){factory}",
                        concept.name
                    )
                }
                // The argument selects a per-key instance: not a shared-instance call.
                (Keying::ByArgument, CallArguments::Keyed) => continue,
                (Keying::ByArgument, CallArguments::Nothing) => format!(
                    "{kind} `{accessor}` called without an argument hands every such caller \
                     {shared}, the one under its default key, {}{factory}",
                    info.state
                ),
                (Keying::ByArgument, CallArguments::Literal) => format!(
                    "{kind} `{accessor}` called with a literal key hands every caller that \
                     passes the same literal {shared}, {}{factory}",
                    info.state
                ),
                (Keying::ByArgument, CallArguments::ExplicitNone) => format!(
                    "{kind} `{accessor}` called with `None` hands every such caller \
                     {shared}, the one under the key `None`, {}{factory}",
                    info.state
                ),
                (Keying::Ignored | Keying::Unknown, CallArguments::Nothing)
                | (Keying::Unknown, CallArguments::Literal) => format!(
                    "{kind} `{accessor}` hands every caller {shared}, {}{factory}",
                    info.state
                ),
                (Keying::Ignored | Keying::Unknown, CallArguments::ExplicitNone) => format!(
                    "{kind} `{accessor}` called with `None` hands every such caller \
                     {shared}, {}{factory}",
                    info.state
                ),
                (Keying::Ignored, CallArguments::Keyed | CallArguments::Literal) => format!(
                    "{kind} `{accessor}` hands every caller {shared}, {}: the call's \
                     argument does not select the instance{factory}",
                    info.state
                ),
                (Keying::Unknown, CallArguments::Keyed) => format!(
                    "keyed call of {kind} `{accessor}` ({}, concept `{}`): ssot cannot tell \
                     whether its argument selects a per-owner instance or every caller shares \
                     one{factory}",
                    info.state, concept.name
                ),
            };
            let mut diagnostic = Diagnostic::new(
                Rule::SharedInstanceAccessor,
                &file.path,
                call.span,
                call.position,
                message,
            );
            diagnostic.concept = Some(concept.name.clone());
            diagnostic.symbol = Some(accessor);
            diagnostic.import_path = Some(callee.to_string());
            out.push(diagnostic);
        }
    }
}
