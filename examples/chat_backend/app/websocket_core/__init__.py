"""Real-time messaging core: connection management and message types."""

from .types import ConnectionInfo, MessageType, WebSocketMessage
from .unified_manager import UnifiedWebSocketManager

__all__ = [
    "ConnectionInfo",
    "MessageType",
    "UnifiedWebSocketManager",
    "WebSocketMessage",
    "get_websocket_manager",
]

_manager = None


def get_websocket_manager():
    """Return the process-wide WebSocket manager, creating it on first use."""
    global _manager
    if _manager is None:
        _manager = UnifiedWebSocketManager()
    return _manager
