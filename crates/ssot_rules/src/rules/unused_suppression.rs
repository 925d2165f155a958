//! SSOT900 unused-suppression.

pub const DOC: &str = "# unused-suppression (SSOT900)

## What it does
Reports a `# ssot: ignore[CODE]` comment (or a code in it) that suppresses nothing on its
line.

## Why is this bad?
A stale suppression hides the next real violation on that line and tells readers something
that is no longer true.

## Example
```python
from app.websocket_core.unified_manager import UnifiedWebSocketManager  # ssot: ignore[SSOT101]
```

## Use instead
```python
from app.websocket_core.unified_manager import UnifiedWebSocketManager
```

## Fix safety
Removing the comment (or the unused code from it) is safe: it changes no behaviour.
";
