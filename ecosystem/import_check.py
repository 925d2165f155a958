#!/usr/bin/env python3
"""Import check: `ssot init` + `ssot fix` must never make a module fail to import.

    cargo build -p ssot        # or --release; pass the binary with --ssot
    python3 ecosystem/import_check.py --ssot target/debug/ssot PACKAGE_DIR...

Copies the given installed, pure-Python package directories (for example
`.../site-packages/click`) side by side into a scratch tree, imports every module of the copy,
each in a fresh `python3` (the copy comes first on `sys.path`, so the packages' installed
dependencies still import), then runs `ssot init` and `ssot fix` on the tree and imports every
module again. Prints the importable modules before and after and the fix summary; exits 1 when
a module that imported before no longer does, or when `fix` reports a failure.

This is the local, installed-packages form of the issue-13 ecosystem check: it needs no network.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORT_ONE = (
    "import importlib, sys; sys.path.insert(0, sys.argv[1]); "
    "importlib.import_module(sys.argv[2])"
)


def modules_of(root: Path) -> list[str]:
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(p.isidentifier() for p in parts):
            names.append(".".join(parts))
    return names


def importable(root: Path, modules: list[str]) -> dict[str, str]:
    """Module -> "" when it imports alone in a fresh interpreter, else the last error line."""
    result = {}
    for name in modules:
        done = subprocess.run(
            [sys.executable, "-B", "-W", "ignore", "-c", IMPORT_ONE, str(root), name],
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = done.stderr.strip().splitlines()
        result[name] = "" if done.returncode == 0 else (lines[-1] if lines else "failed")
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ssot", default="target/debug/ssot")
    parser.add_argument("--keep", action="store_true", help="keep the scratch tree")
    parser.add_argument("packages", nargs="+", type=Path)
    args = parser.parse_args()
    ssot = Path(args.ssot).resolve()
    scratch = Path(tempfile.mkdtemp(prefix="ssot-import-check-"))
    for package in args.packages:
        shutil.copytree(
            package, scratch / package.name, ignore=shutil.ignore_patterns("__pycache__")
        )
    modules = modules_of(scratch)
    before = importable(scratch, modules)
    init = subprocess.run([ssot, "init"], cwd=scratch, capture_output=True, text=True)
    print(init.stdout.strip() or init.stderr.strip())
    started = time.monotonic()
    fix = subprocess.run(
        [ssot, "fix", "--output-format", "json", "--exit-zero"],
        cwd=scratch,
        capture_output=True,
        text=True,
    )
    took = time.monotonic() - started
    try:
        report = json.loads(fix.stdout)
    except json.JSONDecodeError:
        print(fix.stdout, fix.stderr)
        return 1
    after = importable(scratch, modules)
    ok_before = sorted(m for m, e in before.items() if not e)
    broken = [m for m in ok_before if after[m]]
    skipped = report.get("skipped", [])
    circular = [s for s in skipped if "circular" in s.get("reason", "")]
    print(
        f"{len(modules)} modules, {len(ok_before)} importable before, "
        f"{sum(1 for e in after.values() if not e)} after; fix took {took:.2f} s, "
        f"{report.get('fixed')} fixed in {len(report.get('files', []))} files, "
        f"{len(skipped)} skipped ({len(circular)} as circular), "
        f"{len(report.get('failures', []))} failures"
    )
    for skip in circular:
        print(f"  skipped {skip['path']}:{skip['line']}: {skip['reason']}")
    for module in broken:
        print(f"  BROKEN {module}: {after[module]}")
    if args.keep:
        print(f"tree kept in {scratch}")
    else:
        shutil.rmtree(scratch)
    return 1 if broken or report.get("failures") else 0


if __name__ == "__main__":
    sys.exit(main())
