//! `ssot mcp` driven over stdio as an MCP client drives it, on a copy of the bundled example
//! with the concept of its README declared.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

use serde_json::{json, Value};

const CONCEPT: &str = r#"
[tool.ssot.concepts.websocket-manager]
canonical = "app.websocket_core.unified_manager:UnifiedWebSocketManager"
members = ["app.websocket_core.simple:SimpleWebSocketManager"]
factory = "app.websocket_core.factory:create_websocket_manager"
"#;

/// A running server and its pipes.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Session {
    fn start(project: &std::path::Path) -> Self {
        let mut child = common::ssot()
            .arg("mcp")
            .arg(project)
            .arg("--no-cache")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ssot mcp starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
            next_id: 0,
        }
    }

    fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    fn read_message(&mut self) -> Value {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "the server ended early");
        serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line}"))
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send_line(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        let response = self.read_message();
        assert_eq!(response["jsonrpc"], "2.0");
        assert_eq!(response["id"], id, "{response}");
        response
    }

    /// A `tools/call` result (not a protocol error).
    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let response = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    /// Closes standard input and waits for the server: (exit code, stderr).
    fn finish(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let output = self.child.wait_with_output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(!stderr.contains("panicked"), "{stderr}");
        (output.status.code().unwrap_or(-1), stderr)
    }
}

fn example_with_concept() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::example_dir(), dir.path());
    let pyproject = dir.path().join("pyproject.toml");
    let mut text = std::fs::read_to_string(&pyproject).unwrap();
    text.push_str(CONCEPT);
    std::fs::write(&pyproject, text).unwrap();
    dir
}

fn text_of(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap()
}

fn assert_tool_ok(result: &Value) {
    assert_eq!(result["isError"], false, "{result}");
    assert_eq!(result["content"][0]["type"], "text");
    assert!(result["structuredContent"].is_object(), "{result}");
}

fn assert_tool_error(result: &Value, says: &str) {
    assert_eq!(result["isError"], true, "{result}");
    assert!(text_of(result).contains(says), "{result}");
}

#[test]
fn mcp_session_on_the_example_answers_every_tool() {
    let project = example_with_concept();
    let mut session = Session::start(project.path());

    let init = session.request(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "test", "version": "0"}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(init["result"]["serverInfo"]["name"], "ssot");
    assert!(init["result"]["capabilities"]["tools"].is_object());
    assert!(init["result"]["instructions"]
        .as_str()
        .unwrap()
        .contains("ssot_find_existing"));
    session.send_line(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);

    let list = session.request("tools/list", json!({}));
    let tools = list["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "ssot_resolve",
            "ssot_find_existing",
            "ssot_check_source",
            "ssot_concepts"
        ]
    );
    for tool in tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        assert_eq!(tool["outputSchema"]["type"], "object", "{tool}");
        assert!(tool["description"].as_str().unwrap().len() > 40);
    }
    let resolve_schema = &tools[0]["inputSchema"];
    assert_eq!(resolve_schema["required"], json!(["module", "name"]));

    // ssot_resolve: a legacy path to the canonical class.
    let resolved = session.call(
        "ssot_resolve",
        json!({"module": "app.websocket_core.manager", "name": "WebSocketManager"}),
    );
    assert_tool_ok(&resolved);
    let answer = &resolved["structuredContent"];
    assert_eq!(answer["status"], "definition");
    assert_eq!(
        answer["origin"],
        "app.websocket_core.unified_manager:_UnifiedWebSocketManagerImplementation"
    );
    assert_eq!(
        answer["canonical"],
        "app.websocket_core.unified_manager:UnifiedWebSocketManager"
    );
    assert_eq!(answer["is_canonical"], false);
    assert_eq!(answer["concept"]["name"], "websocket-manager");
    assert_eq!(
        answer["import_line"],
        "from app.websocket_core.unified_manager import UnifiedWebSocketManager"
    );
    // 27 bindings reach the class (examples/chat_backend/EXPECTED.md, table (a)).
    assert_eq!(answer["references"], 27);
    // The canonical path itself is canonical.
    let canonical = session.call(
        "ssot_resolve",
        json!({"module": "app.websocket_core.unified_manager", "name": "UnifiedWebSocketManager"}),
    );
    assert_eq!(canonical["structuredContent"]["is_canonical"], true);
    // A path that leads nowhere says where the name is defined.
    let dangling = session.call(
        "ssot_resolve",
        json!({"module": "app.websocket_core.legacy", "name": "SimpleWebSocketManager"}),
    );
    assert_tool_ok(&dangling);
    assert_eq!(dangling["structuredContent"]["status"], "dangling");
    assert_eq!(
        dangling["structuredContent"]["import_line"],
        "from app.websocket_core.simple import SimpleWebSocketManager"
    );
    // Bad input: a tool error with the reason.
    let missing = session.call("ssot_resolve", json!({"module": "app.websocket_core"}));
    assert_tool_error(&missing, "missing required argument `name`");
    let relative = session.call("ssot_resolve", json!({"module": ".manager", "name": "X"}));
    assert_tool_error(&relative, "must be absolute");

    // ssot_find_existing: a new manager class duplicates the concept.
    let existing = session.call(
        "ssot_find_existing",
        json!({"name": "WebSocketManager", "kind": "class",
               "methods": ["connect", "disconnect", "send_to_user", "broadcast"]}),
    );
    assert_tool_ok(&existing);
    let matches = existing["structuredContent"]["matches"].as_array().unwrap();
    assert_eq!(
        matches[0]["symbol"],
        "app.websocket_core.unified_manager:_UnifiedWebSocketManagerImplementation"
    );
    assert_eq!(
        matches[0]["canonical"],
        "app.websocket_core.unified_manager:UnifiedWebSocketManager"
    );
    assert_eq!(matches[0]["references"], 27);
    let symbols: Vec<&str> = matches
        .iter()
        .map(|m| m["symbol"].as_str().unwrap())
        .collect();
    assert!(
        symbols.contains(&"app.websocket_core.simple:SimpleWebSocketManager"),
        "{symbols:?}"
    );
    // A proposed factory finds the declared one first.
    let factory = session.call(
        "ssot_find_existing",
        json!({"name": "make_websocket_manager", "kind": "function"}),
    );
    assert_eq!(
        factory["structuredContent"]["matches"][0]["symbol"],
        "app.websocket_core.factory:create_websocket_manager"
    );
    let bad_kind = session.call(
        "ssot_find_existing",
        json!({"name": "Thing", "kind": "module"}),
    );
    assert_tool_error(&bad_kind, "`kind` must be \"class\" or \"function\"");

    // ssot_check_source: an unsaved new file importing through a legacy path.
    let source = "from app.websocket_core.manager import WebSocketManager\n\n\ndef make():\n    return WebSocketManager()\n";
    let checked = session.call(
        "ssot_check_source",
        json!({"path": "app/services/new_service.py", "source": source}),
    );
    assert_tool_ok(&checked);
    let diagnostics = checked["structuredContent"]["diagnostics"]
        .as_array()
        .unwrap();
    assert_eq!(diagnostics.len(), 1, "{checked}");
    assert_eq!(diagnostics[0]["code"], "SSOT101");
    assert_eq!(diagnostics[0]["line"], 1);
    assert_eq!(diagnostics[0]["fix"]["applicability"], "safe");
    let edits = checked["structuredContent"]["safe_edits"]
        .as_array()
        .unwrap();
    assert_eq!(edits.len(), 1);
    let mut fixed = source.to_string();
    let (start, end) = (
        edits[0]["start"].as_u64().unwrap() as usize,
        edits[0]["end"].as_u64().unwrap() as usize,
    );
    fixed.replace_range(start..end, edits[0]["content"].as_str().unwrap());
    assert!(
        fixed.contains("from app.websocket_core.unified_manager import"),
        "{fixed}"
    );
    // The fixed text is clean, and the buffer never reached the disk or the next answer.
    let clean = session.call(
        "ssot_check_source",
        json!({"path": "app/services/new_service.py", "source": fixed}),
    );
    assert_eq!(
        clean["structuredContent"]["diagnostics"],
        json!([]),
        "{clean}"
    );
    assert!(!project.path().join("app/services/new_service.py").exists());
    assert_eq!(checked["structuredContent"]["fixed_source"], Value::Null);
    // An existing file: the text `ssot fix` would write comes from the fix engine.
    let chat = std::fs::read_to_string(project.path().join("app/routes/chat.py")).unwrap();
    let edited = format!("{chat}\nfrom app.websocket_core.manager import WebSocketManager\n");
    let existing_file = session.call(
        "ssot_check_source",
        json!({"path": "app/routes/chat.py", "source": edited}),
    );
    assert_tool_ok(&existing_file);
    let codes: Vec<&str> = existing_file["structuredContent"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"SSOT101"), "{existing_file}");
    let fixed_source = existing_file["structuredContent"]["fixed_source"]
        .as_str()
        .unwrap();
    assert!(
        !fixed_source.contains("from app.websocket_core.manager import WebSocketManager"),
        "{fixed_source}"
    );
    assert!(
        fixed_source.contains("UnifiedWebSocketManager as WebSocketManager"),
        "{fixed_source}"
    );
    assert_eq!(
        std::fs::read_to_string(project.path().join("app/routes/chat.py")).unwrap(),
        chat
    );
    // An existing file's buffer replaces the file's content for that call only.
    let replaced = session.call(
        "ssot_check_source",
        json!({"path": "app/routes/admin.py", "source": "import os\n"}),
    );
    assert_eq!(replaced["structuredContent"]["diagnostics"], json!([]));
    let again = session.call(
        "ssot_resolve",
        json!({"module": "app.websocket_core.manager", "name": "WebSocketManager"}),
    );
    assert_eq!(again["structuredContent"]["references"], 27);
    let outside = session.call(
        "ssot_check_source",
        json!({"path": "../elsewhere.py", "source": ""}),
    );
    assert_tool_error(&outside, "must not leave the project root");
    let not_python = session.call(
        "ssot_check_source",
        json!({"path": "README.md", "source": ""}),
    );
    assert_tool_error(&not_python, "is not a Python file");

    // ssot_concepts: the declared concept with its compliance (11 of 29 references).
    let concepts = session.call("ssot_concepts", json!({}));
    assert_tool_ok(&concepts);
    let declared = &concepts["structuredContent"]["declared"][0];
    assert_eq!(declared["name"], "websocket-manager");
    assert_eq!(
        declared["factory"],
        "app.websocket_core.factory:create_websocket_manager"
    );
    assert_eq!(
        declared["members"],
        json!(["app.websocket_core.simple:SimpleWebSocketManager"])
    );
    assert!(
        declared["compliance"]["total"]["references"]
            .as_u64()
            .unwrap()
            > 0
    );
    let bad_limit = session.call("ssot_concepts", json!({"limit": "ten"}));
    assert_tool_error(&bad_limit, "`limit` must be an integer");

    // Protocol errors: the server answers and keeps reading.
    session.send_line("{this is not json");
    let parse_error = session.read_message();
    assert_eq!(parse_error["error"]["code"], -32700);
    assert_eq!(parse_error["id"], Value::Null);
    let unknown = session.request("resources/list", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let unknown_tool = session.request("tools/call", json!({"name": "ssot_nothing"}));
    assert_eq!(unknown_tool["error"]["code"], -32602);
    session.send_line(r#"[{"jsonrpc":"2.0","id":99,"method":"ping"}]"#);
    assert_eq!(session.read_message()["error"]["code"], -32600);
    let ping = session.request("ping", json!({}));
    assert_eq!(ping["result"], json!({}));

    // End of input ends the server cleanly.
    let (code, stderr) = session.finish();
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn mcp_initialize_offers_its_newest_version_for_an_unknown_one() {
    let project = example_with_concept();
    let mut session = Session::start(project.path());
    let init = session.request(
        "initialize",
        json!({"protocolVersion": "1999-01-01", "capabilities": {}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    let no_version = session.request("initialize", json!({}));
    assert_eq!(no_version["error"]["code"], -32602);
    let (code, _) = session.finish();
    assert_eq!(code, 0);
}

#[test]
fn mcp_reports_a_broken_configuration_as_tool_errors() {
    let project = common::text_project(&[
        ("pkg/__init__.py", ""),
        (
            "pyproject.toml",
            "[tool.ssot.concepts.thing]\ncanonical = \"pkg:Missing\"\n",
        ),
    ]);
    let mut session = Session::start(project.path());
    session.request("initialize", json!({"protocolVersion": "2025-06-18"}));
    let result = session.call("ssot_concepts", json!({}));
    assert_tool_error(&result, "pkg:Missing");
    let (code, stderr) = session.finish();
    assert_eq!(code, 0);
    assert!(stderr.contains("pkg:Missing"), "{stderr}");
}

#[test]
fn explain_agents_names_every_tool() {
    let (code, stdout, _) = common::run(common::ssot().args(["explain", "--agents"]));
    assert_eq!(code, 0);
    for tool in [
        "ssot_resolve",
        "ssot_find_existing",
        "ssot_check_source",
        "ssot_concepts",
    ] {
        assert!(stdout.contains(tool), "{stdout}");
    }
    assert!(stdout.contains("ssot check"));
}

#[test]
fn mcp_answers_about_the_disk_as_it_is_at_each_call() {
    let project = example_with_concept();
    let mut session = Session::start(project.path());
    session.request("initialize", json!({"protocolVersion": "2025-06-18"}));
    let before = session.call(
        "ssot_resolve",
        json!({"module": "app.services.presence", "name": "PresenceTracker"}),
    );
    assert_eq!(
        before["structuredContent"]["status"], "dangling",
        "{before}"
    );
    // A module created after start-up, and an import added to an existing file.
    std::fs::write(
        project.path().join("app/services/presence_tracker.py"),
        "class PresenceTracker:\n    pass\n",
    )
    .unwrap();
    let created = session.call(
        "ssot_resolve",
        json!({"module": "app.services.presence_tracker", "name": "PresenceTracker"}),
    );
    assert_eq!(
        created["structuredContent"]["status"], "definition",
        "{created}"
    );
    let admin = project.path().join("app/routes/admin.py");
    let mut text = std::fs::read_to_string(&admin).unwrap();
    text.push_str("\nfrom app.services.presence_tracker import PresenceTracker\n");
    std::fs::write(&admin, text).unwrap();
    let used = session.call(
        "ssot_resolve",
        json!({"module": "app.services.presence_tracker", "name": "PresenceTracker"}),
    );
    assert_eq!(used["structuredContent"]["references"], 1, "{used}");
    let (code, _) = session.finish();
    assert_eq!(code, 0);
}

/// What `ssot check` and `ssot fix` say about `path` in a copy of `project` holding `source`
/// on disk: the diagnostics as `ssot_check_source` shows them (code, position, message,
/// concept, fix edits) and the text `ssot fix` writes, if it changes the file.
fn check_and_fix_on_disk(
    project: &std::path::Path,
    path: &str,
    source: &str,
) -> (Vec<Value>, Option<String>) {
    let copy = tempfile::tempdir().unwrap();
    common::copy_tree(project, copy.path());
    std::fs::write(copy.path().join(path), source).unwrap();
    let (_, stdout, stderr) = common::run(common::ssot().current_dir(copy.path()).args([
        "check",
        path,
        "--output-format",
        "json",
        "--no-cache",
    ]));
    let check: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|err| panic!("{err}: {stderr}"));
    let diagnostics = check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            json!({
                "code": d["code"], "line": d["line"], "column": d["column"],
                "end_line": d["end_line"], "end_column": d["end_column"],
                "message": d["message"], "concept": d["concept"],
                "fix": d["fix"],
            })
        })
        .collect();
    let (code, _, stderr) = common::run(common::ssot().current_dir(copy.path()).args([
        "fix",
        path,
        "--diff",
        "--no-cache",
    ]));
    let fixed = (code == 1).then(|| {
        let (code, _, stderr) =
            common::run(
                common::ssot()
                    .current_dir(copy.path())
                    .args(["fix", path, "--no-cache"]),
            );
        // 1: violations remain that have no fix.
        assert!(code == 0 || code == 1, "{stderr}");
        std::fs::read_to_string(copy.path().join(path)).unwrap()
    });
    assert!(code == 0 || fixed.is_some(), "{stderr}");
    (diagnostics, fixed)
}

/// `ssot_check_source`'s diagnostics in the shape of [`check_and_fix_on_disk`]'s.
fn check_source_diagnostics(answer: &Value) -> Vec<Value> {
    answer["structuredContent"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let fix = if d["fix"].is_null() {
                Value::Null
            } else {
                json!({
                    "applicability": d["fix"]["applicability"],
                    "edits": d["fix"]["edits"].as_array().unwrap().iter().map(|e| json!({
                        "start": e["start"], "end": e["end"], "content": e["content"],
                    })).collect::<Vec<_>>(),
                })
            };
            json!({
                "code": d["code"], "line": d["line"], "column": d["column"],
                "end_line": d["end_line"], "end_column": d["end_column"],
                "message": d["message"], "concept": d["concept"], "fix": fix,
            })
        })
        .collect()
}

#[test]
fn mcp_check_source_answers_what_check_and_fix_say_with_the_buffer_on_disk() {
    let project = example_with_concept();
    let mut session = Session::start(project.path());
    session.request("initialize", json!({"protocolVersion": "2025-06-18"}));
    let read = |path: &str| std::fs::read_to_string(project.path().join(path)).unwrap();
    let legacy = "from app.websocket_core.manager import WebSocketManager\n";
    let cases = [
        // A non-canonical import added to a file without classes, and to one with a class
        // (the project rules could report there).
        (
            "app/routes/chat.py",
            format!("{}\n{legacy}", read("app/routes/chat.py")),
            true,
        ),
        (
            "app/services/notifications.py",
            format!("{}\n{legacy}", read("app/services/notifications.py")),
            true,
        ),
        // Nothing to fix.
        (
            "app/routes/admin.py",
            "import os\n\n\ndef admin():\n    return os.getcwd()\n".to_string(),
            false,
        ),
        // A file with a class, as it is on disk (fixable there already).
        (
            "app/services/presence.py",
            read("app/services/presence.py"),
            true,
        ),
        // A file that does not exist yet.
        (
            "app/services/new_service.py",
            format!("{legacy}\n\ndef make():\n    return WebSocketManager()\n"),
            true,
        ),
    ];
    for (path, source, fixable) in &cases {
        let answer = session.call("ssot_check_source", json!({"path": path, "source": source}));
        assert_tool_ok(&answer);
        let (diagnostics, fixed) = check_and_fix_on_disk(project.path(), path, source);
        assert_eq!(fixed.is_some(), *fixable, "{path}");
        assert_eq!(check_source_diagnostics(&answer), diagnostics, "{path}");
        assert_eq!(answer["structuredContent"]["baselined"], 0, "{path}");
        let fixed_source = &answer["structuredContent"]["fixed_source"];
        if project.path().join(path).exists() {
            assert_eq!(fixed_source.as_str(), fixed.as_deref(), "{path}");
        } else {
            // A new file's answer carries the edits only; applied, they give what
            // `ssot fix` writes.
            assert_eq!(fixed_source, &Value::Null);
            let mut text = source.clone();
            let edits = answer["structuredContent"]["safe_edits"]
                .as_array()
                .unwrap();
            for edit in edits.iter().rev() {
                let (start, end) = (
                    edit["start"].as_u64().unwrap() as usize,
                    edit["end"].as_u64().unwrap() as usize,
                );
                text.replace_range(start..end, edit["content"].as_str().unwrap());
            }
            assert_eq!(Some(text), fixed, "{path}");
        }
    }
    let (code, _) = session.finish();
    assert_eq!(code, 0);
}
