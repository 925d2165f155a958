"""Unit tests for the unified WebSocket manager."""

from app.websocket_core.types import MessageType, WebSocketMessage
from app.websocket_core.unified_manager import (
    UnifiedWebSocketManager,
    _UnifiedWebSocketManagerImplementation,
)
from app.websocket_core.websocket_manager import WebSocketManager


def test_legacy_name_is_the_same_class():
    assert WebSocketManager is UnifiedWebSocketManager
    assert UnifiedWebSocketManager is _UnifiedWebSocketManagerImplementation


def test_connect_and_send(manager, websocket):
    manager.connect("alice", "c1", websocket)
    delivered = manager.send_to_user("alice", WebSocketMessage(MessageType.CHAT, {"text": "hi"}))
    assert delivered == 1
    assert websocket.sent == [{"type": "chat", "payload": {"text": "hi"}, "sender": "system"}]


def test_disconnect_forgets_user(manager, websocket):
    manager.connect("alice", "c1", websocket)
    assert manager.disconnect("alice", "c1") is True
    assert manager.disconnect("alice", "c1") is False
    assert not manager.is_connected("alice")


def test_broadcast_skips_excluded_user(websocket):
    manager = WebSocketManager()
    other = type(websocket)()
    manager.connect("alice", "c1", websocket)
    manager.connect("bob", "c2", other)
    assert manager.broadcast({"type": "system"}, exclude="alice") == 1
    assert websocket.sent == [] and other.sent == [{"type": "system"}]


def test_active_connections_per_user(manager, websocket):
    manager.connect("alice", "c1", websocket)
    manager.connect("alice", "c2", websocket)
    assert sorted(info.connection_id for info in manager.active_connections("alice")) == ["c1", "c2"]
    assert manager.send_system_message("alice", "welcome") == 2
