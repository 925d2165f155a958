"""Chat backend: WebSocket chat, presence, notifications and agent streaming."""

__version__ = "0.4.2"
