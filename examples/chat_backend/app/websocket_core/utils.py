"""Helpers used by WebSocket handlers."""

import json

from app.websocket_core.unified_manager import UnifiedWebSocketManager


def encode_message(message):
    """Serialise a message (dict or :class:`WebSocketMessage`) to compact JSON."""
    if hasattr(message, "to_dict"):
        message = message.to_dict()
    return json.dumps(message, separators=(",", ":"), sort_keys=True)


def connection_summary(manager):
    """Return a JSON-friendly summary of the connections a manager holds."""
    if not isinstance(manager, UnifiedWebSocketManager):
        raise TypeError(f"expected a WebSocket manager, got {type(manager).__name__}")
    per_user = {}
    for info in manager.active_connections():
        per_user[info.user_id] = per_user.get(info.user_id, 0) + 1
    return {"users": len(per_user), "connections": sum(per_user.values()), "per_user": per_user}
