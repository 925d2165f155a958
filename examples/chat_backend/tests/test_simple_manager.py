"""Tests for the simple (admin console) manager."""

from app.websocket_core.canonical_import_patterns import UnifiedWebSocketManager
from app.websocket_core.simple import SimpleWebSocketManager


def test_one_socket_per_user(websocket):
    manager = SimpleWebSocketManager()
    manager.connect("alice", websocket)
    manager.connect("alice", websocket)
    assert manager.get_connection_count() == 1
    assert manager.send_to_user("alice", {"type": "system"}) == 1


def test_simple_and_unified_agree_on_broadcast(websocket):
    simple = SimpleWebSocketManager()
    unified = UnifiedWebSocketManager()
    simple.connect("alice", websocket)
    unified.connect("alice", "c1", websocket)
    assert simple.broadcast({"n": 1}) == unified.broadcast({"n": 2}) == 1
    assert websocket.sent == [{"n": 1}, {"n": 2}]
