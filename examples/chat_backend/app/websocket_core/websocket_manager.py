"""WebSocket manager, legacy import location.

Older handlers import ``WebSocketManager`` from here; the implementation lives
in :mod:`app.websocket_core.unified_manager`.
"""

from .unified_manager import UnifiedWebSocketManager

WebSocketManager = UnifiedWebSocketManager

__all__ = ["UnifiedWebSocketManager", "WebSocketManager"]
