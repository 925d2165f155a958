"""Tests for the notification service."""

from unittest.mock import Mock

from app.services.notifications import NotificationService, can_check_presence
from app.websocket_core.manager import WebSocketManager
from app.websocket_core.types import MessageType


class MockWebSocketManager:
    """Collects notifications instead of sending them."""

    def __init__(self):
        self.sent = []

    def send_to_user(self, user_id, message):
        self.sent.append((user_id, message))
        return 1

    def broadcast(self, message, exclude=None):
        self.sent.append(("*", message))
        return 1


def test_notify_sends_a_notification_frame():
    manager = MockWebSocketManager()
    assert NotificationService(manager).notify("bob", "New message") == 1
    [(user_id, message)] = manager.sent
    assert user_id == "bob" and message.type is MessageType.NOTIFICATION


def test_notify_offline_user_with_spec_mock():
    manager = Mock(spec=WebSocketManager)
    manager.send_to_user.return_value = 0
    assert NotificationService(manager).notify("carol", "Ping") == 0
    manager.send_to_user.assert_called_once()


def test_presence_support_needs_real_manager():
    assert can_check_presence(WebSocketManager())
    assert not can_check_presence(MockWebSocketManager())
