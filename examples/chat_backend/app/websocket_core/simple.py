"""Lightweight WebSocket manager for the admin console and the local dev server."""

import logging

logger = logging.getLogger(__name__)


class SimpleWebSocketManager:
    """Minimal connection registry: one socket per user."""

    def __init__(self):
        self.registry = {}

    def connect(self, user_id, websocket):
        """Register the user's socket, replacing any previous one."""
        if user_id in self.registry:
            logger.info("replacing socket of %s", user_id)
        self.registry[user_id] = websocket

    def disconnect(self, user_id):
        """Drop the user's socket; return whether there was one."""
        return self.registry.pop(user_id, None) is not None

    def send_to_user(self, user_id, message):
        """Send ``message`` to the user's socket; return the delivery count."""
        websocket = self.registry.get(user_id)
        if websocket is None:
            return 0
        websocket.send_json(message)
        return 1

    def broadcast(self, message):
        """Send ``message`` to every registered socket."""
        for websocket in list(self.registry.values()):
            websocket.send_json(message)
        return len(self.registry)

    def get_connection_count(self):
        """Number of registered sockets."""
        return len(self.registry)
