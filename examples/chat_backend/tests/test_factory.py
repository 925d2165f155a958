"""Tests for the per-user manager factory."""

from app.websocket_core import UnifiedWebSocketManager as WSM
from app.websocket_core.factory import WebSocketManagerFactory, create_websocket_manager

try:
    from app.websocket_core.factory import get_websocket_manager_factory
except ImportError:
    get_websocket_manager_factory = WebSocketManagerFactory


def test_each_call_builds_a_new_manager():
    first = create_websocket_manager("alice")
    second = create_websocket_manager("alice")
    assert isinstance(first, WSM) and first is not second
    assert first.user_id == "alice"


def test_factory_reuses_manager_per_user():
    factory = get_websocket_manager_factory()
    assert factory.get_manager("alice") is factory.get_manager("alice")
    assert factory.get_manager("alice") is not factory.get_manager("bob")
    factory.release("alice")
    assert factory.managed_users() == ["bob"]


def test_factory_rejects_missing_user():
    try:
        create_websocket_manager("")
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError")
