#!/usr/bin/env python3
"""Times `ssot report` against `ssot check`, and `ssot report --history` over 30 commits
sampled from a longer history against one cold `ssot check` of the newest, on an
~11,000-file git repository of real Python.

    cargo build --release -p ssot
    python3 bench/report.py [--runs 3] [--markdown] [--baseline OTHER_SSOT]

The repository (built once into bench/.cache/report-history-11k/, git-ignored) is the
benchmark corpus's first copy of every project plus its second copy of SQLAlchemy (the slice
bench/server.py and bench/mcp.py use: Django, ansible-core, salt, SQLAlchemy and SymPy from
their PyPI sdists, 10,930 files; bench/run.py builds the corpus) committed once, then 89 more
commits each editing a third of 1% of the files (a comment line appended to 36 files chosen
with a fixed seed, as a day of work on such a repository might). `--history --max-commits
30` samples 30 of those 90 commits evenly, as the bar states ("history over 30 sampled
commits of a 11k-file repository"), so each sampled commit changes about 110 blobs since the
one before. The concepts are bench/concepts.toml.

`--releases NAME==V1,V2,...` measures a realistic history instead: the sdists of those
releases of one project (downloaded once with pip into bench/.cache/sdists/), committed in
turn into bench/.cache/release-history/NAME-.../, each commit changing what the release
changed; `--config` gives the concepts (default bench/concepts.toml). Runs are interleaved
(check, report, history, check, ...) so drift on a loaded machine hits all alike; each
history run starts from an empty facts cache, so it is compared with a cold check. Wall and
CPU time (user + system of the child, git included) are printed, with the per-run paired
ratios and the load average before and after.

`--baseline OTHER_SSOT` runs every command with a second binary too, right after the first
(the order alternating between runs), prints that binary's ratios and the ratios of the two
binaries, and checks that both print the same `report --history` JSON.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CORPUS = BENCH / ".cache" / "corpus"
REPO = BENCH / ".cache" / "report-history-11k"
CONCEPTS = BENCH / "concepts.toml"
# The slice of the corpus: every project's first copy, and SQLAlchemy's second.
SECOND_COPIES = ("sqlalchemy",)
COMMITS = 90
SAMPLED = 30
EDITED_SHARE = 0.0033


def git(*args: str, cwd: Path = REPO, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True, env=env).stdout


def build_repository() -> None:
    marker = REPO / ".git" / "bench-complete"
    if marker.exists():
        return
    sources = sorted(p for p in CORPUS.iterdir() if p.is_dir() and (
        p.name.startswith("copy1_")
        or any(p.name.startswith(f"copy2_{name}") for name in SECOND_COPIES)))
    if not sources:
        raise SystemExit("no corpus: run `python3 bench/run.py` once to build bench/.cache/corpus")
    if REPO.exists():
        shutil.rmtree(REPO)
    REPO.mkdir(parents=True)
    for source in sources:
        shutil.copytree(source, REPO / source.name, ignore=shutil.ignore_patterns(".git"))
    git("init", "-q", "-b", "main")
    files = sorted(p for p in REPO.rglob("*.py") if ".git" not in p.parts)
    rng = random.Random(20240101)
    for index in range(COMMITS):
        if index > 0:
            for path in rng.sample(files, max(1, int(len(files) * EDITED_SHARE))):
                with open(path, "a", encoding="utf-8", errors="surrogateescape") as f:
                    f.write(f"\n# revision {index}\n")
        date = time.strftime("%Y-%m-%dT12:00:00+00:00",
                             time.gmtime(1704067200 + index * 86400))  # from 2024-01-01
        env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
                   GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
                   GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        git("add", "-A", env=env)
        git("commit", "-q", "-m", f"revision {index}", env=env)
    marker.write_text(f"{len(files)} files, {COMMITS} commits\n")


def build_release_history(spec: str) -> Path:
    """A repository with one commit per release of `spec` (`NAME==V1,V2,...`), oldest first."""
    name, _, versions = spec.partition("==")
    versions = [v for v in versions.split(",") if v]
    if not name or not versions:
        raise SystemExit(f"--releases wants NAME==V1,V2,...; got {spec!r}")
    repo = BENCH / ".cache" / "release-history" / f"{name}-{'-'.join(versions)}"
    marker = repo / ".git" / "bench-complete"
    if marker.exists():
        return repo
    sdists = BENCH / ".cache" / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    pip = BENCH / ".venv" / "bin" / "pip"
    archives = []
    for version in versions:
        found = [p for p in sdists.glob("*.tar.gz")
                 if p.name.lower().replace("_", "-").startswith(f"{name.lower()}-{version}.tar")]
        if not found:
            # Without `--no-build-isolation`: pip fetches the project's build backend
            # (poetry-core, hatchling, ...) to read the sdist's metadata.
            subprocess.run([str(pip), "download", "-q", "--no-deps", "--no-binary", ":all:",
                            f"{name}=={version}", "-d", str(sdists)],
                           check=True)
            found = [p for p in sdists.glob("*.tar.gz")
                     if p.name.lower().replace("_", "-").startswith(f"{name.lower()}-{version}.tar")]
        if not found:
            raise SystemExit(f"no sdist of {name}=={version} in {sdists}")
        archives.append(found[0])
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git("init", "-q", "-b", "main", cwd=repo)
    for index, archive in enumerate(archives):
        for child in repo.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        subprocess.run(["tar", "-xzf", str(archive), "--strip-components=1", "-C", str(repo)],
                       check=True)
        date = f"2024-{index + 1:02d}-15T12:00:00+00:00"
        env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
                   GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
                   GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        git("add", "-A", cwd=repo, env=env)
        git("commit", "-q", "-m", f"release {archive.name}", cwd=repo, env=env)
    marker.write_text(f"{len(archives)} releases\n")
    return repo


def timed(command: list[str], keep_output: bool = False) -> tuple[float, float, bytes]:
    """Wall and CPU (user + system) seconds of one run of `command`, and its output when
    `keep_output`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, stderr=subprocess.PIPE,
                               stdout=subprocess.PIPE if keep_output else subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({completed.returncode}):\n"
                         f"{completed.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, completed.stdout or b""


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ssot", default=str(ROOT / "target" / "release" / "ssot"))
    parser.add_argument("--baseline", metavar="OTHER_SSOT",
                        help="a second binary to run every command with, paired")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--releases", metavar="NAME==V1,V2,...",
                        help="a history of released versions of one project instead")
    parser.add_argument("--config", default=str(CONCEPTS), help="the concepts to declare")
    args = parser.parse_args()
    global REPO
    sampled = SAMPLED
    if args.releases:
        REPO = build_release_history(args.releases)
        sampled = int(git("rev-list", "--count", "HEAD", cwd=REPO).strip())
    else:
        build_repository()
    in_history = int(git("rev-list", "--count", "HEAD", cwd=REPO).strip())
    files = sum(1 for p in REPO.rglob("*.py") if ".git" not in p.parts)
    config = str(Path(args.config).resolve())
    binaries = {"": str(Path(args.ssot).resolve())}
    if args.baseline:
        binaries["baseline "] = str(Path(args.baseline).resolve())
    for binary in binaries.values():
        if not Path(binary).is_file():
            raise SystemExit(f"no binary at {binary}")
    scratch = Path(tempfile.mkdtemp(prefix="ssot-report-bench-"))
    common = ["--config", config]
    history = f"history {sampled} of {in_history} commits (cold cache)"

    def command(ssot: str, name: str, label: str, run: int) -> list[str]:
        warm_cache = scratch / f"warm-{label.strip() or 'new'}"
        return {
            "check (cold)": [ssot, "check", str(REPO), *common, "--no-cache", "--exit-zero",
                             "--output-format", "json"],
            "report json (cold)": [ssot, "report", str(REPO), *common, "--no-cache",
                                   "--format", "json"],
            "report html (cold)": [ssot, "report", str(REPO), *common, "--no-cache",
                                   "--format", "html"],
            "check (warm)": [ssot, "check", str(REPO), *common, "--cache-dir", str(warm_cache),
                             "--exit-zero", "--output-format", "json"],
            "report json (warm)": [ssot, "report", str(REPO), *common, "--cache-dir",
                                   str(warm_cache), "--format", "json"],
            history: [ssot, "report", str(REPO), *common, "--cache-dir",
                      str(scratch / f"history-{label.strip() or 'new'}-{run}"), "--history",
                      "--max-commits", str(sampled), "--format", "json"],
        }[name]

    names = ["check (cold)", "report json (cold)", "report html (cold)", "check (warm)",
             "report json (warm)", history]
    results: dict[str, list[tuple[float, float]]] = {
        label + name: [] for label in binaries for name in names}
    outputs: dict[str, set[bytes]] = {label: set() for label in binaries}
    loads = [load()]
    # Warm-up: fills the OS file cache and the warm facts caches.
    for label, ssot in binaries.items():
        timed(command(ssot, "check (warm)", label, 0))
        timed(command(ssot, "report json (warm)", label, 0))
    for run in range(args.runs):
        for name in names:
            order = list(binaries.items())
            if run % 2:
                order.reverse()
            for label, ssot in order:
                wall, cpu, output = timed(command(ssot, name, label, run),
                                          keep_output=name == history)
                if name == history:
                    outputs[label].add(output)
                results[label + name].append((wall, cpu))
                print(f"run {run + 1}/{args.runs} {label}{name}: wall {wall:.2f}s "
                      f"cpu {cpu:.2f}s (load {load()})", file=sys.stderr)
    loads.append(load())
    shutil.rmtree(scratch, ignore_errors=True)

    def paired(name: str, baseline: str, index: int) -> str:
        ratios = [a[index] / b[index] for a, b in zip(results[name], results[baseline])]
        return f"{statistics.median(ratios):.2f}x (runs: {', '.join(f'{r:.2f}' for r in ratios)})"

    lines = []
    if args.markdown:
        lines.append(f"Repository: {files} files, {in_history} commits, {sampled} sampled; "
                     f"{args.runs} interleaved runs; load average (1/5/15 min) {loads[0]} "
                     f"before, {loads[1]} after.\n")
        lines.append("| run | wall (median) | CPU (median) |\n| --- | ---: | ---: |")
        for name, samples in results.items():
            lines.append(f"| {name} | {statistics.median(s[0] for s in samples):.2f} s | "
                         f"{statistics.median(s[1] for s in samples):.2f} s |")
        lines.append("")
    else:
        lines.append(f"repository: {files} files, {in_history} commits, {sampled} sampled, "
                     f"{args.runs} runs, load {loads[0]} before, {loads[1]} after")
        for name, samples in results.items():
            lines.append(f"{name:48} wall {statistics.median(s[0] for s in samples):7.2f}s "
                         f"cpu {statistics.median(s[1] for s in samples):7.2f}s")
    for label in binaries:
        for name, baseline in (("report json (cold)", "check (cold)"),
                               ("report html (cold)", "check (cold)"),
                               ("report json (warm)", "check (warm)"),
                               (history, "check (cold)")):
            lines.append(f"- {label}{name} / {label}{baseline}: wall "
                         f"{paired(label + name, label + baseline, 0)}; "
                         f"CPU {paired(label + name, label + baseline, 1)}")
    if args.baseline:
        for name in names:
            lines.append(f"- {name}, this binary / baseline: wall "
                         f"{paired(name, 'baseline ' + name, 0)}; "
                         f"CPU {paired(name, 'baseline ' + name, 1)}")
        same = len(outputs[""]) == 1 and outputs[""] == outputs["baseline "]
        lines.append(f"- `report --history` JSON of the two binaries: "
                     f"{'identical' if same else 'DIFFERENT'}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
