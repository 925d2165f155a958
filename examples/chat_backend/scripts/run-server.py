#!/usr/bin/env python3
"""Start a local development server for the chat backend."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app.main import create_app  # noqa: E402
from app.websocket_core.websocket_manager import UnifiedWebSocketManager  # noqa: E402


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    port = int(argv[0]) if argv else 8000
    application = create_app()
    manager = application["manager"]
    kind = "unified" if isinstance(manager, UnifiedWebSocketManager) else "custom"
    print(f"chat backend ready on :{port} ({kind} manager)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
