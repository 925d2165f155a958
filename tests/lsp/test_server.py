"""``ssot server`` as pygls's LSP client sees it, on the bundled example project: the
findings ``check`` reports, the edit ``fix`` makes, hover, document changes sent as ranges,
saves, files changed on disk reported as a file watcher reports them, a configuration change,
the watcher registration, and shutdown and exit."""

from __future__ import annotations

import asyncio
import os
import pathlib
import re
import shutil
import tempfile

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

from conftest import (
    EXAMPLE,
    PATIENCE_SECONDS,
    SERVER,
    RecordingClient,
    apply_text_edits,
    check_findings,
    edits_for,
    published_findings,
    run_ssot,
)

IMPORTER = "app/routes/chat.py"
# A module IMPORTER imports `MessageType` from.
IMPORTED = "app/websocket_core/types.py"
# EXPECTED.md: the `if TYPE_CHECKING:` import of the legacy path, a non-canonical import.
LEGACY_IMPORT = "from app.websocket_core.websocket_manager import WebSocketManager"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: RecordingClient, project: pathlib.Path):
    # VS Code's capabilities (dynamic registration of file watchers included), opening the
    # project as VS Code does: one workspace folder.
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=project.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name=project.name)],
    )
    lsp_client.initialize_result = await lsp_client.initialize_session(params)
    lsp_client.project = project
    yield
    # A test may have shut the server down already.
    if lsp_client._server is not None and lsp_client._server.returncode is None:
        await lsp_client.shutdown_session()


def uri(client: RecordingClient, path: str) -> str:
    return (client.project / path).as_uri()


async def next_diagnostics(client: RecordingClient, document: str) -> list[types.Diagnostic]:
    """The next diagnostics published for `document` that this test has not seen yet."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE_SECONDS
    while True:
        seen = client.consumed.get(document, 0)
        publications = client.publications.get(document, [])
        if len(publications) > seen:
            client.consumed[document] = seen + 1
            return publications[seen]
        assert loop.time() < deadline, f"no diagnostics published for {document}"
        await asyncio.sleep(0.02)


def open_document(client: RecordingClient, path: str) -> tuple[str, str]:
    text = (client.project / path).read_text()
    document = uri(client, path)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=document, language_id="python", version=1, text=text
            )
        )
    )
    return document, text


def change_range(
    client: RecordingClient, document: str, version: int, edits: list[types.TextEdit]
) -> None:
    """Sends edits as ranged (incremental) changes, last in the document first, so each
    range still means what it did in the text the edits were computed on."""
    ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))
    changes: list[types.TextDocumentContentChangeEvent] = [
        types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
        for e in reversed(ordered)
    ]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=document, version=version),
            content_changes=changes,
        )
    )


def line_of(text: str, needle: str) -> int:
    """The 0-based line holding `needle`."""
    for number, line in enumerate(text.splitlines()):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the text")


async def test_initialize_declares_what_the_server_does(client: RecordingClient):
    result: types.InitializeResult = client.initialize_result
    assert result.server_info is not None and result.server_info.name == "ssot"
    version = run_ssot("--version").stdout.split()
    assert result.server_info.version == version[-1], version
    capabilities = result.capabilities
    assert capabilities.hover_provider
    assert capabilities.definition_provider
    sync = capabilities.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.open_close and sync.save
    assert sync.change == types.TextDocumentSyncKind.Incremental
    actions = capabilities.code_action_provider
    assert isinstance(actions, types.CodeActionOptions)
    assert types.CodeActionKind.QuickFix in actions.code_action_kinds
    assert "source.fixAll.ssot" in actions.code_action_kinds


async def test_the_server_registers_its_file_watchers(client: RecordingClient):
    # The registration is sent once the server has read `initialized`; the answer to a request
    # sent after `initialized` comes after it, so by then it has arrived.
    await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri(client, IMPORTER)),
            position=types.Position(line=0, character=0),
        )
    )
    assert len(client.registrations) == 1, client.registrations
    (registration,) = client.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    globs = {watcher["globPattern"] for watcher in registration.register_options["watchers"]}
    assert {"**/*.py", "**/*.pyi", "**/pyproject.toml", "**/ssot.toml"} <= globs


async def test_open_publishes_the_findings_check_reports(client: RecordingClient):
    document, _ = open_document(client, IMPORTER)
    diagnostics = await next_diagnostics(client, document)
    expected = check_findings(client.project, IMPORTER)
    assert published_findings(diagnostics) == expected
    codes = {code for code, *_ in expected}
    # EXPECTED.md: a non-canonical import and a dangling import inside `try`.
    assert {"SSOT101", "SSOT103"} <= codes, expected
    assert all(d.source == "ssot" for d in diagnostics)


async def test_quick_fix_and_fix_all_make_the_edit_fix_makes(
    client: RecordingClient, tmp_path: pathlib.Path
):
    document, text = open_document(client, IMPORTER)
    diagnostics = await next_diagnostics(client, document)
    legacy_line = line_of(text, LEGACY_IMPORT)
    finding = next(
        d for d in diagnostics if d.code == "SSOT101" and d.range.start.line == legacy_line
    )

    # What `ssot fix` writes to this file, in another copy of the project.
    fixed_copy = tmp_path / "fixed"
    shutil.copytree(client.project, fixed_copy)
    result = run_ssot("fix", fixed_copy / IMPORTER)
    assert result.returncode in (0, 1), result.stderr
    fixed_by_cli = (fixed_copy / IMPORTER).read_text()
    assert fixed_by_cli != text

    fix_all = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=document),
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll.ssot"]),
        )
    )
    assert fix_all is not None and len(fix_all) == 1, fix_all
    (action,) = fix_all
    assert isinstance(action, types.CodeAction) and action.edit is not None
    assert apply_text_edits(text, edits_for(action.edit, document)) == fixed_by_cli

    quick = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=document),
            range=finding.range,
            context=types.CodeActionContext(
                diagnostics=[finding], only=[types.CodeActionKind.QuickFix]
            ),
        )
    )
    assert quick, "a quick fix for the non-canonical import"
    action = next(
        a
        for a in quick
        if isinstance(a, types.CodeAction) and a.diagnostics and a.diagnostics[0] == finding
    )
    assert action.kind == types.CodeActionKind.QuickFix and action.is_preferred
    assert action.edit is not None
    edits = edits_for(action.edit, document)
    quick_fixed = apply_text_edits(text, edits)
    # The fixed import line is the one `ssot fix` writes.
    new_line = quick_fixed.splitlines()[legacy_line]
    assert new_line != text.splitlines()[legacy_line]
    assert new_line in fixed_by_cli.splitlines(), new_line

    # The editor applies it as a ranged change: that one finding goes away.
    change_range(client, document, 2, edits)
    after = await next_diagnostics(client, document)
    before_codes = [str(d.code) for d in diagnostics]
    after_codes = [str(d.code) for d in after]
    assert after_codes.count("SSOT101") == before_codes.count("SSOT101") - 1
    assert all(d.range.start.line != legacy_line or d.code != "SSOT101" for d in after)


async def test_hover_shows_origin_concept_canonical_path_and_compliance(
    client: RecordingClient,
):
    document, text = open_document(client, IMPORTER)
    await next_diagnostics(client, document)
    line = line_of(text, LEGACY_IMPORT)
    column = text.splitlines()[line].index("WebSocketManager")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=document),
            position=types.Position(line=line, character=column + 2),
        )
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    value = hover.contents.value
    for expected in (
        "app.websocket_core.websocket_manager:WebSocketManager",
        "app.websocket_core.unified_manager:_UnifiedWebSocketManagerImplementation",
        "websocket-manager",
        "app.websocket_core.unified_manager:UnifiedWebSocketManager",
    ):
        assert expected in value, value
    assert re.search(r"compliance: production: \d+/\d+ canonical", value), value

    definition = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=document),
            position=types.Position(line=line, character=column + 2),
        )
    )
    assert isinstance(definition, types.Location), definition
    assert definition.uri == uri(client, "app/websocket_core/unified_manager.py")


async def test_changes_and_saves_update_the_findings(client: RecordingClient):
    document, text = open_document(client, IMPORTER)
    expected = published_findings(await next_diagnostics(client, document))
    end = len(text.splitlines())
    added = "from app.websocket_core.manager import WebSocketManager\n"
    insert = types.TextEdit(
        range=types.Range(start=types.Position(end, 0), end=types.Position(end, 0)),
        new_text=added,
    )
    change_range(client, document, 2, [insert])
    with_new = await next_diagnostics(client, document)
    assert any(d.code == "SSOT101" and d.range.start.line == end for d in with_new), with_new

    # Saved to disk as it is in the editor: the findings are what `check` reports on disk.
    (client.project / IMPORTER).write_text(text + added)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=document))
    )
    saved = await next_diagnostics(client, document)
    assert published_findings(saved) == check_findings(client.project, IMPORTER)
    assert published_findings(saved) == published_findings(with_new)

    # Taking the line away again.
    remove = types.TextEdit(
        range=types.Range(start=types.Position(end, 0), end=types.Position(end + 1, 0)),
        new_text="",
    )
    change_range(client, document, 3, [remove])
    assert published_findings(await next_diagnostics(client, document)) == expected


async def test_files_changed_on_disk_reach_the_server_through_its_watcher(
    client: RecordingClient,
):
    document, _ = open_document(client, IMPORTER)
    before = await next_diagnostics(client, document)
    module = client.project / IMPORTED
    original = module.read_text()
    assert "class MessageType" in original

    # Another program renames the class the open file imports.
    module.write_text(original.replace("MessageType", "MessageKind"))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=module.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    after = await next_diagnostics(client, document)
    dangling = [d for d in after if d.code == "SSOT103"]
    assert len(dangling) > sum(d.code == "SSOT103" for d in before), after
    assert published_findings(after) == check_findings(client.project, IMPORTER)

    # The configuration changes on disk: the project is loaded again with it (here the
    # concept is gone, and with it the non-canonical import findings).
    module.write_text(original)
    pyproject = client.project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().split("[tool.ssot]")[0])
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=module.as_uri(), type=types.FileChangeType.Changed),
                types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed),
            ]
        )
    )
    reloaded = await next_diagnostics(client, document)
    assert published_findings(reloaded) == check_findings(client.project, IMPORTER)
    assert not any(d.code == "SSOT101" for d in reloaded), reloaded


async def test_shutdown_and_exit_end_the_server_cleanly(client: RecordingClient):
    document, _ = open_document(client, IMPORTER)
    await next_diagnostics(client, document)
    await client.shutdown_session()
    server = client._server
    assert server is not None and server.returncode == 0
    # The server never writes the files it analyses.
    assert (client.project / IMPORTER).read_text() == (EXAMPLE / IMPORTER).read_text()


# SSOT_TEST_HOLD_ANALYSIS: while this file exists the server's analysis waits before it
# starts, so a test can ask while an analysis is due, without timing.
HOLD_FILE = pathlib.Path(tempfile.mkdtemp(prefix="ssot-lsp-hold-")) / "hold"
HELD_SERVER = ClientServerConfig(
    server_command=SERVER.server_command,
    client_factory=SERVER.client_factory,
    server_env={**os.environ, "SSOT_TEST_HOLD_ANALYSIS": str(HOLD_FILE)},
)


@pytest_lsp.fixture(config=HELD_SERVER)
async def held_client(lsp_client: RecordingClient, project: pathlib.Path):
    lsp_client.hold = HOLD_FILE
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=project.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name=project.name)],
    )
    lsp_client.initialize_result = await lsp_client.initialize_session(params)
    lsp_client.project = project
    yield
    HOLD_FILE.unlink(missing_ok=True)
    if lsp_client._server is not None and lsp_client._server.returncode is None:
        await lsp_client.shutdown_session()


async def test_requests_are_answered_while_an_analysis_is_due_and_edits_supersede(
    held_client: RecordingClient,
):
    client = held_client
    importer, importer_text = open_document(client, IMPORTER)
    await next_diagnostics(client, importer)
    module, module_text = open_document(client, IMPORTED)
    await next_diagnostics(client, module)

    client.hold.write_text("")
    # Two edits of the module, the second undoing the first, while the analysis waits.
    rename = [
        types.TextEdit(
            range=types.Range(
                start=types.Position(line, 0), end=types.Position(line + 1, 0)
            ),
            new_text=text.replace("MessageType", "MessageKind") + "\n",
        )
        for line, text in enumerate(module_text.splitlines())
        if "MessageType" in text
    ]
    change_range(client, module, 2, rename)
    line = line_of(importer_text, LEGACY_IMPORT)
    column = importer_text.splitlines()[line].index("WebSocketManager")
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=importer),
                position=types.Position(line=line, character=column + 2),
            )
        ),
        PATIENCE_SECONDS,
    )
    # Answered from what the server knew, while the edit's analysis had not run.
    assert hover is not None and "websocket-manager" in hover.contents.value
    assert client.versions.get(module) == [1], client.versions
    original_lines = module_text.splitlines()
    undo = [
        types.TextEdit(range=e.range, new_text=original_lines[e.range.start.line] + "\n")
        for e in rename
    ]
    change_range(client, module, 3, undo)
    # Answered once the server has read both edits.
    await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=importer),
            position=types.Position(line=0, character=0),
        )
    )
    client.hold.unlink()
    after = await next_diagnostics(client, module)
    # The first publication after the edits is the newest version's, with its findings.
    assert client.versions[module][1] == 3, client.versions[module]
    assert published_findings(after) == check_findings(client.project, IMPORTED)
