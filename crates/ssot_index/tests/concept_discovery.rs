//! Concept discovery on small in-memory projects: one test per kind of evidence, near misses
//! that must stay apart, and ranking of test-double-only families.

use ssot_index::concept_discovery::discover_concepts;
use ssot_index::{collect_references, Project, ProjectFile, Resolver};
use ssot_python::{facts_from_bytes, SourceKind};

fn project(files: &[(&str, &str)]) -> Project {
    let files = files
        .iter()
        .map(|(path, source)| ProjectFile {
            path: path.to_string(),
            facts: facts_from_bytes(source.as_bytes(), SourceKind::Python).unwrap(),
            is_test: path.starts_with("tests/"),
        })
        .collect();
    Project::new(files, &[String::new()])
}

/// `name canonical` then one `role symbol (evidence)` line per member, per candidate.
fn discover(files: &[(&str, &str)]) -> String {
    let project = project(files);
    let mut resolver = Resolver::new(&project);
    let references = collect_references(&mut resolver);
    let mut out = String::new();
    for candidate in discover_concepts(&mut resolver, &references) {
        out.push_str(&format!(
            "{} -> {} [{} files; {}]\n",
            candidate.name, candidate.canonical, candidate.files, candidate.reason
        ));
        for member in &candidate.members {
            let evidence: Vec<String> = member.evidence.iter().map(|e| e.describe()).collect();
            out.push_str(&format!(
                "  {} {} ({})\n",
                member.role.as_str(),
                member.symbol,
                evidence.join("; ")
            ));
        }
    }
    out
}

const MANAGER_METHODS: &str = "
    def connect(self, user): ...
    def disconnect(self, user): ...
    def send(self, user, message): ...
    def broadcast(self, message): ...
";

#[test]
fn decorated_names_and_test_doubles() {
    let unified = format!("class _UnifiedSessionManagerImpl:{MANAGER_METHODS}\nUnifiedSessionManager = _UnifiedSessionManagerImpl\n");
    let legacy = format!("class LegacySessionManager:{MANAGER_METHODS}    def extra(self): ...\n");
    let output = discover(&[
        ("core/__init__.py", ""),
        ("core/unified.py", &unified),
        ("core/legacy.py", &legacy),
        ("app.py", "from core.unified import UnifiedSessionManager\nfrom core.unified import UnifiedSessionManager as M\n"),
        ("tests/test_app.py", "class MockSessionManager:\n    def send(self, user, message): ...\n"),
    ]);
    insta::assert_snapshot!(output);
}

#[test]
fn same_name_in_two_modules_with_a_shared_interface() {
    let body = format!("class SessionManager:{MANAGER_METHODS}");
    let output = discover(&[
        ("a/__init__.py", ""),
        ("a/sessions.py", &body),
        ("b/__init__.py", ""),
        ("b/sessions.py", &body),
        ("use.py", "from a.sessions import SessionManager\n"),
    ]);
    insta::assert_snapshot!(output);
}

#[test]
fn same_stem_subclass_and_alias() {
    let output = discover(&[
        ("pkg/__init__.py", ""),
        ("pkg/core.py", &format!("class SessionManager:{MANAGER_METHODS}")),
        ("pkg/canonical.py", "from pkg.core import SessionManager\n\nclass CanonicalSessionManager(SessionManager):\n    def notify(self): ...\n"),
        ("pkg/compat.py", "from pkg.core import SessionManager\n\nOldName = SessionManager\n"),
    ]);
    insta::assert_snapshot!(output);
}

#[test]
fn similar_public_methods_with_the_same_head_word() {
    let methods = "
    def get(self, key): ...
    def set(self, key, value): ...
    def delete(self, key): ...
    def clear(self): ...
    def incr(self, key): ...
";
    let output = discover(&[
        ("cache/__init__.py", ""),
        (
            "cache/redis.py",
            &format!("class RedisCacheBackend:{methods}"),
        ),
        (
            "cache/memcached.py",
            &format!("class MemcachedCacheBackend:{methods}"),
        ),
        ("use.py", "from cache.redis import RedisCacheBackend\n"),
    ]);
    insta::assert_snapshot!(output);
}

#[test]
fn delegating_wrapper_joins_the_family_it_forwards_to() {
    let output = discover(&[
        ("pkg/__init__.py", ""),
        ("pkg/manager.py", &format!("class SessionManager:{MANAGER_METHODS}")),
        (
            "pkg/adapter.py",
            "class AgentBridge:\n    def __init__(self, manager):\n        self._manager = manager\n    def connect(self, user):\n        return self._manager.connect(user)\n    def send(self, user, message):\n        return self._manager.send(user, message)\n    def broadcast(self, message):\n        \"\"\"Fan out.\"\"\"\n        return self._manager.broadcast(message)\n",
        ),
    ]);
    insta::assert_snapshot!(output);
}

/// `Config`, `Handler` and `Base` in unrelated packages are not one concept without other
/// evidence, and neither are siblings under one base or a naming convention.
#[test]
fn near_misses_stay_apart() {
    let plugin = "from plugins.base import ActionBase\n\nclass ActionModule(ActionBase):\n    def run(self): ...\n";
    let mut files = vec![
        ("billing/__init__.py".to_string(), String::new()),
        ("billing/config.py".to_string(), "class Config:\n    def load(self): ...\n    def save(self): ...\n".to_string()),
        ("search/__init__.py".to_string(), String::new()),
        ("search/config.py".to_string(), "class Config:\n    def parse(self): ...\n".to_string()),
        ("web/__init__.py".to_string(), String::new()),
        ("web/handlers.py".to_string(), "class Handler:\n    def get(self): ...\n".to_string()),
        ("cli/__init__.py".to_string(), String::new()),
        ("cli/handlers.py".to_string(), "class Handler:\n    def run(self, argv): ...\n".to_string()),
        ("orm/__init__.py".to_string(), String::new()),
        ("orm/base.py".to_string(), "class Base:\n    pass\n".to_string()),
        ("forms/__init__.py".to_string(), String::new()),
        ("forms/base.py".to_string(), "class Base:\n    def render(self): ...\n".to_string()),
        ("models/__init__.py".to_string(), String::new()),
        ("models/fields.py".to_string(), "from models.base import Field\n\nclass IntegerField(Field):\n    def to_python(self, v): ...\n    def get_prep_value(self, v): ...\n    def formfield(self): ...\n    def check(self): ...\n\nclass DateField(Field):\n    def to_python(self, v): ...\n    def get_prep_value(self, v): ...\n    def formfield(self): ...\n    def check(self): ...\n".to_string()),
        ("models/base.py".to_string(), "class Field:\n    pass\n".to_string()),
        ("plugins/__init__.py".to_string(), String::new()),
        ("plugins/base.py".to_string(), "class ActionBase:\n    def run(self): ...\n".to_string()),
    ];
    for index in 0..10 {
        files.push((format!("plugins/action_{index}.py"), plugin.to_string()));
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, s)| (p.as_str(), s.as_str()))
        .collect();
    assert_eq!(discover(&borrowed), "");
}

#[test]
fn families_with_production_duplicates_rank_first() {
    let output = discover(&[
        ("pkg/__init__.py", ""),
        (
            "pkg/cache.py",
            "class ResultCache:\n    def get(self, key): ...\n",
        ),
        (
            "tests/fakes.py",
            "class FakeResultCache:\n    def get(self, key): ...\n",
        ),
        (
            "tests/stubs.py",
            "class StubResultCache:\n    def get(self, key): ...\n",
        ),
        (
            "pkg/sessions.py",
            &format!("class SessionManager:{MANAGER_METHODS}"),
        ),
        (
            "pkg/legacy.py",
            &format!("class LegacySessionManager:{MANAGER_METHODS}"),
        ),
    ]);
    let names: Vec<&str> = output.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(names.len(), 2, "{output}");
    assert!(names[0].starts_with("session-manager"), "{output}");
    assert!(names[1].starts_with("result-cache"), "{output}");
}

/// One `Command` per module of a `commands` package is a plugin layout, and estimators that
/// share a framework base implement its API: neither is a family.
#[test]
fn plugin_layouts_and_framework_siblings_stay_apart() {
    let command = "from base import BaseCommand\nclass Command(BaseCommand):\n    def handle(self): ...\n    def add_arguments(self, parser): ...\n";
    let scaler = |name: &str| {
        format!("from sklearn.base import TransformerMixin\nclass {name}(TransformerMixin):\n    def fit(self, x): ...\n    def transform(self, x): ...\n    def partial_fit(self, x): ...\n    def inverse_transform(self, x): ...\n")
    };
    let output = discover(&[
        ("base.py", "class BaseCommand:\n    def handle(self): ...\n"),
        ("commands/__init__.py", ""),
        ("commands/migrate.py", command),
        ("commands/shell.py", command),
        ("commands/serve.py", command),
        ("scalers/__init__.py", ""),
        ("scalers/standard.py", &scaler("StandardScaler")),
        ("scalers/minmax.py", &scaler("MinMaxScaler")),
    ]);
    assert_eq!(output, "", "{output}");
}

/// Variants one module picks between under a condition (one reader per platform) are one
/// interface written apart on purpose, not copies; the same classes without the dispatcher
/// are a family.
#[test]
fn variants_selected_by_a_condition_stay_apart() {
    let reader = "class InputReader:\n    def read(self): ...\n    def close(self): ...\n    def more(self): ...\n";
    let files = |dispatcher: &'static str| {
        vec![
            ("drivers/__init__.py", ""),
            ("drivers/_reader_linux.py", reader),
            ("drivers/_reader_windows.py", reader),
            ("drivers/_reader.py", dispatcher),
            (
                "drivers/web.py",
                "from drivers._reader import InputReader\n",
            ),
            (
                "drivers/tty.py",
                "from drivers._reader_linux import InputReader\n",
            ),
        ]
    };
    let dispatched = discover(&files(
        "import sys\nif sys.platform == 'win32':\n    from drivers._reader_windows import InputReader\nelse:\n    from drivers._reader_linux import InputReader\n",
    ));
    assert_eq!(dispatched, "", "{dispatched}");
    let undispatched = discover(&files("from drivers._reader_linux import InputReader\n"));
    assert!(
        undispatched.contains("drivers._reader_windows:InputReader"),
        "{undispatched}"
    );
}

/// Many same-named plain classes, data classes and enums are the biggest families, whatever
/// their methods; enums with equal members are one concept under different names.
#[test]
fn same_named_classes_and_data_shapes_group() {
    let output = discover(&[
        ("a/__init__.py", ""),
        ("a/metrics.py", "class PrometheusExporter:\n    def export(self): ...\n"),
        ("b/__init__.py", ""),
        ("b/metrics.py", "class PrometheusExporter:\n    def push(self): ...\n    def close(self): ...\n"),
        ("c/__init__.py", ""),
        ("c/health.py", "import enum\nclass HealthStatus(enum.Enum):\n    HEALTHY = 1\n    DEGRADED = 2\n    UNHEALTHY = 3\n"),
        ("d/__init__.py", ""),
        ("d/state.py", "from enum import Enum\nclass ServiceStatus(Enum):\n    HEALTHY = 'h'\n    DEGRADED = 'd'\n    UNHEALTHY = 'u'\n"),
        ("e/__init__.py", ""),
        ("e/results.py", "from dataclasses import dataclass\n@dataclass\nclass ValidationResult:\n    ok: bool\n    errors: list\n"),
        ("f/__init__.py", ""),
        ("f/results.py", "from dataclasses import dataclass\n@dataclass\nclass ValidationResult:\n    valid: bool\n    messages: list\n    warnings: list\n"),
    ]);
    insta::assert_snapshot!(output);
}

/// An import alias names the concept; an `I`-prefixed interface decorates the name; the
/// subclass everybody uses wins the canonical over its base.
#[test]
fn alias_names_interfaces_and_subclasses_competing_for_canonical() {
    let output = discover(&[
        ("engine/__init__.py", ""),
        ("engine/interface.py", "class IExecutionEngine:\n    def run(self): ...\n"),
        ("engine/base.py", "from engine.interface import IExecutionEngine\nclass ExecutionEngine(IExecutionEngine):\n    def run(self): ...\n"),
        ("engine/unified.py", "from engine.base import ExecutionEngine\nclass UnifiedExecutionEngine(ExecutionEngine):\n    def run(self): ...\n"),
        ("legacy/__init__.py", ""),
        ("legacy/engine.py", "class ExecutionEngine:\n    def run(self): ...\n    def stop(self): ...\n"),
        ("tools/__init__.py", ""),
        ("tools/scoped.py", "class RequestScopedToolDispatcher:\n    def dispatch(self, call): ...\n"),
        ("tools/legacy.py", "class ToolDispatcher:\n    def dispatch(self, call): ...\n    def register(self, tool): ...\n"),
        ("app1.py", "from tools.scoped import RequestScopedToolDispatcher as ToolDispatcher\nfrom engine.unified import UnifiedExecutionEngine\n"),
        ("app2.py", "from tools.scoped import RequestScopedToolDispatcher as ToolDispatcher\nfrom engine.unified import UnifiedExecutionEngine\n"),
    ]);
    insta::assert_snapshot!(output);
}

/// Examples and docs are never proposed as canonical; a docstring that declares the single
/// source of truth breaks a tie; a production mock nobody uses is a finding, a production
/// `DummyClassifier` that the package exports is a feature.
#[test]
fn scopes_declarations_and_production_doubles() {
    let manager = "    def connect(self): ...\n    def send(self): ...\n";
    let output = discover(&[
        ("examples/__init__.py", ""),
        ("examples/demo.py", &format!("class SessionStore:\n{manager}")),
        ("app/__init__.py", ""),
        ("app/a.py", &format!("class SessionStore:\n{manager}")),
        ("app/b.py", &format!("class SessionStore:\n    \"\"\"The single source of truth for sessions.\"\"\"\n{manager}")),
        ("app/fakes.py", &format!("class FakeSessionStore:\n{manager}")),
        ("lib/__init__.py", "from lib.dummy import DummyClassifier\n"),
        ("lib/dummy.py", "class DummyClassifier:\n    def fit(self, x): ...\n    def predict(self, x): ...\n"),
        ("lib/tree.py", "class Classifier:\n    def fit(self, x): ...\n    def predict(self, x): ...\n"),
    ]);
    insta::assert_snapshot!(output);
}

/// Factories and accessors join by name and by body, and their drift is counted.
#[test]
fn factories_and_accessors_join_the_family() {
    let manager = "    def connect(self): ...\n    def send(self): ...\n";
    let output = discover(&[
        ("ws/__init__.py", ""),
        ("ws/manager.py", &format!("class WebSocketManager:\n{manager}")),
        ("ws/simple.py", &format!("class SimpleWebSocketManager:\n{manager}")),
        ("ws/factory.py", "from ws.manager import WebSocketManager\ndef create_websocket_manager(user):\n    return WebSocketManager()\n_shared = None\ndef get_websocket_manager():\n    return _shared\n"),
        ("ws/compat.py", "from ws.simple import SimpleWebSocketManager\nasync def create_websocket_manager(user, context):\n    return SimpleWebSocketManager()\ndef build_thing():\n    return SimpleWebSocketManager()\n"),
    ]);
    let mut drift = String::new();
    let project = project(&[
        ("ws/__init__.py", ""),
        ("ws/manager.py", &format!("class WebSocketManager:\n{manager}")),
        ("ws/simple.py", &format!("class SimpleWebSocketManager:\n{manager}")),
        ("ws/factory.py", "from ws.manager import WebSocketManager\ndef create_websocket_manager(user):\n    return WebSocketManager()\n"),
        ("ws/compat.py", "from ws.simple import SimpleWebSocketManager\nasync def create_websocket_manager(user, context):\n    return SimpleWebSocketManager()\n"),
    ]);
    let mut resolver = Resolver::new(&project);
    let references = collect_references(&mut resolver);
    for candidate in discover_concepts(&mut resolver, &references) {
        for factory in &candidate.factories {
            drift.push_str(&format!(
                "{} {} x{} async {} signatures {}\n",
                factory.role.as_str(),
                factory.name,
                factory.definitions,
                factory.asynchronous,
                factory.signatures
            ));
        }
    }
    assert_eq!(
        drift,
        "factory create_websocket_manager x2 async 1 signatures 2\n"
    );
    insta::assert_snapshot!(output);
}

/// The canonical policy on re-exporting modules: a public module that only re-exports is the
/// public API when its package imports from it or it gathers private modules' names; an old
/// module name (even with `__all__`), a legacy-named or a private module is a shim candidate.
#[test]
fn public_re_exporting_modules_are_never_shims() {
    use ssot_index::re_exports::{classify_re_exporter, ReExporter};
    let project = project(&[
        ("pkg/__init__.py", "from .types import Integer as Integer\n"),
        ("pkg/sql/__init__.py", ""),
        ("pkg/sql/sqltypes.py", "class Integer: ...\n"),
        // Imported by the package `__init__` (sqlalchemy.types).
        (
            "pkg/types.py",
            "from .sql.sqltypes import Integer as Integer\n",
        ),
        // An old module name that keeps an `__all__` for old callers.
        (
            "pkg/columns.py",
            "from .sql.sqltypes import Integer\n__all__ = ['Integer']\n",
        ),
        // Gathers a private module's names.
        ("pkg/_impl.py", "class Engine: ...\n"),
        ("pkg/engine.py", "from ._impl import Engine\n"),
        // An old module name nobody declares as API.
        (
            "pkg/sqltypes_old_name.py",
            "from .sql.sqltypes import Integer\n",
        ),
        (
            "pkg/compat.py",
            "from .sql.sqltypes import Integer\n__all__ = ['Integer']\n",
        ),
        ("pkg/_private.py", "from .sql.sqltypes import Integer\n"),
        (
            "pkg/helpers.py",
            "from .sql.sqltypes import Integer\ndef helper(): ...\n",
        ),
    ]);
    let classes: Vec<(&str, ReExporter)> = [
        "pkg",
        "pkg.types",
        "pkg.columns",
        "pkg.engine",
        "pkg.sqltypes_old_name",
        "pkg.compat",
        "pkg._private",
        "pkg.helpers",
    ]
    .into_iter()
    .map(|module| (module, classify_re_exporter(&project, module)))
    .collect();
    assert_eq!(
        classes,
        vec![
            ("pkg", ReExporter::PublicApi),
            ("pkg.types", ReExporter::PublicApi),
            ("pkg.columns", ReExporter::ShimCandidate),
            ("pkg.engine", ReExporter::PublicApi),
            ("pkg.sqltypes_old_name", ReExporter::ShimCandidate),
            ("pkg.compat", ReExporter::ShimCandidate),
            ("pkg._private", ReExporter::ShimCandidate),
            ("pkg.helpers", ReExporter::Other),
        ]
    );
}

/// One name, two concepts: plain classes whose bodies share no public method and no field
/// (Django's migration `ModelState` and a model instance's `ModelState`) stay apart, while
/// same-named plain classes that share their interface still group.
#[test]
fn same_name_with_disjoint_bodies_stays_apart() {
    let output = discover(&[
        ("db/__init__.py", ""),
        (
            "db/migrations.py",
            "class ModelState:\n    def __init__(self, app_label, name, fields):\n        self.fields = fields\n    def clone(self): ...\n    def render(self, apps): ...\n    def get_field(self, name): ...\n",
        ),
        (
            "db/base.py",
            "class ModelState:\n    db = None\n    adding = True\n    def __getstate__(self): ...\n    def __setstate__(self, state): ...\n",
        ),
        ("app.py", "from db.migrations import ModelState\nfrom db.base import ModelState as S\n"),
    ]);
    assert!(!output.contains("model-state"), "{output}");
    let output = discover(&[
        ("db/__init__.py", ""),
        (
            "db/migrations.py",
            "class ModelState:\n    def clone(self): ...\n    def render(self, apps): ...\n",
        ),
        (
            "db/base.py",
            "class ModelState:\n    def clone(self): ...\n    def save(self): ...\n",
        ),
        (
            "app.py",
            "from db.migrations import ModelState\nfrom db.base import ModelState as S\n",
        ),
    ]);
    assert!(output.contains("model-state"), "{output}");
}

/// An accessor returns one shared (module-global) instance; a `get_...` that builds a fresh
/// member on every call is a factory.
#[test]
fn get_function_returning_a_fresh_instance_is_a_factory() {
    let manager = "    def connect(self): ...\n    def send(self): ...\n";
    let output = discover(&[
        ("ws/__init__.py", ""),
        ("ws/manager.py", &format!("class WebSocketManager:\n{manager}")),
        ("ws/simple.py", &format!("class SimpleWebSocketManager:\n{manager}")),
        ("ws/fresh.py", "from ws.manager import WebSocketManager\ndef get_websocket_manager():\n    return WebSocketManager()\n"),
        ("ws/shared.py", "from ws.manager import WebSocketManager\n_shared = WebSocketManager()\ndef get_websocket_manager():\n    return _shared\n"),
    ]);
    assert!(
        output.contains("factory ws.fresh:get_websocket_manager"),
        "{output}"
    );
    assert!(
        output.contains("accessor ws.shared:get_websocket_manager"),
        "{output}"
    );
}

/// A `Protocol` lists the methods of the classes that satisfy it: sharing them is the point,
/// not a copy. Two implementations with the same methods still make a family.
#[test]
fn a_protocol_and_the_classes_satisfying_it_stay_apart() {
    let methods = "
    def bind(self, **values): ...
    def unbind(self, *keys): ...
    def try_unbind(self, *keys): ...
    def new(self, **values): ...
";
    let protocol =
        format!("from typing import Protocol\n\nclass BindableLogger(Protocol):{methods}");
    let implementation = format!("class StdlibBoundLogger:{methods}");
    let output = discover(&[
        ("log/__init__.py", ""),
        ("log/typing.py", &protocol),
        ("log/base.py", &implementation),
        (
            "use.py",
            "from log.base import StdlibBoundLogger\nfrom log.typing import BindableLogger\n",
        ),
    ]);
    assert_eq!(output, "");
    let copy = format!("class SimpleBoundLogger:{methods}");
    let output = discover(&[
        ("log/__init__.py", ""),
        ("log/typing.py", &protocol),
        ("log/base.py", &implementation),
        ("log/simple.py", &copy),
        ("use.py", "from log.base import StdlibBoundLogger\n"),
    ]);
    assert!(output.contains("log.base:StdlibBoundLogger"), "{output}");
    assert!(output.contains("log.simple:SimpleBoundLogger"), "{output}");
    assert!(!output.contains("BindableLogger"), "{output}");
}
