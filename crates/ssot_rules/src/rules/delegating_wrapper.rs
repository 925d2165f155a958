//! SSOT202 delegating-wrapper.

use ssot_index::census::origin_path;
use ssot_index::{FileId, Origin};

use crate::registry::Rule;
use crate::symbols::{DottedResolver, Target};
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# delegating-wrapper (SSOT202)

## What it does
Reports a class whose public methods (two or more) all only forward to a method of one
attribute (`return self._manager.send_to_user(...)`, after an optional docstring, `await`
allowed), when that attribute holds a declared concept's class: one of its methods assigns
it an instance of the canonical class or a competing member (`self._manager = Manager()`,
`self._manager = manager or Manager()`), an instance from the concept's `factory`, or a
parameter annotated with one of those classes.

## Why is this bad?
A wrapper that only forwards is a second interface to the single source of truth: callers
learn its method names, it grows methods the real class lacks (or misses new ones), and the
next fix has to be made twice. It is how an `Adapter` or `Facade` turns into a competing
definition.

## Example
```python
class AgentWebSocketAdapter:
    def __init__(self, manager=None):
        self._manager = manager if manager is not None else WebSocketManager()

    def send_to_user(self, user_id, message):
        return self._manager.send_to_user(user_id, message)

    def broadcast(self, message, exclude=None):
        return self._manager.broadcast(message, exclude=exclude)
```

## Use instead
Use the canonical class directly, or subclass it when the wrapper adds behaviour:
```python
from app.websocket_core.unified_manager import UnifiedWebSocketManager
```

## What it does not detect
- Wrappers with only one public method (as often a narrow port as a wrapper), and ones
  where any public method does more than forward (logging, argument changes in statements,
  properties).
- Classes with logic of their own in a private method (a body of more than one statement,
  such as a widget's event handlers): they use the concept's class rather than wrap it.
- Wrappers whose attribute's class cannot be seen: assigned from an unannotated parameter
  only, from a local variable, through `setattr`, or in a base class.
- `__getattr__`-based proxies, and wrappers that forward to a module-level instance instead
  of an attribute.

This rule needs a declared concept; without one it reports nothing.
";

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    if context.concepts.is_empty() {
        return;
    }
    let project = context.project;
    let mut resolver = DottedResolver::new(project);
    for (file_id, file) in project.files.iter().enumerate() {
        let file_id = file_id as FileId;
        for (index, definition) in file.facts.definitions.iter().enumerate() {
            let Some(class) = definition.class.as_deref() else {
                continue;
            };
            let origin = Origin {
                file: file_id,
                definition: index as u32,
            };
            if context.concepts.iter().any(|c| c.contains(origin)) {
                continue;
            }
            let public: Vec<_> = class.methods.iter().filter(|m| m.is_public()).collect();
            if public.len() < 2 {
                continue;
            }
            let Some((attribute, _)) = &public[0].forwards_to else {
                continue;
            };
            let all_forward = public.iter().all(|method| {
                method
                    .forwards_to
                    .as_ref()
                    .is_some_and(|(target, _)| target == attribute)
            });
            // Logic of its own in a private method (an event handler, a computation): an
            // object that uses the concept's class, not a layer over it.
            let own_logic = class.methods.iter().any(|method| {
                method.name.starts_with('_') && !method.name.ends_with("__") && method.has_logic
            });
            if !all_forward || own_logic {
                continue;
            }
            let held = class
                .attribute_types
                .iter()
                .filter(|held| held.attribute == attribute)
                .find_map(|held| {
                    let Some(Target::Definition { origin, rest }) =
                        resolver.resolve(file_id, &held.dotted)
                    else {
                        return None;
                    };
                    let method = match rest.as_slice() {
                        [] => None,
                        [method] => Some(*method),
                        _ => return None,
                    };
                    context
                        .concepts
                        .iter()
                        .find(|concept| {
                            (method.is_none() && concept.contains(origin))
                                || concept.is_factory(origin, method)
                        })
                        .map(|concept| {
                            let held = if concept.contains(origin) && method.is_none() {
                                format!("a `{}`", held.dotted)
                            } else {
                                format!("what the factory `{}` returns", held.dotted)
                            };
                            (concept, held)
                        })
                });
            let Some((concept, held)) = held else {
                continue;
            };
            let mut diagnostic = Diagnostic::new(
                Rule::DelegatingWrapper,
                &file.path,
                definition.span,
                definition.position,
                format!(
                    "`{}` only forwards its {} public methods to `self.{attribute}`, {held} \
                     (concept `{}`); use `{}` directly",
                    definition.qualname,
                    public.len(),
                    concept.name,
                    concept.canonical_path
                ),
            );
            diagnostic.concept = Some(concept.name.clone());
            diagnostic.symbol = Some(origin_path(project, origin));
            // The fingerprint stays when the message's counts change.
            diagnostic.import_path = Some(format!("self.{attribute}"));
            out.push(diagnostic);
        }
    }
}
