"""Domain services built on top of the WebSocket layer."""
