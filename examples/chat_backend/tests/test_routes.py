"""Tests for the chat and admin routes."""

from unittest.mock import patch

from app.routes import admin, chat
from app.websocket_core.types import MessageType


class MockWebSocketManager:
    """Mock manager that records connections and outgoing messages."""

    def __init__(self):
        self.connected = set()
        self.messages = []

    def connect(self, user_id, connection_id, websocket):
        self.connected.add((user_id, connection_id))

    def disconnect(self, user_id, connection_id):
        self.connected.discard((user_id, connection_id))
        return True

    def send_to_user(self, user_id, message):
        self.messages.append((user_id, message))
        return 1

    def send_json(self, user_id, payload):
        self.messages.append((user_id, payload))

    def get_connection_count(self):
        return len(self.connected)


def test_open_chat_registers_connection(websocket):
    manager = MockWebSocketManager()
    connection_id = chat.open_chat("alice", websocket, manager=manager)
    assert ("alice", connection_id) in manager.connected
    assert manager.get_connection_count() == 1


def test_post_message_is_a_chat_frame():
    manager = MockWebSocketManager()
    chat.post_message("alice", "bob", "hi", manager=manager)
    [(recipient, message)] = manager.messages
    assert recipient == "bob"
    assert message.type is MessageType.CHAT and message.sender == "alice"


def test_broadcast_announcement_uses_admin_manager():
    with patch("app.websocket_core.websocket_manager.WebSocketManager") as manager_cls:
        manager_cls.return_value.broadcast.return_value = 3
        assert admin.broadcast_announcement("maintenance at noon") == 3
    manager_cls.assert_called_once_with(user_id="admin")


def test_connection_stats_for_unknown_manager(fake_manager):
    stats = admin.connection_stats(fake_manager)
    assert stats["connections"] == 0
