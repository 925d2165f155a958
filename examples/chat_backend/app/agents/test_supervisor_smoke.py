"""Smoke test for the agent supervisor, collected by pytest with the app code."""

from app.agents.supervisor import AgentSupervisor
from app.websocket_core import UnifiedWebSocketManager
from app.websocket_core.canonical_import_patterns import CanonicalWebSocketManager


class RecordingSocket:
    """Socket double that keeps what was sent."""

    def __init__(self):
        self.sent = []

    def send_json(self, message):
        self.sent.append(message)


def test_supervisor_reports_progress():
    manager = CanonicalWebSocketManager(user_id="u1")
    socket = RecordingSocket()
    manager.connect("u1", "c1", socket)
    supervisor = AgentSupervisor("u1", manager)
    assert isinstance(supervisor.manager, UnifiedWebSocketManager)
    assert supervisor.run([lambda: 1, lambda: 2]) == [1, 2]
    assert [frame["payload"]["step"] for frame in socket.sent] == [1, 2]
