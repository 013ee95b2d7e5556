"""Soak: the real gateway under steady mixed load for a long time; errors and memory growth.

    nice .venv/bin/python bench/soak.py                   # 30 minutes
    nice .venv/bin/python bench/soak.py --minutes 2       # a short trial

One gateway with the full default pipeline (guards, labels, audit on SQLite, the local model)
and a loopback mock upstream. Clients send a steady mix: upstream chats with and without
personal data, streamed and not, text completions, guard scans, verifications, and now and
then a short local-model generation. Every answer must be 200 (a 429 would mean the load is
set above the configured limits, so it counts as an error too). The RSS of the gateway and its
child processes (the local model's worker, the guards' scan workers) is sampled every 10 s;
growth is measured from the end of the warm-up (first 10 %, at least one minute where the run
allows) to the end of the run. Goal: 0 errors, RSS growth ≤ 5 %.

Writes docs/benchmarks/soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from common import latency_summary, print_table, start_gateway, start_mock_upstream, write_result

SAMPLE_EVERY_S = 10.0
LOCAL_MODEL = "smollm2-135m-instruct"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0  # a zombie


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def tree_rss_mb(pid: int) -> float:
    """The gateway and its child processes (the local model's worker, the guards' scan
    workers): memory that moved into a child still counts."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += rss_mb(current)
            pending += children(current)
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
    return total


def requests_mix(index: int) -> tuple[str, dict[str, Any], bool]:
    """The ``index``-th request of a client: (path, body, streamed)."""
    kind = index % 10
    person = f"Contact jane.doe{index}@example.com or call +1 415 555 {index % 10000:04d}."
    chat = {"model": "echo", "messages": [{"role": "user", "content": f"Note {index}. {person}"}]}
    if kind in (0, 1, 2):
        return "/v1/chat/completions", chat, False
    if kind in (3, 4):
        return "/v1/chat/completions", {**chat, "stream": True}, True
    if kind == 5:
        return "/v1/completions", {"model": "echo", "prompt": f"Once upon {index}"}, False
    if kind == 6:
        return "/v1/guard", {"text": person}, False
    if kind == 7:
        return (
            "/v1/verify",
            {"text": f"Some text number {index} to look up in the registry."},
            False,
        )
    if kind == 8:
        streamed = (index // 10) % 3 == 0
        local = {
            "model": LOCAL_MODEL,
            "messages": [{"role": "user", "content": "Say hello."}],
            "max_tokens": 8,
            "stream": streamed,
        }
        return "/v1/chat/completions", local, streamed
    return "/v1/models", {}, False


async def client(
    url: str, key: str, rate: float, deadline: float, seed: int, results: dict[str, Any]
) -> None:
    rng = random.Random(seed)
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as http:
        index = seed * 1_000_000
        while time.monotonic() < deadline:
            path, body, streamed = requests_mix(index)
            started = time.perf_counter()
            try:
                if path == "/v1/models":
                    answer = await http.get(path)
                    ok = answer.status_code == 200
                elif streamed:
                    async with http.stream("POST", path, json=body) as answer:
                        lines = [line async for line in answer.aiter_lines() if line]
                    ok = answer.status_code == 200 and lines[-1] == "data: [DONE]"
                    ok = ok and '"error"' not in lines[-2]
                else:
                    answer = await http.post(path, json=body)
                    ok = answer.status_code == 200
                status = str(answer.status_code)
            except httpx.HTTPError as exc:
                ok, status = False, type(exc).__name__
            route = "local" if body.get("model") == LOCAL_MODEL else path
            results["latencies"].append(time.perf_counter() - started)
            results["by_route"].setdefault(route, []).append(time.perf_counter() - started)
            results["count"][route] += 1
            if not ok:
                results["errors"][f"{route} {status}"] += 1
            index += 1
            await asyncio.sleep(rng.expovariate(rate))


async def sample_rss(pid: int, deadline: float, samples: list[tuple[float, float]]) -> None:
    started = time.monotonic()
    while time.monotonic() < deadline:
        samples.append((round(time.monotonic() - started, 1), round(tree_rss_mb(pid), 2)))
        await asyncio.sleep(SAMPLE_EVERY_S)
    samples.append((round(time.monotonic() - started, 1), round(tree_rss_mb(pid), 2)))


async def run(url: str, key: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "latencies": [],
        "by_route": {},
        "count": Counter(),
        "errors": Counter(),
    }
    samples: list[tuple[float, float]] = []
    deadline = time.monotonic() + args.minutes * 60
    per_client = args.rate / args.clients
    await asyncio.gather(
        sample_rss(pid, deadline, samples),
        *(client(url, key, per_client, deadline, i + 1, results) for i in range(args.clients)),
    )
    results["rss"] = samples
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=8.0, help="requests per second, in all")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--local-threads",
        type=int,
        help="local_model.threads (default: all cores; on a machine busy with other work, "
        "llama.cpp's spinning threads slow down sharply when they outnumber the free cores)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aigc-soak-") as work_dir:
        work = Path(work_dir)
        mock, mock_url = start_mock_upstream(work)
        config = {
            "upstreams": {"mock": {"base_url": mock_url, "max_retries": 0}},
            "models": {
                "echo": {"backends": ["mock/echo"]},
                "smollm2-135m-instruct": {"backends": ["local"]},
            },
            "limits": {"requests_per_minute": 10_000_000, "tokens_per_day": 10_000_000_000},
            "local_model": {"max_queue": 64, "threads": args.local_threads},
        }
        gateway, url, key = start_gateway(work, config)
        try:
            results = asyncio.run(run(url.removesuffix("/v1"), key, gateway.process.pid, args))
        finally:
            gateway.stop()
            mock.stop()
    samples = results["rss"]
    warm_until = max(min(60.0, samples[-1][0] / 2), samples[-1][0] * 0.1)
    after_warmup = [rss for at, rss in samples if at >= warm_until]
    base, end = after_warmup[0], after_warmup[-1]
    growth = (end - base) / base * 100
    errors = sum(results["errors"].values())
    total = sum(results["count"].values())
    print_table(
        f"Soak: {args.minutes:g} min at ~{args.rate:g} req/s ({args.clients} clients)",
        ["requests", "errors", "RSS after warm-up MB", "RSS end MB", "growth %", "peak MB"],
        [[total, errors, base, end, round(growth, 2), max(rss for _, rss in samples)]],
    )
    for name, count in sorted(results["errors"].items()):
        print(f"  error: {name} x{count}")
    latency = latency_summary(results["latencies"])
    routes = {route: latency_summary(values) for route, values in results["by_route"].items()}
    print_table(
        "Latency by route",
        ["route", "n", "p50 ms", "p99 ms", "max ms"],
        [
            [route, s["n"], s["p50_ms"], s["p99_ms"], round(max(results["by_route"][route]) * 1000)]
            for route, s in sorted(routes.items())
        ],
    )
    print(f"latency p50 {latency['p50_ms']} ms, p99 {latency['p99_ms']} ms")
    write_result(
        "soak",
        {
            "minutes": args.minutes,
            "requests": total,
            "errors": errors,
            "rss_after_warmup_mb": base,
            "rss_end_mb": end,
            "rss_growth_pct": round(growth, 2),
            "p50_ms": latency["p50_ms"],
            "p99_ms": latency["p99_ms"],
        },
        {
            "rate_per_s": args.rate,
            "clients": args.clients,
            "local_threads": args.local_threads,
            "by_route": dict(results["count"]),
            "latency_by_route": routes,
            "errors_by_kind": dict(results["errors"]),
            "rss_samples": samples,
            "warm_up_s": warm_until,
        },
    )


if __name__ == "__main__":
    main()
