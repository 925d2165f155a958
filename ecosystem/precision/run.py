#!/usr/bin/env python3
"""The hand-checked precision sample of the concept rules (ecosystem/PRECISION.md), rerun.

Downloads the nineteen source distributions (pinned by sha256) from PyPI, runs
`ssot check` on each with its configuration in this directory, draws the sample of at most
30 findings per rule the way PRECISION.md describes, and prints per rule how many findings
there are, how many sampled findings `verdicts.tsv` judges TRUE and FALSE, and every sampled
finding it does not judge yet (to be read by hand and added to `verdicts.tsv`).

    python3 ecosystem/precision/run.py [--ssot target/release/ssot] [--dir /tmp/ssot-precision]
    python3 ecosystem/precision/run.py --wrappers     # the SSOT202 sample of ssot202/RESULTS.md
    python3 ecosystem/precision/run.py --ecosystem    # every rule on ecosystem/projects.toml

`--ecosystem` runs on the trees `python3 ecosystem/run.py` extracted into ecosystem/.cache/src,
with the configuration a new user would have: the tree's ssot.toml (import roots, as the
ecosystem run writes it) plus the concepts `ssot init` proposes for it. Every rule is
selected; the sample is at most 25 findings per rule drawn with the seed given (`--seed`,
written down in PRECISION.md), and the census of `ssot scan` is checked: no symbol may list a
path whose only importer is the origin's own package `__init__` (its public re-export).

Findings are keyed by (rule, tree, path:line); a judged finding whose line moved or whose
rule changed its mind shows up as not judged, never silently as judged.
"""

from __future__ import annotations

import argparse
import collections
import csv
import importlib.util
import json
import random
import subprocess
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = "SSOT202,SSOT203,SSOT301,SSOT302,SSOT401"

# (configuration, project, version, sha256 of the sdist PyPI serves)
TREES = [
    ("celery", "celery", "5.4.0", "504a19140e8d3029d5acad88330c541d4c3f64c789d85f94756762d8bca7e706"),
    ("kombu", "kombu", "5.4.2", "eef572dd2fd9fc614b37580e3caeafdd5af46c1eff31e7fba89138cdb406f2cf"),
    ("redis", "redis", "5.2.1", "16f2e22dff21d5125e8481515e386711a34cbec50f0e44413dd7d9c060a54e0f"),
    ("tornado", "tornado", "6.4.2", "92bad5b4746e9879fd7bf1eb21dce4e3fc5128d71601f80005afa39237ad620b"),
    ("aiohttp", "aiohttp", "3.11.11", "bb49c7f1e6ebf3821a42d81d494f538107610c3a705987f53068546b0e90303e"),
    ("scrapy", "scrapy", "2.12.0", "d66d6e76009b12447604196875a463b61d10721140032a8084a0a52df7f4788f"),
    ("sentry_sdk", "sentry_sdk", "2.19.2", "467df6e126ba242d39952375dd816fbee0f217d119bf454a8ce74cf1e7909e8d"),
    ("urllib3", "urllib3", "2.3.0", "f8c5449b3cf0861679ce7e0503c7b44b5ec981bec0d1d3795a07f1ba96f0204d"),
    ("django", "django", "5.1.4", "de450c09e91879fa5a307f696e57c851955c910a438a35e6b4c895e86bedc82a"),
    ("sqlalchemy", "sqlalchemy", "2.0.36", "7f2767680b6d2398aea7082e45a774b2b0767b5c8d8ffb9c8b683088ea9b29c5"),
    ("ansible", "ansible_core", "2.17.7", "3aaab735d6c4e2d6239bc326800dc0ecda2a1490caa8455b41084ec0bc54dacf"),
    ("salt", "salt", "3007.1", "b933ac4cb3e4b1118b46dada55c9cc6bdc6f0f94b4c92877aec44b25c6a28c9a"),
    ("pyramid", "pyramid", "2.0.2", "372138a738e4216535cc76dcce6eddd5a1aaca95130f2354fb834264c06f18de"),
    ("twisted", "twisted", "24.11.0", "695d0556d5ec579dcc464d2856b634880ed1319f45b10d19043f2b57eb0115b5"),
    ("sphinx", "sphinx", "8.1.3", "43c1911eecb0d3e161ad78611bc905d1ad0e523e4ddc202a58a821773dc4c927"),
    ("jupyter_server", "jupyter_server", "2.15.0", "9d446b8697b4f7337a1b7cdcac40778babdd93ba614b6d68ab1c0c918f1c4084"),
    ("paramiko", "paramiko", "3.5.0", "ad11e540da4f55cedda52931f1a3f812a8238a7af7f62a60de538cd80bb28124"),
    ("pymongo", "pymongo", "4.10.1", "a9de02be53b6bb98efe0b9eda84ffa1ec027fcb23a2de62c4f941d9a2f2f3330"),
    ("botocore", "botocore", "1.35.90", "f007f58e8e3c1ad0412a6ddfae40ed92a7bca571c068cb959902bcf107f2ae48"),
]

# `--wrappers`: the SSOT202 sample of ssot202/RESULTS.md, its configurations in ssot202/.
WRAPPER_TREES = [tree for tree in TREES if tree[0] in
                 {"ansible", "pyramid", "sphinx", "twisted", "django", "pymongo", "salt"}] + [
    ("sympy", "sympy", "1.13.3", "b27fd2c6530e0ab39e275fc9b683895367e51d5da91baa8d3d64db2565fec4d9"),
    ("matplotlib", "matplotlib", "3.11.2", "cec596316640f2b394b8f0daa0ea61a8eae82d017b620b9f202befb972a59ea4"),
    ("prompt_toolkit", "prompt_toolkit", "3.0.53", "9ec8a0ad96d5c56148b3f914aa79c1564c3fde5d2e6b876e7bc327e353cf8fa6"),
]


def ecosystem_helpers():
    """`sha256_of` and `extract_into` of ecosystem/run.py."""
    spec = importlib.util.spec_from_file_location("ecosystem_run", HERE.parent / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def sdist_url(project: str, version: str, sha256: str) -> str:
    """The URL of the sdist with this hash, from PyPI's simple index (JSON form)."""
    request = urllib.request.Request(
        f"https://pypi.org/simple/{project}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    for entry in files:
        if entry.get("hashes", {}).get("sha256") == sha256:
            return entry["url"]
    raise SystemExit(f"{project} {version}: PyPI lists no file with sha256 {sha256}")


def fetch(root: Path, helpers, trees_wanted: list[tuple]) -> dict[str, Path]:
    """Every tree, downloaded and unpacked once: configuration -> tree directory."""
    sdists, trees = root / "sdists", root / "trees"
    sdists.mkdir(parents=True, exist_ok=True)
    trees.mkdir(parents=True, exist_ok=True)
    out = {}
    for conf, project, version, sha256 in trees_wanted:
        tree = trees / f"{project}-{version}"
        out[conf] = tree
        if tree.is_dir():
            continue
        archive = sdists / f"{project}-{version}.tar.gz"
        if not archive.is_file() or helpers.sha256_of(archive) != sha256:
            url = sdist_url(project, version, sha256)
            print(f"downloading {url}", file=sys.stderr)
            urllib.request.urlretrieve(url, archive)
            if helpers.sha256_of(archive) != sha256:
                archive.unlink()
                raise SystemExit(f"{project} {version}: sha256 mismatch, file deleted")
        helpers.extract_into(archive, tree)
    return out


def run_checks(ssot: Path, trees: dict[str, Path], configs: Path, rules: str,
               out: Path) -> list[tuple]:
    """(rule, tree, path, line, column, message) of every finding of every tree."""
    out.mkdir(parents=True, exist_ok=True)
    findings = []
    for conf, tree in trees.items():
        result = subprocess.run(
            [str(ssot), "check", str(tree), "--config", str(configs / f"{conf}.toml"),
             "--select", rules, "--output-format", "json", "--exit-zero"],
            capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"{conf}: ssot exited with {result.returncode}\n{result.stderr}")
        (out / f"{conf}.json").write_text(result.stdout)
        name = tree.name.split("-")[0].lower()
        for d in json.loads(result.stdout)["diagnostics"]:
            findings.append((d["code"], name, d["path"], d["line"], d["column"], d["message"]))
    return findings


def finding_key(finding: tuple) -> tuple:
    return finding[1:6]


def by_rule_sorted(findings: list[tuple]) -> list[tuple[str, list[tuple]]]:
    """The findings grouped by rule (sorted), each group in a stable order."""
    by_rule = collections.defaultdict(list)
    for finding in findings:
        by_rule[finding[0]].append(finding)
    return [(rule, sorted(items, key=finding_key)) for rule, items in sorted(by_rule.items())]


def sample(findings: list[tuple]) -> dict[str, list[tuple]]:
    """At most 30 findings per rule: all of them, or the first 30 of a shuffle with seed 2026
    of the sorted list, skipping a tree that already gave 15."""
    out = {}
    for rule, items in by_rule_sorted(findings):
        if len(items) <= 30:
            out[rule] = items
            continue
        order = items[:]
        random.Random(2026).shuffle(order)
        pick, per_tree = [], collections.Counter()
        for finding in order:
            if per_tree[finding[1]] >= 15:
                continue
            pick.append(finding)
            per_tree[finding[1]] += 1
            if len(pick) == 30:
                break
        out[rule] = pick
    return out


ECOSYSTEM_SAMPLE = 25


def ecosystem_trees() -> dict[str, Path]:
    """The trees of ecosystem/projects.toml that ecosystem/run.py extracted: key -> tree."""
    run = ecosystem_helpers()
    _, projects = run.load_manifest()
    trees = {}
    for project in projects:
        tree = run.SRC / project.key
        if not (tree / "ssot.toml").is_file():
            raise SystemExit(f"{tree} is missing: run `python3 ecosystem/run.py` first")
        trees[project.key] = tree
    return trees


def ecosystem_config(ssot: Path, key: str, tree: Path, out: Path) -> Path:
    """The tree's ssot.toml with the concepts `ssot init` proposes, in `out`."""
    config = out / f"{key}.toml"
    config.write_text((tree / "ssot.toml").read_text())
    result = subprocess.run([str(ssot), "init", str(tree), "--config", str(config), "--force"],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{key}: `ssot init` exited with {result.returncode}\n{result.stderr}")
    return config


def own_package_census_entries(tree: Path, scan: dict) -> list[str]:
    """Census symbols with a path imported only by the origin's own package `__init__`: the
    package's public re-export counted as a use (what issue 14 item 6 removed)."""
    bad = []
    for symbol in scan["symbols"]:
        defined = symbol["defined_at"]["path"]
        packages = {f"{directory}/__init__.py" for directory in parents(defined)}
        packages |= {p + "i" for p in packages}
        for path in symbol["paths"]:
            examples = {e["path"] for e in path.get("examples", [])}
            complete = path["files"] <= len(examples)
            if complete and examples and examples <= packages:
                bad.append(f"{symbol['origin']}: {path['path']} only in {sorted(examples)}")
    return bad


def parents(path: str) -> list[str]:
    """`a/b/c.py` -> [`a/b`, `a`]."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def run_ecosystem(ssot: Path, out: Path) -> tuple[list[tuple], list[str]]:
    """Findings of every rule on every ecosystem tree, and the census violations."""
    out.mkdir(parents=True, exist_ok=True)
    findings, census = [], []
    for key, tree in ecosystem_trees().items():
        print(f"{key}: init, check, scan", file=sys.stderr)
        config = ecosystem_config(ssot, key, tree, out)
        result = subprocess.run(
            [str(ssot), "check", str(tree), "--config", str(config), "--select", "ALL",
             "--output-format", "json", "--exit-zero", "--no-baseline"],
            capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"{key}: ssot check exited with {result.returncode}\n{result.stderr}")
        (out / f"{key}.check.json").write_text(result.stdout)
        for d in json.loads(result.stdout)["diagnostics"]:
            findings.append((d["code"], key, d["path"], d["line"], d["column"], d["message"]))
        result = subprocess.run([str(ssot), "scan", str(tree), "--output-format", "json"],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"{key}: ssot scan exited with {result.returncode}\n{result.stderr}")
        (out / f"{key}.scan.json").write_text(result.stdout)
        census += [f"{key}: {line}"
                   for line in own_package_census_entries(tree, json.loads(result.stdout))]
    return findings, census


def ecosystem_sample(findings: list[tuple], seed: int) -> dict[str, list[tuple]]:
    """At most ECOSYSTEM_SAMPLE findings per rule: all of them, or a simple random sample
    (seed `seed`) of the sorted list."""
    out = {}
    for rule, items in by_rule_sorted(findings):
        if len(items) > ECOSYSTEM_SAMPLE:
            items = sorted(random.Random(seed).sample(items, ECOSYSTEM_SAMPLE), key=finding_key)
        out[rule] = items
    return out


def print_table(findings: list[tuple], sampled: dict[str, list[tuple]],
                verdicts: dict[tuple, str], reasons: dict[tuple, str] | None = None) -> list[tuple]:
    """The per-rule table; returns the sampled findings not judged yet. With `reasons`, a
    column counts the judged findings whose reason starts with "config-induced" (the rule did
    what the configuration says, but the configuration's concept or accessor is not one)."""
    totals = collections.Counter(f[0] for f in findings)
    extra = " config-induced |" if reasons is not None else ""
    print(f"| rule | findings | sampled | TRUE | FALSE | not judged | precision |{extra}")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |" + (" ---: |" if extra else ""))
    unjudged = []
    for rule, picked in sampled.items():
        counts = collections.Counter()
        for finding in picked:
            verdict = verdicts.get((rule, finding[1], f"{finding[2]}:{finding[3]}"))
            counts[verdict] += 1
            if verdict is None:
                unjudged.append(finding)
        judged = counts["TRUE"] + counts["FALSE"]
        share = f"{counts['TRUE']}/{judged} = {100 * counts['TRUE'] / judged:.0f}%" if judged else "-"
        induced = ""
        if reasons is not None:
            keys = [(rule, f[1], f"{f[2]}:{f[3]}") for f in picked]
            induced = f" {sum(reasons.get(k, '').startswith('config-induced') for k in keys)} |"
        print(f"| {rule} | {totals[rule]} | {len(picked)} | {counts['TRUE']} | "
              f"{counts['FALSE']} | {counts[None]} | {share} |{induced}")
    return unjudged


def read_verdicts(path: Path, column: str = "verdict") -> dict[tuple, str]:
    with open(path, newline="") as f:
        return {(r["code"], r["tree"], r["location"]): r[column]
                for r in csv.DictReader(f, delimiter="\t")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ssot", default=str(HERE.parents[1] / "target/release/ssot"))
    parser.add_argument("--dir", default="/tmp/ssot-precision")
    parser.add_argument("--wrappers", action="store_true",
                        help="SSOT202 on wrapped classes declared as concepts (ssot202/RESULTS.md)")
    parser.add_argument("--ecosystem", action="store_true",
                        help="every rule on the trees of ecosystem/projects.toml, `ssot init` concepts")
    parser.add_argument("--seed", type=int, default=1414,
                        help="the sample's seed with --ecosystem (PRECISION.md names the one used)")
    args = parser.parse_args()
    root = Path(args.dir)
    if args.ecosystem:
        findings, census = run_ecosystem(Path(args.ssot), root / "out-ecosystem")
        verdicts = read_verdicts(HERE / "verdicts.tsv")
        reasons = read_verdicts(HERE / "verdicts.tsv", "reason")
        unjudged = print_table(findings, ecosystem_sample(findings, args.seed), verdicts, reasons)
        print(f"\ncensus entries whose extra path is the package's own `__init__`: {len(census)}")
        for line in census:
            print(f"  {line}")
        for finding in unjudged:
            print(f"not judged: {finding[0]}\t{finding[1]}\t{finding[2]}:{finding[3]}\t{finding[5]}")
        if census:
            raise SystemExit(1)
        return
    configs = HERE / "ssot202" if args.wrappers else HERE
    wanted = WRAPPER_TREES if args.wrappers else TREES
    trees = fetch(root, ecosystem_helpers(), wanted)
    rules = "SSOT202" if args.wrappers else RULES
    out = root / ("out-wrappers" if args.wrappers else "out")
    findings = run_checks(Path(args.ssot), trees, configs, rules, out)
    verdicts = read_verdicts(configs / "verdicts.tsv")
    unjudged = print_table(findings, sample(findings), verdicts)
    for finding in unjudged:
        print(f"not judged: {finding[0]}\t{finding[1]}\t{finding[2]}:{finding[3]}\t{finding[5]}")


if __name__ == "__main__":
    main()
