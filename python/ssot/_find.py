"""Finding the ``ssot`` binary the wheel installed, wherever pip put its scripts."""

from __future__ import annotations

import os
import sys
import sysconfig

_NAME = "ssot" + (sysconfig.get_config_var("EXE") or "")


def find_ssot_bin() -> str:
    """Return the path of the installed ``ssot`` binary.

    The wheel puts the binary in the scripts directory of the scheme it was installed with:
    the environment's own, the user's (``pip install --user``), or the one of a ``--prefix`` or
    ``--target`` install next to this package. Raises ``FileNotFoundError`` naming every
    place tried.
    """
    candidates = []
    candidates.append(sysconfig.get_path("scripts"))
    user_scheme = _user_scheme()
    if user_scheme is not None:
        candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    # `pip install --target DIR`: the package is DIR/ssot and the scripts DIR/bin.
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates.append(os.path.join(package_parent, "bin"))
    # `pip install --prefix PREFIX`: the package is PREFIX/lib/pythonX.Y/site-packages/ssot.
    prefix = package_parent
    for _ in range(3):
        prefix = os.path.dirname(prefix)
    candidates.append(os.path.join(prefix, "bin"))
    tried = []
    for directory in candidates:
        if not directory or directory in tried:
            continue
        tried.append(directory)
        path = os.path.join(directory, _NAME)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(
        "the ssot binary is not installed next to this package; looked in: " + ", ".join(tried)
    )


def _user_scheme() -> str | None:
    if sys.version_info >= (3, 10):
        return sysconfig.get_preferred_scheme("user")
    if os.name == "nt":
        return "nt_user"
    if sys.platform == "darwin" and sys._framework:  # type: ignore[attr-defined]
        return "osx_framework_user"
    return "posix_user"
