"""Application entry point: wires the routes and services together."""

from app.routes import admin, chat
from app.services.notifications import NotificationService
from app.services.presence import PresenceService
from app.websocket_core import UnifiedWebSocketManager, get_websocket_manager


def create_app(manager=None):
    """Build the application object (a plain dict of components)."""
    manager = manager or get_websocket_manager()
    if not isinstance(manager, UnifiedWebSocketManager):
        raise TypeError("the application needs the unified WebSocket manager")
    return {
        "manager": manager,
        "notifications": NotificationService(manager),
        "presence": PresenceService(manager),
        "routes": {"admin": admin, "chat": chat},
    }
