"""Shared fixtures for the chat backend tests."""

import pytest

from app.websocket_core import UnifiedWebSocketManager


class RecordingSocket:
    """Socket double that keeps every frame sent to it."""

    def __init__(self):
        self.sent = []
        self.closed = False

    def send_json(self, message):
        self.sent.append(message)

    def close(self):
        self.closed = True


class FakeWebSocketManager:
    """In-memory stand-in for the WebSocket manager."""

    def __init__(self):
        self.connections = {}
        self.sent = []

    def connect(self, user_id, connection_id, websocket):
        self.connections.setdefault(user_id, {})[connection_id] = websocket

    def disconnect(self, user_id, connection_id):
        return self.connections.get(user_id, {}).pop(connection_id, None) is not None

    def send_to_user(self, user_id, message):
        self.sent.append((user_id, message))
        return len(self.connections.get(user_id, {}))

    def broadcast(self, message, exclude=None):
        self.sent.append(("*", message))
        return sum(len(c) for user, c in self.connections.items() if user != exclude)


@pytest.fixture
def websocket():
    return RecordingSocket()


@pytest.fixture
def manager():
    return UnifiedWebSocketManager()


@pytest.fixture
def fake_manager():
    return FakeWebSocketManager()
