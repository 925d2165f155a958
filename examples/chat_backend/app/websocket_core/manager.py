"""Compatibility module for code written against the 0.2 ``WebSocketManager`` API."""

from app.websocket_core.unified_manager import UnifiedWebSocketManager as WebSocketManager

__all__ = ["WebSocketManager"]
