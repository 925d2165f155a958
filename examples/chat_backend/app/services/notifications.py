"""User notifications pushed over WebSocket."""

import logging

from app.websocket_core.manager import WebSocketManager
from app.websocket_core.types import MessageType, WebSocketMessage

try:
    from app.websocket_core.old_manager import UnifiedWebSocketManager
except ImportError:
    from app.websocket_core.unified_manager import UnifiedWebSocketManager

logger = logging.getLogger(__name__)


class NotificationService:
    """Sends notification frames to users."""

    def __init__(self, manager=None):
        self.manager = manager or WebSocketManager()

    def notify(self, user_id, title, body=""):
        """Notify one user; return how many of their connections got it."""
        message = WebSocketMessage(MessageType.NOTIFICATION, {"title": title, "body": body})
        delivered = self.manager.send_to_user(user_id, message)
        if not delivered:
            logger.info("notification for offline user %s dropped", user_id)
        return delivered

    def notify_all(self, title, body=""):
        """Notify every connected user."""
        message = WebSocketMessage(MessageType.NOTIFICATION, {"title": title, "body": body})
        return self.manager.broadcast(message.to_dict())


def can_check_presence(manager):
    """Whether ``manager`` tracks connections (and so can tell who is online)."""
    return isinstance(manager, UnifiedWebSocketManager)
