"""Presence: who is online, announced to the other users."""

from app.websocket_core.canonical_import_patterns import (
    CanonicalWebSocketManager,
    MessageType,
    UnifiedWebSocketManager,
)

try:
    from app.websocket_core.canonical_import_patterns import MAX_MESSAGE_SIZE
except ImportError:
    MAX_MESSAGE_SIZE = 64 * 1024


class PresenceService:
    """Answers "who is online" and announces status changes."""

    def __init__(self, manager):
        if not isinstance(manager, UnifiedWebSocketManager):
            raise TypeError("presence needs a connection-tracking manager")
        self.manager = manager

    def online_users(self):
        """Sorted ids of users with at least one open connection."""
        return sorted({info.user_id for info in self.manager.active_connections()})

    def announce(self, user_id, online=True, status_text=""):
        """Tell everybody else that ``user_id`` came online or went away."""
        payload = {"user_id": user_id, "online": online, "status": status_text[:MAX_MESSAGE_SIZE]}
        frame = {"type": MessageType.PRESENCE.value, "payload": payload}
        return self.manager.broadcast(frame, exclude=user_id)


def standalone_presence_service():
    """Presence service with its own manager, for the presence worker process."""
    return PresenceService(CanonicalWebSocketManager(user_id="presence-worker"))
