//! `ssot report`: the JSON and Markdown views on the bundled example and on a git history
//! built here, bare and shallow clones, bad input, and the HTML page in a real browser.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_tree, example_dir, run, ssot};

/// The bundled example, with the concept of DESIGN.md §3 and a CODEOWNERS file, in a
/// directory named `chat_backend` (the report shows the project's directory name).
fn example_project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("chat_backend");
    std::fs::create_dir_all(&root).unwrap();
    copy_tree(&example_dir(), &root);
    let pyproject = root.join("pyproject.toml");
    let mut text = std::fs::read_to_string(&pyproject).unwrap();
    text.push_str(
        "\n[tool.ssot]\n\n[tool.ssot.concepts.websocket-manager]\n\
         canonical = \"app.websocket_core.unified_manager:UnifiedWebSocketManager\"\n\
         members = [\"app.websocket_core.simple:SimpleWebSocketManager\"]\n",
    );
    std::fs::write(pyproject, text).unwrap();
    std::fs::create_dir_all(root.join(".github")).unwrap();
    std::fs::write(
        root.join(".github/CODEOWNERS"),
        "*            @chat/leads\n/app/        @chat/backend\n/app/routes/ @chat/api\ntests/       @chat/qa\n",
    )
    .unwrap();
    (dir, root)
}

fn report(root: &Path, args: &[&str]) -> (i32, String, String) {
    run(ssot().arg("report").arg(root).args(args))
}

fn json_of(root: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = report(root, &all);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn report_json_snapshot_on_the_example() {
    let (_dir, root) = example_project();
    let (code, stdout, stderr) = report(&root, &["--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn report_markdown_snapshot_on_the_example() {
    let (_dir, root) = example_project();
    let (code, stdout, stderr) = report(&root, &["--format", "markdown"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.len() < 64 * 1024);
    insta::assert_snapshot!(stdout);
}

/// The report's figures are `check`'s, and its fixable count is what `fix --diff` fixes.
#[test]
fn report_figures_are_the_figures_of_check_and_fix() {
    let (_dir, root) = example_project();
    let report = json_of(&root, &[]);
    let (_, check, _) = run(ssot()
        .arg("check")
        .arg(&root)
        .args(["--output-format", "json"]));
    let check: serde_json::Value = serde_json::from_str(&check).unwrap();
    let (ours, theirs) = (&report["concepts"][0], &check["concepts"][0]);
    for key in ["references", "canonical_references", "compliance"] {
        assert_eq!(ours[key], theirs[key], "{key}");
        assert_eq!(ours["production"][key], theirs["production"][key], "{key}");
        assert_eq!(ours["test"][key], theirs["tests"][key], "{key}");
    }
    // EXPECTED.md (a): 27 bindings to the canonical object through 7 paths, 11 through the
    // canonical path in 10 files; plus 2 to the competing class.
    assert_eq!(ours["references"], 29);
    let paths = ours["paths"].as_array().unwrap();
    assert_eq!(paths.len(), 8);
    assert_eq!(paths[0]["kind"], "canonical");
    assert_eq!(paths[0]["files"], 10);
    assert_eq!(paths[0]["statements"], 11);
    let per_rule: u64 = report["findings_by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        per_rule as usize,
        check["diagnostics"].as_array().unwrap().len()
    );
    let (_, _, fix) = run(ssot().arg("fix").arg(&root).arg("--diff"));
    let fixed = format!("Would fix {} violations", ours["fixable"]);
    assert!(fix.contains(&fixed), "{fix}");
    // Owners: the last matching CODEOWNERS rule.
    let offenders = ours["offenders"].as_array().unwrap();
    let owners_of = |path: &str| {
        offenders
            .iter()
            .find(|o| o["path"] == path)
            .map(|o| o["owners"].clone())
            .unwrap()
    };
    assert_eq!(
        owners_of("app/routes/admin.py"),
        serde_json::json!(["@chat/api"])
    );
    assert_eq!(
        owners_of("app/main.py"),
        serde_json::json!(["@chat/backend"])
    );
    assert_eq!(
        owners_of("tests/conftest.py"),
        serde_json::json!(["@chat/qa"])
    );
    assert_eq!(
        owners_of("scripts/run-server.py"),
        serde_json::json!(["@chat/leads"])
    );
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn commit(root: &Path, message: &str, day: u32) {
    git(root, &["add", "-A"]);
    let date = format!("2024-01-{day:02}T12:00:00+00:00");
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["commit", "-q", "-m", message])
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(output.status.success());
}

/// Five commits of a project whose `Manager` moves to `pkg.core`, imports following it:
///
/// 1. `Manager` in `pkg/old.py`; `a.py` and `b.py` import it from there. The canonical
///    `pkg.core:Manager` does not exist yet: no compliance.
/// 2. `Manager` moves to `pkg/core.py`; `old.py` re-imports it (a legacy path); `a.py`,
///    `b.py` still use `pkg.old`, plus `old.py`'s own import: 1 of 3 canonical.
/// 3. `a.py` moves to `pkg.core`; `c.py` and `tests/test_a.py` (a test) arrive through
///    `pkg.old`: 2 of 5.
/// 4. `b.py` and `c.py` move: 4 of 5; a dangling import of `pkg.gone:Thing` appears.
/// 5. the test moves, the dangling import is gone: 5 of 5.
fn history_fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("history_project");
    std::fs::create_dir_all(&root).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    write(
        &root,
        "pyproject.toml",
        "[tool.ssot.concepts.manager]\ncanonical = \"pkg.core:Manager\"\n",
    );
    write(&root, "pkg/__init__.py", "");
    write(&root, "pkg/old.py", "class Manager:\n    pass\n");
    write(&root, "pkg/a.py", "from pkg.old import Manager\n");
    write(&root, "pkg/b.py", "from pkg.old import Manager\n");
    commit(&root, "manager in pkg.old", 1);
    write(&root, "pkg/core.py", "class Manager:\n    pass\n");
    write(&root, "pkg/old.py", "from pkg.core import Manager\n");
    commit(&root, "move Manager to pkg.core", 2);
    write(&root, "pkg/a.py", "from pkg.core import Manager\n");
    write(&root, "pkg/c.py", "from pkg.old import Manager\n");
    write(&root, "tests/test_a.py", "from pkg.old import Manager\n");
    commit(&root, "a uses pkg.core; c and a test arrive", 3);
    write(&root, "pkg/b.py", "from pkg.core import Manager\n");
    write(
        &root,
        "pkg/c.py",
        "from pkg.core import Manager\nfrom pkg.gone import Thing\n",
    );
    commit(&root, "b and c use pkg.core", 4);
    write(&root, "pkg/c.py", "from pkg.core import Manager\n");
    write(&root, "tests/test_a.py", "from pkg.core import Manager\n");
    commit(&root, "the test uses pkg.core", 5);
    (dir, root)
}

/// (references, canonical references, compliance, exists, appeared, dangling) per commit.
fn trend(report: &serde_json::Value) -> Vec<(u64, u64, Option<f64>, bool, bool, u64)> {
    report["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let concept = &entry["concepts"][0];
            (
                concept["references"].as_u64().unwrap(),
                concept["canonical_references"].as_u64().unwrap(),
                concept["compliance"].as_f64(),
                concept["exists"].as_bool().unwrap(),
                concept["appeared"].as_bool().unwrap(),
                entry["dangling"].as_u64().unwrap(),
            )
        })
        .collect()
}

const HAND_COUNT: [(u64, u64, Option<f64>, bool, bool, u64); 5] = [
    (0, 0, None, false, false, 0),
    (3, 1, Some(0.3333), true, true, 0),
    (5, 2, Some(0.4), true, false, 0),
    (5, 4, Some(0.8), true, false, 1),
    (5, 5, Some(1.0), true, false, 0),
];

#[test]
fn history_trend_matches_the_hand_count() {
    let (_dir, root) = history_fixture();
    let report = json_of(&root, &["--history", "--no-cache"]);
    assert_eq!(trend(&report), HAND_COUNT);
    let subjects: Vec<&str> = report["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects[0], "manager in pkg.old");
    assert_eq!(report["history"][0]["date"], "2024-01-01T12:00:00Z");
    // The cache keyed by blob id gives the same figures, cold and warm.
    let cold = json_of(&root, &["--history"]);
    let warm = json_of(&root, &["--history"]);
    assert_eq!(trend(&cold), HAND_COUNT);
    assert_eq!(trend(&warm), HAND_COUNT);
    // Reading history never touches the working tree.
    assert_eq!(
        git(&root, &["status", "--porcelain", "--", "pkg", "tests"]),
        ""
    );
}

#[test]
fn history_samples_evenly_and_keeps_the_newest() {
    let (_dir, root) = history_fixture();
    let report = json_of(&root, &["--history", "--max-commits", "3"]);
    let sampled = trend(&report);
    // Commit 3 is the first sampled commit where the canonical exists.
    let mut appeared = HAND_COUNT[2];
    appeared.4 = true;
    assert_eq!(sampled, [HAND_COUNT[0], appeared, HAND_COUNT[4]]);
    let notes = report["notes"].as_array().unwrap();
    assert!(notes
        .iter()
        .any(|n| n == "3 of 5 first-parent commits sampled evenly."));
    let head_1 = git(&root, &["rev-parse", "HEAD~1"]);
    let report = json_of(
        &root,
        &["--history", "--until", "HEAD~1", "--since", "HEAD~3"],
    );
    assert_eq!(trend(&report), HAND_COUNT[2..4]);
    assert_eq!(report["history"][1]["commit"], head_1.trim());
    let report = json_of(&root, &["--history", "--since", "2024-01-04 00:00:00"]);
    assert_eq!(trend(&report), HAND_COUNT[3..]);
}

#[test]
fn history_markdown_snapshot() {
    let (_dir, root) = history_fixture();
    let (code, stdout, stderr) = report(&root, &["--history", "--format", "markdown"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn history_reads_a_bare_clone() {
    let (dir, root) = history_fixture();
    let bare = dir.path().join("history_project.git");
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            root.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    let report = json_of(&bare, &["--history"]);
    assert_eq!(trend(&report), HAND_COUNT);
    // Without a working tree the project is the newest commit.
    assert_eq!(report["concepts"][0]["references"], 5);
    assert_eq!(report["concepts"][0]["compliance"], 1.0);
    assert_eq!(report["project"], "history_project");
}

#[test]
fn history_of_a_shallow_clone_uses_the_commits_it_has_and_says_so() {
    let (dir, root) = history_fixture();
    let shallow = dir.path().join("shallow");
    let url = format!("file://{}", root.display());
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "2",
            &url,
            shallow.to_str().unwrap(),
        ],
    );
    let report = json_of(&shallow, &["--history"]);
    assert_eq!(trend(&report), HAND_COUNT[3..]);
    let notes = report["notes"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("shallow clone")),
        "{notes:?}"
    );
}

#[test]
fn a_commit_whose_tree_cannot_be_read_is_skipped_with_a_note() {
    let (_dir, root) = history_fixture();
    // Delete the first commit's root tree from the object database (loose objects).
    let tree = git(&root, &["rev-parse", "HEAD~4^{tree}"]);
    let tree = tree.trim();
    std::fs::remove_file(root.join(".git/objects").join(&tree[..2]).join(&tree[2..])).unwrap();
    let report = json_of(&root, &["--history", "--no-cache"]);
    // Commit 2 is now the oldest analysed: nothing before it says the canonical appeared.
    let mut expected = HAND_COUNT[1..].to_vec();
    expected[0].4 = false;
    assert_eq!(trend(&report), expected);
    let notes = report["notes"].as_array().unwrap();
    let first = git(&root, &["rev-parse", "HEAD~4"]);
    assert!(
        notes.iter().any(|n| {
            let n = n.as_str().unwrap();
            n.contains(&first[..10]) && n.contains("skipped")
        }),
        "{notes:?}"
    );
}

#[test]
fn history_outside_a_git_repository_is_a_usage_error() {
    let (_dir, root) = example_project();
    let (code, stdout, stderr) = report(&root, &["--history"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("is not inside a git repository"),
        "{stderr}"
    );
    // Without --history the same project reports fine.
    assert_eq!(report(&root, &["--format", "json"]).0, 0);
}

#[test]
fn bad_history_arguments_are_usage_errors() {
    let (_dir, root) = history_fixture();
    let (code, _, stderr) = report(&root, &["--history", "--until", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`no-such-branch` is not a commit"),
        "{stderr}"
    );
    let (code, _, stderr) = report(&root, &["--since", "HEAD~1"]);
    assert_eq!(code, 2, "--since needs --history: {stderr}");
    let (code, _, stderr) = report(&root, &["--history", "--max-commits", "0"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--max-commits"), "{stderr}");
    let (code, _, stderr) = report(&root, &["--format", "pdf"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn report_writes_the_output_file_in_the_format_its_name_says() {
    let (dir, root) = example_project();
    let page = dir.path().join("report.html");
    let (code, stdout, stderr) = report(&root, &["--output", page.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Self-contained: nothing is fetched from anywhere.
    for needle in [
        "http://", "https://", "src=", "<link", "@import", "url(http",
    ] {
        let outside = html
            .match_indices(needle)
            .filter(|(at, _)| {
                !html[..*at].ends_with("xmlns=\"") && needle != "http://"
                    || !html[at.saturating_sub(7)..*at].contains("xmlns=\"")
            })
            .count();
        assert_eq!(outside, 0, "{needle} in the page");
    }
    // The data cannot end its script element early.
    let data_start = html.find("id=\"report-data\">").unwrap();
    let data_end = data_start + html[data_start..].find("</script>").unwrap();
    assert!(!html[data_start + 17..data_end].contains('<'));
    let json = dir.path().join("report.json");
    report(&root, &["--output", json.to_str().unwrap()]);
    let parsed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(parsed["schema"], "ssot.report/1");
}

/// The first Chromium binary on PATH.
fn chromium() -> Option<PathBuf> {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        })
    })
}

/// A hook run before the page's own script: records errors (script errors, failed resource
/// loads, security-policy violations) and every request, and after the page's script has run,
/// drills down from the first path of the graph; the results land on `<html>` attributes,
/// which `--dump-dom` shows.
const BROWSER_HOOK: &str = r#"<script>
(function () {
  var errors = [];
  function note(text) { errors.push(text); document.documentElement.setAttribute("data-test-errors", errors.join(" | ")); }
  window.addEventListener("error", function (e) { note("error: " + (e.message || (e.target && (e.target.src || e.target.href)) || e.type)); }, true);
  window.addEventListener("unhandledrejection", function (e) { note("rejection: " + e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) { note("csp: " + e.blockedURI + " " + e.violatedDirective); });
  var original = console.error;
  console.error = function () { note("console.error: " + Array.prototype.join.call(arguments, " ")); return original.apply(console, arguments); };
  window.addEventListener("load", function () {
    var requests = performance.getEntriesByType("resource").map(function (r) { return r.name; });
    document.documentElement.setAttribute("data-test-requests", String(requests.length));
    var node = document.querySelector("svg.graph .node[data-path]");
    if (node) {
      node.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      var panel = node.closest("section").querySelector(".drill");
      var directory = panel.querySelector("button");
      if (directory) directory.click();
      document.documentElement.setAttribute("data-test-drill", panel.querySelectorAll("li code").length + " files");
    }
    var header = document.querySelector("table.sortable th.num");
    if (header) header.click();
    document.documentElement.setAttribute("data-test-svgs", String(document.querySelectorAll("svg").length));
  });
})();
</script>"#;

fn run_chromium(browser: &Path, profile: &Path, args: &[&str]) -> (String, String) {
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn html_report_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        println!("skipped: no chromium binary on PATH (CI installs Debian's `chromium`)");
        return;
    };
    let (dir, root) = example_project();
    let page = dir.path().join("report.html");
    let (code, _, stderr) = report(
        &root,
        &["--format", "html", "--output", page.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&page).unwrap();
    let hooked = dir.path().join("hooked.html");
    std::fs::write(
        &hooked,
        html.replacen("<head>", &format!("<head>{BROWSER_HOOK}"), 1),
    )
    .unwrap();
    let profile = dir.path().join("profile");
    let url = format!("file://{}", hooked.display());
    let (dom, log) = run_chromium(
        &browser,
        &profile,
        &["--virtual-time-budget=5000", "--dump-dom", &url],
    );
    assert!(
        dom.contains("data-ready=\"true\""),
        "the page's script did not finish:\n{log}"
    );
    let errors = attribute(&dom, "data-test-errors");
    assert!(errors.is_empty(), "errors in the page: {errors}\n{log}");
    assert_eq!(
        attribute(&dom, "data-test-requests"),
        "0",
        "the page made requests"
    );
    let svgs: usize = attribute(&dom, "data-test-svgs").parse().unwrap();
    assert!(svgs >= 3, "gauge, bars and graph: {svgs} svg elements");
    assert!(dom.contains("<svg class=\"gauge\""));
    assert!(dom.contains("<svg class=\"graph\""));
    assert!(dom.contains("<svg class=\"bars\""));
    let drilled = attribute(&dom, "data-test-drill");
    assert!(
        drilled != "0 files" && !drilled.is_empty(),
        "drill-down showed {drilled}"
    );
    assert!(!log.contains("Uncaught"), "{log}");
    assert!(!log.contains("Refused to"), "{log}");
    // Screenshots for the CI artefacts: a wide screen and a phone.
    let artefacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-browser");
    std::fs::create_dir_all(&artefacts).unwrap();
    let clean_url = format!("file://{}", page.display());
    for (name, size) in [
        ("report-1400.png", "1400,2400"),
        ("report-phone.png", "390,2400"),
    ] {
        let shot = artefacts.join(name);
        let _ = std::fs::remove_file(&shot);
        run_chromium(
            &browser,
            &profile,
            &[
                &format!("--window-size={size}"),
                "--hide-scrollbars",
                &format!("--screenshot={}", shot.display()),
                &clean_url,
            ],
        );
        let bytes = std::fs::read(&shot).unwrap_or_default();
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "no screenshot at {}",
            shot.display()
        );
    }
}

fn attribute(dom: &str, name: &str) -> String {
    let needle = format!("{name}=\"");
    dom.find(&needle)
        .map(|at| {
            let rest = &dom[at + needle.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_string()
        })
        .unwrap_or_default()
}
