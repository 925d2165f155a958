"""Adapters exposing the WebSocket manager to the agent runtime."""

from app.websocket_core.websocket_manager import WebSocketManager


class AgentWebSocketAdapter:
    """Wraps a manager so that agents can push events to users."""

    def __init__(self, manager=None):
        self._manager = manager if manager is not None else WebSocketManager()

    def connect(self, user_id, connection_id, websocket):
        return self._manager.connect(user_id, connection_id, websocket)

    def disconnect(self, user_id, connection_id):
        return self._manager.disconnect(user_id, connection_id)

    def send_to_user(self, user_id, message):
        return self._manager.send_to_user(user_id, message)

    def broadcast(self, message, exclude=None):
        return self._manager.broadcast(message, exclude=exclude)

    def emit_agent_event(self, user_id, event):
        return self._manager.send_to_user(user_id, event)
