"""Construction of per-user WebSocket managers."""

from .unified_manager import UnifiedWebSocketManager


def create_websocket_manager(user_id):
    """Create a fresh manager scoped to ``user_id``."""
    if not user_id:
        raise ValueError("user_id is required")
    return UnifiedWebSocketManager(user_id=user_id)


class WebSocketManagerFactory:
    """Hands out one manager per user and forgets it on release."""

    def __init__(self):
        self._managers = {}

    def get_manager(self, user_id):
        """Return the manager of ``user_id``, creating it if needed."""
        manager = self._managers.get(user_id)
        if manager is None:
            manager = create_websocket_manager(user_id)
            self._managers[user_id] = manager
        return manager

    def release(self, user_id):
        """Forget the manager of ``user_id``."""
        self._managers.pop(user_id, None)

    def managed_users(self):
        """Users that currently have a manager."""
        return sorted(self._managers)
