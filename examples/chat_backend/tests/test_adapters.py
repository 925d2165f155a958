"""Tests for the agent WebSocket adapter."""

import app.websocket_core.unified_manager as unified
from app.websocket_core.adapters import AgentWebSocketAdapter


class FakeWebSocketManager:
    """Records the calls the adapter forwards."""

    def __init__(self):
        self.calls = []

    def connect(self, user_id, connection_id, websocket):
        self.calls.append(("connect", user_id, connection_id))

    def send_to_user(self, user_id, message):
        self.calls.append(("send_to_user", user_id, message))
        return 1


def test_adapter_forwards_agent_events():
    fake = FakeWebSocketManager()
    adapter = AgentWebSocketAdapter(fake)
    assert adapter.emit_agent_event("alice", {"type": "agent"}) == 1
    assert fake.calls == [("send_to_user", "alice", {"type": "agent"})]


def test_adapter_defaults_to_real_manager(websocket):
    adapter = AgentWebSocketAdapter()
    adapter.connect("alice", "c1", websocket)
    assert adapter.send_to_user("alice", {"type": "chat"}) == 1
    assert isinstance(adapter._manager, unified.UnifiedWebSocketManager)
