//! The Model Context Protocol's JSON-RPC 2.0 layer over newline-delimited stdio: one message
//! per line in, at most one response per line out.
//!
//! Only what a tools-only server needs: `initialize` (with version negotiation), the
//! `notifications/initialized` notification, `ping`, `tools/list` and `tools/call`. A line that
//! is not JSON is a parse error (-32700), a message that is not a request an invalid request
//! (-32600), an unknown method -32601, bad parameters -32602; the server answers and reads on.
//! Notifications (no `id`) never get a response, and responses the client sends are ignored.

use serde_json::{json, Value};

/// Protocol versions this server speaks, newest first. Structured tool results and output
/// schemas appeared in 2025-06-18, so nothing older is offered.
pub const SUPPORTED_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18"];

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;

/// What a method handler answers: a result, or a JSON-RPC error (code and message).
pub type MethodResult = Result<Value, (i64, String)>;

/// Answers the methods of the protocol; [`Server::handle_line`] is the whole server loop body.
pub trait Handler {
    /// `initialize` result fields other than the protocol version (capabilities, server
    /// information, instructions).
    fn server_info(&self) -> Value;
    /// `tools/list` result.
    fn list_tools(&self) -> Value;
    /// `tools/call` result, or a protocol error (unknown tool, parameters that are not an
    /// object).
    fn call_tool(&mut self, name: &str, arguments: &Value) -> MethodResult;
}

/// The protocol state of one connection.
pub struct Server<H> {
    handler: H,
}

impl<H: Handler> Server<H> {
    pub fn new(handler: H) -> Self {
        Self { handler }
    }

    /// Handles one line of input; returns the line to write back (without its newline), if
    /// any. Blank lines are ignored.
    pub fn handle_line(&mut self, line: &[u8]) -> Option<String> {
        let text = match std::str::from_utf8(line) {
            Ok(text) => text.trim(),
            Err(err) => {
                return Some(error_response(
                    Value::Null,
                    PARSE_ERROR,
                    &format!("Parse error: the line is not UTF-8 ({err})"),
                ))
            }
        };
        if text.is_empty() {
            return None;
        }
        let message: Value = match serde_json::from_str(text) {
            Ok(message) => message,
            Err(err) => {
                return Some(error_response(
                    Value::Null,
                    PARSE_ERROR,
                    &format!("Parse error: {err}"),
                ))
            }
        };
        self.handle_message(message)
    }

    fn handle_message(&mut self, message: Value) -> Option<String> {
        let Value::Object(object) = message else {
            let what = if message.is_array() {
                "batches are not supported (one JSON-RPC message per line)"
            } else {
                "a JSON-RPC message is an object"
            };
            return Some(error_response(
                Value::Null,
                INVALID_REQUEST,
                &format!("Invalid Request: {what}"),
            ));
        };
        let id = object.get("id").cloned();
        if let Some(id) = &id {
            if !(id.is_string() || id.is_i64() || id.is_u64()) {
                return Some(error_response(
                    Value::Null,
                    INVALID_REQUEST,
                    "Invalid Request: `id` must be a string or an integer",
                ));
            }
        }
        let reply_id = id.clone().unwrap_or(Value::Null);
        if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return Some(error_response(
                reply_id,
                INVALID_REQUEST,
                "Invalid Request: `jsonrpc` must be \"2.0\"",
            ));
        }
        let Some(method) = object.get("method") else {
            if object.contains_key("result") || object.contains_key("error") {
                // A response to a request this server never sends: nothing to do.
                return None;
            }
            return Some(error_response(
                reply_id,
                INVALID_REQUEST,
                "Invalid Request: no `method`",
            ));
        };
        let Some(method) = method.as_str() else {
            return Some(error_response(
                reply_id,
                INVALID_REQUEST,
                "Invalid Request: `method` must be a string",
            ));
        };
        let params = object.get("params").cloned().unwrap_or(Value::Null);
        if !(params.is_null() || params.is_object()) {
            return id.map(|id| {
                error_response(
                    id,
                    INVALID_PARAMS,
                    "Invalid params: `params` must be an object",
                )
            });
        }
        let Some(id) = id else {
            // Notifications: `notifications/initialized`, `notifications/cancelled` (every
            // call is answered before the next line is read, so there is nothing to cancel)
            // and any the server does not know all need no answer.
            return None;
        };
        let result = match method {
            "initialize" => self.initialize(&params),
            "ping" => Ok(json!({})),
            "tools/list" => Ok(self.handler.list_tools()),
            "tools/call" => self.call_tool(&params),
            other => Err((METHOD_NOT_FOUND, format!("Method not found: `{other}`"))),
        };
        Some(match result {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string(),
            Err((code, message)) => error_response(id, code, &message),
        })
    }

    /// Version negotiation as the specification says: the client's version when this server
    /// supports it, otherwise the newest this server supports (the client then decides
    /// whether to go on).
    fn initialize(&self, params: &Value) -> MethodResult {
        let requested = params.get("protocolVersion").and_then(Value::as_str);
        let Some(requested) = requested else {
            return Err((
                INVALID_PARAMS,
                "Invalid params: `initialize` needs a string `protocolVersion`".to_string(),
            ));
        };
        let version = SUPPORTED_VERSIONS
            .iter()
            .copied()
            .find(|supported| *supported == requested)
            .unwrap_or(SUPPORTED_VERSIONS[0]);
        let mut result = self.handler.server_info();
        if let Value::Object(fields) = &mut result {
            fields.insert("protocolVersion".to_string(), json!(version));
        }
        Ok(result)
    }

    fn call_tool(&mut self, params: &Value) -> MethodResult {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return Err((
                INVALID_PARAMS,
                "Invalid params: `tools/call` needs a string `name`".to_string(),
            ));
        };
        let arguments = params.get("arguments").cloned().unwrap_or(json!({}));
        self.handler.call_tool(name, &arguments)
    }
}

/// A JSON-RPC error response line.
pub fn error_response(id: Value, code: i64, message: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string()
}
