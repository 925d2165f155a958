"""Chat WebSocket endpoints."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from app.websocket_core import get_websocket_manager
from app.websocket_core.types import MessageType, WebSocketMessage
from app.websocket_core.unified_manager import UnifiedWebSocketManager as WSM

if TYPE_CHECKING:
    from app.websocket_core.websocket_manager import WebSocketManager

try:
    from app.websocket_core.manager import ConnectionRegistry
except ImportError:
    ConnectionRegistry = None

logger = logging.getLogger(__name__)


def _resolve(manager: WSM | None) -> WebSocketManager:
    return manager if manager is not None else get_websocket_manager()


def open_chat(user_id, websocket, manager: WSM | None = None):
    """Accept a chat socket for ``user_id``; return its connection id."""
    manager = _resolve(manager)
    connection_id = uuid.uuid4().hex
    manager.connect(user_id, connection_id, websocket)
    if ConnectionRegistry is not None:
        ConnectionRegistry.register(user_id, connection_id)
    logger.info("chat opened for %s (%s)", user_id, connection_id)
    return connection_id


def post_message(sender, recipient, text, manager: WSM | None = None):
    """Deliver a chat message from ``sender`` to ``recipient``."""
    manager = _resolve(manager)
    message = WebSocketMessage(MessageType.CHAT, {"text": text}, sender=sender)
    return manager.send_to_user(recipient, message)


def close_chat(user_id, connection_id, manager: WSM | None = None):
    """Close one chat socket."""
    return _resolve(manager).disconnect(user_id, connection_id)
