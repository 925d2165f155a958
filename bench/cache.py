#!/usr/bin/env python3
"""The facts cache's figures on the scale corpus, all from one interleaved run.

Each round runs, in this order: `ruff check --select F401 --no-cache --silent`, `ssot check
--no-cache` (cold), `ssot check` with the cache filled and nothing changed (warm), and
`ssot check` after one file was edited (an import added; undone after the run). Prints the
median wall and CPU time and the peak RSS of each, the ratios the issue sets bars on (warm and
edit against cold, cold against ruff), and the cache's size against the sources' size.

    cargo build --release
    python3 bench/cache.py [--runs 5] [--corpus DIR] [--ruff PATH] [--ssot PATH]
                           [--baseline PATH]

With `--baseline PATH` (another ssot binary, e.g. one built before a change), each round also
runs that binary's cold, warm and edited `check` (with its own cache directory), interleaved
with the others, and the report adds the new/baseline ratios of each.

The corpus is bench/run.py's (bench/.cache/corpus, built by that script); the cache goes to a
temporary directory, so the corpus is never written to except for the one edited file.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: the measuring launcher)


def tree_size(root: Path, suffixes: tuple[str, ...] | None = None) -> int:
    total = 0
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts and (
            suffixes is None or path.suffix in suffixes
        ):
            total += path.stat().st_size
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=bench.CORPUS)
    parser.add_argument("--ruff", default=str(bench.VENV / "bin" / "ruff"))
    parser.add_argument("--ssot", default=str(bench.BENCH.parent / "target/release/ssot"))
    parser.add_argument("--baseline", default=None,
                        help="another ssot binary to measure in the same rounds")
    parser.add_argument("--edit", default=None,
                        help="the file to edit, relative to the corpus (default: the first .py)")
    args = parser.parse_args()
    # The tools run from bench/.cache: a relative binary path is made absolute here, and one
    # that does not exist stops the run before any round.
    for attribute in ("ssot", "baseline"):
        value = getattr(args, attribute)
        if value and "/" in value:
            path = Path(value).resolve()
            if not path.is_file():
                sys.exit(f"cache.py: --{attribute} {value}: no such file")
            setattr(args, attribute, str(path))
    corpus = args.corpus.resolve()
    bench.LOGS.mkdir(parents=True, exist_ok=True)
    cache_dir = Path(tempfile.mkdtemp(prefix="ssot-bench-cache-"))
    baseline_cache_dir = Path(tempfile.mkdtemp(prefix="ssot-bench-cache-baseline-"))
    edited = corpus / args.edit if args.edit else next(iter(sorted(corpus.rglob("*.py"))))
    original = edited.read_bytes()
    ssot_check = [args.ssot, "check", str(corpus), "--exit-zero", "--output-format", "json"]
    commands = {
        "ruff F401": [args.ruff, "check", "--select", "F401", "--no-cache", "--silent",
                      "--isolated", "--exit-zero", str(corpus)],
        "ssot cold": [*ssot_check, "--no-cache"],
        "ssot warm": [*ssot_check, "--cache-dir", str(cache_dir)],
        "ssot one file edited": [*ssot_check, "--cache-dir", str(cache_dir)],
    }
    if args.baseline:
        baseline_check = [args.baseline, *ssot_check[1:]]
        commands["baseline cold"] = [*baseline_check, "--no-cache"]
        commands["baseline warm"] = [*baseline_check, "--cache-dir", str(baseline_cache_dir)]
        commands["baseline one file edited"] = [*baseline_check, "--cache-dir",
                                                str(baseline_cache_dir)]
    samples: dict[str, list[bench.Sample]] = {name: [] for name in commands}
    try:
        # Fills the OS file cache and the facts cache.
        bench.measure(commands["ssot warm"], "/dev/null", bench.LOGS / "cache-fill.stderr", 900)
        if args.baseline:
            bench.measure(commands["baseline warm"], "/dev/null",
                          bench.LOGS / "cache-fill-baseline.stderr", 900)
        for round_index in range(args.runs):
            for name, argv in commands.items():
                if name.endswith("one file edited"):
                    edited.write_bytes(original + f"import os  # round {round_index}\n".encode())
                sample = bench.measure(argv, "/dev/null", bench.LOGS / "cache.stderr", 900)
                if sample.code != 0:
                    # A run that failed is not a fast run: stop rather than report its time.
                    sys.exit(f"cache.py: {name} exited with {sample.code}; see "
                             f"{bench.LOGS / 'cache.stderr'}")
                if name.endswith("one file edited"):
                    edited.write_bytes(original)
                samples[name].append(sample)
                bench.log(f"round {round_index + 1}: {name}: {sample.wall:.3f} s")
    finally:
        edited.write_bytes(original)
    cache_bytes = tree_size(cache_dir)
    source_bytes = tree_size(corpus, (".py", ".pyi"))
    shutil.rmtree(cache_dir, ignore_errors=True)
    shutil.rmtree(baseline_cache_dir, ignore_errors=True)

    def median(name: str, field: str) -> float:
        return statistics.median(getattr(s, field) for s in samples[name])

    print(f"corpus: {corpus} ({source_bytes / 2**20:.1f} MiB of Python), {args.runs} rounds")
    print("| command | median wall s | median cpu s | peak MiB |")
    print("| --- | ---: | ---: | ---: |")
    for name in commands:
        peak = max(s.maxrss_kib for s in samples[name]) / 1024
        print(f"| {name} | {median(name, 'wall'):.3f} | {median(name, 'cpu'):.2f} | {peak:.1f} |")

    def paired(a: str, b: str, field: str) -> float:
        return statistics.median(getattr(x, field) / getattr(y, field)
                                 for x, y in zip(samples[a], samples[b]))

    print()
    print("| ratio (median of per-round ratios) | wall | cpu | bar |")
    print("| --- | ---: | ---: | ---: |")
    for a, b, bar in (("ssot warm", "ssot cold", "≤ 0.10"),
                      ("ssot one file edited", "ssot cold", "≤ 0.15"),
                      ("ssot cold", "ruff F401", "≤ 0.70")):
        print(f"| {a} / {b} | {paired(a, b, 'wall'):.3f} | {paired(a, b, 'cpu'):.3f} | {bar} |")
    if args.baseline:
        for a, b, bar in (("baseline warm", "baseline cold", "≤ 0.10"),
                          ("baseline one file edited", "baseline cold", "≤ 0.15"),
                          ("baseline cold", "ruff F401", "≤ 0.70")):
            print(f"| {a} / {b} | {paired(a, b, 'wall'):.3f} | {paired(a, b, 'cpu'):.3f} "
                  f"| {bar} |")
        for kind in ("cold", "warm", "one file edited"):
            a, b = f"ssot {kind}", f"baseline {kind}"
            print(f"| {a} / {b} | {paired(a, b, 'wall'):.3f} | {paired(a, b, 'cpu'):.3f} | |")
    print()
    print(f"cache: {cache_bytes / 2**20:.1f} MiB = {100 * cache_bytes / source_bytes:.1f}% "
          f"of the sources (bar ≤ 50%); cold peak RSS "
          f"{max(s.maxrss_kib for s in samples['ssot cold']) / 1024:.0f} MiB (bar ≤ 400)")


if __name__ == "__main__":
    main()
