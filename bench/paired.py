#!/usr/bin/env python3
"""Paired time ratios of two tools from one `bench/run.py --json FILE` run.

`bench/run.py` interleaves its tools, so run i of one tool and run i of another saw the
same machine state; the ratio of each such pair is steadier than the ratio of medians on a
noisy machine. Prints the median and quartiles of those ratios, CPU and wall:

    python3 bench/paired.py FILE ssot-check ssot-check-before-issue6
"""

from __future__ import annotations

import argparse
import json
import statistics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json_file")
    parser.add_argument("tool", help="the tool measured")
    parser.add_argument("baseline", help="the tool it is compared with")
    args = parser.parse_args()
    with open(args.json_file) as f:
        tools = {tool["name"]: tool for tool in json.load(f)["tools"]}
    for name in (args.tool, args.baseline):
        if name not in tools:
            raise SystemExit(f"no tool {name!r} in {args.json_file}; it has {sorted(tools)}")
    for key, label in (("cpu_s", "CPU"), ("wall_s", "wall")):
        ratios = [a / b - 1 for a, b in zip(tools[args.tool][key], tools[args.baseline][key])]
        if len(ratios) < 2:
            raise SystemExit("need at least two runs of each tool")
        low, _, high = statistics.quantiles(ratios, n=4)
        print(f"{args.tool} / {args.baseline}, {label}: median {statistics.median(ratios):+.1%} "
              f"(quartiles {low:+.1%}, {high:+.1%}; {len(ratios)} pairs)")


if __name__ == "__main__":
    main()
