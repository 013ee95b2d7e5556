"""CLI start-up: wall time of quick commands (``--help``, ``keys list``, ``config check``), each
run as a fresh process, this source tree beside another one.

    .venv/bin/python bench/cli_startup.py --baseline-src ../old/src

Runs take turns (this tree, baseline, this tree …) so that machine noise hits both alike.
Writes docs/benchmarks/cli_startup.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, print_table, write_result

COMMANDS = {
    "--help": ["--help"],
    "keys list": ["keys", "list", "--data-dir", "{data}"],
    "config check": ["config", "check", "--data-dir", "{data}"],
}


def run_once(src: Path, args: list[str], data: Path) -> float:
    command = [sys.executable, "-m", "aigc_gateway.cli", *(a.format(data=data) for a in args)]
    started = time.perf_counter()
    done = subprocess.run(
        command, env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command and tree")
    parser.add_argument("--baseline-src", type=Path, default=None, help="another tree's src/")
    args = parser.parse_args()
    trees = {"this tree": ROOT / "src"}
    if args.baseline_src is not None:
        trees["baseline"] = args.baseline_src.resolve()
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        for command, argv in COMMANDS.items():
            for src in trees.values():
                run_once(src, argv, data)  # warm the file cache
            for _ in range(args.runs):
                for tree, src in trees.items():
                    samples.setdefault((command, tree), []).append(run_once(src, argv, data))
    rows, results = [], {}
    for (command, tree), values in samples.items():
        median, best = statistics.median(values), min(values)
        rows.append([command, tree, round(median * 1000), round(best * 1000)])
        results.setdefault(command, {})[tree] = {
            "median_ms": round(median * 1000, 1),
            "min_ms": round(best * 1000, 1),
        }
    print_table(
        "CLI start-up (fresh process each run)", ["command", "tree", "median ms", "min ms"], rows
    )
    summary = {
        f"{command}_median_ms".replace(" ", "_").lstrip("-"): by_tree["this tree"]["median_ms"]
        for command, by_tree in results.items()
    }
    write_result(
        "cli_startup",
        summary,
        {"runs": args.runs, "results": results, "baseline_src": str(args.baseline_src or "")},
    )


if __name__ == "__main__":
    main()
