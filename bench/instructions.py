#!/usr/bin/env python3
"""Instruction counts: `ssot` against `ruff` on part of the scale corpus, under callgrind.

Wall and CPU time on a shared 2-core machine vary by 10-40% from run to run, which hides
differences of a few percent. The number of instructions a single-threaded run executes does
not vary, so this script counts them (`valgrind --tool=callgrind`, `RAYON_NUM_THREADS=1`) for
each command on a subset of bench/run.py's corpus: whole projects of its first copy (default
ansible-core and SQLAlchemy, about 2,200 files), copied to bench/.cache/subset, or on the
whole corpus with `--projects all`.

    cargo build --release
    python3 bench/instructions.py [--projects ansible_core,sqlalchemy] \\
        [--extra-cmd 'NAME=CMD' ...] [--markdown]

CMD words may use {ssot}, {ruff}, {corpus} and {concepts} (bench/concepts.toml). Prints one
row per command: instructions, and the ratios to ruff and to the first ssot command.
Instructions are not time: memory traffic and threads are left out. bench/run.py measures
time; this script tells small differences apart.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: corpus, venv)

SUBSET = bench.CACHE / "subset"
CONCEPTS = bench.BENCH / "concepts.toml"


def build_subset(projects: list[str]) -> Path:
    """Copies the first copy of each named project of the corpus into SUBSET/corpus."""
    corpus = SUBSET / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    available = sorted(p.name for p in bench.CORPUS.iterdir() if p.name.startswith("copy1_"))
    for wanted in projects:
        matches = [name for name in available if name[len("copy1_"):].lower().startswith(wanted.lower())]
        if not matches:
            raise bench.BenchError(f"no project {wanted!r} in the corpus (have {available})")
        shutil.copytree(bench.CORPUS / matches[0], corpus / matches[0], symlinks=True)
    return corpus


def instructions(argv: list[str], cwd: Path) -> int:
    """The instructions a single-threaded run of argv executes (callgrind's `Collected`)."""
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if not found:
        raise bench.BenchError(f"{shlex.join(argv)}: no callgrind count (exit {done.returncode}):\n"
                               + bench.shorten(done.stderr, 2000))
    return int(found.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ssot", default=str(bench.REPO / "target" / "release" / "ssot"))
    ap.add_argument("--projects", default="ansible_core,sqlalchemy",
                    help="corpus projects to copy (prefixes of their directory names), or `all` "
                         "for the whole corpus in place (about 8 minutes per command)")
    ap.add_argument("--extra-cmd", action="append", default=[], metavar="NAME=CMD")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise bench.BenchError("valgrind is needed (Debian package `valgrind`)")
    ssot = Path(args.ssot).resolve()
    if not ssot.is_file():
        raise bench.BenchError(f"no ssot binary at {ssot}: `cargo build --release` first")
    tools_cfg, projects = bench.load_config()
    ruff = bench.ensure_venv(tools_cfg)
    for p in projects:
        bench.extract_sdist(p, bench.fetch_sdist(p))
    bench.ensure_corpus(projects, 25000, False)
    if args.projects == "all":
        workdir, corpus = bench.CACHE, bench.CORPUS
        described = "the whole corpus"
    else:
        workdir, corpus = SUBSET, build_subset([p for p in args.projects.split(",") if p])
        described = f"the first copy of {', '.join(args.projects.split(','))} from the corpus"
    files = bench.count_py(corpus)
    subst = {"ssot": str(ssot), "ruff": str(ruff), "corpus": "corpus", "concepts": str(CONCEPTS)}
    commands = [
        ("ssot scan", [str(ssot), "scan", "corpus", "--output-format", "json"]),
        ("ruff", [str(ruff), "check", "--select", "F401", "--no-cache", "--isolated",
                  "--exit-zero", "corpus"]),
    ]
    for spec in args.extra_cmd:
        name, _, cmd = spec.partition("=")
        commands.append((name.strip(), [w.format(**subst) for w in shlex.split(cmd)]))
    rows = []
    for name, argv in commands:
        bench.log(f"callgrind: {name}")
        rows.append((name, argv, instructions(argv, workdir)))
    ruff_count = next(count for name, _, count in rows if name == "ruff")
    first = rows[0][2]
    lines = [
        f"Instructions of single-threaded runs (callgrind, `RAYON_NUM_THREADS=1`) on {files:,} "
        f"files: {described}.",
        "",
        "| command | instructions | / ruff | / ssot scan |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, _, count in rows:
        lines.append(f"| {name} | {count:,} | {count / ruff_count:.3f} | {count / first:.3f} |")
    lines += ["", f"Commands (run from `{workdir.relative_to(bench.REPO)}`):", "", "```"]
    lines += [shlex.join(argv).replace(str(bench.REPO) + os.sep, "") for _, argv, _ in rows]
    lines += ["```"]
    text = "\n".join(lines)
    print(text if args.markdown else re.sub(r"[`|]", " ", text))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except bench.BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
