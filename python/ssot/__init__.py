"""ssot keeps a Python codebase's single sources of truth single.

This package only locates the ``ssot`` command the ``ssot-gardener`` wheel installs; the tool
itself is that binary. Run it as ``ssot`` or ``python -m ssot``.
"""

from ssot._find import find_ssot_bin

__all__ = ["find_ssot_bin"]
