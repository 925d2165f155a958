#!/usr/bin/env python3
"""Times `ssot report` against `ssot check`, and `ssot report --history` over 30 commits
against one cold `ssot check` of the newest, on a ~10k-file git repository of real Python.

    cargo build --release -p ssot
    python3 bench/report.py [--runs 3] [--markdown]

The repository (built once into bench/.cache/report-history/, git-ignored) is the first copy
of the scale benchmark's corpus (bench/run.py builds it: Django, ansible-core, salt, SQLAlchemy
and SymPy from their PyPI sdists, 10,245 files) committed once, then 29 more commits each
editing 1% of the files (a comment line appended, chosen with a fixed seed, so each commit
changes ~100 blobs as a day of work on such a repository would). The concepts are
bench/concepts.toml.

`--releases NAME==V1,V2,...` measures a realistic history instead: the sdists of those
releases of one project (downloaded once with pip into bench/.cache/sdists/), committed in
turn into bench/.cache/release-history/NAME/, each commit changing what the release changed;
`--config` gives the concepts (default bench/concepts.toml). Runs are interleaved (check, report, history, check, ...) so drift on a
loaded machine hits all alike; each history run starts from an empty facts cache, so it is
compared with a cold check. Wall and CPU time (user + system of the child) are printed, with
the per-run paired ratios.
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
REPO = BENCH / ".cache" / "report-history"
CONCEPTS = BENCH / "concepts.toml"
COMMITS = 30
EDITED_SHARE = 0.01


def git(*args: str, cwd: Path = REPO, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True, env=env).stdout


def build_repository() -> None:
    marker = REPO / ".git" / "bench-complete"
    if marker.exists():
        return
    sources = sorted(p for p in CORPUS.glob("copy1_*") if p.is_dir())
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
        date = f"2024-01-{index + 1:02d}T12:00:00+00:00"
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
            subprocess.run([str(pip), "download", "-q", "--no-deps", "--no-binary", ":all:",
                            "--no-build-isolation", f"{name}=={version}", "-d", str(sdists)],
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


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({completed.returncode}):\n"
                         f"{completed.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ssot", default=str(ROOT / "target" / "release" / "ssot"))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--releases", metavar="NAME==V1,V2,...",
                        help="a history of released versions of one project instead")
    parser.add_argument("--config", default=str(CONCEPTS), help="the concepts to declare")
    args = parser.parse_args()
    global REPO, COMMITS
    if args.releases:
        REPO = build_release_history(args.releases)
        COMMITS = int(git("rev-list", "--count", "HEAD", cwd=REPO).strip())
    else:
        build_repository()
    files = sum(1 for p in REPO.rglob("*.py") if ".git" not in p.parts)
    ssot, config = args.ssot, str(Path(args.config).resolve())
    scratch = Path(tempfile.mkdtemp(prefix="ssot-report-bench-"))
    warm_cache = scratch / "warm"
    common = ["--config", config]
    tools = {
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
        f"history {COMMITS} commits (cold cache)": None,
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in tools}
    # Warm-up: fills the OS file cache and the warm facts cache.
    timed(tools["check (warm)"])
    timed(tools["report json (warm)"])
    for run in range(args.runs):
        for name, command in tools.items():
            if command is None:
                cache = scratch / f"history-{run}"
                command = [ssot, "report", str(REPO), *common, "--cache-dir", str(cache),
                           "--history", "--max-commits", str(COMMITS), "--format", "json"]
            results[name].append(timed(command))
            print(f"run {run + 1}/{args.runs} {name}: wall {results[name][-1][0]:.2f}s "
                  f"cpu {results[name][-1][1]:.2f}s", file=sys.stderr)
    shutil.rmtree(scratch, ignore_errors=True)

    def paired(name: str, baseline: str, index: int) -> str:
        ratios = [a[index] / b[index] for a, b in zip(results[name], results[baseline])]
        return f"{statistics.median(ratios):.2f}x (runs: {', '.join(f'{r:.2f}' for r in ratios)})"

    lines = []
    if args.markdown:
        lines.append(f"Repository: {files} files, {COMMITS} commits; {args.runs} interleaved runs; "
                     f"`{' '.join(Path(a).name if a == ssot else a for a in tools['check (cold)'][1:2])}` "
                     "on a loaded 2-core machine.\n")
        lines.append("| run | wall (median) | CPU (median) |\n| --- | ---: | ---: |")
        for name, samples in results.items():
            lines.append(f"| {name} | {statistics.median(s[0] for s in samples):.2f} s | "
                         f"{statistics.median(s[1] for s in samples):.2f} s |")
        lines.append("")
    else:
        lines.append(f"repository: {files} files, {COMMITS} commits, {args.runs} runs")
        for name, samples in results.items():
            lines.append(f"{name:34} wall {statistics.median(s[0] for s in samples):7.2f}s "
                         f"cpu {statistics.median(s[1] for s in samples):7.2f}s")
    for name, baseline in (("report json (cold)", "check (cold)"),
                           ("report html (cold)", "check (cold)"),
                           ("report json (warm)", "check (warm)"),
                           (f"history {COMMITS} commits (cold cache)", "check (cold)")):
        lines.append(f"- {name} / {baseline}: wall {paired(name, baseline, 0)}; "
                     f"CPU {paired(name, baseline, 1)}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
