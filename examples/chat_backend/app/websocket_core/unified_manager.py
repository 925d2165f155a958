"""Unified WebSocket connection manager.

One implementation behind every WebSocket entry point of the backend: it keeps
the open connections of each user and routes outgoing frames to them.
"""

import logging
import threading

from .types import ConnectionInfo, MessageType, WebSocketMessage

logger = logging.getLogger(__name__)


class _UnifiedWebSocketManagerImplementation:
    """Tracks live WebSocket connections per user and delivers messages to them."""

    def __init__(self, user_id=None):
        self.user_id = user_id
        self._connections = {}
        self._lock = threading.RLock()

    def connect(self, user_id, connection_id, websocket):
        """Register ``websocket`` as connection ``connection_id`` of ``user_id``."""
        info = ConnectionInfo(user_id=user_id, connection_id=connection_id)
        with self._lock:
            self._connections.setdefault(user_id, {})[connection_id] = (info, websocket)
        logger.debug("connected %s/%s", user_id, connection_id)
        return info

    def disconnect(self, user_id, connection_id):
        """Forget one connection; return whether it was known."""
        with self._lock:
            user_connections = self._connections.get(user_id, {})
            removed = user_connections.pop(connection_id, None)
            if not user_connections:
                self._connections.pop(user_id, None)
        return removed is not None

    def send_to_user(self, user_id, message):
        """Send ``message`` to every connection of ``user_id``; return the delivery count."""
        if isinstance(message, WebSocketMessage):
            message = message.to_dict()
        with self._lock:
            targets = [websocket for _, websocket in self._connections.get(user_id, {}).values()]
        for websocket in targets:
            websocket.send_json(message)
        return len(targets)

    def broadcast(self, message, exclude=None):
        """Send ``message`` to every connected user except ``exclude``."""
        with self._lock:
            users = [user_id for user_id in self._connections if user_id != exclude]
        return sum(self.send_to_user(user_id, message) for user_id in users)

    def active_connections(self, user_id=None):
        """Return the :class:`ConnectionInfo` of open connections, optionally for one user."""
        with self._lock:
            if user_id is not None:
                return [info for info, _ in self._connections.get(user_id, {}).values()]
            return [info for conns in self._connections.values() for info, _ in conns.values()]

    def is_connected(self, user_id):
        """Whether ``user_id`` has at least one open connection."""
        with self._lock:
            return bool(self._connections.get(user_id))

    def send_system_message(self, user_id, text):
        """Send a plain-text system frame to ``user_id``."""
        return self.send_to_user(user_id, WebSocketMessage(MessageType.SYSTEM, {"text": text}))


UnifiedWebSocketManager = _UnifiedWebSocketManagerImplementation
