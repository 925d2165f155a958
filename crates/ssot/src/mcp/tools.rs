//! The tools the server offers: their names, descriptions and JSON Schemas (one table, which
//! `tools/list` and `ssot explain --agents` both read), and the call of each.
//!
//! Bad arguments are a tool error (`isError: true` with the reason), never a protocol error
//! or a crash, so the agent reads the message and can correct the call.

use serde_json::{json, Value};

use super::protocol::{Handler, MethodResult, INVALID_PARAMS};
use super::warm::WarmProject;

/// What a tool call answers: a short text for the model and the structured result.
pub struct ToolAnswer {
    pub text: String,
    pub structured: Value,
}

/// One tool of the server.
pub struct Tool {
    pub name: &'static str,
    pub title: &'static str,
    /// What the tool answers and when to call it.
    pub description: &'static str,
    /// When an agent should call it, for `ssot explain --agents`.
    pub when: &'static str,
    input_schema: fn() -> Value,
    output_schema: fn() -> Value,
}

/// Every tool, in the order `tools/list` gives them.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "ssot_resolve",
        title: "Resolve an import",
        description: "Where `from MODULE import NAME` leads in this project: the definition it \
            reaches (following re-exports and aliases), the concept it belongs to, the canonical \
            path everybody should import it through, whether the given path is that path, and \
            the import line to write. A path that does not exist lists where the name is defined.",
        when: "before writing an import of a project symbol",
        input_schema: resolve_input,
        output_schema: resolve_output,
    },
    Tool {
        name: "ssot_find_existing",
        title: "Find existing definitions",
        description: "Before writing a new class or function: the existing definitions it would \
            duplicate (same name stem, an alias's name, overlapping public methods, factories or \
            accessors of the same concept), best first, each with its canonical path, the import \
            line and how many imports reference it.",
        when: "before creating a class, factory, manager or accessor",
        input_schema: find_existing_input,
        output_schema: find_existing_output,
    },
    Tool {
        name: "ssot_check_source",
        title: "Check a file's text",
        description: "The diagnostics `ssot check` would report for one file of the project if it \
            held SOURCE (unsaved text, analysed together with the rest of the project as it is \
            on disk), with each fix as edits and the safe edits collected.",
        when: "after editing a file, before saving or finishing",
        input_schema: check_source_input,
        output_schema: check_source_output,
    },
    Tool {
        name: "ssot_concepts",
        title: "List concepts",
        description: "The concepts declared in the project's ssot configuration (canonical path, \
            competing members, forbidden accessors, sanctioned factory, shims, compliance) and \
            the top undeclared concept candidates discovery proposes.",
        when: "to learn the project's single sources of truth before starting",
        input_schema: concepts_input,
        output_schema: concepts_output,
    },
];

fn resolve_input() -> Value {
    json!({
        "type": "object",
        "properties": {
            "module": {"type": "string", "description": "Absolute dotted module, as in `from MODULE import NAME` (`app.websocket_core`)."},
            "name": {"type": "string", "description": "The imported name (`UnifiedWebSocketManager`), or a nested one (`Outer.Inner`)."}
        },
        "required": ["module", "name"],
        "additionalProperties": false
    })
}

fn resolve_output() -> Value {
    let nullable_string = json!({"type": ["string", "null"]});
    json!({
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "`module:name` as asked."},
            "status": {"type": "string", "enum": ["definition", "module", "external", "dangling", "cycle", "open", "beyond-top-level", "module-attribute"]},
            "origin": nullable_string,
            "kind": {"type": "string"},
            "defined_at": {"type": "object", "properties": {"path": {"type": "string"}, "line": {"type": "integer"}}},
            "concept": {"type": ["object", "null"], "properties": {"name": {"type": "string"}, "declared": {"type": "boolean"}, "role": {"type": "string"}}},
            "canonical": nullable_string,
            "canonical_source": {"type": "string"},
            "is_canonical": {"type": ["boolean", "null"]},
            "import_line": nullable_string,
            "references": {"type": "integer"},
            "reason": {"type": "string"},
            "candidates": {"type": "array", "items": {"type": "object", "properties": {"canonical": {"type": "string"}, "references": {"type": "integer"}}}}
        },
        "required": ["path", "status", "origin", "concept", "canonical", "is_canonical", "import_line", "candidates"]
    })
}

fn find_existing_input() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "The name you are about to define (`SimpleWebSocketManager`, `create_websocket_manager`)."},
            "kind": {"type": "string", "enum": ["class", "function"]},
            "methods": {"type": "array", "items": {"type": "string"}, "description": "The public methods the new class would have."}
        },
        "required": ["name"],
        "additionalProperties": false
    })
}

fn find_existing_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "total": {"type": "integer", "description": "Matches found (the list holds the best 15)."},
            "matches": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "symbol": {"type": "string", "description": "Where it is defined, `module:Name`."},
                    "kind": {"type": "string"},
                    "defined_at": {"type": "object", "properties": {"path": {"type": "string"}, "line": {"type": "integer"}}},
                    "canonical": {"type": "string"},
                    "canonical_source": {"type": "string"},
                    "import_line": {"type": "string"},
                    "references": {"type": "integer"},
                    "score": {"type": "integer"},
                    "evidence": {"type": "array", "items": {"type": "string"}},
                    "concept": {"type": ["object", "null"]}
                },
                "required": ["symbol", "kind", "canonical", "import_line", "references", "evidence"]
            }}
        },
        "required": ["name", "total", "matches"]
    })
}

fn check_source_input() -> Value {
    json!({
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "The file's path, relative to the project root (or absolute, inside it); it need not exist yet."},
            "source": {"type": "string", "description": "The file's full text."}
        },
        "required": ["path", "source"],
        "additionalProperties": false
    })
}

fn check_source_output() -> Value {
    let edit = json!({
        "type": "object",
        "properties": {
            "start": {"type": "integer", "description": "Byte offset in SOURCE."},
            "end": {"type": "integer"},
            "line": {"type": "integer"}, "column": {"type": "integer"},
            "end_line": {"type": "integer"}, "end_column": {"type": "integer"},
            "content": {"type": "string"}
        },
        "required": ["start", "end", "content"]
    });
    json!({
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "diagnostics": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"},
                    "line": {"type": "integer"}, "column": {"type": "integer"},
                    "end_line": {"type": "integer"}, "end_column": {"type": "integer"},
                    "message": {"type": "string"},
                    "concept": {"type": ["string", "null"]},
                    "fix": {"type": ["object", "null"], "properties": {"applicability": {"type": "string"}, "edits": {"type": "array", "items": edit}}}
                },
                "required": ["code", "line", "column", "message", "fix"]
            }},
            "safe_edits": {"type": "array", "items": edit, "description": "Every safe fix's edits, sorted, without overlaps: apply them from last to first."},
            "fixed_source": {"type": ["string", "null"], "description": "The whole text `ssot fix` would write (safe fixes, every pass), or null when it changes nothing or the file is new."},
            "baselined": {"type": "integer"}
        },
        "required": ["path", "diagnostics", "safe_edits", "fixed_source", "baselined"]
    })
}

fn concepts_input() -> Value {
    json!({
        "type": "object",
        "properties": {
            "limit": {"type": "integer", "minimum": 0, "maximum": 1000, "description": "Most discovered candidates to list (default 10)."}
        },
        "additionalProperties": false
    })
}

fn concepts_output() -> Value {
    let compliance = json!({"type": "object", "properties": {"references": {"type": "integer"}, "canonical_references": {"type": "integer"}, "ratio": {"type": ["number", "null"]}}});
    json!({
        "type": "object",
        "properties": {
            "declared": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "canonical": {"type": "string"},
                    "members": {"type": "array", "items": {"type": "string"}},
                    "shims": {"type": "array", "items": {"type": "string"}},
                    "accessors": {"type": "array", "items": {"type": "string"}},
                    "factory": {"type": ["string", "null"]},
                    "compliance": {"type": ["object", "null"], "properties": {"total": compliance, "production": compliance, "test": compliance}}
                },
                "required": ["name", "canonical", "members", "accessors", "factory", "compliance"]
            }},
            "candidates": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "canonical": {"type": "string"},
                    "reason": {"type": "string"},
                    "members": {"type": "array"},
                    "files": {"type": "integer"},
                    "production_duplicates": {"type": "integer"},
                    "test_doubles": {"type": "integer"}
                },
                "required": ["name", "canonical", "members"]
            }}
        },
        "required": ["declared", "candidates"]
    })
}

/// A required string argument, or the tool error saying what is wrong.
pub fn string_argument<'a>(arguments: &'a Value, name: &str) -> Result<&'a str, String> {
    match arguments.get(name) {
        Some(Value::String(value)) => Ok(value),
        Some(other) => Err(format!("`{name}` must be a string, got {other}")),
        None => Err(format!("missing required argument `{name}`")),
    }
}

/// Where the project is: loading (in the background, so `initialize` answers at once),
/// loaded, or failed to load (every call then says why).
pub enum ProjectState {
    Loading(std::thread::JoinHandle<anyhow::Result<WarmProject>>),
    Ready(Box<WarmProject>),
    Failed(String),
    /// Only while changing state.
    Taken,
}

/// The tools over a project, as the protocol layer calls them.
pub struct Tools {
    state: ProjectState,
}

impl Tools {
    pub fn new(state: ProjectState) -> Self {
        Self { state }
    }

    /// The loaded project, waiting for the load to finish.
    fn project(&mut self) -> Result<&mut WarmProject, String> {
        if let ProjectState::Loading(_) = self.state {
            let ProjectState::Loading(handle) =
                std::mem::replace(&mut self.state, ProjectState::Taken)
            else {
                unreachable!("matched above");
            };
            self.state = match handle.join() {
                Ok(Ok(warm)) => ProjectState::Ready(Box::new(warm)),
                Ok(Err(err)) => {
                    let message = err
                        .chain()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(": ");
                    eprintln!("ssot mcp: error: {message}");
                    ProjectState::Failed(message)
                }
                Err(_) => ProjectState::Failed(
                    "internal error while loading the project (see the server's standard error)"
                        .to_string(),
                ),
            };
        }
        match &mut self.state {
            ProjectState::Ready(warm) => {
                // Agents edit files between calls: answer about the disk as it is now.
                warm.refresh()
                    .map_err(|err| format!("cannot bring the project up to date: {err}"))?;
                Ok(warm)
            }
            ProjectState::Failed(message) => Err(message.clone()),
            ProjectState::Loading(_) | ProjectState::Taken => {
                Err("the project is not loaded".to_string())
            }
        }
    }
}

impl Handler for Tools {
    fn server_info(&self) -> Value {
        json!({
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": {
                "name": "ssot",
                "title": "ssot: single sources of truth for Python",
                "version": env!("CARGO_PKG_VERSION"),
            },
            "instructions": super::agents::instructions(),
        })
    }

    fn list_tools(&self) -> Value {
        let tools: Vec<Value> = TOOLS
            .iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "title": tool.title,
                    "description": tool.description,
                    "inputSchema": (tool.input_schema)(),
                    "outputSchema": (tool.output_schema)(),
                    "annotations": {"readOnlyHint": true, "openWorldHint": false},
                })
            })
            .collect();
        json!({ "tools": tools })
    }

    fn call_tool(&mut self, name: &str, arguments: &Value) -> MethodResult {
        if !TOOLS.iter().any(|tool| tool.name == name) {
            return Err((
                INVALID_PARAMS,
                format!(
                    "Unknown tool `{name}`; the tools are {}",
                    TOOLS.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if !arguments.is_object() {
            return Ok(tool_error(&format!(
                "the arguments must be an object, got {arguments}"
            )));
        }
        let answer = self.project().and_then(|warm| {
            // A panic in one call is an internal error of that call, not the server's end.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match name {
                "ssot_resolve" => super::resolve::call(warm, arguments),
                "ssot_find_existing" => super::find_existing::call(warm, arguments),
                "ssot_check_source" => super::check_source::call(warm, arguments),
                "ssot_concepts" => super::concepts::call(warm, arguments),
                _ => Err(format!("unknown tool `{name}`")),
            }))
            .unwrap_or_else(|_| {
                Err(format!(
                    "internal error in `{name}` (a bug in ssot; see the server's standard error)"
                ))
            })
        });
        Ok(match answer {
            Ok(answer) => json!({
                "content": [{"type": "text", "text": answer.text}],
                "structuredContent": answer.structured,
                "isError": false,
            }),
            Err(message) => tool_error(&message),
        })
    }
}

fn tool_error(message: &str) -> Value {
    json!({
        "content": [{"type": "text", "text": message}],
        "isError": true,
    })
}
