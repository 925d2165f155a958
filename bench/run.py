#!/usr/bin/env python3
"""Scale benchmark: `ssot scan` against `ruff check` on a ~25,000-file corpus of real Python.

Stdlib only (Python >= 3.11). Everything it downloads or builds lives under bench/.cache and
bench/.venv (both git-ignored). See bench/README.md.

    python3 bench/run.py                  # full run: plain-text report on stdout
    python3 bench/run.py --markdown       # the same report as a Markdown section
    python3 bench/run.py --help

Progress goes to stderr, the report to stdout, so `... --markdown > section.md` works.
"""

from __future__ import annotations

import argparse
import re
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info < (3, 11):
    sys.exit("bench/run.py needs Python >= 3.11 (it uses tomllib)")

import tomllib  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / ".cache"
SDISTS = CACHE / "sdists"
SRC = CACHE / "src"
CORPUS = CACHE / "corpus"
CORPUS_MANIFEST = CACHE / "corpus.json"
LOGS = CACHE / "logs"
TMP = CACHE / "tmp"
VENV = BENCH / ".venv"
VENV_STAMP = VENV / ".bench-stamp"
CONFIG = BENCH / "corpus.toml"
CORPUS_FORMAT = 1  # bump when the corpus layout rules below change

# Directory names that ruff or ssot skip by default (ruff's `exclude` defaults, ssot's
# defaults from DESIGN.md). Files under them are left out of the corpus, as are hidden
# files and directories, so that every tool sees the same set of files.
EXCLUDED_DIRS = {
    "build", "dist", "env", "venv", "node_modules", "site-packages", "__pycache__",
    "__pypackages__", "_build", "buck-out",
}


class BenchError(Exception):
    """A failure with a message meant for the user; reported without a traceback."""


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def fmt_secs(s: float) -> str:
    return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"


# --------------------------------------------------------------------------------------------
# configuration


@dataclass
class Project:
    name: str
    version: str
    file: str
    sha256: str
    root: str = ""  # top-level directory inside the sdist, known after extraction


def load_config() -> tuple[dict, list[Project]]:
    try:
        data = tomllib.loads(CONFIG.read_text())
    except FileNotFoundError:
        raise BenchError(f"missing {CONFIG}")
    except tomllib.TOMLDecodeError as e:
        raise BenchError(f"{CONFIG}: {e}")
    tools = data.get("tools", {})
    for key in ("ruff", "setuptools", "wheel"):
        if key not in tools:
            raise BenchError(f"{CONFIG}: [tools] needs `{key}`")
    projects = []
    for i, p in enumerate(data.get("project", [])):
        missing = [k for k in ("name", "version", "file", "sha256") if k not in p]
        if missing:
            raise BenchError(f"{CONFIG}: project #{i + 1} lacks {', '.join(missing)}")
        projects.append(Project(p["name"], p["version"], p["file"], p["sha256"].lower()))
    if not projects:
        raise BenchError(f"{CONFIG}: no [[project]] entries")
    return tools, projects


# --------------------------------------------------------------------------------------------
# tools venv


def tool_env() -> dict[str, str]:
    """Environment for pip: keep its temp files and cache under bench/.cache."""
    TMP.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["TMPDIR"] = str(TMP)
    env["PIP_CACHE_DIR"] = str(CACHE / "pip")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    return env


def run_checked(cmd: list[str], what: str, env: dict | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tail = "\n".join(shorten(line) for line in
                         (proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n  $ {shlex.join(cmd)}\n{tail}")
    return proc.stdout


def shorten(line: str, limit: int = 300) -> str:
    return line if len(line) <= limit else line[:limit] + " …"


def ensure_venv(tools: dict) -> Path:
    """Create bench/.venv with the pinned ruff (and setuptools/wheel for pip download)."""
    py = VENV / "bin" / "python"
    ruff = VENV / "bin" / "ruff"
    reqs = [f"ruff=={tools['ruff']}", f"setuptools=={tools['setuptools']}", f"wheel=={tools['wheel']}"]
    stamp = "\n".join(reqs)
    if py.exists():
        ok = subprocess.run([str(py), "-c", "pass"], capture_output=True).returncode == 0
        if not ok:
            log(f"{VENV} is broken (its Python no longer runs); recreating it")
            shutil.rmtree(VENV)
    if py.exists() and ruff.exists() and VENV_STAMP.exists() and VENV_STAMP.read_text() == stamp:
        return ruff
    if not py.exists():
        log(f"creating {VENV.relative_to(REPO)}")
        run_checked([sys.executable, "-m", "venv", str(VENV)], "creating the venv")
    log(f"installing {' '.join(reqs)} into {VENV.relative_to(REPO)}")
    run_checked([str(py), "-m", "pip", "install", "--quiet", *reqs], "pip install", env=tool_env())
    if not ruff.exists():
        raise BenchError(f"ruff=={tools['ruff']} installed but {ruff} is missing")
    version = run_checked([str(ruff), "--version"], "ruff --version").strip()
    if version.split()[-1] != tools["ruff"]:
        raise BenchError(f"expected ruff {tools['ruff']}, {ruff} says {version!r}")
    VENV_STAMP.write_text(stamp)
    return ruff


# --------------------------------------------------------------------------------------------
# sdists


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_sdist(p: Project) -> Path:
    dest = SDISTS / p.file
    if dest.exists():
        if sha256_of(dest) == p.sha256:
            return dest
        log(f"{dest.name}: cached file has the wrong sha256; downloading it again")
        dest.unlink()
    SDISTS.mkdir(parents=True, exist_ok=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "download", "--quiet", "--no-deps",
           "--no-binary", ":all:", "-d", str(SDISTS)]
    spec = f"{p.name}=={p.version}"
    log(f"downloading {spec} (sdist)")
    before = set(SDISTS.iterdir())
    try:
        # --no-build-isolation: read the sdist's metadata with the venv's setuptools instead of
        # building the project's build requirements from source (minutes of CPU).
        run_checked(pip + ["--no-build-isolation", spec], f"pip download {spec}", env=tool_env())
    except BenchError as first:
        if dest.exists():
            dest.unlink()
        if "metadata" not in str(first):  # no such version, network down, ...: retrying won't help
            raise BenchError(f"could not download {spec} from PyPI.\n{first}")
        log(f"pip download --no-build-isolation failed for {spec}; retrying with build "
            "isolation (slow: builds the build backend from source)")
        try:
            run_checked(pip + [spec], f"pip download {spec}", env=tool_env())
        except BenchError as second:
            raise BenchError(f"could not download {spec} from PyPI.\n{second}\n"
                             f"(first attempt, with --no-build-isolation:)\n{first}")
    if not dest.exists():
        new = sorted(x.name for x in set(SDISTS.iterdir()) - before)
        raise BenchError(f"pip download {spec} did not produce {p.file} "
                         f"(new files: {', '.join(new) or 'none'}); fix `file` in {CONFIG.name}")
    got = sha256_of(dest)
    if got != p.sha256:
        dest.unlink()
        raise BenchError(f"sha256 mismatch for {p.file}:\n  expected {p.sha256}\n  got      {got}\n"
                         f"The file was deleted. If the pin in {CONFIG.name} is wrong, fix it; "
                         "otherwise something between here and PyPI altered the download.")
    log(f"{p.file}: sha256 ok")
    return dest


def sdist_root(tar: tarfile.TarFile, name: str) -> str:
    roots = {m.name.split("/", 1)[0] for m in tar.getmembers() if m.name not in ("", ".")}
    if len(roots) != 1:
        raise BenchError(f"{name}: expected one top-level directory, found {sorted(roots)[:5]}")
    root = roots.pop()
    if root in ("..", "") or "/" in root:
        raise BenchError(f"{name}: suspicious top-level directory {root!r}")
    return root


def extract_sdist(p: Project, archive: Path) -> Path:
    """Extract into bench/.cache/src/<root>; a stamp file marks a complete extraction."""
    SRC.mkdir(parents=True, exist_ok=True)
    stamp = SRC / f".{p.file}.extracted"
    with tarfile.open(archive) as tar:
        p.root = sdist_root(tar, p.file)
        dest = SRC / p.root
        if dest.is_dir() and stamp.exists() and stamp.read_text() == p.sha256:
            return dest
        log(f"extracting {p.file}")
        tmp = SRC / f".tmp-{p.root}"
        for d in (tmp, dest):
            if d.exists():
                shutil.rmtree(d)
        try:
            tar.extractall(tmp, filter="data")
        except TypeError:  # Python 3.11.0-3.11.3 lack extraction filters
            for m in tar.getmembers():
                if m.name.startswith("/") or ".." in m.name.split("/"):
                    raise BenchError(f"{p.file}: unsafe member path {m.name!r}")
            tar.extractall(tmp)
    (tmp / p.root).rename(dest)
    shutil.rmtree(tmp)
    stamp.write_text(p.sha256)
    return dest


# --------------------------------------------------------------------------------------------
# corpus


def python_files(root: Path) -> list[Path]:
    """The .py files of one extracted project, sorted, minus excluded and hidden paths."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith(".") and d not in EXCLUDED_DIRS)
        for f in sorted(filenames):
            full = Path(dirpath) / f
            if f.endswith(".py") and not f.startswith(".") and full.is_file() and not full.is_symlink():
                out.append(full)
    return out


def count_py(root: Path) -> int:
    n = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        n += sum(1 for f in filenames if f.endswith(".py"))
    return n


def corpus_key(projects: list[Project], target: int) -> dict:
    return {"format": CORPUS_FORMAT, "target": target,
            "projects": [[p.name, p.version, p.sha256] for p in projects]}


def ensure_corpus(projects: list[Project], target: int, force: bool) -> dict:
    key = corpus_key(projects, target)
    if not force and CORPUS_MANIFEST.exists() and CORPUS.is_dir():
        try:
            manifest = json.loads(CORPUS_MANIFEST.read_text())
        except json.JSONDecodeError:
            manifest = {}
        if manifest.get("key") == key:
            n = count_py(CORPUS)
            if n == manifest.get("files"):
                return manifest
            log(f"corpus has {n} .py files, manifest says {manifest.get('files')}; rebuilding")
        else:
            log("corpus was built from other inputs or another target; rebuilding")
    return build_corpus(projects, target, key)


def build_corpus(projects: list[Project], target: int, key: dict) -> dict:
    t0 = time.monotonic()
    per_project = [(p, SRC / p.root, python_files(SRC / p.root)) for p in projects]
    per_round = sum(len(files) for _, _, files in per_project)
    if per_round == 0:
        raise BenchError("the extracted projects contain no .py files")
    log(f"building a {target}-file corpus ({per_round} .py files per round)")
    tmp = CACHE / "corpus.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    total_files = total_bytes = total_lines = 0
    parts = []
    rnd = 0
    while total_files < target:
        rnd += 1
        for p, root, files in per_project:
            if total_files >= target:
                break
            take = files[: target - total_files]
            top = f"copy{rnd}_{p.root}"
            nbytes = nlines = 0
            made_dirs = set()
            for src in take:
                rel = src.relative_to(root)
                dst = tmp / top / rel
                if dst.parent not in made_dirs:
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    made_dirs.add(dst.parent)
                data = src.read_bytes()
                dst.write_bytes(data)
                nbytes += len(data)
                nlines += data.count(b"\n")
            total_files += len(take)
            total_bytes += nbytes
            total_lines += nlines
            parts.append({"dir": top, "project": p.name, "version": p.version,
                          "files": len(take), "complete": len(take) == len(files),
                          "bytes": nbytes, "lines": nlines})
    # Make the corpus a repository root of its own: the repo's .gitignore ignores bench/.cache,
    # and a walker that reads parent .gitignore files (ripgrep's `ignore` crate does, up to the
    # repository root) would otherwise skip the whole corpus.
    if shutil.which("git"):
        subprocess.run(["git", "init", "--quiet", str(tmp)], check=True)
    else:
        (tmp / ".git").mkdir()
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    tmp.rename(CORPUS)
    manifest = {
        "key": key, "files": total_files, "bytes": total_bytes, "lines": total_lines,
        "rounds": rnd, "files_per_round": per_round,
        "projects": [{"name": p.name, "version": p.version, "sdist": p.file, "sha256": p.sha256,
                      "root": p.root, "files": len(files)} for p, _, files in per_project],
        "parts": parts,
    }
    CORPUS_MANIFEST.write_text(json.dumps(manifest, indent=1))
    log(f"corpus built: {total_files} files, {total_bytes / 2**20:.0f} MiB, "
        f"{total_lines:,} lines in {fmt_secs(time.monotonic() - t0)}")
    return manifest


# --------------------------------------------------------------------------------------------
# measurement


@dataclass
class Tool:
    name: str
    argv: list[str]
    # commands exiting with one of these codes ran fine (ruff's and ssot's 1 = "violations")
    ok_codes: tuple[int, ...] = (0, 1)
    version: str = ""
    files_seen: int | None = None
    notes: list[str] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    error: str | None = None


@dataclass
class Sample:
    wall: float
    cpu: float
    maxrss_kib: int
    code: int


# Peak RSS needs a small go-between. Linux keeps a process's `maxrss` across exec(), and a child
# spawned straight from this script starts as a copy of it (fork, or vfork sharing its memory),
# so wait4() would report at least this script's own RSS (~35 MiB). This launcher, a bare
# `python -I -S` (~5 MiB), forks the measured command, reaps it with wait4() and writes its wall
# time, CPU time, peak RSS and exit code to a file. What it reports is max(launcher floor, the
# command's peak): exact for anything that uses more than the floor, which is printed too.
LAUNCHER = r"""
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        os.write(2, f"bench launcher: cannot run {argv[0]}: {e}\n".encode())
    os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(out, "w") as f:
    f.write(f"{wall!r} {ru.ru_utime + ru.ru_stime!r} {ru.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def measure(argv: list[str], stdout_path: str, stderr_path: Path, timeout: float) -> Sample:
    """Run argv once through LAUNCHER: wall time fork..reap, peak RSS and CPU time from wait4()."""
    result = LOGS / ".sample"
    result.unlink(missing_ok=True)
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER, str(result), *argv],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=CACHE,
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            raise BenchError(f"timed out after {timeout:.0f} s")
        except BaseException:  # Ctrl-C: the launcher is in its own session, so stop it too
            os.killpg(proc.pid, 9)
            proc.wait()
            raise
    try:
        wall, cpu, rss, code = result.read_text().split()
    except (OSError, ValueError):
        raise BenchError(f"the measuring launcher failed (exit {proc.returncode}); see {stderr_path}")
    # Linux reports ru_maxrss in KiB.
    return Sample(float(wall), float(cpu), int(rss), int(code))


def run_tool(tool: Tool, timeout: float, warmup: bool) -> None:
    if tool.error:
        return
    LOGS.mkdir(parents=True, exist_ok=True)
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in tool.name)
    err_path = LOGS / f"{stem}.stderr"
    if warmup:
        out_path = LOGS / f"{stem}.stdout"
        log(f"warm-up: {tool.name}")
    else:
        out_path = os.devnull
    try:
        s = measure(tool.argv, str(out_path), err_path, timeout)
    except (BenchError, OSError) as e:
        tool.error = f"{e}"
        log(f"{tool.name}: {tool.error}")
        return
    if s.code not in tool.ok_codes:
        tail = "\n".join(shorten(line) for line in
                         err_path.read_text(errors="replace").strip().splitlines()[-15:])
        tool.error = (f"exit code {s.code}; stderr ({err_path}) ends with:\n{tail}" if tail
                      else f"exit code {s.code}, nothing on stderr")
        log(f"{tool.name} failed: {tool.error}")
        return
    if warmup:
        seen = files_from_json(out_path)
        if seen is not None and tool.files_seen is None:
            tool.files_seen = seen
        return
    tool.walls.append(s.wall)
    tool.cpus.append(s.cpu)
    tool.rss_kib.append(s.maxrss_kib)
    tool.exit_codes.append(s.code)
    log(f"{tool.name}: {s.wall:.3f} s wall, {s.cpu:.2f} s cpu, {s.maxrss_kib / 1024:.0f} MiB peak")


def files_from_json(path: Path) -> int | None:
    """`summary.files` from a JSON report (ssot's scan/check contract), if it is one."""
    try:
        with open(path, "rb") as f:
            head = f.read(1)
            if head not in (b"{", b"["):
                return None
            f.seek(0)
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and isinstance(data.get("summary"), dict):
        files = data["summary"].get("files")
        if isinstance(files, int):
            return files
    return None


def version_of(argv0: str) -> str:
    try:
        proc = subprocess.run([argv0, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    text = (proc.stdout or proc.stderr).strip().splitlines()
    return text[0] if text else "unknown (no output)"


def ruff_file_count(ruff: Path, corpus: Path) -> int | None:
    proc = subprocess.run([str(ruff), "check", "--select", "F401", "--no-cache", "--isolated",
                           "--show-files", str(corpus)], capture_output=True, text=True, cwd=CACHE)
    if proc.returncode != 0:
        return None
    return sum(1 for line in proc.stdout.splitlines() if line.strip().endswith(".py"))


def ssot_scan_argv(ssot: str, corpus: Path) -> tuple[list[str], list[str]]:
    argv = [ssot, "scan", str(corpus), "--output-format", "json"]
    notes = []
    try:
        help_text = subprocess.run([ssot, "scan", "--help"], capture_output=True, text=True,
                                   timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        help_text = ""
    if "--no-cache" in help_text:
        # ruff runs with --no-cache; compare like with like.
        argv.append("--no-cache")
        notes.append("`--no-cache` added because `ssot scan --help` offers it")
    return argv, notes


# --------------------------------------------------------------------------------------------
# report


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.0f} GiB"
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


@dataclass
class Row:
    name: str
    files: str
    wall: str
    rate: str
    cpu: str
    rss: str
    t_ratio: str
    m_ratio: str


def summarize(tools: list[Tool], corpus_files: int, ref: Tool | None) -> list[Row]:
    rows = []
    ref_wall = statistics.median(ref.walls) if ref and ref.walls else None
    ref_rss = max(ref.rss_kib) if ref and ref.rss_kib else None
    for t in tools:
        files = t.files_seen if t.files_seen is not None else corpus_files
        if t.error or not t.walls:
            rows.append(Row(t.name, f"{files:,}", "FAILED", "-", "-", "-", "-", "-"))
            continue
        wall = statistics.median(t.walls)
        rss = max(t.rss_kib)
        cpu = statistics.median(t.cpus)
        is_ref = t is ref
        rows.append(Row(
            t.name, f"{files:,}", f"{wall:.3f}", f"{files / wall:,.0f}", f"{cpu:.2f}",
            f"{rss / 1024:.1f}",
            "1.00" if is_ref else (f"{wall / ref_wall:.2f}" if ref_wall else "-"),
            "1.00" if is_ref else (f"{rss / ref_rss:.2f}" if ref_rss else "-"),
        ))
    return rows


HEADERS = ["tool", "files", "median wall s", "files/s", "median cpu s", "peak MiB",
           "time / ruff", "memory / ruff"]


def corpus_lines(manifest: dict) -> list[str]:
    lines = []
    full = {}
    for part in manifest["parts"]:
        full.setdefault((part["project"], part["version"]), []).append(part)
    for p in manifest["projects"]:
        parts = full.get((p["name"], p["version"]), [])
        copies = sum(1 for x in parts if x["complete"])
        partial = [x for x in parts if not x["complete"]]
        desc = f"{copies} full cop{'y' if copies == 1 else 'ies'}"
        if partial:
            desc += f" + {partial[0]['files']} files of one more"
        lines.append(f"{p['name']}=={p['version']} ({p['sdist']}, sha256 {p['sha256'][:12]}…): "
                     f"{p['files']} .py files; {desc}")
    return lines


def render_text(ctx: dict) -> str:
    rows = ctx["rows"]
    table = [HEADERS] + [[r.name, r.files, r.wall, r.rate, r.cpu, r.rss, r.t_ratio, r.m_ratio]
                         for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADERS))]
    out = []
    m = ctx["manifest"]
    out.append(f"Corpus: {m['files']:,} .py files, {m['bytes'] / 2**20:.0f} MiB, "
               f"{m['lines']:,} lines, in {ctx['corpus']}")
    out.append(f"Runs: 1 warm-up + {ctx['runs']} timed per tool, interleaved; "
               "median wall and cpu (user+sys), max peak RSS")
    out.append("")
    for i, row in enumerate(table):
        out.append("  ".join(c.rjust(w) if j else c.ljust(w)
                             for j, (c, w) in enumerate(zip(row, widths))))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("")
    out.append("Commands (stdout to /dev/null, cwd bench/.cache):")
    for t in ctx["tools"]:
        out.append(f"  {t.name}: {shlex.join(t.argv)}")
    out.append("")
    out.append("Versions:")
    for t in ctx["tools"]:
        out.append(f"  {t.name}: {t.version}")
    out.append("")
    out.append("Corpus composition (rounds of all projects under copyN_<sdist dir>/):")
    for line in corpus_lines(m):
        out.append(f"  {line}")
    mi = ctx["machine"]
    out.append("")
    out.append(f"Machine: {mi['cpu']}, {mi['cores']} cores, {mi['memory']}, {mi['os']}, "
               f"Python {mi['python']}, {mi['date']}")
    out.extend(detail_lines(ctx))
    return "\n".join(out)


def ssot_phases(ssot, timeout: float) -> str | None:
    """One more `ssot scan` with SSOT_TIMINGS=1: the phases of a run, and concept discovery's
    share of the whole scan (the issue's budget is 15%)."""
    env = dict(tool_env(), SSOT_TIMINGS="1")
    started = time.monotonic()
    proc = subprocess.run([str(ssot), "scan", str(CORPUS), "--output-format", "json"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env, timeout=timeout, cwd=CACHE)
    wall = time.monotonic() - started
    line = next((l for l in proc.stderr.splitlines() if l.startswith("timings:")), None)
    if line is None:
        return None
    found = re.search(r"of which concept discovery ([0-9.]+)s", line)
    share = f"; concept discovery {float(found.group(1)):.3f} s = {100 * float(found.group(1)) / wall:.1f}% of the scan's {wall:.3f} s" if found else ""
    return line.removeprefix("timings: ") + share


def detail_lines(ctx: dict) -> list[str]:
    out = []
    if ctx.get("phases"):
        out.append(f"  ssot scan phases (one extra run with SSOT_TIMINGS=1): {ctx['phases']}")
    if ctx["floor_kib"] is not None:
        out.append(f"  peak RSS is measured by a launcher whose own floor is "
                   f"{ctx['floor_kib'] / 1024:.1f} MiB (a command using less shows the floor)")
    for t in ctx["tools"]:
        if t.walls:
            out.append(f"  {t.name} runs: wall " + ", ".join(f"{w:.3f}" for w in t.walls)
                       + " s; peak " + ", ".join(f"{k / 1024:.0f}" for k in t.rss_kib) + " MiB"
                       + f"; exit codes {sorted(set(t.exit_codes))}")
        for n in t.notes:
            out.append(f"  {t.name}: note: {n}")
        if t.error:
            out.append(f"  {t.name}: ERROR: " + t.error.replace("\n", "\n    "))
    return [""] + out if out else []


def render_markdown(ctx: dict) -> str:
    m = ctx["manifest"]
    mi = ctx["machine"]
    out = [f"## Scale benchmark ({mi['date']})", ""]
    out.append(f"{m['files']:,} Python files ({m['bytes'] / 2**20:.0f} MiB, {m['lines']:,} lines) "
               f"of real projects; 1 warm-up + {ctx['runs']} timed runs per tool, interleaved; "
               "median wall and CPU (user+sys) time, maximum peak RSS. "
               f"Machine: {mi['cpu']}, {mi['cores']} cores, {mi['memory']}, {mi['os']}.")
    out.append("")
    out.append("| " + " | ".join(HEADERS) + " |")
    out.append("| --- | " + " | ".join("---:" for _ in HEADERS[1:]) + " |")
    for r in ctx["rows"]:
        out.append(f"| {r.name} | {r.files} | {r.wall} | {r.rate} | {r.cpu} | {r.rss} | "
                   f"{r.t_ratio} | {r.m_ratio} |")
    out.append("")
    out.append("Commands (stdout to `/dev/null`, run from `bench/.cache`; paths shown relative to "
               "the repository root):")
    out.append("")
    out.append("```")
    for t in ctx["tools"]:
        out.append(shlex.join(t.argv).replace(str(REPO) + "/", ""))
    out.append("```")
    out.append("")
    out.append("Versions: " + "; ".join(f"{t.name}: `{t.version}`" for t in ctx["tools"]) + ".")
    out.append("")
    out.append("Corpus (`bench/corpus.toml`; all `.py` files of each sdist, repeated under "
               "`copyN_<dir>/` to reach the target):")
    out.append("")
    for line in corpus_lines(m):
        out.append(f"- {line}")
    details = detail_lines(ctx)
    if details:
        out.append("")
        out.append("<details><summary>individual runs</summary>")
        out.append("")
        out.append("```")
        out.extend(x.lstrip() for x in details if x)
        out.append("```")
        out.append("")
        out.append("</details>")
    out.append("")
    out.append("Reproduce: `python3 bench/run.py --markdown`.")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Time `ssot scan` against `ruff check` on a large corpus of real Python.")
    ap.add_argument("--ssot", default=str(REPO / "target" / "release" / "ssot"),
                    help="ssot binary (default: target/release/ssot)")
    ap.add_argument("--skip-ssot", action="store_true",
                    help="measure ruff (and --extra-cmd) only")
    ap.add_argument("--target-files", type=int, default=25000, metavar="N",
                    help="number of .py files in the corpus (default 25000)")
    ap.add_argument("--runs", type=int, default=3, metavar="N",
                    help="timed runs per tool after one warm-up (default 3)")
    ap.add_argument("--extra-cmd", action="append", default=[], metavar="NAME=CMD",
                    help="also time CMD (shell-style words; {ssot}, {ruff} and {corpus} are "
                         "replaced), e.g. 'ssot-check={ssot} check {corpus} --exit-zero'. "
                         "Repeatable.")
    ap.add_argument("--markdown", action="store_true",
                    help="print the report as a Markdown section for BENCHMARKS.md")
    ap.add_argument("--json", metavar="FILE", help="also write raw results as JSON to FILE")
    ap.add_argument("--rebuild-corpus", action="store_true", help="rebuild the corpus even if cached")
    ap.add_argument("--config", default=str(CONFIG), metavar="TOML",
                    help="pinned projects and tools (default: bench/corpus.toml)")
    ap.add_argument("--timeout", type=float, default=900, metavar="SECS",
                    help="kill a single run after SECS seconds (default 900)")
    args = ap.parse_args(argv)
    if args.target_files < 1:
        ap.error("--target-files must be positive")
    if args.runs < 1:
        ap.error("--runs must be positive")
    for spec in args.extra_cmd:
        name, sep, cmd = spec.partition("=")
        if not sep or not name.strip() or not cmd.strip():
            ap.error(f"--extra-cmd wants NAME=CMD, got {spec!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    global CONFIG
    CONFIG = Path(args.config).resolve()
    started = time.monotonic()
    tools_cfg, projects = load_config()

    ssot = None
    if not args.skip_ssot or any("{ssot}" in x for x in args.extra_cmd):
        resolved = shutil.which(args.ssot) if os.sep not in args.ssot else args.ssot
        ssot = Path(resolved or args.ssot)
        if not ssot.is_file() or not os.access(ssot, os.X_OK):
            raise BenchError(
                f"ssot binary not found at {ssot}: build it with `cargo build --release` "
                "(or pass --ssot PATH, or --skip-ssot to time ruff only)")
        ssot = ssot.resolve()

    phase = time.monotonic()
    ruff = ensure_venv(tools_cfg)
    archives = [fetch_sdist(p) for p in projects]
    for p, a in zip(projects, archives):
        extract_sdist(p, a)
    manifest = ensure_corpus(projects, args.target_files, args.rebuild_corpus)
    prep_secs = time.monotonic() - phase
    log(f"corpus ready: {manifest['files']:,} files ({fmt_secs(prep_secs)} of preparation)")

    tools: list[Tool] = []
    ruff_tool = Tool("ruff", [str(ruff), "check", "--select", "F401", "--no-cache", "--isolated",
                              "--exit-zero", str(CORPUS)], ok_codes=(0,))
    ruff_tool.version = version_of(str(ruff))
    ruff_tool.files_seen = ruff_file_count(ruff, CORPUS)
    if not args.skip_ssot:
        argv_, notes = ssot_scan_argv(str(ssot), CORPUS)
        t = Tool("ssot scan", argv_, notes=notes)
        t.version = version_of(str(ssot))
        tools.append(t)
    tools.append(ruff_tool)
    subst = {"ssot": str(ssot) if ssot else "ssot", "ruff": str(ruff), "corpus": str(CORPUS)}
    for spec in args.extra_cmd:
        name, _, cmd = spec.partition("=")
        try:
            words = [w.format(**subst) for w in shlex.split(cmd)]
        except (KeyError, ValueError, IndexError) as e:
            raise BenchError(f"--extra-cmd {spec!r}: {e} (placeholders: {{ssot}} {{ruff}} {{corpus}})")
        exe = shutil.which(words[0]) if os.sep not in words[0] else words[0]
        t = Tool(name.strip(), [exe or words[0]] + words[1:])
        t.version = version_of(t.argv[0])
        tools.append(t)
    names = [t.name for t in tools]
    if len(set(names)) != len(names):
        raise BenchError(f"tool names must be distinct: {names}")

    floor_kib = None
    true_bin = shutil.which("true")
    if true_bin:
        LOGS.mkdir(parents=True, exist_ok=True)
        floor_kib = measure([true_bin], os.devnull, LOGS / "true.stderr", 60).maxrss_kib

    phase = time.monotonic()
    for t in tools:
        run_tool(t, args.timeout, warmup=True)
    for i in range(args.runs):
        log(f"timed run {i + 1}/{args.runs}")
        for t in tools:
            run_tool(t, args.timeout, warmup=False)
    measure_secs = time.monotonic() - phase

    phases = ssot_phases(ssot, args.timeout) if ssot else None
    for t in tools:
        if t.files_seen is not None and t.files_seen != manifest["files"]:
            t.notes.append(f"processed {t.files_seen:,} files, the corpus has "
                           f"{manifest['files']:,}: check its file discovery/excludes")
        elif t.files_seen is None and not t.error:
            t.notes.append("reported no file count; files/s uses the corpus size")

    ctx = {"rows": summarize(tools, manifest["files"], ruff_tool), "tools": tools,
           "manifest": manifest, "runs": args.runs, "machine": machine_info(),
           "corpus": CORPUS.relative_to(REPO), "floor_kib": floor_kib, "phases": phases}
    print(render_markdown(ctx) if args.markdown else render_text(ctx))
    total = time.monotonic() - started
    log(f"done in {fmt_secs(total)} (preparation {fmt_secs(prep_secs)}, "
        f"measurement {fmt_secs(measure_secs)})")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": ctx["machine"], "corpus": {k: manifest[k] for k in
                                                  ("files", "bytes", "lines", "parts", "projects")},
            "runs": args.runs, "launcher_floor_kib": floor_kib,
            "tools": [{"name": t.name, "argv": t.argv, "version": t.version,
                       "files_seen": t.files_seen, "wall_s": t.walls, "cpu_s": t.cpus,
                       "maxrss_kib": t.rss_kib, "exit_codes": t.exit_codes, "error": t.error,
                       "notes": t.notes} for t in tools],
            "seconds": {"total": total, "preparation": prep_secs, "measurement": measure_secs},
        }, indent=1))
    return 1 if any(t.error for t in tools) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench/run.py: error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("bench/run.py: interrupted", file=sys.stderr)
        sys.exit(130)
