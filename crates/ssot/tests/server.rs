//! `ssot server` driven over standard input and output as an editor drives it: framed
//! JSON-RPC messages, request ids, and notifications waited for. Findings, fixes and
//! lookups are compared with what `check` and `fix` report for the same files.

mod common;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::{json, Value};

use common::{example_with_concept, run, ssot};

/// How long a test waits for one message before it fails (the server is never asked to be
/// fast here, only to answer).
const PATIENCE: Duration = Duration::from_secs(120);

/// A minimal LSP client: `Content-Length` framing, ids, and a queue of the notifications
/// that arrived while waiting for something else.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    pending: VecDeque<Value>,
    next_id: i64,
}

impl Client {
    fn start(dir: &Path) -> Self {
        Self::start_with(dir, &[])
    }

    /// Starts the server with more environment variables.
    fn start_with(dir: &Path, env: &[(&str, &Path)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ssot"))
            .arg("server")
            .current_dir(dir)
            .env_remove("SSOT_CACHE_DIR")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssot server starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            messages,
            pending: VecDeque::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        let stdin = self.stdin.as_mut().expect("the connection is open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        stdin.write_all(&body).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (result or error).
    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id)
    }

    /// Sends a request without waiting for its response; returns its id.
    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Waits for the response to request `id`.
    fn response(&mut self, id: i64) -> Value {
        if let Some(index) = self.pending.iter().position(|m| is_response_to(m, id)) {
            return self.pending.remove(index).unwrap();
        }
        loop {
            let message = self.receive();
            if is_response_to(&message, id) {
                return message;
            }
            self.pending.push_back(message);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    /// The next message from the server; requests from the server are answered here.
    fn receive(&mut self) -> Value {
        loop {
            let message = match self.messages.recv_timeout(PATIENCE) {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => panic!("the server did not answer"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
            };
            if message.get("method").is_some() && message.get("id").is_some() {
                // A request to the client (the watcher registration): accept it.
                let id = message["id"].clone();
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
                continue;
            }
            return message;
        }
    }

    /// Waits for the next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        if let Some(index) = self.pending.iter().position(|m| is_publish_for(m, uri)) {
            let message = self.pending.remove(index).unwrap();
            return message["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let message = self.receive();
            if is_publish_for(&message, uri) {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.pending.push_back(message);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The exit code of a server told to exit, waiting at most [`PATIENCE`].
fn exit_code(child: &mut Child) -> Option<i32> {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        assert!(started.elapsed() < PATIENCE, "the server did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn is_response_to(message: &Value, id: i64) -> bool {
    message.get("id") == Some(&json!(id)) && message.get("method").is_none()
}

fn is_publish_for(message: &Value, uri: &str) -> bool {
    message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri
}

/// One `Content-Length`-framed message.
fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = Some(value.parse::<usize>().unwrap());
        }
    }
    let mut body = vec![0; length.expect("a Content-Length header")];
    reader.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).expect("a JSON body"))
}

fn uri_of(dir: &Path, path: &str) -> String {
    format!("file://{}", dir.join(path).display())
}

fn initialize(client: &mut Client, dir: &Path) -> Value {
    let result = client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": format!("file://{}", dir.display()),
            "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
        }),
    );
    client.notify("initialized", json!({}));
    result
}

/// `check`'s findings for one file: (code, line, column, end line, end column), sorted.
fn check_findings(dir: &Path, path: &str) -> Vec<(String, u64, u64, u64, u64)> {
    let (_, stdout, stderr) = run(ssot()
        .args(["check", "--no-baseline", "--output-format", "json"])
        .arg(dir));
    let check: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
    let mut found: Vec<_> = check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"] == path)
        .map(|d| {
            let number = |key: &str| d[key].as_u64().unwrap();
            (
                d["code"].as_str().unwrap().to_string(),
                number("line"),
                number("column"),
                number("end_line"),
                number("end_column"),
            )
        })
        .collect();
    found.sort();
    found
}

/// The same shape from published diagnostics (protocol positions are 0-based; the example's
/// files are ASCII, so characters and UTF-16 units agree).
fn published(diagnostics: &[Value]) -> Vec<(String, u64, u64, u64, u64)> {
    let mut found: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let at = |end: &str, key: &str| d["range"][end][key].as_u64().unwrap() + 1;
            (
                d["code"].as_str().unwrap().to_string(),
                at("start", "line"),
                at("start", "character"),
                at("end", "line"),
                at("end", "character"),
            )
        })
        .collect();
    found.sort();
    found
}

fn codes(diagnostics: &[Value], code: &str) -> usize {
    diagnostics.iter().filter(|d| d["code"] == code).count()
}

/// Applies a workspace edit's edits for `uri` to `text`.
fn apply_edit(text: &str, edit: &Value, uri: &str) -> String {
    let edits = edit["changes"][uri]
        .as_array()
        .expect("edits for the document");
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + character
    };
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, new);
    }
    out
}

/// The file of the example with the most SSOT101 findings and a fix for them.
const FIXABLE: &str = "app/routes/chat.py";
/// The canonical definition's module.
const CANONICAL: &str = "app/websocket_core/unified_manager.py";
/// A module [`FIXABLE`] imports from.
const IMPORTED: &str = "app/websocket_core/types.py";

#[test]
fn server_reports_what_check_reports_and_fixes_what_fix_fixes() {
    let dir = example_with_concept();
    let root = dir.path();
    let expected = check_findings(root, FIXABLE);
    assert!(
        expected.iter().any(|f| f.0 == "SSOT101"),
        "the example file has a fixable finding: {expected:?}"
    );
    let original = common::read(root, FIXABLE);

    let mut client = Client::start(root);
    let capabilities = initialize(&mut client, root);
    assert_eq!(
        capabilities["capabilities"]["hoverProvider"], true,
        "{capabilities}"
    );
    let uri = uri_of(root, FIXABLE);
    client.open(&uri, &original);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(published(&diagnostics), expected);

    // Fix all: exactly what `ssot fix` writes to that file.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll.ssot"]}}),
    );
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.ssot");
    let fixed_by_server = apply_edit(&original, &actions[0]["edit"], &uri);
    let fix_copy = example_with_concept();
    let (code, _, stderr) = run(ssot().arg("fix").arg(fix_copy.path().join(FIXABLE)));
    assert!(code == 0 || code == 1, "{stderr}");
    let fixed_by_cli = common::read(fix_copy.path(), FIXABLE);
    assert_ne!(fixed_by_cli, original);
    assert_eq!(fixed_by_server, fixed_by_cli);

    // A quick fix for one finding removes exactly that finding.
    let first = diagnostics
        .iter()
        .find(|d| d["code"] == "SSOT101")
        .unwrap()
        .clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": first["range"],
               "context": {"diagnostics": [first], "only": ["quickfix"]}}),
    );
    let quick = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["diagnostics"][0]["range"] == first["range"])
        .expect("a quick fix for the finding")
        .clone();
    assert_eq!(quick["kind"], "quickfix");
    assert_eq!(quick["isPreferred"], true);
    let quick_fixed = apply_edit(&original, &quick["edit"], &uri);
    client.change(&uri, 2, &quick_fixed);
    let after_quick_fix = client.diagnostics(&uri);
    assert_eq!(
        codes(&after_quick_fix, "SSOT101"),
        codes(&diagnostics, "SSOT101") - 1
    );

    // Hover and definition on the import the quick fix was about (back to the original).
    client.change(&uri, 3, &original);
    assert_eq!(published(&client.diagnostics(&uri)), expected);
    let position = first["range"]["start"].clone();
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position}),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("app.websocket_core.unified_manager:_UnifiedWebSocketManagerImplementation")
            && text.contains("websocket-manager")
            && text.contains("app.websocket_core.unified_manager:UnifiedWebSocketManager")
            && text.contains("compliance: production"),
        "{text}"
    );
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": position}),
    );
    assert_eq!(definition["uri"], uri_of(root, CANONICAL));
    // EXPECTED.md (a): the class is defined at line 15.
    assert_eq!(definition["range"]["start"]["line"], 14);

    // Introducing a finding and taking it away again.
    let added = format!("{original}from app.websocket_core.manager import WebSocketManager\n");
    client.change(&uri, 4, &added);
    let with_new = client.diagnostics(&uri);
    let new_line = original.lines().count() as u64;
    assert!(
        with_new
            .iter()
            .any(|d| d["code"] == "SSOT101" && d["range"]["start"]["line"] == new_line),
        "{with_new:?}"
    );
    client.change(&uri, 5, &original);
    assert_eq!(published(&client.diagnostics(&uri)), expected);

    // A syntax error gives the parse diagnostic, and the server keeps serving.
    client.change(&uri, 6, &format!("{original}def broken(:\n"));
    let broken = client.diagnostics(&uri);
    assert!(codes(&broken, "SSOT001") >= 1, "{broken:?}");
    client.change(&uri, 7, &original);
    assert_eq!(published(&client.diagnostics(&uri)), expected);

    // Saving changes nothing; an unknown request is refused; shutdown and exit per spec.
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    let unknown = client.request_raw("ssot/noSuchRequest", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
    client.stdin = None;
    assert_eq!(exit_code(&mut client.child), Some(0));
    // The server never writes the files it analyses.
    assert_eq!(common::read(root, FIXABLE), original);
}

/// Opens a file and a module it imports from; renaming the imported class in the module's
/// buffer gives the importer a dangling-import finding, and restoring it takes the finding
/// away; a change on disk does the same through the watcher.
#[test]
fn editing_a_module_rediagnoses_the_open_files_that_import_it() {
    let dir = example_with_concept();
    let root = dir.path();
    let importer = FIXABLE;
    let importer_text = common::read(root, importer);
    assert!(
        importer_text.contains("from app.websocket_core.types import MessageType"),
        "{importer_text}"
    );
    let module_text = common::read(root, IMPORTED);
    let broken_module = module_text.replace("MessageType", "MessageKind");

    let mut client = Client::start(root);
    initialize(&mut client, root);
    let importer_uri = uri_of(root, importer);
    let module_uri = uri_of(root, IMPORTED);
    client.open(&importer_uri, &importer_text);
    let before = client.diagnostics(&importer_uri);
    client.open(&module_uri, &module_text);
    client.diagnostics(&module_uri);

    client.change(&module_uri, 2, &broken_module);
    let after = client.diagnostics(&importer_uri);
    assert!(
        codes(&after, "SSOT103") > codes(&before, "SSOT103"),
        "before: {before:?}\nafter: {after:?}"
    );
    client.change(&module_uri, 3, &module_text);
    assert_eq!(
        published(&client.diagnostics(&importer_uri)),
        published(&before)
    );

    // Closed, then changed on disk outside the editor: the watcher's event updates the state.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": module_uri}}),
    );
    assert!(client.diagnostics(&module_uri).is_empty());
    std::fs::write(root.join(IMPORTED), &broken_module).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": module_uri, "type": 2}]}),
    );
    let after_disk = client.diagnostics(&importer_uri);
    assert!(
        codes(&after_disk, "SSOT103") > codes(&before, "SSOT103"),
        "{after_disk:?}"
    );
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
}

#[test]
fn the_edited_file_is_published_before_the_open_files_it_affects() {
    let dir = example_with_concept();
    let root = dir.path();
    let importer_text = common::read(root, FIXABLE);
    let module_text = common::read(root, IMPORTED);
    let broken_module = module_text.replace("MessageType", "MessageKind");

    let mut client = Client::start(root);
    initialize(&mut client, root);
    let importer_uri = uri_of(root, FIXABLE);
    let module_uri = uri_of(root, IMPORTED);
    client.open(&importer_uri, &importer_text);
    client.diagnostics(&importer_uri);
    client.open(&module_uri, &module_text);
    client.diagnostics(&module_uri);
    assert!(client.pending.is_empty());

    client.change(&module_uri, 2, &broken_module);
    let mut order = Vec::new();
    while order.len() < 2 {
        let message = client.receive();
        if message["method"] == "textDocument/publishDiagnostics" {
            order.push((
                message["params"]["uri"].as_str().unwrap().to_string(),
                message["params"]["version"].clone(),
            ));
        }
    }
    assert_eq!(
        order,
        vec![
            (module_uri.clone(), json!(2)),
            (importer_uri.clone(), json!(1))
        ]
    );
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
}

/// `SSOT_TEST_HOLD_ANALYSIS=FILE`: while FILE exists the server's analysis waits before it
/// starts, so requests can be made while an analysis is due, without timing.
struct Hold {
    file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Hold {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            file: dir.path().join("hold"),
            _dir: dir,
        }
    }

    fn start(&self) {
        std::fs::write(&self.file, "").unwrap();
    }

    fn release(&self) {
        std::fs::remove_file(&self.file).unwrap();
    }
}

fn hover_params(uri: &str, line: u64, character: u64) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

/// The position of the legacy-path `WebSocketManager` import in [`FIXABLE`] (EXPECTED.md).
fn legacy_import(text: &str) -> (u64, u64) {
    let needle = "from app.websocket_core.websocket_manager import WebSocketManager";
    let (line, content) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .expect("the legacy import");
    (
        line as u64,
        content.find("WebSocketManager").unwrap() as u64 + 2,
    )
}

/// A hover about one document is answered while the analysis of another document's edit is
/// due: the pool answers from the latest snapshot instead of queueing behind the analysis.
#[test]
fn hover_is_answered_while_an_analysis_is_due() {
    let dir = example_with_concept();
    let root = dir.path();
    let hold = Hold::new();
    let mut client = Client::start_with(root, &[("SSOT_TEST_HOLD_ANALYSIS", &hold.file)]);
    initialize(&mut client, root);
    let importer_text = common::read(root, FIXABLE);
    let module_text = common::read(root, IMPORTED);
    let importer_uri = uri_of(root, FIXABLE);
    let module_uri = uri_of(root, IMPORTED);
    client.open(&importer_uri, &importer_text);
    client.diagnostics(&importer_uri);
    client.open(&module_uri, &module_text);
    client.diagnostics(&module_uri);

    hold.start();
    client.change(
        &module_uri,
        2,
        &module_text.replace("MessageType", "MessageKind"),
    );
    let (line, character) = legacy_import(&importer_text);
    let hover = client.request(
        "textDocument/hover",
        hover_params(&importer_uri, line, character),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("app.websocket_core.unified_manager:_UnifiedWebSocketManagerImplementation"),
        "{text}"
    );
    // The analysis of the edit has not run: nothing was published for it.
    assert!(
        !client
            .pending
            .iter()
            .any(|m| is_publish_for(m, &module_uri)),
        "{:?}",
        client.pending
    );
    hold.release();
    let after = client.diagnostics(&importer_uri);
    assert!(codes(&after, "SSOT103") >= 1, "{after:?}");
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
}

/// Edits that arrive while an analysis is due supersede each other: only the newest
/// version's diagnostics are published, and they are that version's findings.
#[test]
fn superseded_edits_publish_only_the_newest_versions_diagnostics() {
    let dir = example_with_concept();
    let root = dir.path();
    let hold = Hold::new();
    let mut client = Client::start_with(root, &[("SSOT_TEST_HOLD_ANALYSIS", &hold.file)]);
    initialize(&mut client, root);
    let original = common::read(root, FIXABLE);
    let module_text = common::read(root, IMPORTED);
    let uri = uri_of(root, FIXABLE);
    let module_uri = uri_of(root, IMPORTED);
    client.open(&uri, &original);
    let before = client.diagnostics(&uri);
    client.open(&module_uri, &module_text);
    client.diagnostics(&module_uri);

    hold.start();
    let legacy = "from app.websocket_core.manager import WebSocketManager\n";
    client.change(&uri, 2, &format!("{original}{legacy}"));
    client.change(&uri, 3, &format!("{original}{legacy}{legacy}"));
    client.change(&uri, 4, &format!("{original}def broken(:\n"));
    // Answered only once the main loop has passed the three changes on.
    client.request("textDocument/hover", hover_params(&module_uri, 0, 0));
    hold.release();

    let published = loop {
        let message = client.receive();
        if is_publish_for(&message, &uri) {
            break message;
        }
    };
    assert_eq!(published["params"]["version"], 4, "{published}");
    let diagnostics = published["params"]["diagnostics"].as_array().unwrap();
    assert!(codes(diagnostics, "SSOT001") >= 1, "{diagnostics:?}");
    assert_eq!(
        codes(diagnostics, "SSOT101"),
        codes(&before, "SSOT101"),
        "{diagnostics:?}"
    );
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
}

/// A code action asked right after an edit, before its analysis ran, waits for that
/// analysis and gives the edit `ssot fix` makes to the edited text; a request cancelled
/// while it waits is answered as cancelled, once.
#[test]
fn code_actions_after_an_edit_fix_that_version_and_cancelled_requests_are_answered_once() {
    let dir = example_with_concept();
    let root = dir.path();
    let hold = Hold::new();
    let mut client = Client::start_with(root, &[("SSOT_TEST_HOLD_ANALYSIS", &hold.file)]);
    initialize(&mut client, root);
    let original = common::read(root, FIXABLE);
    let uri = uri_of(root, FIXABLE);
    client.open(&uri, &original);
    client.diagnostics(&uri);

    hold.start();
    let edited = format!("{original}from app.websocket_core.manager import WebSocketManager\n");
    client.change(&uri, 2, &edited);
    let (line, character) = legacy_import(&edited);
    let cancelled = client.send_request("textDocument/hover", hover_params(&uri, line, character));
    let fix_all = client.send_request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll.ssot"]}}),
    );
    client.notify("$/cancelRequest", json!({"id": cancelled}));
    let response = client.response(cancelled);
    assert_eq!(response["error"]["code"], -32800, "{response}");
    hold.release();

    let actions = client.response(fix_all);
    let actions = actions["result"].as_array().expect("code actions");
    assert_eq!(actions.len(), 1, "{actions:?}");
    let fixed_by_server = apply_edit(&edited, &actions[0]["edit"], &uri);
    let fix_copy = example_with_concept();
    std::fs::write(fix_copy.path().join(FIXABLE), &edited).unwrap();
    let (code, _, stderr) = run(ssot().arg("fix").arg(fix_copy.path().join(FIXABLE)));
    assert!(code == 0 || code == 1, "{stderr}");
    let fixed_by_cli = common::read(fix_copy.path(), FIXABLE);
    assert_ne!(fixed_by_cli, edited);
    assert_eq!(fixed_by_server, fixed_by_cli);

    // The cancelled request got no second answer.
    client.request("textDocument/hover", hover_params(&uri, line, character));
    assert!(
        !client.pending.iter().any(|m| is_response_to(m, cancelled)),
        "{:?}",
        client.pending
    );
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
}
