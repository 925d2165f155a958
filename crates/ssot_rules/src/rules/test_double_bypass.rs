//! SSOT401 test-double-bypass.

use rustc_hash::FxHashMap;
use ssot_facts::{CallFact, CompactString, DunderAll, MethodFacts, StringArgument};
use ssot_index::{FileId, ModuleId, Origin, Resolution};

use crate::concept::ResolvedConcept;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::registry::Rule;
use crate::symbols::{interface, test_doubles, DottedResolver, Target};
use crate::{CheckContext, Diagnostic};

pub const DOC: &str = "# test-double-bypass (SSOT401)

## What it does
In test files (the configured `test-paths`), reports test doubles of a declared concept that
are not tied to the real class:
- a class (at module level, nested in a class, or local to a test function or fixture) that
  stands in for a concept's class by name (`FakeWebSocketManager`,
  `MockWebSocketManager`: the name carries `Mock`, `Fake`, `Stub`, `Dummy` or `Spy`, and
  without those and decoration words it is the name of one of the concept's classes) and
  derives from no production class. Such a class is taken for a stand-in of something else,
  and not reported, when:
  - it derives from a production class (a concept's class, its base, or another class it
    specialises): it follows a real interface;
  - it has public methods and none of them is known to the concept's classes (unless a
    class of the concept has a base outside the project, whose methods ssot cannot see);
  - the file binds it over a first-party base class's attribute that names a class
    outside the concept (`Connection = MockConnection` in a subclass of a transport whose
    `Connection` is its own connection class);
  - `patch()` or `patch.object()` puts it in place of a class outside the concept;
  - it declares interfaces (zope's `@implementer(IResolverSimple)`) and the concept's classes
    declare none of them.
  A class that `patch()` puts in place of a concept's class stands in for it whatever its
  methods. Of two concepts whose classes share a name (a class and its asyncio twin), the
  double goes to the one its file imports from;
- `Mock(spec=X)`, `MagicMock(spec_set=X)`, `create_autospec(X)`, `patch(..., spec=X)` whose
  `X` is a competing member rather than the canonical class, unless the member is the
  canonical's asynchronous counterpart (most methods both define are `async` in the member
  only, and async code cannot use the canonical instead) or offers exactly the canonical's
  public interface (the same public methods and properties, with the same required
  parameters and `async`-ness: the mock is checked against the same interface; SSOT102
  reports the import of the member). A spec that is the canonical class itself, imported
  through a non-canonical path, is not reported here: the mock is checked against the real
  class, and SSOT101 reports the import;
- `patch(\"legacy.path.Manager\")` string targets that reach the canonical class through a
  re-exporting module (a declared shim, a module whose `__all__` lists the name, or a
  package `__init__`) rather than the canonical path; `patch.object(module, \"Manager\")`
  likewise. A target that goes on past the class (`patch(\"legacy.Manager.send\")`)
  replaces an attribute of the class object itself, the same object under every path, and
  is not reported.

## Why is this bad?
A hand-written double has nothing to do with the real class: it keeps passing when the real
interface changes, so green tests prove nothing. A spec'd mock is checked against the class
it specs, which must be the real one. A patch of a legacy path only works while the legacy
module still re-exports the name and production code still looks it up there.

## Example
```python
class FakeWebSocketManager:
    def send_to_user(self, user_id, message): ...

def test_routes():
    with patch(\"app.websocket_core.websocket_manager.WebSocketManager\"):
        ...
```

## Use instead
```python
manager = create_autospec(UnifiedWebSocketManager, instance=True)

def test_routes():
    with patch(\"app.websocket_core.unified_manager.UnifiedWebSocketManager\"):
        ...
```
(or subclass the canonical class for a hand-written fake).

## Fix safety
The fix for a `patch()` string target rewrites the string's contents to the canonical
dotted path and keeps the quote style. It is unsafe: `patch()` replaces the name in the
module it names, so after the rewrite code that looks the class up through the legacy
module (`legacy.Manager()` at call time) is no longer patched, and the test may start
using the real class. Review each test after applying it.

## What it does not detect
- Doubles that stand in for a concept class by being passed where it is expected but whose
  names do not echo it (`Recorder()` passed as `manager=`): ssot has no types of parameters.
  Classes in test paths named like the concept's class without a test-double word (a test
  tool's own `Manager`) are taken for separate implementations and not reported.
- Bare `Mock()`/`MagicMock()` without `spec` used as a concept instance.
- `patch()` targets in consumer modules (`patch(\"app.routes.admin.WebSocketManager\")`):
  patching a name where it is looked up is the right practice and is not reported.
- Targets built at run time (f-strings, concatenation), and `patch.dict`/`patch.multiple`.
- Doubles that echo a concept class's name and share a method with it but stand in for
  another class of the same name, unless the code says which class they replace (a base
  class attribute they are bound over, a `patch()` that puts them in place of another
  class, an `@implementer` interface, a production base class: see above). Suppress the
  others with `# ssot: ignore[SSOT401]`.

An asynchronous counterpart of the canonical class (`redis.asyncio.Connection` beside
`redis.Connection`) is better declared as a concept of its own than as a member: its specs
are not reported, but SSOT203 reports every method it makes `async`.

This rule needs a declared concept; without one it reports nothing.
";

pub(crate) fn check<'p>(context: &CheckContext<'p>, out: &mut Vec<Diagnostic>) {
    if context.concepts.is_empty() {
        return;
    }
    let project = context.project;
    let mut resolver = DottedResolver::new(project);
    for double in test_doubles(&mut resolver, context.concepts) {
        let concept = &context.concepts[double.concept];
        let Some(class) = double.site.view(project, double.file) else {
            continue;
        };
        let file = project.file(double.file);
        let mut diagnostic = Diagnostic::new(
            Rule::TestDoubleBypass,
            &file.path,
            class.span,
            class.position,
            format!(
                "test double `{}` stands in for concept `{}` without subclassing or specing \
                 `{}`; derive it with `create_autospec` or `Mock(spec=...)`, or subclass",
                class.qualname, concept.name, concept.canonical_path
            ),
        );
        diagnostic.concept = Some(concept.name.clone());
        diagnostic.symbol = Some(double.site.path(project, double.file));
        diagnostic.import_path = Some(concept.canonical_path.clone());
        out.push(diagnostic);
    }
    for (file_id, file) in project.files.iter().enumerate() {
        if !file.is_test {
            continue;
        }
        let file_id = file_id as FileId;
        for extras in &file.facts.call_extras {
            let Some(arguments) = &extras.double else {
                continue;
            };
            let Some(call) = file.facts.calls.get(extras.call as usize) else {
                continue;
            };
            let callee = file.facts.callee(call);
            let last = callee.rsplit('.').next().unwrap_or(callee);
            let spec = match last {
                "create_autospec" => arguments.first_dotted.as_deref(),
                _ => arguments.spec.as_deref(),
            };
            if let Some(spec) = spec {
                check_spec(context, &mut resolver, file_id, call, spec, out);
            }
            match (last, &arguments.first_string) {
                ("patch", Some(target)) => {
                    check_patch_target(context, &mut resolver, file_id, call, target, out)
                }
                ("object", _) => {
                    if let (Some(module), Some(name)) =
                        (&arguments.first_dotted, &arguments.second_string)
                    {
                        check_patch_object(context, &mut resolver, file_id, call, module, name, out)
                    }
                }
                _ => {}
            }
        }
    }
}

fn diagnostic(
    context: &CheckContext<'_>,
    file_id: FileId,
    call: &CallFact,
    concept: &ResolvedConcept,
    message: String,
) -> Diagnostic {
    let file = context.project.file(file_id);
    let mut diagnostic = Diagnostic::new(
        Rule::TestDoubleBypass,
        &file.path,
        call.span,
        call.position,
        message,
    );
    diagnostic.concept = Some(concept.name.clone());
    diagnostic.symbol = Some(concept.canonical_path.clone());
    diagnostic
}

/// The callee of a call of a file, as written.
fn project_callee<'p>(context: &CheckContext<'p>, file_id: FileId, call: &CallFact) -> &'p str {
    context.project.file(file_id).facts.callee(call)
}

fn check_spec<'p>(
    context: &CheckContext<'p>,
    resolver: &mut DottedResolver<'p>,
    file_id: FileId,
    call: &CallFact,
    spec: &'p str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(origin) = resolver.definition(file_id, spec) else {
        return;
    };
    for concept in context.concepts {
        if let Some(member) = concept.member(origin) {
            if is_async_counterpart(resolver, origin, concept.canonical)
                || same_public_interface(resolver, origin, concept.canonical)
            {
                continue;
            }
            let mut found = diagnostic(
                context,
                file_id,
                call,
                concept,
                format!(
                    "`{}` specs the competing member `{member}` of concept `{}`; spec `{}`",
                    project_callee(context, file_id, call),
                    concept.name,
                    concept.canonical_path
                ),
            );
            found.import_path = Some(spec.to_string());
            out.push(found);
        }
    }
}

/// Whether `member` offers exactly the canonical's public interface: the same public methods
/// (and properties), each with the same required parameters and the same `async`-ness. A mock
/// spec'd by such a member is checked against the same interface as one spec'd by the
/// canonical class; SSOT102 already reports the import of the member.
fn same_public_interface(
    resolver: &mut DottedResolver<'_>,
    member: Origin,
    canonical: Origin,
) -> bool {
    let mut member_methods = FxHashMap::default();
    let member_unseen = interface(resolver, member, &mut member_methods);
    let mut canonical_methods = FxHashMap::default();
    let canonical_unseen = interface(resolver, canonical, &mut canonical_methods);
    if member_unseen || canonical_unseen {
        // A base outside the project may add methods to either: equality is unknown.
        return false;
    }
    type Signature = (CompactString, Vec<CompactString>, bool, bool);
    let public = |methods: &FxHashMap<String, MethodFacts>| -> Vec<Signature> {
        let mut public: Vec<_> = methods
            .values()
            .filter(|m| m.is_public())
            .map(|m| {
                (
                    m.name.clone(),
                    m.required_params.clone(),
                    m.is_async || m.returns_awaitable,
                    m.is_property,
                )
            })
            .collect();
        public.sort();
        public
    };
    let member_interface = public(&member_methods);
    !member_interface.is_empty() && member_interface == public(&canonical_methods)
}

/// Whether `member` is the asynchronous counterpart of `canonical` (`redis.asyncio.Connection`
/// beside `redis.Connection`): most public methods both define are `async` in the member
/// only. Async code cannot use the canonical class instead, so a spec of the counterpart is
/// not a bypass.
fn is_async_counterpart(
    resolver: &mut DottedResolver<'_>,
    member: Origin,
    canonical: Origin,
) -> bool {
    let mut member_methods = FxHashMap::default();
    interface(resolver, member, &mut member_methods);
    let mut canonical_methods = FxHashMap::default();
    interface(resolver, canonical, &mut canonical_methods);
    let awaited = |m: &MethodFacts| m.is_async || m.returns_awaitable;
    let (mut shared, mut async_only_in_member) = (0, 0);
    for (name, method) in &member_methods {
        let Some(other) = canonical_methods.get(name) else {
            continue;
        };
        if !method.is_public() || method.is_property || other.is_property {
            continue;
        }
        shared += 1;
        async_only_in_member += usize::from(awaited(method) && !awaited(other));
    }
    async_only_in_member > 0 && 2 * async_only_in_member >= shared
}

/// Whether `module` re-exports `name` rather than using it: a declared shim, a module whose
/// `__all__` lists the name, or a package `__init__`.
fn re_exports(
    context: &CheckContext<'_>,
    concept: &ResolvedConcept,
    module: ModuleId,
    name: &str,
) -> bool {
    let project = context.project;
    let module = project.modules.module(module);
    if concept.shims.contains(&module.name) || module.is_package {
        return true;
    }
    module.file.is_some_and(|file| {
        matches!(&project.file(file).facts.dunder_all, DunderAll::Static(names) if names.iter().any(|n| n == name))
    })
}

/// `patch("a.b.Name")`: the longest module prefix, then the name in it.
fn check_patch_target<'p>(
    context: &CheckContext<'p>,
    resolver: &mut DottedResolver<'p>,
    file_id: FileId,
    call: &CallFact,
    target: &'p StringArgument,
    out: &mut Vec<Diagnostic>,
) {
    let project = context.project;
    let segments: Vec<&str> = target.value.split('.').collect();
    let Some(split) = (1..segments.len())
        .rev()
        .find(|&i| project.modules.get(&segments[..i].join(".")).is_some())
    else {
        return;
    };
    let module_name = segments[..split].join(".");
    let Some(module) = project.modules.get(&module_name) else {
        return;
    };
    let name = segments[split];
    // `patch("legacy.Manager.send")` replaces an attribute of the class object itself, which
    // is the same object whatever the path: only a target naming the class depends on it.
    if split + 1 != segments.len() {
        return;
    }
    let Resolution::Definition(origin) = resolver.resolver.resolve_member(module, name) else {
        return;
    };
    for concept in context.concepts {
        if origin != concept.canonical {
            continue;
        }
        let path = format!("{module_name}:{name}");
        if path == concept.canonical_path || !re_exports(context, concept, module, name) {
            continue;
        }
        let canonical = concept.canonical_path.replacen(':', ".", 1);
        let mut diagnostic = diagnostic(
            context,
            file_id,
            call,
            concept,
            format!(
                "`patch()` target `{}` reaches concept `{}` through the non-canonical path \
                 `{path}`; patch `{canonical}`",
                target.value, concept.name
            ),
        );
        if let Some(contents) = target.contents {
            diagnostic.fix = Some(Fix {
                applicability: Applicability::Unsafe,
                edits: vec![Edit {
                    span: contents,
                    content: canonical,
                }],
            });
        }
        diagnostic.import_path = Some(path);
        out.push(diagnostic);
    }
}

/// `patch.object(module, "Name")`.
fn check_patch_object<'p>(
    context: &CheckContext<'p>,
    resolver: &mut DottedResolver<'p>,
    file_id: FileId,
    call: &CallFact,
    module: &'p str,
    name: &'p StringArgument,
    out: &mut Vec<Diagnostic>,
) {
    let Some(Target::Other(Resolution::Module(module_id))) = resolver.resolve(file_id, module)
    else {
        return;
    };
    let Resolution::Definition(origin) = resolver.resolver.resolve_member(module_id, &name.value)
    else {
        return;
    };
    let module_name = &context.project.modules.module(module_id).name;
    for concept in context.concepts {
        let path = format!("{module_name}:{}", name.value);
        if origin != concept.canonical
            || path == concept.canonical_path
            || !re_exports(context, concept, module_id, &name.value)
        {
            continue;
        }
        let mut diagnostic = diagnostic(
            context,
            file_id,
            call,
            concept,
            format!(
                "`patch.object()` target `{path}` reaches concept `{}` through a non-canonical \
                 path; patch `{}`",
                concept.name, concept.canonical_path
            ),
        );
        diagnostic.import_path = Some(path);
        out.push(diagnostic);
    }
}
