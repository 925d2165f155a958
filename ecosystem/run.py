#!/usr/bin/env python3
"""Ecosystem check: run ssot on pinned real projects and compare its findings with expected files.

Stdlib only (Python >= 3.11). Everything downloaded or extracted lives under ecosystem/.cache
(git-ignored). See ecosystem/README.md.

    python3 ecosystem/run.py                  # every project in ecosystem/projects.toml
    python3 ecosystem/run.py --ci             # the small subset .ci/run uses (`ci = true`)
    python3 ecosystem/run.py --project httpx  # one project (repeatable)
    python3 ecosystem/run.py --bless          # rewrite ecosystem/expected/*.txt, then review the git diff
    python3 ecosystem/run.py --no-imports     # skip the import check (no venvs, no runtime deps)

A project fails when ssot panics, exits with an unexpected code (2 is a usage, configuration or
internal error), prints "internal error" on stderr, prints something that is not the expected
JSON, or when its findings differ from ecosystem/expected/<name>-<version>.txt. A project with
`import-check` also fails when a module that imported before `ssot init` + `ssot fix` no longer
imports, or when `ruff check --select I001` finds more than before (import_check.py).
Exit status: 0 all passed, 1 some project failed, 2 setup error (download, hash, missing binary).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# import_check.py sits beside this file; other scripts load this one by path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_check import ImportReport, check_tree  # noqa: E402

if sys.version_info < (3, 11):
    sys.exit("ecosystem/run.py needs Python >= 3.11 (it uses tomllib)")

import tomllib  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MANIFEST = HERE / "projects.toml"
EXPECTED = HERE / "expected"
CACHE = HERE / ".cache"
SDISTS = CACHE / "sdists"  # sdists/<name>-<version>/<the sdist file pip produced>
SRC = CACHE / "src"  # src/<name>-<version>/: the tree ssot analyses
OUT = CACHE / "out"  # raw JSON, stderr and diffs of the last run, for debugging
TMP = CACHE / "tmp"
VENV = CACHE / "venv"
VENV_STAMP = VENV / ".ecosystem-stamp"
IMPORT_VENVS = CACHE / "import-venvs"  # import-venvs/<key>/: a project's runtime dependencies
LAYOUT_FORMAT = 1  # bump when the extraction layout or the generated ssot.toml changes


class SetupError(Exception):
    """A failure of the harness itself (download, hash, binary): reported without a traceback."""


def log(msg: str) -> None:
    sys.stdout.flush()
    print(f"[ecosystem] {msg}", file=sys.stderr, flush=True)


def secs(s: float) -> str:
    return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"


# --------------------------------------------------------------------------------------------
# manifest


@dataclass
class Sdist:
    name: str
    version: str
    sha256: str
    roots: list[str] | None
    exclude: list[str]
    test_paths: list[str]
    import_check: list[str]  # packages / modules whose every module the import check imports

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


@dataclass
class Project:
    main: Sdist
    why: str
    ci: bool
    extra: list[Sdist] = field(default_factory=list)
    ci_import_check: bool = False

    @property
    def key(self) -> str:
        return self.main.key

    @property
    def sdists(self) -> list[Sdist]:
        return [self.main, *self.extra]

    @property
    def expected_file(self) -> Path:
        return EXPECTED / f"{self.key}.txt"

    @property
    def import_checked(self) -> bool:
        return any(s.import_check for s in self.sdists)


def _sdist(entry: dict, where: str, allowed: set[str]) -> Sdist:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise SetupError(f"{MANIFEST.name}: {where}: unknown key(s) {', '.join(unknown)}")
    missing = [k for k in ("name", "version") if not entry.get(k)]
    if "sha256" not in entry:
        missing.append("sha256")
    if missing:
        raise SetupError(f"{MANIFEST.name}: {where} lacks {', '.join(missing)}")
    roots = entry.get("roots")
    if roots is not None and (not isinstance(roots, list) or not roots):
        raise SetupError(f"{MANIFEST.name}: {where}: `roots` must be a non-empty list")
    imports = entry.get("import-check", [])
    if not isinstance(imports, list) or any(not isinstance(i, str) or not i for i in imports):
        raise SetupError(f"{MANIFEST.name}: {where}: `import-check` must be a list of paths")
    return Sdist(entry["name"], entry["version"], entry["sha256"].lower(), roots,
                 list(entry.get("exclude", [])), list(entry.get("test-paths", [])), imports)


@dataclass
class Tools:
    requirements: list[str]  # build backends, for `pip download`
    import_check: list[str]  # installed beside each import-checked project's dependencies


def load_manifest() -> tuple[Tools, list[Project]]:
    try:
        data = tomllib.loads(MANIFEST.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SetupError(f"{MANIFEST}: {e}")
    tools = Tools(data.get("tools", {}).get("requirements", []),
                  data.get("tools", {}).get("import-check-requirements", []))
    sdist_keys = {"name", "version", "sha256", "roots", "exclude", "test-paths", "import-check"}
    projects = []
    for i, entry in enumerate(data.get("project", [])):
        where = f"project #{i + 1} ({entry.get('name', '?')})"
        project_keys = ("why", "ci", "ci-import-check", "with")
        main = _sdist({k: v for k, v in entry.items() if k not in project_keys}, where, sdist_keys)
        extra = [_sdist(w, f"{where}, with #{j + 1}", sdist_keys)
                 for j, w in enumerate(entry.get("with", []))]
        if not entry.get("why"):
            raise SetupError(f"{MANIFEST.name}: {where} lacks `why`")
        project = Project(main, entry["why"], bool(entry.get("ci", False)), extra,
                          bool(entry.get("ci-import-check", False)))
        if project.ci_import_check and not project.import_checked:
            raise SetupError(f"{MANIFEST.name}: {where}: `ci-import-check` without `import-check`")
        projects.append(project)
    keys = [p.key for p in projects]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise SetupError(f"{MANIFEST.name}: duplicate projects {', '.join(dupes)}")
    if not projects:
        raise SetupError(f"{MANIFEST.name}: no [[project]] entries")
    return tools, projects


# --------------------------------------------------------------------------------------------
# download and extraction


def pip_env() -> dict[str, str]:
    """pip keeps its temp files and cache under ecosystem/.cache."""
    TMP.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["TMPDIR"] = str(TMP)
    env["PIP_CACHE_DIR"] = str(CACHE / "pip")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    return env


def run_checked(cmd: list[str], what: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=pip_env(),
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise SetupError(f"{what} failed (exit {proc.returncode}):\n  $ {shlex.join(cmd)}\n{tail}")
    return proc.stdout


def ensure_venv(requirements: list[str]) -> Path:
    """ecosystem/.cache/venv with the pinned build backends, used only by `pip download`."""
    py = VENV / "bin" / "python"
    stamp = "\n".join(requirements)
    if py.exists() and subprocess.run([str(py), "-c", "pass"], capture_output=True).returncode:
        log(f"{VENV} is broken; recreating it")
        shutil.rmtree(VENV)
    if py.exists() and VENV_STAMP.exists() and VENV_STAMP.read_text() == stamp:
        return py
    if not py.exists():
        log(f"creating {VENV.relative_to(REPO)}")
        run_checked([sys.executable, "-m", "venv", str(VENV)], "creating the venv")
    if requirements:
        log(f"installing {len(requirements)} pinned build backends into {VENV.relative_to(REPO)}")
        run_checked([str(py), "-m", "pip", "install", "--quiet", *requirements], "pip install")
    VENV_STAMP.write_text(stamp)
    return py


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cached_sdist(s: Sdist) -> Path | None:
    d = SDISTS / s.key
    if not d.is_dir() or not s.sha256:
        return None
    files = [f for f in d.iterdir() if f.is_file() and not f.name.startswith(".")]
    if len(files) == 1 and sha256_of(files[0]) == s.sha256:
        return files[0]
    log(f"{s.key}: cached sdist missing or with the wrong sha256; downloading it again")
    shutil.rmtree(d)
    return None


def fetch_sdist(s: Sdist, py: Path) -> Path:
    dest = SDISTS / s.key
    tmp = SDISTS / f".tmp-{s.key}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    pip = [str(py), "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
           "-d", str(tmp)]
    spec = f"{s.name}=={s.version}"
    log(f"downloading {spec} (sdist)")
    try:
        # --no-build-isolation: read the sdist's metadata with the venv's build backends instead
        # of building the project's build requirements from source (minutes of CPU).
        run_checked(pip + ["--no-build-isolation", spec], f"pip download {spec}")
    except SetupError as first:
        if "metadata" not in str(first):  # no such version, network down, ...: retrying won't help
            raise SetupError(f"could not download {spec} from PyPI.\n{first}")
        log(f"pip download --no-build-isolation failed for {spec}; retrying with build "
            "isolation (slow: builds the build backend from source)")
        for f in tmp.iterdir():
            f.unlink()
        run_checked(pip + [spec], f"pip download {spec}")
    files = [f for f in tmp.iterdir() if f.is_file()]
    if len(files) != 1 or not files[0].name.endswith(".tar.gz"):
        raise SetupError(f"pip download {spec} produced {[f.name for f in files]}, "
                         "expected one .tar.gz")
    got = sha256_of(files[0])
    if not s.sha256:
        shutil.rmtree(tmp)
        raise SetupError(f"{spec}: {files[0].name} has sha256 {got}\nCheck it against the hash "
                         f"PyPI shows for that file, then pin it in {MANIFEST.name}.")
    if got != s.sha256:
        shutil.rmtree(tmp)
        raise SetupError(f"sha256 mismatch for {files[0].name}:\n  expected {s.sha256}\n"
                         f"  got      {got}\nThe file was deleted. If the pin in {MANIFEST.name} "
                         "is wrong, fix it; otherwise something altered the download.")
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    return dest / files[0].name


def sdist_top(tar: tarfile.TarFile, name: str) -> str:
    tops = {m.name.split("/", 1)[0] for m in tar.getmembers() if m.name not in ("", ".")}
    if len(tops) != 1:
        raise SetupError(f"{name}: expected one top-level directory, found {sorted(tops)[:5]}")
    top = tops.pop()
    if top in ("..", "") or "/" in top:
        raise SetupError(f"{name}: suspicious top-level directory {top!r}")
    return top


def extract_into(archive: Path, dest: Path) -> None:
    """Extract the sdist's single top-level directory as `dest`."""
    tmp = dest.parent / f".tmp-{dest.name}"
    if tmp.exists():
        shutil.rmtree(tmp)
    with tarfile.open(archive) as tar:
        top = sdist_top(tar, archive.name)
        try:
            tar.extractall(tmp, filter="data")
        except TypeError:  # Python 3.11.0-3.11.3 lack extraction filters
            for m in tar.getmembers():
                if m.name.startswith("/") or ".." in m.name.split("/"):
                    raise SetupError(f"{archive.name}: unsafe member path {m.name!r}")
            tar.extractall(tmp)
    (tmp / top).rename(dest)
    shutil.rmtree(tmp)


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def norm(*parts: str) -> str:
    path = "/".join(p.strip("/") for p in parts if p not in ("", "."))
    return path or "."


def prepare_tree(p: Project, archives: list[Path]) -> Path:
    """src/<key>/: one sdist extracted there, or each sdist in its own sub-directory, + ssot.toml."""
    SRC.mkdir(parents=True, exist_ok=True)
    dest = SRC / p.key
    stamp = SRC / f".{p.key}.stamp"
    want = json.dumps({"format": LAYOUT_FORMAT,
                       "sdists": [[s.key, s.sha256] for s in p.sdists]})
    if not (dest.is_dir() and stamp.exists() and stamp.read_text() == want):
        log(f"extracting {p.key}")
        stamp.unlink(missing_ok=True)
        if dest.exists():
            shutil.rmtree(dest)
        if p.extra:
            dest.mkdir()
            for s, a in zip(p.sdists, archives):
                extract_into(a, dest / s.key)
        else:
            extract_into(archives[0], dest)
        stamp.write_text(want)
    # The config pins the project root to this directory (and the import roots, when given).
    prefix = (lambda s: s.key) if p.extra else (lambda s: "")
    lines = ["# written by ecosystem/run.py from ecosystem/projects.toml"]
    if any(s.roots is not None for s in p.sdists):
        roots = [norm(prefix(s), r) for s in p.sdists for r in (s.roots or ["."])]
        lines.append(f"src = {toml_list(roots)}")
    excludes = [norm(prefix(s), g) for s in p.sdists for g in s.exclude]
    if excludes:
        lines.append(f"extend-exclude = {toml_list(excludes)}")
    test_paths = [norm(prefix(s), g) for s in p.sdists for g in s.test_paths]
    if test_paths:
        lines.append(f"test-paths = {toml_list(test_paths)}")
    (dest / "ssot.toml").write_text("\n".join(lines) + "\n")
    return dest


# --------------------------------------------------------------------------------------------
# commands and their findings as lines


def counts(c: dict) -> str:
    text = f"files={c['files']} tests={c['test_files']} refs={c['statements']}"
    if c.get("guarded_statements"):
        text += f" guarded={c['guarded_statements']}"
    return text


def scan_lines(doc: dict) -> list[str]:
    s = doc["summary"]
    lines = [f"summary files={s['files']} modules={s['modules']} "
             f"parse-errors={s['parse_errors']} imports={s['import_statements']}"]
    for e in doc["parse_errors"]:
        lines.append(f"parse-error {e['path']}:{e['line']}:{e['column']} {e['message']}")
    for u in doc.get("unreadable", []):
        lines.append(f"unreadable {u['path']} {u.get('code', '')} {u['message']}")
    for c in doc.get("module_conflicts", []):
        lines.append(f"conflict {c['module']} {c['imported']} {c['shadowed']}")
    for sym in doc["symbols"]:
        where = sym["defined_at"]
        for path in sym["paths"]:
            lines.append(f"symbol {sym['origin']} ({sym['kind']} at {where['path']}:{where['line']})"
                         f" via {path['path']} {counts(path)}")
    for d in doc["dangling"]:
        lines.append(f"dangling {d['path']} {d['reason']} {counts(d)}")
    for c in doc.get("concepts", []):
        spread = c.get("spread", {})
        lines.append(f"concept {c['name']} canonical={c['canonical']} "
                     f"spread={spread.get('files', '?')}/{spread.get('directories', '?')} "
                     f"reason={c.get('reason', '')}")
        for m in c.get("members", []):
            lines.append(f"concept {c['name']} member {m['symbol']} role={m.get('role')} "
                         f"refs={m.get('references', '?')}")
    return lines


def check_lines(doc: dict) -> list[str]:
    """ssot.check/1 (DESIGN.md §6): one line per diagnostic and per concept."""
    s = doc.get("summary", {})
    lines = ["summary " + " ".join(f"{k}={v}" for k, v in sorted(s.items()))]
    for d in doc["diagnostics"]:
        fix = d.get("fix")
        fix_text = f" fix={fix.get('applicability')}" if fix else ""
        concept = f" concept={d['concept']}" if d.get("concept") else ""
        lines.append(f"{d['code']} {d['path']}:{d['line']}:{d['column']}{concept}{fix_text} "
                     f"{d['message']}")
    for c in doc.get("concepts", []):
        lines.append(f"concept {c['name']} canonical={c['canonical']} refs={c['references']} "
                     f"canonical-refs={c['canonical_references']}")
    return lines


@dataclass
class Command:
    name: str
    args: list[str]  # after the binary; "{dir}" is the project's tree
    schema: str
    ok_codes: tuple[int, ...]
    lines: Callable[[dict], list[str]]


# Every command runs on every project, in this order; each has a section in the expected files.
# To add one, append it here and run with --bless.
COMMANDS = [
    Command("scan", ["scan", "{dir}", "--output-format", "json"], "ssot.scan/1", (0,), scan_lines),
    # exit 1 means "violations", which is what a project without a baseline has
    Command("check", ["check", "{dir}", "--output-format", "json"], "ssot.check/1", (0, 1),
            check_lines),
]


def fix_concepts(scan: dict, count: int = 2) -> list[str]:
    """The symbols imported through the most statements other than their definition's path."""
    ranked = []
    for symbol in scan["symbols"]:
        origin = symbol["origin"]
        if "." in origin.split(":", 1)[1]:
            continue  # nested in a class: not importable by name
        if not any(p["path"] == origin for p in symbol["paths"]):
            continue
        other = sum(p["statements"] for p in symbol["paths"] if p["path"] != origin)
        ranked.append((-other, origin))
    return [origin for _, origin in sorted(ranked)[:count]]


def run_plan_check(ssot: Path, tree: Path, key: str, timeout: float, result: "Result") -> None:
    """`--plan`: on a scratch copy with `run_fix`'s concepts, the number of imports `ssot plan`
    says `ssot fix` rewrites must be the number `ssot fix --diff` reports. Reported, never
    written to the expected files (a mismatch is an error)."""
    try:
        concepts = fix_concepts(json.loads((OUT / f"{key}.scan.json").read_text()))
    except (OSError, ValueError, KeyError) as e:
        result.errors.append(f"`ssot plan`: cannot read the scan output ({e})")
        return
    scratch = OUT / f"{key}.plan-tree"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(tree, scratch, symlinks=True)
    config = scratch / "ssot.toml"
    existing = config.read_text() if config.exists() else ""
    config.write_text(existing + "".join(f'\n[concepts.fix-{i}]\ncanonical = "{origin}"\n'
                                         for i, origin in enumerate(concepts)))
    docs = {}
    for name, argv in (("plan", [str(ssot), "plan", str(scratch), "--format", "json"]),
                       ("fix", [str(ssot), "fix", str(scratch), "--diff", "--output-format",
                                "json"])):
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            result.errors.append(f"`ssot {name}` timed out after {timeout:.0f} s")
            return
        if proc.returncode not in (0, 1) or "panicked" in proc.stderr:
            result.errors.append(f"`ssot {name}`: exit code {proc.returncode}\n"
                                 f"    $ {shlex.join(argv)}\n{proc.stderr[-2000:]}")
            return
        docs[name] = json.loads(proc.stdout)
    shutil.rmtree(scratch, ignore_errors=True)
    planned = docs["plan"]["summary"]["auto_fixable"]
    fixed = docs["fix"]["fixed"].get("SSOT101", 0)
    steps = sum(len(phase["steps"]) for phase in docs["plan"]["phases"])
    log(f"{key}: plan: {steps} steps, {planned} imports for `ssot fix`; fix --diff: {fixed}")
    if planned != fixed:
        result.errors.append(f"`ssot plan` counts {planned} automatic import rewrites, "
                             f"`ssot fix --diff` {fixed}")


def run_fix(ssot: Path, tree: Path, key: str, timeout: float, result: "Result") -> list[str] | None:
    """`ssot fix` on a scratch copy, with concepts declared from the project's own scan: the
    symbols reached through the most non-canonical import statements, canonical at their
    definition. Every rewritten file must compile, and a second run must change nothing."""
    scan_out = OUT / f"{key}.scan.json"
    try:
        concepts = fix_concepts(json.loads(scan_out.read_text()))
    except (OSError, ValueError, KeyError) as e:
        result.errors.append(f"`ssot fix`: cannot read the scan output ({e})")
        return None
    scratch = OUT / f"{key}.fix-tree"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(tree, scratch, symlinks=True)
    # The tree's own ssot.toml (import roots) gets the concepts appended.
    config = scratch / "ssot.toml"
    existing = config.read_text() if config.exists() else ""
    config.write_text(existing + "".join(f'\n[concepts.fix-{i}]\ncanonical = "{origin}"\n'
                                         for i, origin in enumerate(concepts)))
    argv = [str(ssot), "fix", str(scratch), "--output-format", "json", "--exit-zero"]
    lines = []
    t0 = time.monotonic()
    for attempt in ("first", "second"):
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            result.errors.append(f"`ssot fix` timed out after {timeout:.0f} s")
            return None
        if proc.returncode != 0 or "panicked" in proc.stderr:
            result.errors.append(f"`ssot fix` ({attempt} run): exit code {proc.returncode}\n"
                                 f"    $ {shlex.join(argv)}\n{proc.stderr[-2000:]}")
            return None
        doc = json.loads(proc.stdout)
        files = [f["path"] for f in doc["files"]]
        if attempt == "second":
            lines.append(f"fix second-run files={len(files)}")
            break
        for origin in concepts:
            lines.append(f"fix concept canonical={origin}")
        for c in doc["concepts"]:
            lines.append(f"fix compliance {c['canonical']} "
                         f"{c['before']['canonical_references']}/{c['before']['references']} -> "
                         f"{c['after']['canonical_references']}/{c['after']['references']}")
        fixed = " ".join(f"{code}={n}" for code, n in sorted(doc["fixed"].items()))
        lines.append(f"fix fixed {fixed or 'nothing'} files={len(files)}")
        reasons: dict[str, int] = {}
        for skipped in doc["skipped"]:
            reason = skipped["code"] + " " + skipped["reason"]
            reasons[reason] = reasons.get(reason, 0) + 1
        lines.extend(f"fix skipped {n} x {reason}" for reason, n in sorted(reasons.items()))
        for failure in doc["failures"]:
            result.errors.append(f"`ssot fix` failed to verify {failure['path']}: "
                                 f"{failure['message']}")
        for start in range(0, len(files), 200):
            chunk = [str(scratch / f) for f in files[start:start + 200]]
            compiled = subprocess.run([sys.executable, "-B", "-m", "py_compile", *chunk],
                                      capture_output=True, text=True)
            if compiled.returncode != 0:
                result.errors.append(f"`ssot fix` left a file that does not compile:\n"
                                     f"{compiled.stderr[-1500:]}")
    result.ssot_secs["fix"] = time.monotonic() - t0
    shutil.rmtree(scratch, ignore_errors=True)
    return lines


# --------------------------------------------------------------------------------------------
# import check (ecosystem/import_check.py)


def ensure_import_venv(p: Project, tools: Tools, offline: bool) -> tuple[Path, Path | None]:
    """import-venvs/<key>/: the project's runtime dependencies, wheels only, plus the pinned
    tools (ruff). The project's own distributions are installed (that is how pip resolves their
    dependencies) and then uninstalled: the modules imported must be those of the copy."""
    venv = IMPORT_VENVS / p.key
    py = venv / "bin" / "python"
    ruff = venv / "bin" / "ruff"
    own = [f"{s.name}=={s.version}" for s in p.sdists]
    stamp_file = venv / ".ecosystem-stamp"
    stamp = "\n".join(own + tools.import_check)
    if py.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return py, ruff if ruff.exists() else None
    if offline:
        raise SetupError(f"{venv.relative_to(REPO)} is missing or stale and --offline was given "
                         "(or run with --no-imports)")
    if venv.exists():
        shutil.rmtree(venv)
    log(f"{p.key}: installing its runtime dependencies (wheels) into {venv.relative_to(REPO)}")
    run_checked([sys.executable, "-m", "venv", str(venv)], "creating the venv")
    run_checked([str(py), "-m", "pip", "install", "--quiet", "--only-binary", ":all:",
                 *own, *tools.import_check], f"pip install (wheels) for {p.key}")
    run_checked([str(py), "-m", "pip", "uninstall", "--quiet", "--yes",
                 *(s.name for s in p.sdists)], f"pip uninstall for {p.key}")
    stamp_file.write_text(stamp)
    return py, ruff if ruff.exists() else None


def run_imports(p: Project, tree: Path, ssot: Path, tools: Tools, args: argparse.Namespace,
                result: "Result") -> None:
    """`ssot init` + `ssot fix` on a scratch copy; every module listed by `import-check` must
    import after as it did before, and I001 findings must not grow."""
    try:
        python, ruff = ensure_import_venv(p, tools, args.offline)
    except SetupError as e:
        result.errors.append(f"import check: {e}")
        return
    scratch = OUT / f"{p.key}.import-tree"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(tree, scratch, symlinks=True)
    entries = [scratch / norm(s.key if p.extra else "", i)
               for s in p.sdists for i in s.import_check]
    missing = [str(e.relative_to(scratch)) for e in entries if not e.exists()]
    if missing:
        result.errors.append(f"import check: no such package in the sdist: {', '.join(missing)}")
        return
    roots = list(dict.fromkeys(e.parent for e in entries))
    report = check_tree(ssot, scratch, python, roots, entries, ruff, args.jobs, args.timeout)
    result.imports = report
    result.ssot_secs["imports"] = report.secs
    (OUT / f"{p.key}.imports.json").write_text(json.dumps(report.as_json(), indent=1) + "\n")
    if report.ok:
        shutil.rmtree(scratch, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# running


@dataclass
class Result:
    project: Project
    prep_secs: float = 0.0
    ssot_secs: dict[str, float] = field(default_factory=dict)
    files: int | None = None
    findings: int = 0
    errors: list[str] = field(default_factory=list)  # panics, bad exit codes, bad JSON
    diff: list[str] = field(default_factory=list)
    blessed: bool = False
    imports: ImportReport | None = None  # None: the import check did not run

    @property
    def ok(self) -> bool:
        return not self.errors and not self.diff and (self.imports is None or self.imports.ok)

    @property
    def status(self) -> str:
        if self.errors:
            return "FAILED"
        if self.imports is not None and not self.imports.ok:
            return "IMPORTS"
        return "DIFFERS" if self.diff else "blessed" if self.blessed else "ok"


def run_command(ssot: Path, cmd: Command, tree: Path, key: str, timeout: float,
                result: Result) -> list[str] | None:
    OUT.mkdir(parents=True, exist_ok=True)
    out_path = OUT / f"{key}.{cmd.name}.json"
    err_path = OUT / f"{key}.{cmd.name}.stderr"
    argv = [str(ssot), *(a.replace("{dir}", str(tree)) for a in cmd.args)]
    t0 = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        try:
            proc = subprocess.run(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                  cwd=REPO, timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            code = None
    result.ssot_secs[cmd.name] = time.monotonic() - t0
    stderr = err_path.read_text(errors="replace")
    what = f"`ssot {cmd.name}`"
    if code is None:
        result.errors.append(f"{what} timed out after {timeout:.0f} s")
        return None
    problems = []
    if code < 0:
        problems.append(f"killed by signal {-code}")
    elif code not in cmd.ok_codes:
        problems.append(f"exit code {code}")
    if "panicked" in stderr:
        problems.append("panicked")
    if "internal error" in stderr.lower():
        problems.append('"internal error" on stderr')
    doc = None
    if not problems:
        try:
            doc = json.loads(out_path.read_text())
            if doc.get("schema") != cmd.schema:
                problems.append(f"schema {doc.get('schema')!r}, expected {cmd.schema!r}")
        except (ValueError, AttributeError) as e:
            problems.append(f"stdout is not JSON ({e})")
    if problems:
        tail = "\n".join("      " + line for line in stderr.strip().splitlines()[-12:])
        result.errors.append(f"{what}: {', '.join(problems)}\n    $ {shlex.join(argv)}\n"
                             f"    stderr ({err_path.relative_to(REPO)}):\n{tail or '      (empty)'}")
        return None
    try:
        lines = sorted(cmd.lines(doc))
    except (KeyError, TypeError) as e:
        result.errors.append(f"{what}: unexpected JSON shape ({e!r}); see {out_path}")
        return None
    if cmd.name == "scan":
        result.files = doc["summary"]["files"]
    result.findings += len(lines)
    return lines


def render_expected(p: Project, sections: dict[str, list[str]]) -> str:
    out = [f"# {p.key}: ssot findings, one per line, sorted. Written by `python3 ecosystem/run.py"
           f" --bless`; review changes with `git diff ecosystem/expected`."]
    for name, lines in sections.items():
        out.append(f"## {name}")
        out.extend(lines)
    return "\n".join(out) + "\n"


def run_project(p: Project, get_sdist: Callable[[Sdist], Path], ssot: Path,
                args: argparse.Namespace, tools: Tools, imports: bool) -> Result:
    result = Result(p)
    t0 = time.monotonic()
    archives = [get_sdist(s) for s in p.sdists]
    tree = prepare_tree(p, archives)
    result.prep_secs = time.monotonic() - t0
    sections = {}
    for cmd in COMMANDS:
        lines = run_command(ssot, cmd, tree, p.key, args.timeout, result)
        if lines is not None:
            sections[cmd.name] = lines
    if "scan" in sections:
        lines = run_fix(ssot, tree, p.key, args.timeout, result)
        if lines is not None:
            sections["fix"] = sorted(lines)
        if args.plan:
            run_plan_check(ssot, tree, p.key, args.timeout, result)
    if imports:
        # Its figures depend on the installed dependencies and the Python version, so they are
        # reported (and written to .cache/out/KEY.imports.json), not compared with expected files.
        run_imports(p, tree, ssot, tools, args, result)
    if result.errors:
        return result  # never bless or diff a run that crashed
    actual = render_expected(p, sections)
    expected_text = p.expected_file.read_text() if p.expected_file.exists() else None
    if actual == expected_text:
        return result
    if args.bless:
        EXPECTED.mkdir(parents=True, exist_ok=True)
        p.expected_file.write_text(actual)
        result.blessed = True
        return result
    old = expected_text.splitlines(keepends=True) if expected_text is not None else []
    result.diff = list(difflib.unified_diff(
        old, actual.splitlines(keepends=True),
        fromfile=f"ecosystem/expected/{p.expected_file.name}" if expected_text is not None
        else "/dev/null", tofile=f"{p.key} (this run)"))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{p.key}.diff").write_text("".join(result.diff))
    (OUT / f"{p.key}.actual.txt").write_text(actual)
    return result


def stale_binary_warning(ssot: Path) -> None:
    try:
        built = ssot.stat().st_mtime
    except OSError:
        return
    newest = max((f.stat().st_mtime, f) for f in (REPO / "crates").rglob("*")
                 if f.is_file() and f.suffix in (".rs", ".toml") and "/tests/" not in str(f))
    if newest[0] > built:
        log(f"warning: {ssot.relative_to(REPO) if ssot.is_relative_to(REPO) else ssot} is older "
            f"than {newest[1].relative_to(REPO)}; rebuild with `cargo build --release -p ssot`")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ci", action="store_true", help="only the projects marked `ci = true`")
    ap.add_argument("--project", action="append", default=[], metavar="NAME",
                    help="only this project (by name or name-version); repeatable")
    ap.add_argument("--bless", action="store_true",
                    help="rewrite the expected files of the projects that differ")
    ap.add_argument("--ssot", default=str(REPO / "target" / "release" / "ssot"),
                    help="the binary to run (default: target/release/ssot)")
    ap.add_argument("--offline", action="store_true",
                    help="use only sdists already in ecosystem/.cache; never call pip")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per ssot run (600)")
    ap.add_argument("--diff-lines", type=int, default=150,
                    help="print at most this many diff lines per project (the full diff is "
                         "written to ecosystem/.cache/out/NAME-VERSION.diff)")
    ap.add_argument("--imports", action=argparse.BooleanOptionalAction, default=True,
                    help="run the import check on the projects with `import-check` (with --ci: "
                         "those with `ci-import-check`); on by default")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="interpreters the import check runs at once (default: the CPU count)")
    ap.add_argument("--plan", action="store_true",
                    help="also check that `ssot plan`'s automatic import count equals "
                         "`ssot fix --diff`'s (reported, not compared with expected files)")
    ap.add_argument("--list", action="store_true", help="list the projects and exit")
    args = ap.parse_args()

    tools, projects = load_manifest()
    if args.list:
        for p in projects:
            with_ = " + " + ", ".join(s.key for s in p.extra) if p.extra else ""
            marks = ("  [ci]" if p.ci else "") + ("  [imports" + (", ci]" if p.ci_import_check
                                                               else "]") if p.import_checked else "")
            print(f"{p.key}{with_}{marks}\n    {p.why}")
        return 0
    selected = [p for p in projects if not args.ci or p.ci]
    if args.project:
        wanted = set(args.project)
        selected = [p for p in selected if p.main.name in wanted or p.key in wanted]
        unknown = wanted - {p.main.name for p in projects} - {p.key for p in projects}
        if unknown:
            raise SetupError(f"no such project in {MANIFEST.name}: {', '.join(sorted(unknown))}")
    if not selected:
        raise SetupError("no project selected")

    ssot = Path(args.ssot).resolve()
    if not ssot.is_file():
        raise SetupError(f"{ssot} does not exist; build it with `cargo build --release -p ssot`")
    stale_binary_warning(ssot)

    started = time.monotonic()
    venv: list[Path] = []  # created on the first download

    def get_sdist(s: Sdist) -> Path:
        hit = cached_sdist(s)
        if hit:
            return hit
        if args.offline:
            raise SetupError(f"{s.key} is not in {SDISTS.relative_to(REPO)} and --offline was given")
        if not venv:
            venv.append(ensure_venv(tools.requirements))
        return fetch_sdist(s, venv[0])

    results = []
    for p in selected:
        log(f"{p.key}: running")
        imports = args.imports and p.import_checked and (p.ci_import_check or not args.ci)
        r = run_project(p, get_sdist, ssot, args, tools, imports)
        results.append(r)
        ssot_time = sum(v for k, v in r.ssot_secs.items() if k != "imports")
        took = f", import check {secs(r.ssot_secs['imports'])}" if "imports" in r.ssot_secs else ""
        log(f"{p.key}: {r.status} (ssot {secs(ssot_time)}{took}, download+extract "
            f"{secs(r.prep_secs)})")

    # report
    print()
    print(f"{'project':<32} {'files':>6} {'lines':>6} {'ssot':>8} {'prep':>8}  status")
    for r in results:
        files = "-" if r.files is None else str(r.files)
        ssot_time = sum(v for k, v in r.ssot_secs.items() if k != "imports")
        print(f"{r.project.key:<32} {files:>6} {r.findings:>6} "
              f"{secs(ssot_time):>8} {secs(r.prep_secs):>8}  {r.status}")
    checked = [r for r in results if r.imports is not None]
    if checked:
        print(f"\n{'import check':<32} {'modules':>7} {'importable':>12} {'I001':>9} "
              f"{'concepts':>8} {'rewrites':>8} {'files':>5} {'skipped':>7} {'time':>7}")
        for r in checked:
            i = r.imports
            i001 = "-" if i.i001_before is None else f"{i.i001_before}->{i.i001_after}"
            print(f"{r.project.key:<32} {i.modules:>7} "
                  f"{f'{i.importable_before}->{i.importable_after}':>12} {i001:>9} "
                  f"{i.concepts:>8} {i.rewrites:>8} {i.files_written:>5} "
                  f"{sum(i.skipped.values()):>7} {secs(i.secs):>7}")
    for r in results:
        for e in r.errors:
            print(f"\n{r.project.key}: {e}")
        if r.imports is not None:
            for problem in r.imports.problems():
                print(f"\n{r.project.key}: import check: {problem}")
        if r.diff:
            shown = r.diff[: args.diff_lines]
            print(f"\n{r.project.key}: findings differ from "
                  f"ecosystem/expected/{r.project.expected_file.name}:")
            sys.stdout.write("".join(shown))
            if len(r.diff) > len(shown):
                print(f"... {len(r.diff) - len(shown)} more diff lines in "
                      f"{(OUT / (r.project.key + '.diff')).relative_to(REPO)}")
    if not args.ci and not args.project and EXPECTED.is_dir():
        known = {p.expected_file.name for p in projects}
        for f in sorted(EXPECTED.glob("*.txt")):
            if f.name not in known:
                print(f"\nnote: {f.relative_to(REPO)} belongs to no project in {MANIFEST.name}")
    failed = [r for r in results if not r.ok]
    blessed = [r for r in results if r.blessed]
    print()
    if failed and not args.bless and any(r.diff for r in failed):
        print("If a difference is intended, rerun with --bless and review the diff of "
              "ecosystem/expected/ before committing.")
    if blessed:
        print(f"{len(blessed)} expected file(s) rewritten: review `git diff ecosystem/expected`.")
    print(f"{len(results)} project(s) in {secs(time.monotonic() - started)}")
    # The closing line, in the plain `N passed, N failed` form CI logs are read for.
    print(f"ecosystem: {len(results) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SetupError as e:
        print(f"ecosystem/run.py: error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("ecosystem/run.py: interrupted", file=sys.stderr)
        sys.exit(130)
