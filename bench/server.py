#!/usr/bin/env python3
"""Editor-server latency: how long after an edit `ssot server` publishes the edited file's
diagnostics, on an ~11,000-file slice of the benchmark corpus.

The slice is the corpus's first copy of every project plus the second copy of SQLAlchemy
(copied into `bench/.cache/server-slice`, a git repository of its own like the corpus).
The script starts the server as an editor would (stdio, `initialize`, `initialized`), opens
a file and waits for its diagnostics (the load: walk, facts from the cache, first analysis),
opens the files it will edit, then sends `--edits` full-text changes round-robin over them
(alternately appending a comment and an import) and times each change from sending it to
receiving the `publishDiagnostics` of that version. It reads the server's CPU time from
/proc before and after the edits.

The peer, measured in the same run and interleaved with the edits, is what an editor
integration without a server pays: `ssot check` on the whole slice with a warm facts cache,
once every `--peer-every` edits.

Hover while edits stream in: right after sending each change the script asks for a hover on
an import in another open file (one the edits leave alone) and times the answer, which a
server that answers read-only requests from its last snapshot gives without waiting for the
edit's analysis (`--no-hover` leaves the hovers out).

With `--base PATH` a second server, another ssot binary (the build before a change), loads the
same slice and gets every edit too, the two servers taking turns (the order alternating), so
both are measured under the same load; its latencies and CPU per edit are printed beside.

    cargo build --release
    python3 bench/server.py                 # plain text
    python3 bench/server.py --markdown      # a section for BENCHMARKS.md

Stdlib only; needs the corpus (`python3 bench/run.py` builds it, or copy `bench/.cache`).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench" / ".cache"
SLICE_DIRS_SECOND_COPY = ("sqlalchemy",)
TICKS = os.sysconf("SC_CLK_TCK")


def build_slice(corpus: Path, target: Path) -> int:
    """Copies the first copy of every project, and the second copy of SQLAlchemy, into
    `target`; returns the number of Python files."""
    if not target.exists():
        target.mkdir(parents=True)
        for project in sorted(corpus.iterdir()):
            name = project.name
            second = any(name.startswith(f"copy2_{p}") for p in SLICE_DIRS_SECOND_COPY)
            if name.startswith("copy1_") or second:
                shutil.copytree(project, target / name)
        subprocess.run(["git", "init", "-q", str(target)], check=True)
    return sum(1 for _ in target.rglob("*.py"))


class Client:
    """A stdio LSP client: `Content-Length` framing, ids, a queue of incoming messages."""

    def __init__(self, command: list[str], cwd: Path, stderr=subprocess.DEVNULL) -> None:
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
        )
        self.incoming: queue.Queue = queue.Queue()
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.incoming.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = stream.read(length)
            self.incoming.put((time.perf_counter(), json.loads(body)))

    def send(self, message: dict) -> float:
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return time.perf_counter()

    def notify(self, method: str, params) -> float:
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params) -> dict:
        request_id = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        while True:
            _, message = self.receive()
            if message.get("id") == request_id and "method" not in message:
                return message

    def receive(self, timeout: float = 600) -> tuple[float, dict]:
        while True:
            item = self.incoming.get(timeout=timeout)
            if item is None:
                raise SystemExit("the server exited")
            at, message = item
            if "method" in message and "id" in message:
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            return at, message

    def wait_diagnostics(self, uri: str, version: int | None) -> tuple[float, list]:
        while True:
            at, message = self.receive()
            if message.get("method") != "textDocument/publishDiagnostics":
                continue
            params = message["params"]
            if params["uri"] == uri and (version is None or params.get("version") == version):
                return at, params["diagnostics"]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def pick_files(root: Path, count: int) -> list[Path]:
    """Files with first-party-looking imports, spread over the slice (every k-th of the sorted
    list), deterministic."""
    candidates = []
    for path in sorted(root.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if "\nfrom " in text and 2_000 < len(text) < 60_000:
            candidates.append(path)
    step = max(1, len(candidates) // count)
    return candidates[::step][:count]


def hover_position(text: str) -> tuple[int, int] | None:
    """The line and character of the first name a `from M import NAME` statement binds."""
    for number, line in enumerate(text.splitlines()):
        if line.startswith("from ") and " import " in line and line.isascii():
            name_at = line.index(" import ") + len(" import ")
            if line[name_at:name_at + 1].isidentifier():
                return number, name_at + 1
    return None


def timed_check(ssot: Path, root: Path, config: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `ssot check` of the slice (warm cache)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(ssot), "check", str(root), "--config", str(config), "--exit-zero",
         "--output-format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


class Server:
    """One `ssot server` process under measurement: its load, its edits' latencies and the
    CPU time it spent on them (not counting the pauses around the peer's runs)."""

    def __init__(self, name: str, binary: Path, root: Path, config: Path, stderr) -> None:
        self.name = name
        self.started = time.perf_counter()
        self.client = Client(
            [str(binary), "server", "--config", str(config.resolve())], root, stderr)
        self.client.request("initialize", {
            "processId": os.getpid(), "rootUri": root.as_uri(),
            "capabilities": {
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}},
        })
        self.client.notify("initialized", {})
        self.latencies: list[float] = []
        self.hovers: list[float] = []
        self.hover_misses = 0
        self.cpu_excluded = 0.0
        self.rss = 0.0

    def open(self, texts: dict) -> None:
        for index, (uri, text) in enumerate(texts.items()):
            self.client.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri, "languageId": "python", "version": 0, "text": text}})
            self.client.wait_diagnostics(uri, 0)
            if index == 0:
                self.load_wall = time.perf_counter() - self.started
                self.load_cpu = self.client.cpu_seconds()
        self.wait_idle()
        self.cpu_before = self.client.cpu_seconds()

    def wait_idle(self) -> None:
        """Waits until the server's CPU time stops growing for a second (background work
        after the first diagnostics, such as loading the fix engine's copy of the project,
        is not counted as the edits' CPU), at most a minute."""
        deadline = time.perf_counter() + 60
        last, quiet = self.client.cpu_seconds(), 0
        while quiet < 4 and time.perf_counter() < deadline:
            time.sleep(0.25)
            now = self.client.cpu_seconds()
            quiet = quiet + 1 if now == last else 0
            last = now

    def edit(self, uri: str, version: int, text: str, hover=None) -> None:
        """Sends a change and times its diagnostics; with `hover` (uri, line, character),
        also a hover request sent right after the change."""
        sent = self.client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": text}]})
        if hover is None:
            at, _ = self.client.wait_diagnostics(uri, version)
            self.latencies.append(at - sent)
            return
        hover_uri, line, character = hover
        hover_id = self.client.next_id
        self.client.next_id += 1
        hover_sent = self.client.send({
            "jsonrpc": "2.0", "id": hover_id, "method": "textDocument/hover",
            "params": {"textDocument": {"uri": hover_uri},
                       "position": {"line": line, "character": character}}})
        hover_at = published_at = None
        while hover_at is None or published_at is None:
            at, message = self.client.receive()
            if message.get("id") == hover_id and "method" not in message:
                hover_at = at
                if not message.get("result"):
                    self.hover_misses += 1
            elif message.get("method") == "textDocument/publishDiagnostics":
                params = message["params"]
                if params["uri"] == uri and params.get("version") == version:
                    published_at = at
        self.latencies.append(published_at - sent)
        self.hovers.append(hover_at - hover_sent)

    def pause(self) -> None:
        self.paused_at = self.client.cpu_seconds()

    def resume(self) -> None:
        self.cpu_excluded += self.client.cpu_seconds() - self.paused_at

    def edit_cpu(self, edits: int) -> float:
        return (self.cpu_after - self.cpu_before - self.cpu_excluded) / edits

    def stop(self) -> None:
        self.cpu_after = self.client.cpu_seconds()
        self.rss = self.client.peak_rss_mib()
        self.client.request("shutdown", None)
        self.client.notify("exit", None)
        self.client.process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ssot", type=Path, default=REPO / "target" / "release" / "ssot")
    parser.add_argument("--corpus", type=Path, default=CACHE / "corpus")
    parser.add_argument("--slice", type=Path, default=CACHE / "server-slice")
    parser.add_argument("--config", type=Path, default=REPO / "bench" / "concepts.toml")
    parser.add_argument("--edits", type=int, default=60)
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--peer-every", type=int, default=15)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--no-hover", action="store_true",
                        help="do not time hovers on another open file during the edits")
    parser.add_argument("--base", type=Path,
                        help="another ssot binary (an earlier build) to run beside it, edit "
                             "by edit in alternating order, so both see the same load")
    parser.add_argument("--server-stderr", type=Path,
                        help="write the server's stderr here (with SSOT_TIMINGS=1: phase times)")
    args = parser.parse_args()
    # The servers run in the slice's directory: binaries named relative to this one.
    args.ssot = args.ssot.resolve()
    if args.base:
        args.base = args.base.resolve()
    if not args.ssot.exists():
        raise SystemExit(f"{args.ssot} not found: build it with `cargo build --release`")
    if not args.corpus.exists():
        raise SystemExit(f"{args.corpus} not found: run `python3 bench/run.py` once")
    files_in_slice = build_slice(args.corpus, args.slice)
    root = args.slice.resolve()
    # Fill the facts cache, as a user's earlier `ssot check` would have.
    timed_check(args.ssot, root, args.config)

    stderr = open(args.server_stderr, "wb") if args.server_stderr else subprocess.DEVNULL
    servers = [Server("ssot", args.ssot, root, args.config, stderr)]
    if args.base:
        servers.append(Server("base", args.base, root, args.config, subprocess.DEVNULL))
    edited = pick_files(root, args.files)
    texts = {path.as_uri(): path.read_text(encoding="utf-8") for path in edited}
    # Hovers go to an open file with an import that the edits never touch: an extra one.
    hover, others = None, {}
    if not args.no_hover:
        for path in pick_files(root, args.files * 3):
            position = hover_position(path.read_text(encoding="utf-8", errors="replace"))
            if path.as_uri() not in texts and position is not None:
                others[path.as_uri()] = path.read_text(encoding="utf-8")
                hover = (path.as_uri(), *position)
                break
    for server in servers:
        server.open({**texts, **others})
    print(f"loaded {files_in_slice} files in {servers[0].load_wall:.2f} s", file=sys.stderr)

    peer_wall, peer_cpu = [], []
    uris = list(texts)
    for edit in range(args.edits):
        uri = uris[edit % len(uris)]
        version = edit + 1
        suffix = f"\n# edit {edit}\n" + ("import json\n" if edit % 2 else "")
        # Paired: every edit goes to each server in turn, the order alternating.
        ordered = servers if edit % 2 == 0 else list(reversed(servers))
        for server in ordered:
            server.edit(uri, version, texts[uri] + suffix, hover)
        if (edit + 1) % args.peer_every == 0:
            for server in servers:
                server.pause()
            wall, cpu = timed_check(args.ssot, root, args.config)
            peer_wall.append(wall)
            peer_cpu.append(cpu)
            for server in servers:
                server.resume()
    for server in servers:
        server.stop()
    if args.base:
        base = servers[1]
        print(f"base: p50 {percentile(base.latencies, 0.5) * 1000:.0f} ms, "
              f"p95 {percentile(base.latencies, 0.95) * 1000:.0f} ms, "
              f"CPU per edit {base.edit_cpu(args.edits) * 1000:.0f} ms", file=sys.stderr)
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}", file=sys.stderr)
    server = servers[0]
    latencies = server.latencies
    load_wall, load_cpu = server.load_wall, server.load_cpu
    edit_cpu = server.edit_cpu(args.edits)
    rss = server.rss

    p50 = percentile(latencies, 0.5) * 1000
    p95 = percentile(latencies, 0.95) * 1000
    rows = [
        ("files in the slice", f"{files_in_slice}"),
        ("load (first diagnostics), wall / server CPU", f"{load_wall:.2f} s / {load_cpu:.2f} s"),
        ("edit → publishDiagnostics, p50", f"{p50:.0f} ms"),
        ("edit → publishDiagnostics, p95", f"{p95:.0f} ms"),
        ("edit → publishDiagnostics, max", f"{max(latencies) * 1000:.0f} ms"),
        ("server CPU per edit (mean)", f"{edit_cpu * 1000:.0f} ms"),
        ("server peak RSS", f"{rss:.0f} MiB"),
        ("edits timed", f"{len(latencies)} over {len(uris)} files"),
    ]
    if server.hovers:
        rows += [
            ("hover on another open file during an edit, p50",
             f"{percentile(server.hovers, 0.5) * 1000:.1f} ms"),
            ("hover on another open file during an edit, p95",
             f"{percentile(server.hovers, 0.95) * 1000:.1f} ms"),
            ("hovers without a result", f"{server.hover_misses}"),
        ]
    if args.base:
        base = servers[1]
        rows += [
            ("base: edit → publishDiagnostics, p50", f"{percentile(base.latencies, 0.5) * 1000:.0f} ms"),
            ("base: edit → publishDiagnostics, p95", f"{percentile(base.latencies, 0.95) * 1000:.0f} ms"),
            ("base: server CPU per edit (mean)", f"{base.edit_cpu(args.edits) * 1000:.0f} ms"),
            ("base: server peak RSS", f"{base.rss:.0f} MiB"),
            ("p50 latency ssot / base", f"{percentile(latencies, 0.5) / percentile(base.latencies, 0.5):.3f}"),
        ]
        if base.hovers:
            rows += [
                ("base: hover during an edit, p50",
                 f"{percentile(base.hovers, 0.5) * 1000:.1f} ms"),
                ("base: hover during an edit, p95",
                 f"{percentile(base.hovers, 0.95) * 1000:.1f} ms"),
            ]
    if peer_wall:
        rows[6:6] = [
            ("peer: `ssot check` warm, median wall / CPU",
             f"{statistics.median(peer_wall):.2f} s / {statistics.median(peer_cpu):.2f} s"),
            ("p50 edit latency / peer wall",
             f"{p50 / 1000 / statistics.median(peer_wall):.3f}"),
        ]
    if args.markdown:
        print("| measure | value |\n| --- | --- |")
        for name, value in rows:
            print(f"| {name} | {value} |")
    else:
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
