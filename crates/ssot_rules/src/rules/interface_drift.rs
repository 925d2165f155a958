//! SSOT203 interface-drift.

use rustc_hash::FxHashMap;
use ssot_facts::MethodFacts;

use crate::registry::Rule;
use crate::symbols::{interface, test_doubles, ClassSite, DottedResolver};
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# interface-drift (SSOT203)

## What it does
For each declared concept, compares the public methods of every competing member and every
test double with the canonical class (its own methods and those of its first-party bases),
and reports, once per drifting class, every difference:
- a public method the canonical class lacks;
- a method whose required parameters differ from the canonical one's (names and order,
  `self` left out; not compared when either side takes `*args` or `**kwargs`);
- a method that is `async` on one side only (a method annotated `-> Awaitable[...]`,
  `Coroutine` or `Future` counts as async).

Properties (`property`, `functools.cached_property`) are attributes, not methods: neither
reported as added nor compared; so are names the canonical class's body assigns
(`seconds = staticmethod(now)`).

A test double is what SSOT401 takes for one: a class in a test file (local to a test
function too) whose name carries `Mock`, `Fake`, `Stub`, `Dummy` or `Spy` and, without those
and words such as `Unified` or `Simple`, is the name of one of the concept's classes, and
that shares a public method with them (or has none), or that `patch()` puts in place of one
of them. One that derives from a production class follows that class and is not compared
(a member's own drift is reported at the member).

## Why is this bad?
Copies of an interface drift apart. A mock that grew `send_json()` lets tests call a method
production never has; a member whose `connect()` takes other arguments breaks every caller
the day the member is retired. Tests that pass against a drifted double prove nothing about
the real class.

## Example
```python
# the canonical class
class UnifiedWebSocketManager:
    def connect(self, user_id, connection_id, websocket): ...

# tests/test_routes.py
class MockWebSocketManager:
    def connect(self, user_id, websocket): ...
    def send_json(self, user_id, payload): ...
```

## Use instead
Make the double follow the real interface, best by deriving it from the class:
```python
manager = create_autospec(UnifiedWebSocketManager, instance=True)
```

## What it does not detect
- Methods the double or member lacks (a partial double is common and harmless), parameters
  with defaults, keyword-only defaults, annotations and return types.
- Methods added at run time, through `__getattr__`, or inherited from bases outside the
  project (they are neither compared nor counted as missing). When the canonical class has
  a base outside the project (other than `object`, `ABC`, `Generic` or `Protocol`), a
  method it seems to lack may come from there, so additions are not reported for that
  concept; parameters and `async` of the methods both define still are.
- Test doubles whose names do not echo the concept (`Recorder`, `DummySink`) or carry no
  test-double word (`InMemoryManager`, a test tool's own `Manager`), and doubles in files
  outside the configured test paths.

This rule needs a declared concept; without one it reports nothing.
";

fn params(method: &MethodFacts) -> String {
    format!("({})", method.required_params.join(", "))
}

/// The differences of `methods` from the canonical interface, in source order.
/// With `open`, the canonical class has a base outside the project, so a method it seems to
/// lack may be inherited from there: additions are not reported.
fn differences(
    methods: &[MethodFacts],
    canonical: &FxHashMap<String, MethodFacts>,
    open: bool,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    // Properties are attributes: neither added methods nor calls to compare.
    for method in methods.iter().filter(|m| m.is_public() && !m.is_property) {
        if seen.contains(&method.name.as_str()) {
            continue;
        }
        seen.push(method.name.as_str());
        let Some(expected) = canonical.get(method.name.as_str()) else {
            if !open {
                out.push(format!("adds `{}{}`", method.name, params(method)));
            }
            continue;
        };
        if expected.is_property {
            continue;
        }
        if !method.variadic
            && !expected.variadic
            && method.required_params != expected.required_params
        {
            out.push(format!(
                "`{}` requires {} where the canonical requires {}",
                method.name,
                params(method),
                params(expected)
            ));
        }
        // An `async def` and a method annotated to return an awaitable are awaited alike.
        let awaited = |m: &MethodFacts| m.is_async || m.returns_awaitable;
        if method.is_async != expected.is_async && awaited(method) != awaited(expected) {
            let (this, that) = if method.is_async {
                ("async", "not")
            } else {
                ("not async", "async")
            };
            out.push(format!(
                "`{}` is {this} where the canonical's is {that}",
                method.name
            ));
        }
    }
    out
}

pub(crate) fn check(context: &CheckContext<'_>, out: &mut Vec<Diagnostic>) {
    if context.concepts.is_empty() {
        return;
    }
    let project = context.project;
    let mut resolver = DottedResolver::new(project);
    let doubles = test_doubles(&mut resolver, context.concepts);
    for (index, concept) in context.concepts.iter().enumerate() {
        let mut canonical = FxHashMap::default();
        let open = interface(&mut resolver, concept.canonical, &mut canonical);
        if canonical.is_empty() {
            // A function or a variable: no interface to compare.
            continue;
        }
        let members = concept.members.iter().map(|(_, origin)| {
            (
                origin.file,
                ClassSite::Definition(origin.definition),
                "competing member",
            )
        });
        let concept_doubles = doubles
            .iter()
            .filter(|double| double.concept == index)
            .map(|double| (double.file, double.site, "test double"))
            .collect::<Vec<_>>();
        for (file_id, site, role) in members.chain(concept_doubles) {
            let Some(class) = site.view(project, file_id) else {
                continue;
            };
            let found = differences(&class.facts.methods, &canonical, open);
            if found.is_empty() {
                continue;
            }
            let file = project.file(file_id);
            let mut diagnostic = Diagnostic::new(
                Rule::InterfaceDrift,
                &file.path,
                class.span,
                class.position,
                format!(
                    "{role} `{}` drifts from `{}` (concept `{}`): {}",
                    class.qualname,
                    concept.canonical_path,
                    concept.name,
                    found.join("; ")
                ),
            );
            diagnostic.concept = Some(concept.name.clone());
            diagnostic.symbol = Some(site.path(project, file_id));
            // The fingerprint stays while the list of differences changes.
            diagnostic.import_path = Some(concept.canonical_path.clone());
            out.push(diagnostic);
        }
    }
}
