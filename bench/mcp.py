#!/usr/bin/env python3
"""MCP benchmark: the latency of each `ssot mcp` tool call on an ~11,000-file slice of the scale
corpus, after start-up, against `ssot check FILE` (a fresh process per question, what an agent
without the server would run) in the same run.

    cargo build --release
    python3 bench/mcp.py [--calls 40] [--concepts 3] [--ssot target/release/ssot]

The slice is `copy1_*` of bench/.cache/corpus (every project once) plus `copy2_sqlalchemy-*`,
hard-linked into bench/.cache/mcp-slice (built by bench/run.py's code when the corpus is
missing). Concepts are declared in its `ssot.toml` from its own `ssot scan` as bench/fix.py
chooses them (the symbols imported through the most non-canonical statements).

One server is started; start-up is the time to the first answer (the facts cache is warmed
by a `ssot scan` first, as a project that has run ssot before has it). Then `--calls` rounds,
each calling every tool once with inputs drawn (seeded) from the slice: `ssot_resolve` of
import paths the census lists, `ssot_find_existing` of class and function names defined there,
`ssot_check_source` of a file's own text with one non-canonical import added,
`ssot_concepts`. Every `--calls // 8` rounds one `ssot check FILE --no-baseline` runs
(the peer). Each call's wall time is measured from the request written to the answer read;
the server's CPU time per tool comes from /proc (user+system of the server process around each
call, in clock ticks, so the mean over the calls is printed). Prints p50/p95/max per tool and the bar (p50 <= 100 ms). Wall times are of the machine as
it is: on a loaded machine read the CPU column too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: corpus, venv, measuring launcher)

SLICE = bench.CACHE / "mcp-slice"
TOOLS = ["ssot_resolve", "ssot_find_existing", "ssot_check_source", "ssot_concepts"]
BAR_MS = 100.0


def ensure_slice() -> Path:
    if not bench.CORPUS.exists():
        config, projects = bench.load_config()
        bench.ensure_venv(config.get("tools", {}))
        bench.ensure_corpus(projects, 25000, False)
    parts = sorted(p for p in bench.CORPUS.iterdir() if p.name.startswith("copy1_"))
    parts += sorted(p for p in bench.CORPUS.iterdir() if p.name.startswith("copy2_sqlalchemy"))
    stamp = SLICE / ".slice.json"
    wanted = [p.name for p in parts]
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return SLICE
    if SLICE.exists():
        shutil.rmtree(SLICE)
    SLICE.mkdir(parents=True)
    for part in parts:
        shutil.copytree(part, SLICE / part.name, symlinks=True, copy_function=os.link)
    # Its own repository root, so the repository's `.gitignore` (which ignores bench/.cache)
    # does not hide the slice from the walk.
    subprocess.run(["git", "init", "-q", str(SLICE)], check=True)
    stamp.write_text(json.dumps(wanted))
    return SLICE


def declare_concepts(ssot: str, root: Path, count: int) -> list[str]:
    """Writes `ssot.toml` with the `count` most non-canonically imported symbols as concepts."""
    import fix  # bench/fix.py

    config = root / "ssot.toml"
    if config.exists():
        config.unlink()
    chosen = fix.choose_concepts(ssot, root, count)
    lines = []
    for index, (origin, _) in enumerate(chosen):
        lines += [f"[concepts.c{index}]", f'canonical = "{origin}"', ""]
    config.write_text("\n".join(lines))
    return [origin for origin, _ in chosen]


class Server:
    def __init__(self, ssot: str, root: Path):
        self.proc = subprocess.Popen([ssot, "mcp", str(root)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1)
        self.next_id = 0

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def request(self, method: str, params: dict) -> tuple[dict, float, float]:
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        cpu = self.cpu()
        started = time.perf_counter()
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        wall = time.perf_counter() - started
        if not line:
            raise SystemExit("ssot mcp ended: " + self.proc.stderr.read()[-2000:])
        answer = json.loads(line)
        if answer.get("id") != self.next_id:
            raise SystemExit(f"unexpected answer: {line[:300]}")
        return answer, wall, self.cpu() - cpu

    def call(self, tool: str, arguments: dict) -> tuple[dict, float, float]:
        answer, wall, cpu = self.request("tools/call", {"name": tool, "arguments": arguments})
        if "error" in answer:
            raise SystemExit(f"{tool}: {answer['error']}")
        return answer["result"], wall, cpu

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def inputs(ssot: str, root: Path, concepts: list[str], calls: int, seed: int) -> dict:
    """Tool arguments for `calls` rounds, drawn from the slice's census and files."""
    rng = random.Random(seed)
    scan = json.loads(subprocess.run([ssot, "scan", str(root), "--output-format", "json"],
                                     capture_output=True, text=True, check=True).stdout)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))
    # Top-level classes and functions, read with a regular expression: only inputs are drawn
    # from them, nothing is measured on them.
    defined = []
    for relative in rng.sample(files, min(len(files), 40 * calls)):
        parts = relative[:-3].split("/")
        if not parts[0].isidentifier():
            parts = parts[1:]  # `copy1_Django-5.1.4/django/...`: the import root's child
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts or not all(part.isidentifier() for part in parts):
            continue
        text = (root / relative).read_text(encoding="utf-8", errors="replace")
        for match in re.finditer(r"^(class|def) ([A-Za-z_]\w*)", text, re.M):
            kind = "class" if match.group(1) == "class" else "function"
            defined.append((".".join(parts), match.group(2), kind))
    census = [p["path"] for s in scan["symbols"] for p in s["paths"] if ":" in p["path"]]
    resolve = []
    for path in rng.sample(census, min(calls // 2, len(census))):
        module, name = path.split(":", 1)
        resolve.append({"module": module, "name": name})
    for module, name, _ in rng.sample(defined, min(calls - len(resolve), len(defined))):
        resolve.append({"module": module, "name": name})
    find = []
    for _, name, kind in rng.sample(defined, min(calls, len(defined))):
        find.append({"name": name, "kind": kind})
    # A non-canonical import of a declared concept: the defining module's parent package path
    # when it re-exports, else the canonical path itself (then the file stays clean).
    concept = concepts[0] if concepts else None
    check = []
    for relative in rng.sample(files, min(calls, len(files))):
        text = (root / relative).read_text(encoding="utf-8", errors="replace")
        if concept:
            module, name = concept.split(":", 1)
            text += f"\nfrom {module} import {name.split('.')[0]}\n"
        check.append({"path": relative, "source": text})
    return {"ssot_resolve": resolve, "ssot_find_existing": find, "ssot_check_source": check,
            "ssot_concepts": [{} for _ in range(calls)], "files": files}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ssot", default=str(bench.REPO / "target/release/ssot"))
    parser.add_argument("--calls", type=int, default=40, help="rounds of calls (default 40)")
    parser.add_argument("--concepts", type=int, default=3)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--markdown", action="store_true", help="print a BENCHMARKS.md section")
    args = parser.parse_args()
    ssot = args.ssot
    root = ensure_slice()
    files = sum(1 for _ in root.rglob("*.py"))
    bench.log(f"slice: {files} files in {root}")
    concepts = declare_concepts(ssot, root, args.concepts)
    bench.log(f"concepts: {', '.join(concepts)}")
    # Warms the facts cache (and the OS file cache) as an earlier ssot run would have.
    subprocess.run([ssot, "scan", str(root), "--output-format", "json"],
                   stdout=subprocess.DEVNULL, check=True)
    drawn = inputs(ssot, root, concepts, args.calls, args.seed)

    started = time.perf_counter()
    server = Server(ssot, root)
    server.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                  "clientInfo": {"name": "bench", "version": "0"}})
    first, _, _ = server.call("ssot_concepts", {})
    startup = time.perf_counter() - started
    startup_cpu = server.cpu()
    if first.get("isError"):
        raise SystemExit(f"start-up failed: {first['content'][0]['text']}")

    walls: dict[str, list[float]] = {tool: [] for tool in TOOLS}
    cpus: dict[str, list[float]] = {tool: [] for tool in TOOLS}
    peer_walls: list[float] = []
    peer_cpus: list[float] = []
    errors: dict[str, int] = {tool: 0 for tool in TOOLS}
    every = max(1, args.calls // 8)
    for round_index in range(args.calls):
        for tool in TOOLS:
            arguments = drawn[tool][round_index % len(drawn[tool])]
            result, wall, cpu = server.call(tool, arguments)
            errors[tool] += bool(result.get("isError"))
            walls[tool].append(wall)
            cpus[tool].append(cpu)
        if round_index % every == 0:
            target = root / drawn["ssot_check_source"][round_index % args.calls]["path"]
            before = os.times()
            t0 = time.perf_counter()
            subprocess.run([ssot, "check", str(target), "--no-baseline", "--exit-zero",
                            "--output-format", "json"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, cwd=root)
            peer_walls.append(time.perf_counter() - t0)
            after = os.times()
            peer_cpus.append(after.children_user - before.children_user
                             + after.children_system - before.children_system)
    server.close()

    rows = []
    for tool in TOOLS:
        ms = [w * 1000 for w in walls[tool]]
        rows.append((tool, len(ms), statistics.median(ms), percentile(ms, 0.95), max(ms),
                     statistics.fmean(cpus[tool]) * 1000, errors[tool]))
    peer_ms = [w * 1000 for w in peer_walls]
    load = os.getloadavg()
    out = []
    if args.markdown:
        out.append(f"Slice: {files} files; {len(concepts)} concepts declared; "
                   f"{args.calls} rounds; load average at the end {load[0]:.1f} on "
                   f"{os.cpu_count()} CPUs.\n")
        out.append(f"Start-up to the first answer: {startup:.2f} s wall, "
                   f"{startup_cpu:.2f} s CPU (facts cache warm).\n")
        out.append("| tool | calls | p50 ms | p95 ms | max ms | mean CPU ms | tool errors |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for tool, n, p50, p95, top, cpu, err in rows:
            out.append(f"| `{tool}` | {n} | {p50:.1f} | {p95:.1f} | {top:.1f} | {cpu:.0f} | {err} |")
        out.append(f"| peer: `ssot check FILE` (new process) | {len(peer_ms)} | "
                   f"{statistics.median(peer_ms):.1f} | {percentile(peer_ms, 0.95):.1f} | "
                   f"{max(peer_ms):.1f} | {statistics.fmean(peer_cpus) * 1000:.0f} | |")
    else:
        out.append(f"slice: {files} files, {len(concepts)} concepts, {args.calls} rounds, "
                   f"load {load[0]:.1f} on {os.cpu_count()} CPUs")
        out.append(f"start-up to first answer: {startup:.2f} s wall, {startup_cpu:.2f} s CPU")
        out.append(f"{'tool':<20} {'calls':>5} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} "
                   f"{'mean cpu':>8} {'errors':>6}")
        for tool, n, p50, p95, top, cpu, err in rows:
            out.append(f"{tool:<20} {n:>5} {p50:>9.1f} {p95:>9.1f} {top:>9.1f} {cpu:>8.0f} {err:>6}")
        out.append(f"{'ssot check FILE':<20} {len(peer_ms):>5} {statistics.median(peer_ms):>9.1f} "
                   f"{percentile(peer_ms, 0.95):>9.1f} {max(peer_ms):>9.1f} "
                   f"{statistics.fmean(peer_cpus) * 1000:>8.0f}")
    missed = [tool for tool, _, p50, *_ in rows if p50 > BAR_MS]
    out.append("")
    out.append(f"bar p50 <= {BAR_MS:.0f} ms: " + ("met by every tool" if not missed
                                                  else "missed by " + ", ".join(missed)))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
