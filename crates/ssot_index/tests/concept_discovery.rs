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
