"""Gateway CPU time per request: the server process's own user + system time (``/proc``)
while it answers a fixed batch of requests from the loopback mock upstream.

    .venv/bin/python bench/server_cpu.py --baseline-src OLD/src

Wall-clock latency on a shared, loaded machine swings several-fold between runs; the CPU the
gateway spends per request does not depend on how long it waited for a core, so it is the
steadier figure for comparing two trees. Each profile (empty pipeline, default guards) runs
this tree's gateway and, with ``--baseline-src``, another tree's, side by side, taking turns in
rounds. Half of the requests stream. Writes docs/benchmarks/server_cpu.json.

    .venv/bin/python bench/server_cpu.py --profile-dir /tmp/prof

runs the gateway under cProfile instead, timed by the event-loop thread's own CPU clock (wall
clock would charge waiting for a core to whatever ran), main thread only, and writes one
``.prof`` file per profile, printing the top functions by own time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
from common import (
    ServeCommand,
    Service,
    print_table,
    serve_command,
    start_gateway,
    start_mock_upstream,
    write_result,
)
from overhead import Target, gateway_config, run_batch, serve_from

CLK_TCK = 100  # os.sysconf("SC_CLK_TCK") on Linux


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# Profiling starts on SIGUSR1 (sent after the warm-up, so start-up and imports are left out)
# and its stats are dumped just before uvicorn re-raises SIGTERM after its graceful shutdown
# (no atexit then).
PROFILED = (
    "import cProfile, signal, sys, time; p = cProfile.Profile(time.thread_time); "
    "out = sys.argv.pop(1); signal.signal(signal.SIGUSR1, lambda *_: p.enable()); "
    "raise_signal = signal.raise_signal; "
    "signal.raise_signal = lambda s: (p.disable(), p.dump_stats(out), raise_signal(s)); "
    "from aigc_gateway.cli import main; sys.exit(main())"
)

AREAS = (
    ("aigc_gateway/guards/", "guards"),
    ("aigc_gateway/labeling/", "labels (incl. fingerprint registry)"),
    ("aigc_gateway/audit/", "audit"),
    ("aigc_gateway/", "gateway (other)"),
    ("numpy", "numpy"),
    ("aiohttp", "aiohttp (upstream client)"),
    ("uvicorn", "uvicorn/httptools"),
    ("starlette", "starlette"),
    ("fastapi", "fastapi"),
    ("pydantic", "pydantic"),
    ("asyncio", "asyncio/uvloop"),
    ("json", "json"),
    ("re/", "re"),
)


def by_area(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time summed by where the function lives; built-ins count to their caller's area."""
    totals: dict[str, float] = {}
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (path, _, _), (_, _, own, _, callers) in entries:
        where = path
        if path == "~" and callers:  # a built-in: charge the caller that spent most in it
            where = max(callers.items(), key=lambda item: item[1][2])[0][0]
        area = next((name for part, name in AREAS if part in where), "other")
        totals[area] = totals.get(area, 0.0) + own
    return sorted(totals.items(), key=lambda item: -item[1])


def profiled(out: Path) -> ServeCommand:
    """``aigc-gateway serve`` under cProfile, dumping to ``out`` when the server stops."""

    def command(config_path: Path, data: Path, port: int) -> list[str]:
        argv = serve_command(config_path, data, port)
        return [sys.executable, "-c", PROFILED, str(out), *argv[3:]]

    return command


async def load(
    targets: dict[str, tuple[Target, int]], requests: int, rounds: int, profiling: bool
) -> dict:
    """Per target: CPU ms per request over ``requests`` (half streamed, 32 in flight)."""
    used = {name: 0.0 for name in targets}
    done = {name: 0 for name in targets}
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=120)
    ) as session:
        for target, pid in targets.values():  # warm up
            for stream in (False, True):
                await run_batch(session, target, stream, 40, 4)
            if profiling:
                os.kill(pid, signal.SIGUSR1)
        per_batch = requests // rounds // 2
        for _ in range(rounds):
            for name, (target, pid) in targets.items():
                before = cpu_seconds(pid)
                for stream in (False, True):
                    await run_batch(session, target, stream, per_batch, 32)
                used[name] += cpu_seconds(pid) - before
                done[name] += 2 * per_batch
    return {
        name: {
            "requests": done[name],
            "cpu_ms_per_request": round(used[name] / done[name] * 1000, 3),
        }
        for name in targets
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1200, help="per target and profile")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--profile-dir", type=Path, default=None, help="run under cProfile")
    parser.add_argument("--profiles", default="empty,default")
    args = parser.parse_args()

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mock, mock_url = start_mock_upstream(work)
        try:
            for profile in args.profiles.split(","):
                config = gateway_config(mock_url, profile)
                commands: dict[str, ServeCommand] = {"aigc-gateway": serve_command}
                if args.profile_dir is not None:
                    args.profile_dir.mkdir(parents=True, exist_ok=True)
                    commands = {"aigc-gateway": profiled(args.profile_dir / f"{profile}.prof")}
                elif args.baseline_src is not None:
                    commands["baseline"] = serve_from(args.baseline_src.resolve())
                services: list[Service] = []
                try:
                    targets = {}
                    for name, command in commands.items():
                        service, url, key = start_gateway(work, config, command)
                        services.append(service)
                        targets[name] = (Target(name, url, "bench", key), service.process.pid)
                    results[profile] = asyncio.run(
                        load(targets, args.requests, args.rounds, args.profile_dir is not None)
                    )
                finally:
                    for service in services:
                        service.stop()
        finally:
            mock.stop()

    rows = [
        [profile, name, r["requests"], r["cpu_ms_per_request"]]
        for profile, by_target in results.items()
        for name, r in by_target.items()
    ]
    print_table(
        "Gateway CPU per request (user + system of the server process)",
        ["pipeline", "target", "requests", "CPU ms/request"],
        rows,
    )
    if args.profile_dir is not None:
        for profile in results:
            print(f"\n== {profile}: top functions by own time (event-loop thread) ==")
            stats = pstats.Stats(str(args.profile_dir / f"{profile}.prof"))
            total = sum(own for _, own in by_area(stats))
            print_table(
                f"{profile}: event-loop thread CPU by area (profiled; {total:.2f} s)",
                ["area", "share %"],
                [[area, round(100 * own / total, 1)] for area, own in by_area(stats)],
            )
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)
        return
    summary = {
        f"{profile}_cpu_ms_per_request" + ("" if name == "aigc-gateway" else f"_{name}"): r[
            "cpu_ms_per_request"
        ]
        for profile, by_target in results.items()
        for name, r in by_target.items()
    }
    write_result(
        "server_cpu",
        summary,
        {
            "requests_per_target": args.requests,
            "streamed_share": 0.5,
            "concurrency": 32,
            "results": results,
            "baseline_src": None if args.baseline_src is None else str(args.baseline_src),
        },
    )


if __name__ == "__main__":
    main()
