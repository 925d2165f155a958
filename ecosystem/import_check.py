#!/usr/bin/env python3
"""Import check: `ssot init` + `ssot fix` must never make a module fail to import, and must not
add `ruff check --select I001` (unsorted imports) findings.

`ecosystem/run.py` uses this module on the projects of `ecosystem/projects.toml` that carry
`import-check` (their runtime dependencies installed into a venv; see ecosystem/README.md).
Run as a script, it checks installed package directories instead, with no network:

    cargo build -p ssot        # or --release; pass the binary with --ssot
    python3 ecosystem/import_check.py --ssot target/debug/ssot PACKAGE_DIR...

The script copies the given pure-Python package directories (for example
`.../site-packages/click`) side by side into a scratch tree; their installed dependencies still
import because the copy only comes first on `sys.path`. Exit status 1 when a module that
imported before no longer does, `fix` reports a failure, or I001 findings grew.

Every module is imported alone, in a fresh interpreter (`python -I -B`: no user site, no
current directory on `sys.path`, no bytecode written, so a rewritten file is never served from
a stale `.pyc`), with the scratch tree's import roots first on `sys.path`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# argv: module, then the import roots to put first on sys.path (in order)
IMPORT_ONE = "import importlib, sys; sys.path[:0] = sys.argv[2:]; importlib.import_module(sys.argv[1])"
IMPORT_TIMEOUT = 120  # seconds per module; a module that hangs counts as not importable


def modules_of(root: Path, entries: list[Path]) -> list[str]:
    """Module names of the packages (directories) and modules (`.py` files) `entries`, which sit
    directly in the import root `root`."""
    names = []
    for entry in entries:
        files = sorted(entry.rglob("*.py")) if entry.is_dir() else [entry]
        for path in files:
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if parts and all(p.isidentifier() for p in parts):
                names.append(".".join(parts))
    return names


def import_each(python: Path, roots: list[Path], modules: list[str], jobs: int) -> dict[str, str]:
    """Module -> "" when it imports alone in a fresh interpreter, else its error (the last
    lines of the traceback)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    def one(name: str) -> str:
        try:
            done = subprocess.run(
                [str(python), "-I", "-B", "-W", "ignore", "-c", IMPORT_ONE, name,
                 *map(str, roots)],
                capture_output=True, text=True, timeout=IMPORT_TIMEOUT,
                stdin=subprocess.DEVNULL, cwd=tempfile.gettempdir(), env=env)
        except subprocess.TimeoutExpired:
            return f"timed out after {IMPORT_TIMEOUT} s"
        if done.returncode == 0:
            return ""
        lines = done.stderr.strip().splitlines()
        return "\n".join(lines[-4:]) if lines else f"exit code {done.returncode}"

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(zip(modules, pool.map(one, modules)))


def ruff_i001(ruff: Path, tree: Path) -> Counter[str]:
    """I001 findings per file. The project's own ruff/isort settings apply (they decide the
    order ssot has to keep); `--select` overrides only which rules run."""
    argv = [str(ruff), "check", "--select", "I001", "--output-format", "json", "--exit-zero",
            "--no-cache", "."]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=tree, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        # A configuration this ruff cannot read (an option from another ruff version): the
        # default settings still compare before with after.
        done = subprocess.run([*argv[:2], "--isolated", *argv[2:]], capture_output=True,
                              text=True, cwd=tree, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"ruff failed (exit {done.returncode}): {done.stderr.strip()[-800:]}")
    return Counter(os.path.relpath(d["filename"], tree) for d in json.loads(done.stdout or "[]"))


def reexport_concepts(scan: dict, taken: set[str], count: int) -> list[str]:
    """Canonical paths that make `fix` route the package's own imports through its re-exports,
    which is where a rewrite can cycle: the symbols whose most used import path is a re-export
    (`pkg:Name` for `pkg._impl:Name`), ranked by the statements `fix` would rewrite to it."""
    ranked = []
    for symbol in scan["symbols"]:
        origin = symbol["origin"]
        paths = symbol["paths"]
        if "." in origin.split(":", 1)[1] or len(paths) < 2:
            continue  # nested in a class, or nothing to rewrite
        best = max(paths, key=lambda p: (p["statements"], p["path"]))
        if best["path"] == origin or {origin, *(p["path"] for p in paths)} & taken:
            continue
        others = sum(p["statements"] for p in paths if p is not best)
        ranked.append((-others, best["path"]))
    return [path for _, path in sorted(ranked)[:count]]


@dataclass
class ImportReport:
    modules: int = 0
    importable_before: int = 0
    importable_after: int = 0
    broken: dict[str, str] = field(default_factory=dict)  # imported before, fails after: error
    failing_before: dict[str, str] = field(default_factory=dict)  # module: last error line
    i001_before: int | None = None
    i001_after: int | None = None
    i001_grown: dict[str, tuple[int, int]] = field(default_factory=dict)  # file: before, after
    concepts: int = 0  # declared: init's proposals + reexport_concepts
    rewrites: int = 0  # rewritten bindings (fix's `fixed` counts)
    files_written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # "CODE reason" -> count
    errors: list[str] = field(default_factory=list)  # fix failures, skips without a reason, ...
    secs: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.broken and not self.errors and not self.i001_grown

    def summary(self) -> str:
        i001 = ("" if self.i001_before is None
                else f", I001 {self.i001_before} -> {self.i001_after}")
        return (f"{self.modules} modules, importable {self.importable_before} -> "
                f"{self.importable_after}{i001}; init {self.concepts} concepts, fix rewrote "
                f"{self.rewrites} bindings in {self.files_written} files, "
                f"{sum(self.skipped.values())} skipped")

    def problems(self) -> list[str]:
        out = list(self.errors)
        for module, error in sorted(self.broken.items()):
            out.append(f"{module} imported before `ssot fix` and fails after:\n"
                       + "\n".join("      " + line for line in error.splitlines()))
        for path, (before, after) in sorted(self.i001_grown.items()):
            out.append(f"{path}: I001 (unsorted imports) findings {before} -> {after} after fix")
        return out

    def as_json(self) -> dict:
        return {"modules": self.modules, "importable_before": self.importable_before,
                "importable_after": self.importable_after, "broken": self.broken,
                "failing_before": self.failing_before,
                "i001_before": self.i001_before, "i001_after": self.i001_after,
                "concepts": self.concepts, "rewrites": self.rewrites,
                "files_written": self.files_written, "skipped": dict(sorted(self.skipped.items())),
                "errors": self.errors, "secs": round(self.secs, 1)}


def check_tree(ssot: Path, tree: Path, python: Path, roots: list[Path], entries: list[Path],
               ruff: Path | None, jobs: int, timeout: float = 600,
               reexports: int = 5) -> ImportReport:
    """Import the modules of `entries` (packages or modules directly in one of `roots`), run
    `ssot init --force` and `ssot fix` on `tree` (a scratch copy: it is rewritten) with
    `reexports` more concepts from reexport_concepts, import them again and compare. `roots` go first on `sys.path`, in order."""
    t0 = time.monotonic()
    report = ImportReport()
    modules = []
    for root in roots:
        modules += modules_of(root, [e for e in entries if e.parent == root])
    report.modules = len(modules)
    before = import_each(python, roots, modules, jobs)
    report.importable_before = sum(1 for e in before.values() if not e)
    report.failing_before = {m: e.splitlines()[-1] for m, e in before.items() if e}
    i001_before = ruff_i001(ruff, tree) if ruff else None

    def ssot_run(*args: str) -> subprocess.CompletedProcess | None:
        argv = [str(ssot), *args]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL, cwd=tree)
        except subprocess.TimeoutExpired:
            report.errors.append(f"`{' '.join(args[:2])}` timed out after {timeout:.0f} s")
            return None
        if done.returncode != 0 or "panicked" in done.stderr:
            report.errors.append(f"`ssot {' '.join(args)}`: exit code {done.returncode}\n"
                                 f"{done.stderr.strip()[-1500:]}")
            return None
        return done

    # --force keeps the settings of the tree's ssot.toml (its import roots) and replaces the
    # concepts with the ones init proposes.
    init = ssot_run("init", "--force", str(tree))
    if init is None:
        return report
    # init proposes concepts from duplicated definitions; add some canonical at re-exports
    # (reexport_concepts) so that fix also rewrites the package's internal imports.
    config_path = tree / "ssot.toml"
    config = config_path.read_text() if config_path.exists() else ""
    scan = ssot_run("scan", str(tree), "--output-format", "json")
    if scan is None:
        return report
    taken = {line.split("=", 1)[1].strip().strip('"') for line in config.splitlines()
             if line.startswith("canonical")}
    extra = reexport_concepts(json.loads(scan.stdout), taken, reexports)
    config += "".join(f'\n[concepts.import-check-{i}]\ncanonical = "{path}"\n'
                      for i, path in enumerate(extra))
    config_path.write_text(config)
    report.concepts = sum(1 for line in config.splitlines() if line.startswith("[concepts."))
    fix = ssot_run("fix", str(tree), "--output-format", "json", "--exit-zero")
    if fix is None:
        return report
    doc = json.loads(fix.stdout)
    report.rewrites = sum(doc["fixed"].values())
    report.files_written = len(doc["files"])
    for skipped in doc["skipped"]:
        reason = skipped.get("reason", "").strip()
        if not reason:
            report.errors.append(f"`ssot fix` skipped {skipped.get('code')} at "
                                 f"{skipped.get('path')}:{skipped.get('line')} without a reason")
        report.skipped[f"{skipped.get('code')} {reason or '(no reason)'}"] += 1
    for failure in doc["failures"]:
        report.errors.append(f"`ssot fix` failed to verify {failure['path']}: "
                             f"{failure['message']}")

    after = import_each(python, roots, modules, jobs)
    report.importable_after = sum(1 for e in after.values() if not e)
    report.broken = {m: after[m] for m in modules if not before[m] and after[m]}
    if ruff:
        i001_after = ruff_i001(ruff, tree)
        report.i001_before, report.i001_after = i001_before.total(), i001_after.total()
        report.i001_grown = {f: (i001_before[f], n) for f, n in i001_after.items()
                             if n > i001_before[f]}
    report.secs = time.monotonic() - t0
    return report


def main() -> int:
    parser = argparse.ArgumentParser(
        description="ssot init + fix on copies of installed packages must keep every module "
                    "importable (and I001 findings from growing)")
    parser.add_argument("--ssot", default="target/debug/ssot")
    parser.add_argument("--ruff", help="a ruff binary: also compare `ruff check --select I001`")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the scratch tree")
    parser.add_argument("packages", nargs="+", type=Path)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ssot-import-check-"))
    entries = []
    for package in args.packages:
        if package.is_dir():
            shutil.copytree(package, scratch / package.name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(package, scratch / package.name)
        entries.append(scratch / package.name)
    report = check_tree(Path(args.ssot).resolve(), scratch, Path(sys.executable), [scratch],
                        entries, Path(args.ruff).resolve() if args.ruff else None, args.jobs)
    print(report.summary())
    for reason, n in sorted(report.skipped.items()):
        print(f"  skipped {n} x {reason}")
    for problem in report.problems():
        print(f"  FAILED {problem}")
    if args.keep:
        print(f"tree kept in {scratch}")
    else:
        shutil.rmtree(scratch)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
