"""Agent supervisor: runs agent steps and streams their progress to the user."""

import logging
from typing import TYPE_CHECKING

from app.websocket_core.adapters import AgentWebSocketAdapter
from app.websocket_core.factory import create_websocket_manager
from app.websocket_core.types import MessageType

if TYPE_CHECKING:
    from app.websocket_core.unified_manager import UnifiedWebSocketManager

try:
    from app.websocket_core.manager import UnifiedWebSocketManager as ManagerImpl
except ImportError:
    from app.websocket_core.manager import WebSocketManager as ManagerImpl

try:
    from ..websocket_core.unified_manager import WebSocketManager as LegacyManager
except ImportError:
    LegacyManager = ManagerImpl

logger = logging.getLogger(__name__)


class AgentSupervisor:
    """Runs the steps of one agent task for one user."""

    def __init__(self, user_id, manager: "UnifiedWebSocketManager" = None):
        self.user_id = user_id
        self.manager = manager or create_websocket_manager(user_id)
        self.adapter = AgentWebSocketAdapter(self.manager)

    def report_progress(self, step, total):
        """Push a progress frame to the user."""
        event = {"type": MessageType.AGENT.value, "payload": {"step": step, "total": total}}
        return self.adapter.emit_agent_event(self.user_id, event)

    def run(self, steps):
        """Run ``steps`` (callables) in order, reporting progress after each."""
        results = []
        for index, step in enumerate(steps, start=1):
            results.append(step())
            self.report_progress(index, len(steps))
        logger.debug("agent run for %s finished %d steps", self.user_id, len(steps))
        return results


def supervisor_for_connection(user_id, connection_id, websocket):
    """Supervisor bound to a manager that already holds the user's socket."""
    from app.websocket_core.unified_manager import UnifiedWebSocketManager

    manager = UnifiedWebSocketManager(user_id=user_id)
    manager.connect(user_id, connection_id, websocket)
    return AgentSupervisor(user_id, manager)


def pooled_supervisors(user_ids):
    """Supervisors for several users, sharing the legacy manager pool."""
    from app.websocket_core.websocket_manager import WebSocketManagerFactory

    factory = WebSocketManagerFactory()
    return [AgentSupervisor(user_id, factory.get_manager(user_id)) for user_id in user_ids]


def is_legacy_manager(manager):
    """Whether ``manager`` is an instance of the pre-unification manager class."""
    return isinstance(manager, LegacyManager)
