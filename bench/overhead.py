"""Gateway overhead: the same requests sent directly to a fast loopback upstream, through
AIGC Gateway, and through the LiteLLM proxy, in one run.

    .venv/bin/python bench/overhead.py    # needs .bench-venv-litellm (docs/benchmarks.md)

1 KB prompt, 64-byte answer, non-streaming and streaming; sequential (added latency per
request, p50/p90/p99) and at concurrency 32 (requests/s). Targets take turns in rounds so that
machine noise hits them alike. Writes docs/benchmarks/overhead.json.

    .venv/bin/python bench/overhead.py --skip-litellm --skip-local --baseline-src ../old/src

puts the gateway from another source tree beside this one (target ``baseline``), to show what
a change did to the overhead; it writes ``overhead_vs_baseline.json``.

``--otel`` adds a gateway with OpenTelemetry on (spans and metrics over OTLP/HTTP to the tests'
receiver on loopback, which decodes every export) as target ``otel``: tracing on and off side by
side in one run (docs/benchmarks/overhead_otel.json).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import uvloop
import yaml
from common import (
    ROOT,
    ServeCommand,
    Service,
    free_port,
    latency_summary,
    percentile,
    print_table,
    serve_command,
    start_gateway,
    start_mock_upstream,
    start_otlp_receiver,
    write_result,
)

PROMPT = ("The quick brown fox jumps over the lazy dog. " * 23)[:1024]
UPSTREAM_MODEL = "fixed-64"
LITELLM = ROOT / ".bench-venv-litellm" / "bin" / "litellm"


def gateway_config(mock_url: str, profile: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        "upstreams": {"mock": {"base_url": mock_url, "max_retries": 0}},
        "models": {"bench": {"backends": [f"mock/{UPSTREAM_MODEL}"]}},
        "limits": {"requests_per_minute": 10_000_000, "tokens_per_day": 10_000_000_000},
        "local_model": {"enabled": False},
    }
    if profile == "empty":
        config.update(EMPTY_PIPELINE)
    return config


# Settings that switch the optional stages off, for the "empty pipeline" measurement; the record
# stage (usage and audit) is part of every request and stays on.
EMPTY_PIPELINE: dict[str, Any] = {"guards": {"enabled": False}}


def start_litellm(work: Path, mock_url: str) -> tuple[Service, str, str]:
    """The LiteLLM proxy on the same upstream, with a master key (so it authenticates too)."""
    port = free_port()
    master_key = "sk-bench-" + secrets.token_hex(16)
    config = work / "litellm.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "model_list": [
                    {
                        "model_name": "bench",
                        "litellm_params": {
                            "model": f"openai/{UPSTREAM_MODEL}",
                            "api_base": mock_url,
                            "api_key": "not-used",
                        },
                    }
                ],
                "litellm_settings": {"telemetry": False},
                "general_settings": {"master_key": master_key},
            }
        )
    )
    service = Service(
        [
            str(LITELLM),
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--num_workers",
            "1",
        ],
        f"http://127.0.0.1:{port}/health/liveliness",
        work / "litellm.log",
        {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_TELEMETRY": "False",
            "LITELLM_LOG": "ERROR",
        },
    )
    return service, f"http://127.0.0.1:{port}/v1", master_key


def serve_from(src: Path) -> ServeCommand:
    """``aigc-gateway serve`` with the package imported from another source tree."""

    def command(config_path: Path, data: Path, port: int) -> list[str]:
        return ["env", f"PYTHONPATH={src}", *serve_command(config_path, data, port)]

    return command


class Target:
    def __init__(self, name: str, base_url: str, model: str, key: str | None) -> None:
        self.name = name
        self.url = base_url + "/chat/completions"
        self.model = model
        self.headers = {"authorization": f"Bearer {key}"} if key else {}

    def body(self, stream: bool) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": 32,
            "stream": stream,
        }


async def one(session: aiohttp.ClientSession, target: Target, stream: bool) -> float:
    started = time.perf_counter()
    async with session.post(target.url, json=target.body(stream), headers=target.headers) as r:
        payload = await r.read()
        if r.status != 200:
            raise RuntimeError(f"{target.name}: HTTP {r.status}: {payload[:200]!r}")
        if stream and not payload.rstrip().endswith(b"data: [DONE]"):
            raise RuntimeError(f"{target.name}: stream did not end with [DONE]")
    return time.perf_counter() - started


async def run_batch(
    session: aiohttp.ClientSession, target: Target, stream: bool, total: int, concurrency: int
) -> tuple[list[float], float]:
    """``total`` requests with ``concurrency`` in flight; latencies and wall time."""
    latencies: list[float] = []
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            latencies.append(await one(session, target, stream))

    started = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return latencies, time.perf_counter() - started


async def measure(targets: list[Target], args: argparse.Namespace) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=256)
    timeout = aiohttp.ClientTimeout(total=60)
    results: dict[str, Any] = {}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for stream in (False, True):
            mode = "stream" if stream else "non_stream"
            for target in targets:  # warm up connections, caches, JITs
                await run_batch(session, target, stream, 50, 4)
            sequential: dict[str, list[float]] = {t.name: [] for t in targets}
            concurrent: dict[str, list[float]] = {t.name: [] for t in targets}
            walls: dict[str, float] = {t.name: 0.0 for t in targets}
            for _ in range(args.rounds):
                for target in targets:
                    latencies, _ = await run_batch(
                        session, target, stream, args.sequential // args.rounds, 1
                    )
                    sequential[target.name] += latencies
                    latencies, wall = await run_batch(
                        session, target, stream, args.concurrent // args.rounds, 32
                    )
                    concurrent[target.name] += latencies
                    walls[target.name] += wall
            results[mode] = {
                name: {
                    "sequential": latency_summary(sequential[name]),
                    "c32": {
                        **latency_summary(concurrent[name]),
                        "rps": round(len(concurrent[name]) / walls[name], 1),
                    },
                }
                for name in sequential
            }
            direct = sequential["direct"]
            for name in sequential:
                if name == "direct":
                    continue
                results[mode][name]["added_ms"] = {
                    f"p{q}": round(
                        (percentile(sequential[name], q) - percentile(direct, q)) * 1000, 3
                    )
                    for q in (50, 90, 99)
                }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", type=int, default=600, help="requests per target, c=1")
    parser.add_argument("--concurrent", type=int, default=3000, help="requests per target, c=32")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--profile",
        choices=["empty", "default"],
        default="empty",
        help="empty: optional stages off; default: the default policy",
    )
    parser.add_argument("--skip-local", action="store_true", help="skip the local model ratio")
    parser.add_argument("--skip-litellm", action="store_true", help="no LiteLLM target")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="also serve the gateway from this other source tree's src/ (e.g. the previous "
        "commit, from 'git worktree add'), as target 'baseline', to compare side by side",
    )
    parser.add_argument(
        "--otel",
        action="store_true",
        help="also a gateway with OpenTelemetry on (OTLP/HTTP to a receiver on loopback), as "
        "target 'otel', so tracing on and off are measured side by side",
    )
    args = parser.parse_args()
    if not args.skip_litellm and not LITELLM.exists():
        raise SystemExit(f"LiteLLM is not installed at {LITELLM}; see docs/benchmarks.md")

    services: list[Service] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            mock, mock_url = start_mock_upstream(work)
            services.append(mock)
            config = gateway_config(mock_url, args.profile)
            gateway, gateway_url, key = start_gateway(work, config)
            services.append(gateway)
            targets = [
                Target("direct", mock_url, UPSTREAM_MODEL, None),
                Target("aigc-gateway", gateway_url, "bench", key),
            ]
            if args.baseline_src is not None:
                baseline, baseline_url, baseline_key = start_gateway(
                    work, config, serve_from(args.baseline_src.resolve())
                )
                services.append(baseline)
                targets.append(Target("baseline", baseline_url, "bench", baseline_key))
            if args.otel:
                receiver, receiver_url = start_otlp_receiver(work)
                services.append(receiver)
                traced_config = {
                    **config,
                    "telemetry": {"enabled": True, "endpoint": receiver_url},
                }
                traced, traced_url, traced_key = start_gateway(work, traced_config)
                services.append(traced)
                targets.append(Target("otel", traced_url, "bench", traced_key))
            if not args.skip_litellm:
                litellm, litellm_url, litellm_key = start_litellm(work, mock_url)
                services.append(litellm)
                targets.append(Target("litellm", litellm_url, "bench", litellm_key))
            uvloop.install()
            results = asyncio.run(measure(targets, args))
        finally:
            for service in reversed(services):
                service.stop()

    rows = []
    for mode, by_target in results.items():
        for name, result in by_target.items():
            added = result.get("added_ms", {})
            rows.append(
                [
                    mode,
                    name,
                    result["sequential"]["p50_ms"],
                    added.get("p50", "-"),
                    added.get("p90", "-"),
                    added.get("p99", "-"),
                    result["c32"]["p50_ms"],
                    result["c32"]["rps"],
                ]
            )
    print_table(
        f"Gateway overhead ({args.profile} pipeline), 1 KB prompt, loopback upstream",
        [
            "mode",
            "target",
            "seq p50 ms",
            "added p50",
            "added p90",
            "added p99",
            "c32 p50 ms",
            "c32 req/s",
        ],
        rows,
    )
    local: dict[str, Any] = {}
    if not args.skip_local:
        from local_model import compare

        local = compare(rounds=3, max_tokens=128)
    non_stream = results["non_stream"]
    summary = {
        "overhead_p50_ms": non_stream["aigc-gateway"]["added_ms"]["p50"],
        "overhead_p99_ms": non_stream["aigc-gateway"]["added_ms"]["p99"],
        "rps_c32": non_stream["aigc-gateway"]["c32"]["rps"],
        "stream_overhead_p50_ms": results["stream"]["aigc-gateway"]["added_ms"]["p50"],
        "stream_rps_c32": results["stream"]["aigc-gateway"]["c32"]["rps"],
    }
    for peer in ("litellm", "baseline", "otel"):
        if peer in non_stream:
            summary[f"{peer}_overhead_p50_ms"] = non_stream[peer]["added_ms"]["p50"]
            summary[f"{peer}_overhead_p99_ms"] = non_stream[peer]["added_ms"]["p99"]
            summary[f"{peer}_rps_c32"] = non_stream[peer]["c32"]["rps"]
            summary[f"{peer}_stream_rps_c32"] = results["stream"][peer]["c32"]["rps"]
    if local:
        summary["local_tokens_per_s_ratio"] = local["summary"]["tokens_per_s_ratio"]
    name = "overhead" if args.profile == "empty" else f"overhead_{args.profile}"
    if args.baseline_src is not None:
        name += "_vs_baseline"
    if args.otel:
        summary["otel_added_p50_ms"] = round(
            summary["otel_overhead_p50_ms"] - summary["overhead_p50_ms"], 3
        )
        name += "_otel"
    write_result(
        name,
        summary,
        {
            "profile": args.profile,
            "prompt_bytes": len(PROMPT),
            "requests": {"sequential": args.sequential, "c32": args.concurrent},
            "results": results,
            "local_model": local,
            "litellm_version": None if args.skip_litellm else _litellm_version(),
            "baseline_src": None if args.baseline_src is None else str(args.baseline_src),
        },
    )


def _litellm_version() -> str:
    import subprocess

    out = subprocess.run(
        [
            str(LITELLM.parent / "python"),
            "-c",
            "import importlib.metadata as m; print(m.version('litellm'))",
        ],
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    return out.stdout.strip()


if __name__ == "__main__":
    main()
