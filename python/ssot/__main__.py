"""``python -m ssot``: run the installed ``ssot`` binary with the same arguments."""

from __future__ import annotations

import os
import subprocess
import sys

from ssot._find import find_ssot_bin


def main() -> int:
    try:
        ssot = find_ssot_bin()
    except FileNotFoundError as err:
        print("ssot: error: " + str(err), file=sys.stderr)
        return 2
    arguments = [ssot, *sys.argv[1:]]
    if sys.platform == "win32":
        # Windows has no exec: run it and pass its exit code on.
        return subprocess.run(arguments).returncode
    os.execvp(ssot, arguments)
    return 2  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main())
