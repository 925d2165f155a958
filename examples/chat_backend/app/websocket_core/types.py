"""Message and connection types shared by the WebSocket layer."""

import enum
import time
from dataclasses import dataclass, field

__all__ = ["ConnectionInfo", "MessageType", "WebSocketMessage"]

MAX_MESSAGE_SIZE = 64 * 1024


class MessageType(str, enum.Enum):
    """Kinds of frames the server pushes to clients."""

    CHAT = "chat"
    PRESENCE = "presence"
    NOTIFICATION = "notification"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass
class ConnectionInfo:
    """One open WebSocket connection of one user."""

    user_id: str
    connection_id: str
    connected_at: float = field(default_factory=time.time)


@dataclass
class WebSocketMessage:
    """A typed frame, serialised with :meth:`to_dict` before sending."""

    type: MessageType
    payload: dict
    sender: str = "system"

    def to_dict(self):
        return {"type": self.type.value, "payload": self.payload, "sender": self.sender}
