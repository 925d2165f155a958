#!/usr/bin/env python3
"""Fix benchmark: `ssot fix` against `ruff check --fix` on the scale corpus of bench/run.py.

    cargo build --release
    python3 bench/fix.py [--concepts 3] [--runs 3]
    python3 bench/fix.py --runs 7 --baseline /tmp/ssot-old   # paired against another binary

The corpus (bench/.cache/corpus, built by bench/run.py's code) gets concepts declared from its
own `ssot scan`: the first-party symbols imported through the most non-canonical statements,
each with its defining module as the canonical path. Then, on fresh scratch copies:

1. `ssot fix --diff` (plans, applies in memory, verifies, writes nothing) and `ruff check
   --select I001 --fix` (rewrites import blocks, writes) are timed `--runs` times, interleaved,
   each on its own fresh copy; medians and the ssot/ruff ratio are printed;
2. `ssot fix` writes its rewrites once; every file it rewrote must compile
   (`python3 -m py_compile`), and a second `ssot fix --diff` must find nothing to change.

With `--baseline BINARY`, step 1 also times `BINARY fix --diff` in each run, right after this
binary on a fresh copy of its own, and prints the median (and quartiles) of the per-run ratios,
CPU (user + system of the child) and wall: on a shared machine the ratio of a pair is steadier
than the ratio of medians.

Prints a report on stdout; exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: corpus, venv, measuring launcher)

SCRATCH = bench.CACHE / "fix-scratch"


def fresh_copy(name: str) -> Path:
    target = SCRATCH / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(bench.CORPUS, target, symlinks=True)
    return target


def choose_concepts(ssot: str, corpus: Path, count: int) -> list[tuple[str, int]]:
    """The symbols with the most statements through paths other than their definition."""
    out = subprocess.run([ssot, "scan", str(corpus), "--output-format", "json"],
                         capture_output=True, text=True, check=True).stdout
    ranked = []
    for symbol in json.loads(out)["symbols"]:
        origin = symbol["origin"]
        if "." in origin.split(":", 1)[1]:
            continue  # nested in a class: not importable by name
        other = sum(p["statements"] for p in symbol["paths"] if p["path"] != origin)
        if any(p["path"] == origin for p in symbol["paths"]):
            ranked.append((other, origin))
    ranked.sort(reverse=True)
    return [(origin, n) for n, origin in ranked[:count]]


def write_config(corpus: Path, concepts: list[tuple[str, int]]) -> None:
    lines = []
    for i, (origin, _) in enumerate(concepts):
        lines += [f"[concepts.bench-{i}]", f'canonical = "{origin}"', ""]
    (corpus / "ssot.toml").write_text("\n".join(lines))


def timed(argv: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd)
    return time.perf_counter() - start, proc


def timed_cpu(argv: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds, CPU seconds (user + system of the child and its threads), the process."""
    before = os.times()
    wall, proc = timed(argv, cwd)
    after = os.times()
    cpu = (after.children_user - before.children_user
           + after.children_system - before.children_system)
    return wall, cpu, proc


def paired_summary(label: str, ratios: list[float]) -> str:
    median = statistics.median(ratios)
    if len(ratios) < 2:
        return f"{label}: {median:.3f}x (1 pair)"
    low, _, high = statistics.quantiles(ratios, n=4)
    return (f"{label}: median {median:.3f}x (quartiles {low:.3f}x, {high:.3f}x; "
            f"{len(ratios)} pairs)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ssot", default=str(bench.REPO / "target" / "release" / "ssot"))
    ap.add_argument("--concepts", type=int, default=3, metavar="N")
    ap.add_argument("--runs", type=int, default=3, metavar="N")
    ap.add_argument("--target-files", type=int, default=25000, metavar="N")
    ap.add_argument("--baseline", metavar="BINARY",
                    help="another ssot binary to time in each run, paired with this one")
    args = ap.parse_args()

    tools, projects = bench.load_config()
    ruff = str(bench.ensure_venv(tools))  # the pinned ruff binary
    manifest = bench.ensure_corpus(projects, args.target_files, False)
    print(f"corpus: {manifest['files']} files (bench/.cache/corpus)")

    concepts = choose_concepts(args.ssot, bench.CORPUS, args.concepts)
    for origin, n in concepts:
        print(f"concept: canonical {origin} ({n} non-canonical import statements)")

    ssot_times, ruff_times = [], []
    wall_ratios, cpu_ratios = [], []
    for run_index in range(args.runs):
        corpus = fresh_copy("ssot")
        write_config(corpus, concepts)
        secs, cpu, proc = timed_cpu([args.ssot, "fix", "--diff", "--exit-zero", "."], corpus)
        if proc.returncode not in (0, 1):
            print(proc.stderr[-2000:], file=sys.stderr)
            return 1
        ssot_times.append(secs)
        if args.baseline:
            corpus = fresh_copy("baseline")
            write_config(corpus, concepts)
            base_secs, base_cpu, proc = timed_cpu(
                [args.baseline, "fix", "--diff", "--exit-zero", "."], corpus)
            if proc.returncode not in (0, 1):
                print(proc.stderr[-2000:], file=sys.stderr)
                return 1
            wall_ratios.append(secs / base_secs)
            cpu_ratios.append(cpu / base_cpu)
            bench.log(f"run {run_index + 1}: ssot fix --diff {secs:.2f} s wall {cpu:.2f} s CPU, "
                      f"baseline {base_secs:.2f} s wall {base_cpu:.2f} s CPU")
        corpus = fresh_copy("ruff")
        secs, proc = timed([ruff, "check", "--select", "I001", "--fix", "--isolated",
                            "--no-cache", "--exit-zero", "."], corpus)
        ruff_times.append(secs)
        bench.log(f"run {run_index + 1}: ssot fix --diff {ssot_times[-1]:.2f} s, "
                  f"ruff --fix {ruff_times[-1]:.2f} s")
    ssot_median, ruff_median = statistics.median(ssot_times), statistics.median(ruff_times)
    print(f"ssot fix --diff: median {ssot_median:.2f} s over {args.runs} runs")
    print(f"ruff check --select I001 --fix: median {ruff_median:.2f} s")
    print(f"ratio ssot/ruff: {ssot_median / ruff_median:.2f}")
    if args.baseline:
        print(paired_summary("fix --diff / baseline, CPU", cpu_ratios))
        print(paired_summary("fix --diff / baseline, wall", wall_ratios))

    corpus = fresh_copy("ssot")
    write_config(corpus, concepts)
    secs, proc = timed([args.ssot, "fix", "--output-format", "json", "--exit-zero", "."], corpus)
    report = json.loads(proc.stdout)
    files = [f["path"] for f in report["files"]]
    fixed = report["fixed"]
    print(f"ssot fix (writing): {secs:.2f} s, {sum(fixed.values())} violations fixed "
          f"({fixed}) in {len(files)} files, {len(report['skipped'])} skipped, "
          f"{len(report['failures'])} failures")
    reasons: dict[str, int] = {}
    for skipped in report["skipped"]:
        reasons[skipped["reason"]] = reasons.get(skipped["reason"], 0) + 1
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  skipped {n} × {reason}")
    for concept in report["concepts"]:
        print(f"  {concept['name']} ({concept['canonical']}): compliance "
              f"{concept['before']['canonical_references']}/{concept['before']['references']} → "
              f"{concept['after']['canonical_references']}/{concept['after']['references']}")
    ok = not report["failures"]
    broken = []
    for start in range(0, len(files), 500):
        chunk = files[start:start + 500]
        proc = subprocess.run([sys.executable, "-B", "-m", "py_compile", *chunk], cwd=corpus,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            broken.append(proc.stderr.strip()[:500])
    print(f"py_compile of the {len(files)} rewritten files: "
          f"{'all compile' if not broken else f'{len(broken)} chunks failed'}")
    ok = ok and not broken
    secs, proc = timed([args.ssot, "fix", "--diff", "--exit-zero", "."], corpus)
    again = proc.stdout.strip()
    print(f"second ssot fix --diff: {secs:.2f} s, "
          f"{'no changes' if not again else 'CHANGES: ' + again[:300]}")
    ok = ok and not again
    shutil.rmtree(SCRATCH, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
