#!/usr/bin/env python3
"""Plan benchmark: `ssot plan` against `ssot check` on the scale corpus of bench/run.py.

    cargo build --release
    python3 bench/plan.py [--concepts 3] [--runs 5] [--critical-tiers 2]

The corpus (bench/.cache/corpus, built by bench/run.py's code) gets concepts declared from its
own `ssot scan`, as bench/fix.py declares them, and `--critical-tiers` critical-path tiers
over its first top-level directories. Then, on one scratch copy, `ssot check --no-cache` and
`ssot plan --no-cache --format json` run `--runs` times each, interleaved (check, plan, check,
plan, ...) so that load on the machine hits both alike. Each run's wall time and CPU time
(user + sys of the child, from `wait4`) are recorded; the report gives the medians, the
ratio plan/check of each, and the paired ratios (plan run i over check run i). The bar is
plan ≤ 1.2x check. The plan's automatic count is also compared with `ssot fix --diff`'s.

Prints a report on stdout; exits 1 if a run fails or the counts differ.
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
import fix as bench_fix  # noqa: E402  (bench/fix.py: concepts from the corpus's own scan)
import run as bench  # noqa: E402  (bench/run.py: corpus, venv, logging)

SCRATCH = bench.CACHE / "plan-scratch"


def timed(argv: list[str], cwd: Path) -> tuple[float, str, str, int]:
    """Wall seconds, standard output, standard error and exit code of one run."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    out, err = child.communicate()
    # `communicate` has reaped the child; its rusage is in the children's totals.
    wall = time.perf_counter() - start
    return wall, out, err, child.returncode


def cpu_of(run):
    """CPU seconds (user + sys) of the children `run` waited for, and its result."""
    before = os.times()
    result = run()
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return cpu, result


def write_config(corpus: Path, concepts: list[tuple[str, int]], tiers: int) -> list[str]:
    bench_fix.write_config(corpus, concepts)
    directories = sorted(p.name for p in corpus.iterdir()
                         if p.is_dir() and not p.name.startswith("."))[:tiers]
    text = (corpus / "ssot.toml").read_text()
    if directories:
        tier_lines = ["[critical-paths]"] + [f'tier-{i} = ["{d}/**"]'
                                             for i, d in enumerate(directories)]
        text = "\n".join(tier_lines) + "\n\n" + text
    (corpus / "ssot.toml").write_text(text)
    return directories


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ssot", default=str(bench.REPO / "target" / "release" / "ssot"))
    ap.add_argument("--concepts", type=int, default=3, metavar="N")
    ap.add_argument("--critical-tiers", type=int, default=2, metavar="N")
    ap.add_argument("--runs", type=int, default=5, metavar="N")
    ap.add_argument("--target-files", type=int, default=25000, metavar="N")
    args = ap.parse_args()

    _, projects = bench.load_config()
    manifest = bench.ensure_corpus(projects, args.target_files, False)
    print(f"corpus: {manifest['files']} files (bench/.cache/corpus)")
    concepts = bench_fix.choose_concepts(args.ssot, bench.CORPUS, args.concepts)
    for origin, n in concepts:
        print(f"concept: canonical {origin} ({n} non-canonical import statements)")

    if SCRATCH.exists():
        shutil.rmtree(SCRATCH)
    shutil.copytree(bench.CORPUS, SCRATCH, symlinks=True)
    tiers = write_config(SCRATCH, concepts, args.critical_tiers)
    print(f"critical tiers over: {', '.join(tiers) or 'none'}")

    commands = {
        "check": [args.ssot, "check", "--no-cache", "--exit-zero", "--output-format", "json",
                  "."],
        "plan": [args.ssot, "plan", "--no-cache", "--format", "json", "."],
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    outputs: dict[str, str] = {}
    for run_index in range(args.runs):
        for name, argv in commands.items():
            cpu, (wall, out, err, code) = cpu_of(lambda: timed(argv, SCRATCH))
            if code not in (0, 1) or "panicked" in err:
                print(f"{name} failed with exit code {code}:\n{err[-2000:]}", file=sys.stderr)
                return 1
            samples[name].append((wall, cpu))
            outputs[name] = out
        bench.log(f"run {run_index + 1}: " + ", ".join(
            f"{name} {samples[name][-1][0]:.2f} s wall {samples[name][-1][1]:.2f} s cpu"
            for name in commands))

    def median(name: str, field: int) -> float:
        return statistics.median(sample[field] for sample in samples[name])

    for name in commands:
        print(f"ssot {name}: median wall {median(name, 0):.2f} s, median cpu "
              f"{median(name, 1):.2f} s over {args.runs} runs")
    for field, label in ((0, "wall"), (1, "cpu")):
        ratio = median("plan", field) / median("check", field)
        paired = sorted(p[field] / c[field] for p, c in zip(samples["plan"], samples["check"]))
        print(f"plan/check {label}: {ratio:.2f}x of medians; paired runs "
              f"{', '.join(f'{r:.2f}' for r in paired)} (bar: ≤ 1.20x)")

    plan = json.loads(outputs["plan"])
    wall, out, err, code = timed([args.ssot, "fix", "--diff", "--no-cache", "--output-format",
                                  "json", "."], SCRATCH)
    fixed = json.loads(out)["fixed"].get("SSOT101", 0)
    planned = plan["summary"]["auto_fixable"]
    steps = sum(len(phase["steps"]) for phase in plan["phases"])
    print(f"plan: {steps} steps over {plan['summary']['planned_findings']} findings; "
          f"{planned} automatic import rewrites, `ssot fix --diff` reports {fixed} "
          f"({'equal' if planned == fixed else 'DIFFERENT'}); fix --diff took {wall:.2f} s")
    shutil.rmtree(SCRATCH, ignore_errors=True)
    return 0 if planned == fixed else 1


if __name__ == "__main__":
    sys.exit(main())
