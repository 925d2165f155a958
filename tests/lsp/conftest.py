"""Driving ``ssot server`` with an LSP client written independently of it: pygls's client,
through pytest-lsp, which also checks every server message against the protocol and the
client's declared capabilities.

``SSOT_BIN`` names the ``ssot`` binary under test (``cargo test`` passes the one it built);
without it, the ``ssot`` on the ``PATH`` (an installed wheel) is tested.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
from typing import Any

import pytest
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPOSITORY / "examples" / "chat_backend"
SSOT = os.environ.get("SSOT_BIN") or shutil.which("ssot") or "ssot"

# The concept the example's EXPECTED.md describes, as a user would declare it.
CONCEPT = """
[tool.ssot]

[tool.ssot.concepts.websocket-manager]
canonical = "app.websocket_core.unified_manager:UnifiedWebSocketManager"
members = ["app.websocket_core.simple:SimpleWebSocketManager"]
"""

# How long the client waits for one message before the test fails: the server is never
# asked to be fast here, only to answer.
PATIENCE_SECONDS = float(os.environ.get("SSOT_LSP_PATIENCE_SECONDS", "120"))


class RecordingClient(LanguageClient):
    """pytest-lsp's client, also keeping every diagnostics publication in arrival order
    and the capabilities the server registers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.publications: dict[str, list[list[types.Diagnostic]]] = {}
        self.consumed: dict[str, int] = {}
        # The document version of each publication, in the same order.
        self.versions: dict[str, list[int | None]] = {}
        self.registrations: list[types.Registration] = []


def _publish_diagnostics(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.publications.setdefault(params.uri, []).append(list(params.diagnostics))
    client.versions.setdefault(params.uri, []).append(params.version)


def _register_capability(client: RecordingClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


def make_client() -> RecordingClient:
    client = RecordingClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _publish_diagnostics
    features[types.CLIENT_REGISTER_CAPABILITY] = _register_capability
    for method, handler in features.items():
        client.feature(method)(handler)
    return client


SERVER = ClientServerConfig(server_command=[SSOT, "server"], client_factory=make_client)


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the bundled example project with its concept declared."""
    root = tmp_path / "chat_backend"
    shutil.copytree(EXAMPLE, root)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + CONCEPT)
    return root


def run_ssot(*arguments: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SSOT_CACHE_DIR"}
    return subprocess.run(
        [SSOT, *map(str, arguments)], capture_output=True, text=True, env=env, check=False
    )


Finding = tuple[str, int, int, int, int]


def check_findings(root: pathlib.Path, path: str) -> list[Finding]:
    """``ssot check``'s findings for one file: code and 1-based range, sorted."""
    result = run_ssot("check", "--no-baseline", "--output-format", "json", root)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    return sorted(
        (d["code"], d["line"], d["column"], d["end_line"], d["end_column"])
        for d in report["diagnostics"]
        if d["path"] == path
    )


def published_findings(diagnostics: list[types.Diagnostic]) -> list[Finding]:
    """The same shape from published diagnostics (the example is ASCII, so UTF-16 units
    and characters agree)."""
    return sorted(
        (
            str(d.code),
            d.range.start.line + 1,
            d.range.start.character + 1,
            d.range.end.line + 1,
            d.range.end.character + 1,
        )
        for d in diagnostics
    )


def offset_of(text: str, position: types.Position) -> int:
    """The string index of a protocol position (UTF-16 units; the texts here are ASCII)."""
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: position.line]) + position.character


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Applies non-overlapping edits, as an editor applies a workspace edit."""
    ordered = sorted(edits, key=lambda e: offset_of(text, e.range.start), reverse=True)
    for edit in ordered:
        start, end = offset_of(text, edit.range.start), offset_of(text, edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def edits_for(edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    """The text edits a workspace edit makes to one document (either of its two shapes)."""
    if edit.changes:
        return list(edit.changes.get(uri, []))
    found: list[types.TextEdit] = []
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri:
            found.extend(e for e in change.edits if isinstance(e, types.TextEdit))
    return found
