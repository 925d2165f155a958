"""Canonical import patterns for the WebSocket layer.

Handlers can take everything they need from this one module: the message
types, the helpers and the manager.
"""

from app.websocket_core.types import *
from app.websocket_core.utils import *


class CanonicalWebSocketManager(UnifiedWebSocketManager):
    """Manager with typed message helpers."""

    def send_message(self, user_id, message_type, payload):
        """Send a typed frame to ``user_id``."""
        return self.send_to_user(user_id, WebSocketMessage(MessageType(message_type), payload))

    def notify(self, user_id, text):
        """Send a notification frame to ``user_id``."""
        return self.send_message(user_id, MessageType.NOTIFICATION, {"text": text})
