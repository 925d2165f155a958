"""Admin console endpoints: connection statistics and announcements."""

import app.websocket_core.websocket_manager
from app.websocket_core.simple import SimpleWebSocketManager

from ..websocket_core import UnifiedWebSocketManager
from ..websocket_core.utils import connection_summary

console_sessions = SimpleWebSocketManager()


def admin_manager():
    """Manager used by the admin broadcast tool."""
    return app.websocket_core.websocket_manager.WebSocketManager(user_id="admin")


def connection_stats(manager):
    """Connection statistics for the admin dashboard."""
    if isinstance(manager, UnifiedWebSocketManager):
        stats = connection_summary(manager)
    else:
        stats = {"users": 0, "connections": 0, "per_user": {}}
    stats["console_sessions"] = console_sessions.get_connection_count()
    return stats


def broadcast_announcement(text, manager=None):
    """Send an announcement to every user and every admin console."""
    manager = manager or admin_manager()
    frame = {"type": "system", "payload": {"text": text}}
    delivered = manager.broadcast(frame)
    console_sessions.broadcast(frame)
    return delivered
