//! `ssot plan` and critical-path tiers: the real binary on the bundled example and on small
//! projects built for one phase each.

mod common;

use common::{copy_tree, example_dir, run, ssot, text_project};
use serde_json::Value;

/// The DESIGN.md §3 configuration of the example: the concept, its factory, and a golden path
/// over the routes and the WebSocket core (one glob tier entry, one module prefix).
const EXAMPLE_CONFIG: &str = "\n[tool.ssot]\n\n\
[tool.ssot.critical-paths]\n\
golden-path = [\"app/routes/**\", \"app.websocket_core\"]\n\n\
[tool.ssot.concepts.websocket-manager]\n\
canonical = \"app.websocket_core.unified_manager:UnifiedWebSocketManager\"\n\
members = [\"app.websocket_core.simple:SimpleWebSocketManager\"]\n\
factory = \"app.websocket_core.factory:create_websocket_manager\"\n";

fn example_with_plan_config() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&example_dir(), dir.path());
    let pyproject = dir.path().join("pyproject.toml");
    let mut text = std::fs::read_to_string(&pyproject).unwrap();
    text.push_str(EXAMPLE_CONFIG);
    std::fs::write(pyproject, text).unwrap();
    dir
}

fn plan_json(dir: &std::path::Path, extra: &[&str]) -> Value {
    let (code, stdout, stderr) = run(ssot()
        .current_dir(dir)
        .args(["plan", "--no-cache", "--format", "json"])
        .args(extra));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn check_json(dir: &std::path::Path, extra: &[&str]) -> (i32, Value, String) {
    let (code, stdout, stderr) = run(ssot()
        .current_dir(dir)
        .args(["check", "--no-cache", "--output-format", "json"])
        .args(extra));
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (code, json, stderr)
}

fn phase_names(plan: &Value) -> Vec<String> {
    plan["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

fn steps<'a>(plan: &'a Value, phase: &str) -> Vec<&'a Value> {
    plan["phases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == phase)
        .flat_map(|p| p["steps"].as_array().unwrap())
        .collect()
}

fn codes(step: &Value) -> Vec<String> {
    step["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn example_plan_markdown_snapshot() {
    let dir = example_with_plan_config();
    let (code, stdout, stderr) = run(ssot().current_dir(dir.path()).args(["plan", "--no-cache"]));
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn example_plan_json_snapshot() {
    let dir = example_with_plan_config();
    insta::assert_json_snapshot!(plan_json(dir.path(), &[]));
}

/// EXPECTED.md (g): the hand count of the example's plan.
#[test]
fn example_plan_matches_the_hand_count() {
    let dir = example_with_plan_config();
    let plan = plan_json(dir.path(), &[]);
    assert_eq!(
        phase_names(&plan),
        ["security", "consolidation", "imports", "test-doubles"]
    );
    let per_phase: Vec<(usize, usize)> = ["security", "consolidation", "imports", "test-doubles"]
        .iter()
        .map(|phase| {
            let steps = steps(&plan, phase);
            let findings = steps.iter().map(|s| codes(s).len()).sum();
            (steps.len(), findings)
        })
        .collect();
    assert_eq!(per_phase, [(4, 4), (4, 6), (6, 23), (5, 6)]);
    assert_eq!(plan["summary"]["auto_fixable"], 15);
    assert_eq!(plan["other"].as_array().unwrap().len(), 1);
    assert_eq!(plan["other"][0]["code"], "SSOT001");
    // Golden-path security findings come before the accessor call in app/main.py.
    let security = steps(&plan, "security");
    assert_eq!(
        security.last().unwrap()["findings"][0]["path"],
        "app/main.py"
    );
    assert!(security[..3].iter().all(|s| s["tier"] == "golden-path"));
    // Every security step says what to do instead: the declared factory.
    assert!(security.iter().all(|s| s["action"]
        .as_str()
        .unwrap()
        .contains("app.websocket_core.factory:create_websocket_manager")));
    // Drift is resolved before the member is retired, in consecutive steps.
    let consolidation = steps(&plan, "consolidation");
    assert_eq!(codes(consolidation[0]), ["SSOT203"]);
    assert_eq!(codes(consolidation[1]), ["SSOT102", "SSOT201", "SSOT102"]);
    assert_eq!(consolidation[1]["references_moved"], 2);
    assert_eq!(
        consolidation[1]["compliance_after"]["canonical_references"],
        13
    );
    // The whole plan brings the concept to every reference on the canonical path.
    assert_eq!(plan["concepts"][0]["now"]["canonical_references"], 11);
    assert_eq!(plan["concepts"][0]["after"]["canonical_references"], 29);
    assert_eq!(plan["concepts"][0]["tier"], "golden-path");
}

#[test]
fn auto_fixable_count_equals_fix_diff_on_the_example() {
    let dir = example_with_plan_config();
    let plan = plan_json(dir.path(), &[]);
    let (code, stdout, stderr) = run(ssot().current_dir(dir.path()).args([
        "fix",
        "--diff",
        "--no-cache",
        "--output-format",
        "json",
    ]));
    assert_eq!(code, 1, "{stderr}");
    let fix: Value = serde_json::from_str(&stdout).unwrap();
    let fixed = fix["fixed"]["SSOT101"].as_u64().unwrap();
    assert_eq!(plan["summary"]["auto_fixable"].as_u64().unwrap(), fixed);
    let automatic: Vec<&Value> = steps(&plan, "imports")
        .into_iter()
        .filter(|s| s["auto_fix"] == true)
        .collect();
    assert_eq!(automatic.len(), 1);
    assert_eq!(automatic[0]["command"], "ssot fix");
    assert_eq!(codes(automatic[0]).len() as u64, fixed);
    // What fix skips is in a hand step with fix's own reason.
    let skipped: Vec<(String, u64, String)> = fix["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["code"] == "SSOT101")
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["line"].as_u64().unwrap(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let by_hand: Vec<(String, u64, String)> = steps(&plan, "imports")
        .into_iter()
        .filter(|s| s["auto_fix"] == false)
        .flat_map(|s| s["findings"].as_array().unwrap())
        .filter(|f| f["code"] == "SSOT101")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(by_hand, skipped);
    assert!(!by_hand.is_empty());
}

#[test]
fn the_plan_is_deterministic_and_writes_nothing_to_the_sources() {
    let dir = example_with_plan_config();
    let before = common::read(dir.path(), "app/routes/chat.py");
    let (_, first, _) = run(ssot().current_dir(dir.path()).args(["plan", "--no-cache"]));
    let (_, second, _) = run(ssot().current_dir(dir.path()).args(["plan"]));
    let (_, third, _) = run(ssot()
        .current_dir(dir.path())
        .env("RAYON_NUM_THREADS", "1")
        .args(["plan"]));
    assert_eq!(first, second);
    assert_eq!(first, third);
    assert_eq!(common::read(dir.path(), "app/routes/chat.py"), before);
}

#[test]
fn output_writes_the_plan_to_a_file() {
    let dir = example_with_plan_config();
    let (code, stdout, stderr) =
        run(ssot()
            .current_dir(dir.path())
            .args(["plan", "--no-cache", "--output", "plan.md"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    assert!(common::read(dir.path(), "plan.md").starts_with("# Remediation plan\n"));
}

#[test]
fn baselined_findings_are_accepted_debt_except_what_fix_rewrites() {
    let dir = example_with_plan_config();
    let (code, _, stderr) = run(ssot()
        .current_dir(dir.path())
        .args(["baseline", "--no-cache"]));
    assert_eq!(code, 0, "{stderr}");
    let plan = plan_json(dir.path(), &[]);
    // Only the imports `ssot fix` rewrites stay planned (running it rewrites them all), and
    // the factory to merge, which is no `check` finding and so in no baseline.
    assert_eq!(phase_names(&plan), ["consolidation", "imports"]);
    assert_eq!(plan["summary"]["planned_findings"], 16);
    assert_eq!(codes(steps(&plan, "consolidation")[0]), ["factory"]);
    assert_eq!(plan["summary"]["auto_fixable"], 15);
    let debt = plan["accepted_debt"].as_array().unwrap();
    // 38 planned findings and the syntax error, less the 15 rewrites.
    assert_eq!(debt.len(), 24);
    assert!(debt.iter().any(|f| f["code"] == "SSOT301"));
}

#[test]
fn hand_steps_are_batched_by_directory_within_the_batch_size() {
    // `import pkg.compat` used as `pkg.compat.Manager` is left to a hand (an unsafe rewrite).
    let mut files: Vec<(String, String)> = vec![
        ("pkg/__init__.py".into(), String::new()),
        ("pkg/core.py".into(), "class Manager:\n    pass\n".into()),
        (
            "pkg/compat.py".into(),
            "from pkg.core import Manager\n".into(),
        ),
        (
            "ssot.toml".into(),
            "[concepts.manager]\ncanonical = 'pkg.core:Manager'\n".into(),
        ),
    ];
    for directory in ["alpha", "beta"] {
        for n in 0..3 {
            files.push((
                format!("{directory}/m{n}.py"),
                "import pkg.compat\n\nx = pkg.compat.Manager\n".into(),
            ));
        }
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = text_project(&files);
    let plan = plan_json(dir.path(), &["--batch-size", "2"]);
    let titles: Vec<&str> = steps(&plan, "imports")
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Move 2 imports to the canonical path by hand, for `alpha/` (batch 1 of 2)",
            "Move 2 imports to the canonical path by hand, for `beta/` (batch 1 of 2)",
            "Move 1 import to the canonical path by hand, for `alpha/` (batch 2 of 2)",
            "Move 1 import to the canonical path by hand, for `beta/` (batch 2 of 2)",
        ]
    );
    let reasons: Vec<&str> = steps(&plan, "imports")
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap())
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().all(|r| r.contains("--unsafe-fixes")),
        "{reasons:?}"
    );
    assert_eq!(plan["summary"]["auto_fixable"], 0);

    // With CODEOWNERS, batches follow owners instead (the last matching rule wins).
    std::fs::create_dir_all(dir.path().join(".github")).unwrap();
    std::fs::write(
        dir.path().join(".github/CODEOWNERS"),
        "* @all\n/alpha/ @team-a\n/beta/m0.py @team-a\n",
    )
    .unwrap();
    let plan = plan_json(dir.path(), &["--batch-size", "50"]);
    let titles: Vec<&str> = steps(&plan, "imports")
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Move 4 imports to the canonical path by hand, for @team-a",
            "Move 2 imports to the canonical path by hand, for @all",
        ]
    );
}

#[test]
fn security_without_a_factory_says_to_pass_the_request_context() {
    let dir = text_project(&[
        ("app/__init__.py", ""),
        (
            "app/core.py",
            "class Manager:\n    def send(self, m):\n        return m\n\n\n_shared = None\n\n\n\
             def get_manager():\n    global _shared\n    if _shared is None:\n        \
             _shared = Manager()\n    return _shared\n",
        ),
        (
            "app/routes.py",
            "from app.core import get_manager\n\n\ndef handle(m):\n    return get_manager().send(m)\n",
        ),
        (
            "ssot.toml",
            "[critical-paths]\nhot = ['app/routes.py']\n\
             [concepts.manager]\ncanonical = 'app.core:Manager'\n",
        ),
    ]);
    let plan = plan_json(dir.path(), &[]);
    let security = steps(&plan, "security");
    assert!(!security.is_empty(), "{plan:#}");
    assert_eq!(security[0]["tier"], "hot");
    assert_eq!(codes(security[0]), ["SSOT301"]);
    assert!(security.iter().all(|s| s["action"]
        .as_str()
        .unwrap()
        .contains("per-request context")));
}

#[test]
fn diagnostics_carry_the_first_matching_tier_in_every_format() {
    let dir = example_with_plan_config();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        common::read(dir.path(), "pyproject.toml").replace(
            "golden-path = [\"app/routes/**\", \"app.websocket_core\"]\n",
            "golden-path = [\"app/routes/**\", \"app.websocket_core\"]\n\
             tests = [\"tests/**\", \"app/routes/**\"]\n",
        ),
    )
    .unwrap();
    let (code, check, stderr) = check_json(dir.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    for diagnostic in check["diagnostics"].as_array().unwrap() {
        let path = diagnostic["path"].as_str().unwrap();
        let expected = if path.starts_with("app/routes/") || path.starts_with("app/websocket_core/")
        {
            Value::from("golden-path")
        } else if path.starts_with("tests/") {
            Value::from("tests")
        } else {
            Value::Null
        };
        assert_eq!(diagnostic["tier"], expected, "{path}");
    }
    assert_eq!(check["concepts"][0]["tier"], "golden-path");

    // --tier limits the report and the exit code.
    let (code, limited, _) = check_json(dir.path(), &["--tier", "tests"]);
    assert_eq!(code, 1);
    let diagnostics = limited["diagnostics"].as_array().unwrap();
    assert!(!diagnostics.is_empty());
    assert!(diagnostics.iter().all(|d| d["tier"] == "tests"));

    // Text formats put the most critical tier first.
    let (_, concise, _) = run(ssot().current_dir(dir.path()).args([
        "check",
        "--no-cache",
        "--output-format",
        "concise",
    ]));
    let paths: Vec<&str> = concise
        .lines()
        .take_while(|line| line.contains(": SSOT"))
        .map(|line| line.split(':').next().unwrap())
        .collect();
    let first_test = paths.iter().position(|p| p.starts_with("tests/")).unwrap();
    let last_golden = paths
        .iter()
        .rposition(|p| p.starts_with("app/routes/") || p.starts_with("app/websocket_core/"))
        .unwrap();
    let first_untiered = paths
        .iter()
        .position(|p| p.starts_with("app/main.py"))
        .unwrap();
    assert!(
        last_golden < first_test && first_test < first_untiered,
        "{paths:?}"
    );

    // SARIF, GitLab and JUnit carry the tier too.
    for (format, needle) in [
        ("sarif", "\"tier\": \"golden-path\""),
        ("gitlab", "\"tier\": \"golden-path\""),
        ("junit", "<property name=\"tier\" value=\"golden-path\"/>"),
    ] {
        let (_, out, _) = run(ssot().current_dir(dir.path()).args([
            "check",
            "--no-cache",
            "--output-format",
            format,
        ]));
        assert!(out.contains(needle), "{format}");
    }
}

#[test]
fn unknown_tiers_and_bad_tier_config_are_clear_errors() {
    let dir = example_with_plan_config();
    let (code, _, stderr) = check_json(dir.path(), &["--tier", "gold"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown tier `gold`") && stderr.contains("golden-path"),
        "{stderr}"
    );
    for (bad, expected) in [
        ("golden-path = \"app/**\"", "critical-paths.golden-path"),
        ("golden-path = [\"app/[x\"]", "invalid glob"),
        ("golden-path = [\"app routes\"]", "neither a path glob"),
    ] {
        let text = common::read(dir.path(), "pyproject.toml").replace(
            "golden-path = [\"app/routes/**\", \"app.websocket_core\"]",
            bad,
        );
        let broken = tempfile::tempdir().unwrap();
        copy_tree(dir.path(), broken.path());
        std::fs::write(broken.path().join("pyproject.toml"), text).unwrap();
        for command in ["check", "plan"] {
            let (code, _, stderr) = run(ssot().current_dir(broken.path()).args([command]));
            assert_eq!(code, 2, "{bad}");
            assert!(stderr.contains(expected), "{bad}: {stderr}");
            assert!(stderr.contains("pyproject.toml"), "{bad}: {stderr}");
        }
    }
}

/// A concept with a declared factory, two more functions that build its classes, a factory
/// class named after it, an accessor, a look-alike name and a test helper.
fn factories_project(config: &str) -> tempfile::TempDir {
    text_project(&[
        ("app/__init__.py", ""),
        (
            "app/core.py",
            "class SessionManager:\n    def send(self, m):\n        return m\n",
        ),
        (
            "app/legacy.py",
            "class LegacySessionManager:\n    def send(self, m):\n        return m\n",
        ),
        (
            "app/factory.py",
            "from app.core import SessionManager\n\
             from app.legacy import LegacySessionManager\n\
             \n\
             \n\
             def create_session_manager(user):\n    return SessionManager()\n\
             \n\
             \n\
             def build_session(user):\n    return SessionManager()\n\
             \n\
             \n\
             def make_legacy_manager():\n    return LegacySessionManager()\n\
             \n\
             \n\
             class SessionManagerFactory:\n    def create(self):\n        return SessionManager()\n\
             \n\
             \n\
             _shared = None\n\
             \n\
             \n\
             def get_session_manager():\n    global _shared\n    if _shared is None:\n        \
             _shared = SessionManager()\n    return _shared\n\
             \n\
             \n\
             def new_connection():\n    return object()\n",
        ),
        (
            "tests/test_factory.py",
            "from app.core import SessionManager\n\n\n\
             def make_session_manager():\n    return SessionManager()\n",
        ),
        ("ssot.toml", config),
    ])
}

/// What a step's findings point at: `path:line code`.
fn finding_places(step: &Value) -> Vec<String> {
    step["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{} {}", f["path"], f["line"], f["code"]).replace('"', ""))
        .collect()
}

/// Hand count: `build_session` (line 9, returns the canonical class), `make_legacy_manager`
/// (line 13, returns the competing member) and `SessionManagerFactory` (line 17, a factory
/// class named after the concept) build the concept outside the declared factory; the
/// declared `create_session_manager`, the accessor `get_session_manager` (a shared instance:
/// the security phase's), `new_connection` (builds something else) and the helper in tests
/// are not factories to merge.
#[test]
fn consolidation_lists_the_factories_to_merge_into_the_declared_one() {
    let dir = factories_project(
        "[critical-paths]\nhot = ['app/factory.py']\n\
         [concepts.session]\ncanonical = 'app.core:SessionManager'\n\
         members = ['app.legacy:LegacySessionManager']\n\
         factory = 'app.factory:create_session_manager'\n",
    );
    let plan = plan_json(dir.path(), &[]);
    let merges: Vec<&Value> = steps(&plan, "consolidation")
        .into_iter()
        .filter(|s| {
            s["title"]
                .as_str()
                .unwrap()
                .starts_with("Merge the factory")
        })
        .collect();
    let titles: Vec<&str> = merges
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Merge the factory `app.factory:SessionManagerFactory` into \
             `app.factory:create_session_manager`",
            "Merge the factory `app.factory:build_session` into \
             `app.factory:create_session_manager`",
            "Merge the factory `app.factory:make_legacy_manager` into \
             `app.factory:create_session_manager`",
        ],
        "{plan:#}"
    );
    let places: Vec<Vec<String>> = merges.iter().map(|s| finding_places(s)).collect();
    assert_eq!(
        places,
        [
            ["app/factory.py:17 factory"],
            ["app/factory.py:9 factory"],
            ["app/factory.py:13 factory"],
        ]
    );
    assert!(merges
        .iter()
        .all(|s| s["tier"] == "hot" && s["concept"] == "session" && s["auto_fix"] == false));
    assert!(merges[1]["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("returns `SessionManager`"));
    // Factory findings count among the planned findings.
    let consolidation_findings: usize = steps(&plan, "consolidation")
        .iter()
        .map(|s| codes(s).len())
        .sum();
    assert!(consolidation_findings >= 3);
    // The accessor is the security phase's, not a factory to merge.
    let security = steps(&plan, "security");
    assert!(security
        .iter()
        .all(|s| codes(s).iter().all(|c| c != "factory")));
}

/// Without a declared factory, the plan asks for one: one step listing every function or
/// class that builds the concept (the four production ones of the project above).
#[test]
fn without_a_declared_factory_the_plan_says_to_declare_one() {
    let dir = factories_project(
        "[concepts.session]\ncanonical = 'app.core:SessionManager'\n\
         members = ['app.legacy:LegacySessionManager']\n",
    );
    let plan = plan_json(dir.path(), &[]);
    let declare: Vec<&Value> = steps(&plan, "consolidation")
        .into_iter()
        .filter(|s| {
            s["title"]
                .as_str()
                .unwrap()
                .starts_with("Declare one factory")
        })
        .collect();
    assert_eq!(declare.len(), 1, "{plan:#}");
    assert_eq!(
        declare[0]["title"],
        "Declare one factory for `session`: 4 functions or classes build it"
    );
    assert_eq!(
        finding_places(declare[0]),
        [
            "app/factory.py:5 factory",
            "app/factory.py:9 factory",
            "app/factory.py:13 factory",
            "app/factory.py:17 factory",
        ]
    );
    assert!(declare[0]["action"]
        .as_str()
        .unwrap()
        .contains("`factory = \"module:function\"`"));
}
