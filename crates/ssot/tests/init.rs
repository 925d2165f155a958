//! End-to-end tests of `ssot init`: the real binary on temporary copies of the bundled example.

mod common;

use common::{copy_tree, count_per_code, example_dir, example_findings_per_code, run, ssot};

use std::path::Path;

use serde_json::Value;

const CANONICAL: &str = "app.websocket_core.unified_manager:UnifiedWebSocketManager";

/// A temporary copy of the bundled example.
fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&example_dir(), dir.path());
    dir
}

fn init(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    run(ssot().arg("init").arg(dir).args(extra))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// The names of the files in `dir` (not recursive), sorted, but the facts cache
/// (`.ssot_cache`), which every analysing command keeps up to date.
fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".ssot_cache")
        .collect();
    names.sort();
    names
}

/// `ssot check --output-format json` must accept the configuration: exit 1 (the example has
/// violations), never 2 (a configuration error).
fn check(dir: &Path) -> Value {
    let (code, stdout, stderr) = run(ssot().args(["check", "--output-format", "json"]).arg(dir));
    assert_eq!(code, 1, "check rejected the generated config:\n{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn dry_run_prints_the_section_and_writes_nothing() {
    let dir = example();
    let before = file_names(dir.path());
    let pyproject = read(&dir.path().join("pyproject.toml"));
    let (code, stdout, stderr) = init(dir.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("dry run"), "{stderr}");
    assert_eq!(read(&dir.path().join("pyproject.toml")), pyproject);
    assert_eq!(file_names(dir.path()), before);
    insta::assert_snapshot!(stdout);
}

#[test]
fn writing_into_pyproject_keeps_every_original_byte() {
    let dir = example();
    let path = dir.path().join("pyproject.toml");
    let original = read(&path);
    let (_, section, _) = init(dir.path(), &["--dry-run"]);
    let (code, stdout, stderr) = init(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("declared 1 concept in"), "{stderr}");
    // The original ends with a newline; one blank line separates it from the section.
    assert_eq!(read(&path), format!("{original}\n{section}"));
    // The write went through a temporary file that is gone.
    assert_eq!(
        file_names(dir.path()),
        file_names(&example_dir()),
        "no stray files"
    );
}

#[test]
fn a_second_run_refuses_to_overwrite_the_section() {
    let dir = example();
    let path = dir.path().join("pyproject.toml");
    assert_eq!(init(dir.path(), &[]).0, 0);
    let written = read(&path);
    let (code, stdout, stderr) = init(dir.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("already has a [tool.ssot] section")
            && stderr.contains("ssot init --force"),
        "{stderr}"
    );
    assert_eq!(read(&path), written);
}

#[test]
fn force_replaces_only_the_ssot_tables() {
    let dir = example();
    let path = dir.path().join("pyproject.toml");
    let before = "[project]\nname = \"chat-backend\"\n\n# ssot's settings\n";
    let old_section = "[tool.ssot]\nsrc = [\".\"]\n\n[tool.ssot.per-file-ignores]\n\
                       \"tests/**\" = [\"SSOT101\"]\n\n[tool.ssot.concepts.old]\n\
                       canonical = \"app.websocket_core.simple:SimpleWebSocketManager\"\n\n";
    let after = "# Black's settings\n[tool.black]\nline-length = 99\n";
    std::fs::write(&path, format!("{before}{old_section}{after}")).unwrap();

    let (code, _, stderr) = init(dir.path(), &["--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("replaced the [tool.ssot] section"),
        "{stderr}"
    );
    let text = read(&path);
    assert!(text.starts_with(before), "{text}");
    assert!(text.ends_with(&format!("]\n\n{after}")), "{text}");
    assert!(!text.contains("concepts.old"), "{text}");
    assert!(
        text.contains("[tool.ssot.concepts.web-socket-manager]"),
        "{text}"
    );
    // Settings other than concepts are carried over.
    assert!(text.contains("\nsrc = [\".\"]\n"), "{text}");
    assert!(
        text.contains("[tool.ssot.per-file-ignores]\n\"tests/**\" = [\"SSOT101\"]\n"),
        "{text}"
    );
    let report = check(dir.path());
    assert_eq!(report["concepts"][0]["canonical"], CANONICAL);
    // The carried per-file ignore is in force: non-canonical imports are reported outside
    // tests/ only.
    let non_canonical: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "SSOT101")
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(!non_canonical.is_empty());
    assert!(
        non_canonical.iter().all(|path| !path.starts_with("tests/")),
        "{non_canonical:?}"
    );

    // Replacing again changes nothing.
    let (code, _, stderr) = init(dir.path(), &["--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(read(&path), text);
}

#[test]
fn ssot_toml_is_created_when_there_is_no_pyproject() {
    let dir = example();
    std::fs::remove_file(dir.path().join("pyproject.toml")).unwrap();
    let (_, section, _) = init(dir.path(), &["--dry-run"]);
    let (code, _, stderr) = init(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let text = read(&dir.path().join("ssot.toml"));
    assert_eq!(text, section);
    assert!(!text.contains("[tool.ssot"), "{text}");
    assert!(text.contains("\n[concepts.web-socket-manager]\n"), "{text}");
    assert_eq!(check(dir.path())["concepts"][0]["canonical"], CANONICAL);

    // Any content counts as a configuration: refused, then replaced with --force.
    let (code, _, stderr) = init(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("ssot.toml already exists"), "{stderr}");
    let (code, _, stderr) = init(dir.path(), &["--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(read(&dir.path().join("ssot.toml")), text);
}

#[test]
fn check_accepts_the_written_config_and_reports_the_example_compliance() {
    let dir = example();
    assert_eq!(init(dir.path(), &[]).0, 0);
    let report = check(dir.path());
    let concepts = report["concepts"].as_array().unwrap();
    assert_eq!(concepts.len(), 1);
    let concept = &concepts[0];
    assert_eq!(concept["name"], "web-socket-manager");
    assert_eq!(concept["canonical"], CANONICAL);
    assert_eq!(
        concept["definitions"],
        serde_json::json!([
            "app.websocket_core.unified_manager:_UnifiedWebSocketManagerImplementation",
            "app.websocket_core.simple:SimpleWebSocketManager"
        ])
    );
    // EXPECTED.md (e) counts 11 canonical of 29 references (9/19 production, 2/10 tests) for
    // the same canonical and member. The generated `shims` sanction the re-exports in the old
    // module names `.manager` and `.websocket_manager` (each imports the canonical path once,
    // in production code); `app.websocket_core` is a public package, its re-export the public
    // API and never a shim; `canonical_import_patterns` has code of its own. So two bindings
    // leave both counts: 9 of 27 (7/17 production, 2/10 tests).
    assert_eq!(concept["references"], 27);
    assert_eq!(concept["canonical_references"], 9);
    assert_eq!(concept["production"]["references"], 17);
    assert_eq!(concept["production"]["canonical_references"], 7);
    assert_eq!(concept["tests"]["references"], 10);
    assert_eq!(concept["tests"]["canonical_references"], 2);
    let per_code = count_per_code(&report);
    // The same findings as the hand-written config of EXPECTED.md: references through the
    // shims are still non-canonical (reported as legacy).
    assert_eq!(per_code, example_findings_per_code());
}

#[test]
fn config_option_names_the_file_to_write() {
    let dir = example();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("ssot-ci.toml");
    let (code, _, stderr) = run(ssot()
        .arg("init")
        .arg(dir.path())
        .arg("--config")
        .arg(&target));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        read(&dir.path().join("pyproject.toml")),
        read(&example_dir().join("pyproject.toml"))
    );
    assert!(read(&target).contains("\n[concepts.web-socket-manager]\n"));
    let (code, _, stderr) = run(ssot()
        .args(["check", "--output-format", "json", "--config"])
        .arg(&target)
        .arg(dir.path()));
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn a_project_without_candidates_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
    std::fs::write(
        dir.path().join("pkg/__init__.py"),
        "class Only:\n    pass\n",
    )
    .unwrap();
    let (code, stdout, stderr) = init(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("no concept candidates"), "{stderr}");
    assert_eq!(file_names(dir.path()), ["pkg"]);
}

#[test]
fn top_limits_the_concepts_and_families_with_copies_come_first() {
    // Two families: `Client` has a production copy, `Store` only a test double.
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("pkg/__init__.py", ""),
        (
            "pkg/http.py",
            "class HttpClient:\n    def get(self): ...\n    def post(self): ...\n",
        ),
        (
            "pkg/legacy.py",
            "class LegacyHttpClient:\n    def get(self): ...\n    def post(self): ...\n",
        ),
        ("pkg/store.py", "class SessionStore:\n    pass\n"),
        (
            "pkg/use.py",
            "from pkg.store import SessionStore\nfrom pkg.http import HttpClient\n",
        ),
        ("tests/test_store.py", "class FakeSessionStore:\n    pass\n"),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (code, stdout, stderr) = init(dir.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    let tables: Vec<&str> = stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(
        tables,
        ["[concepts.http-client]", "[concepts.session-store]"],
        "{stdout}"
    );
    let (_, stdout, _) = init(dir.path(), &["--dry-run", "--top", "1"]);
    let tables: Vec<&str> = stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(tables, ["[concepts.http-client]"], "{stdout}");
}

#[test]
fn public_package_re_exports_are_never_shims() {
    // `Scaler` is defined in a private module and re-exported by the public package `lib` and
    // the public package `lib.api` (`__all__`); `lib.compat` and `lib.old_scaling` only
    // re-export it; `lib.tools` has code of its own. A copy in `lib.legacy_scaling` makes it a
    // concept.
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("lib/__init__.py", "from ._scaling import Scaler\n"),
        (
            "lib/_scaling.py",
            "class Scaler:\n    def fit(self): ...\n    def transform(self): ...\n",
        ),
        (
            "lib/api/__init__.py",
            "from lib._scaling import Scaler\n__all__ = ['Scaler']\n",
        ),
        ("lib/compat.py", "from lib._scaling import Scaler\n"),
        ("lib/old_scaling.py", "from ._scaling import Scaler\n"),
        (
            "lib/tools.py",
            "from lib._scaling import Scaler\n\ndef scale(x):\n    return Scaler()\n",
        ),
        (
            "lib/legacy_scaling.py",
            "class LegacyScaler:\n    def fit(self): ...\n    def transform(self): ...\n",
        ),
        (
            "app.py",
            "from lib.api import Scaler\nfrom lib.compat import Scaler as S\n\
             from lib.old_scaling import Scaler as O\nfrom lib.tools import Scaler as T\n\
             from lib._scaling import Scaler as P\nfrom lib.legacy_scaling import LegacyScaler\n",
        ),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (code, stdout, stderr) = init(dir.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    // Nobody imports through `lib:Scaler`, yet the package's re-export is the shallowest
    // public path: the canonical.
    assert!(stdout.contains("canonical = \"lib:Scaler\""), "{stdout}");
    let shims: Vec<&str> = stdout
        .split("shims = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().trim_end_matches(',').trim_matches('"'))
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(shims, ["lib.compat", "lib.old_scaling"], "{stdout}");
}
