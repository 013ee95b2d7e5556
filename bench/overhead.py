"""Gateway overhead: the same requests sent directly to a fast loopback upstream, through
AIGC Gateway (empty pipeline and default policy, one worker and two) and through the LiteLLM
proxy, in one run; plus the audit stage's added latency and records lost after SIGKILL.

    .venv/bin/python bench/overhead.py    # needs .bench-venv-litellm (docs/benchmarks.md)

1 KB prompt, 64-byte answer, non-streaming and streaming, at concurrency 1 (sequential), 16, 64
and 256: each cell sends requests for ``--seconds`` (then waits for those in flight) and
targets take turns in ``--rounds`` rounds so that machine noise hits them alike. Added latency
at a concurrency is the gateway's percentile minus the direct path's at the same concurrency.
Targets: ``direct`` (the mock), ``aigc-gateway`` (empty pipeline: guards off, label and record
stages on), ``aigc-gateway-default`` (default policy), ``aigc-gateway-2w`` (empty pipeline,
``serve --workers 2``), ``aigc-gateway-full`` (empty pipeline, ``audit.sqlite_synchronous:
full``: a request's record is durable once its journal line is fdatasynced, not only written
as with the default ``normal``) and
``litellm`` (one worker, master key). Per-key limits are off in every gateway (``--workers 2``
would need Redis for them). Then, from ``bench/audit.py``: the record stage's added p50 on
SQLite, synchronous normal (default) and full (in-process pipeline, 5 ms backend, concurrency
32) and a SIGKILL of a two-worker gateway under load. Writes docs/benchmarks/overhead.json, and the
default policy's cells on their own in overhead_default.json.

    .venv/bin/python bench/overhead.py --skip-litellm --baseline-src ../old/src

puts the gateway from another source tree beside this one (target ``baseline``, empty
pipeline, and ``baseline-default`` beside ``aigc-gateway-default``), to show what a change did;
it writes ``overhead_vs_baseline.json``. ``--otel`` adds
a gateway with OpenTelemetry on (spans and metrics over OTLP/HTTP to the tests' receiver on
loopback) as target ``otel`` (``overhead_otel.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import tempfile
import time
from functools import partial
from math import nan
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import uvloop
import yaml
from common import (
    RESULTS,
    ROOT,
    ServeCommand,
    Service,
    free_port,
    fsync_latency_ms,
    latency_summary,
    percentile,
    print_table,
    process_memory_mb,
    serve_command,
    start_gateway,
    start_mock_upstream,
    start_otlp_receiver,
    write_result,
)

PROMPT = ("The quick brown fox jumps over the lazy dog. " * 23)[:1024]
UPSTREAM_MODEL = "fixed-64"
LITELLM = ROOT / ".bench-venv-litellm" / "bin" / "litellm"
LEVELS = (1, 16, 64, 256)
MODES = {"non_stream": False, "stream": True}
NO_LIMITS = {"requests_per_minute": None, "tokens_per_day": None}
GATEWAY = "aigc-gateway"
DEFAULT = "aigc-gateway-default"
TWO_WORKERS = "aigc-gateway-2w"
FULL = "aigc-gateway-full"
BASELINE_DEFAULT = "baseline-default"
"""Empty pipeline with ``audit.sqlite_synchronous: full``: acknowledged once the journal line is
fdatasynced (survives power loss), not only written (a killed process) as by default."""


def gateway_config(
    mock_url: str, profile: str, workers: int = 1, synchronous: str | None = None
) -> dict[str, Any]:
    """A gateway's config; ``synchronous``: ``audit.sqlite_synchronous`` (None: the default)."""
    config: dict[str, Any] = {
        "upstreams": {"mock": {"base_url": mock_url, "max_retries": 0}},
        "models": {"bench": {"backends": [f"mock/{UPSTREAM_MODEL}"]}},
        "limits": NO_LIMITS,
        "local_model": {"enabled": False},
        "server": {"workers": workers},
    }
    if synchronous is not None:
        config["audit"] = {"sqlite_synchronous": synchronous}
    if profile == "empty":
        config.update(EMPTY_PIPELINE)
    return config


# Settings that switch the optional stages off, for the "empty pipeline" measurement; the record
# stage (usage and audit) is part of every request and stays on.
EMPTY_PIPELINE: dict[str, Any] = {"guards": {"enabled": False}}


def start_litellm(work: Path, mock_url: str, litellm: Path) -> tuple[Service, str, str]:
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
            str(litellm),
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
        self.pid: int | None = None
        """The server process (for its memory), if the benchmark started it."""
        self.retries = 0
        """Requests sent again on a fresh connection after a stale one was reset."""

    def body(self, stream: bool) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": 32,
            "stream": stream,
        }


async def one(session: aiohttp.ClientSession, target: Target, stream: bool) -> float:
    """One request's latency. A reused connection the server had just closed (its keep-alive
    ran out as the request left) is retried once, timed afresh, and counted."""
    for attempt in (1, 2):
        started = time.perf_counter()
        try:
            async with session.post(
                target.url, json=target.body(stream), headers=target.headers
            ) as r:
                payload = await r.read()
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            if attempt == 2:
                raise
            target.retries += 1
            continue
        if r.status != 200:
            raise RuntimeError(f"{target.name}: HTTP {r.status}: {payload[:200]!r}")
        if stream and not payload.rstrip().endswith(b"data: [DONE]"):
            raise RuntimeError(f"{target.name}: stream did not end with [DONE]")
        break
    return time.perf_counter() - started


async def run_batch(
    session: aiohttp.ClientSession, target: Target, stream: bool, total: int, concurrency: int
) -> tuple[list[float], float]:
    """``total`` requests with ``concurrency`` in flight; latencies and wall time."""
    remaining = iter(range(total))
    return await _run(session, target, stream, concurrency, lambda: next(remaining, None) is None)


async def run_for(
    session: aiohttp.ClientSession, target: Target, stream: bool, seconds: float, concurrency: int
) -> tuple[list[float], float]:
    """Requests with ``concurrency`` in flight, started for ``seconds``; latencies and wall
    time until the last one finished."""
    deadline = time.perf_counter() + seconds
    return await _run(session, target, stream, concurrency, lambda: time.perf_counter() > deadline)


async def _run(
    session: aiohttp.ClientSession,
    target: Target,
    stream: bool,
    concurrency: int,
    done: Any,
) -> tuple[list[float], float]:
    latencies: list[float] = []

    async def worker() -> None:
        while not done():
            latencies.append(await one(session, target, stream))

    started = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return latencies, time.perf_counter() - started


async def measure(targets: list[Target], args: argparse.Namespace) -> dict[str, Any]:
    """``results[mode][target]["c<level>"]``: latency summary, req/s and (gateways) added ms."""
    timeout = aiohttp.ClientTimeout(total=120)
    sessions = {  # idle connections are dropped before the servers' keep-alive (5 s) ends
        t.name: aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=2.0), timeout=timeout
        )
        for t in targets
    }
    results: dict[str, Any] = {}
    try:
        for mode, stream in MODES.items():
            for target in targets:  # warm up connections, caches, JITs
                await run_batch(sessions[target.name], target, stream, 50, 4)
            samples = {(t.name, c): [] for t in targets for c in args.levels}
            walls = {(t.name, c): 0.0 for t in targets for c in args.levels}
            for _ in range(args.rounds):
                for level in args.levels:
                    for target in targets:
                        latencies, wall = await run_for(
                            sessions[target.name], target, stream, args.seconds, level
                        )
                        samples[target.name, level] += latencies
                        walls[target.name, level] += wall
            results[mode] = {
                t.name: {
                    f"c{c}": {
                        **latency_summary(samples[t.name, c]),
                        "rps": round(len(samples[t.name, c]) / walls[t.name, c], 1),
                    }
                    for c in args.levels
                }
                for t in targets
            }
            for target in targets[1:]:
                for level in args.levels:
                    direct, through = samples["direct", level], samples[target.name, level]
                    results[mode][target.name][f"c{level}"]["added_ms"] = {
                        f"p{q}": round((percentile(through, q) - percentile(direct, q)) * 1000, 3)
                        for q in (50, 99)
                    }
    finally:
        for session in sessions.values():
            await session.close()
    return results


def audit_numbers(work: Path, mock_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The record stage's added p50 on SQLite and a SIGKILL of a 2-worker gateway (audit.py)."""
    from audit import kill_test, pipeline_latency, settings_for

    from aigc_gateway.audit.trail import AuditTrail

    fsync = fsync_latency_ms(work)
    trails = {
        "off": None,
        "sqlite": AuditTrail(settings_for("sqlite"), work / "audit-inproc"),
        "sqlite_full": AuditTrail(
            settings_for("sqlite", synchronous="full"), work / "audit-inproc-full"
        ),
    }
    try:
        latency = pipeline_latency(trails, args.audit_requests, 2)
    finally:
        for trail in trails.values():
            if trail is not None:
                trail.close()
    config = {
        "local_model": {"enabled": False},
        "limits": NO_LIMITS,
        "upstreams": {"mock": {"base_url": mock_url, "max_retries": 0}},
        "models": {"echo": {"backends": ["mock/echo"]}},
    }
    kill = kill_test(work / "kill-2w", config, None, args.kill_after, workers=2)
    return {"pipeline_latency_ms": latency, "fsync_ms": fsync, "kill_2_workers": kill}


def local_model_memory(work: Path) -> dict[str, Any]:
    """Memory of a gateway with the local model, one worker and two (each worker loads its own
    copy; the GGUF is memory-mapped, so PSS splits its pages between them), after each worker
    has answered (it cannot be chosen, so 8 requests are sent)."""
    from aigc_gateway.config import DEFAULT_LOCAL_MODEL_NAME

    body = {
        "model": DEFAULT_LOCAL_MODEL_NAME,
        "messages": [{"role": "user", "content": "Say hello."}],
        "max_tokens": 16,
    }
    found = {}
    for workers in (1, 2):
        config = {"limits": NO_LIMITS, "server": {"workers": workers}, "guards": {"enabled": False}}
        service, url, key = start_gateway(work, config)
        try:
            for _ in range(8):
                reply = httpx.post(
                    url + "/chat/completions",
                    json=body,
                    headers={"authorization": f"Bearer {key}"},
                    timeout=120,
                )
                reply.raise_for_status()
            found[f"workers_{workers}"] = process_memory_mb(service.process.pid)
        finally:
            service.stop()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per cell and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--levels", type=lambda s: [int(x) for x in s.split(",")], default=list(LEVELS)
    )
    parser.add_argument("--audit-requests", type=int, default=4000, help="per mode, in-process")
    parser.add_argument("--kill-after", type=int, default=400, help="acknowledged requests")
    parser.add_argument("--skip-litellm", action="store_true", help="no LiteLLM target")
    parser.add_argument(
        "--local-model-memory",
        action="store_true",
        help="also the memory of a gateway with the local model, 1 worker vs 2",
    )
    parser.add_argument("--litellm", type=Path, default=LITELLM, help="the litellm executable")
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
    if not args.skip_litellm and not args.litellm.exists():
        raise SystemExit(f"LiteLLM is not installed at {args.litellm}; see docs/benchmarks.md")
    variant = args.baseline_src is not None or args.otel

    services: list[Service] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            mock, mock_url = start_mock_upstream(work)
            services.append(mock)
            targets = [Target("direct", mock_url, UPSTREAM_MODEL, None)]

            def gateway(name: str, config: dict[str, Any], command: ServeCommand) -> None:
                service, url, key = start_gateway(work, config, command)
                services.append(service)
                targets.append(Target(name, url, "bench", key))
                targets[-1].pid = service.process.pid

            empty = gateway_config(mock_url, "empty")
            gateway(GATEWAY, empty, serve_command)
            if not variant:
                gateway(DEFAULT, gateway_config(mock_url, "default"), serve_command)
                gateway(TWO_WORKERS, gateway_config(mock_url, "empty", 2), serve_command)
                full = gateway_config(mock_url, "empty", synchronous="full")
                gateway(FULL, full, serve_command)
            if args.baseline_src is not None:
                baseline = serve_from(args.baseline_src.resolve())
                gateway("baseline", empty, baseline)
                default = gateway_config(mock_url, "default")
                gateway(DEFAULT, default, serve_command)
                gateway(BASELINE_DEFAULT, default, baseline)
            if args.otel:
                receiver, receiver_url = start_otlp_receiver(work)
                services.append(receiver)
                traced = {**empty, "telemetry": {"enabled": True, "endpoint": receiver_url}}
                gateway("otel", traced, serve_command)
            if not args.skip_litellm:
                litellm, litellm_url, litellm_key = start_litellm(work, mock_url, args.litellm)
                services.append(litellm)
                targets.append(Target("litellm", litellm_url, "bench", litellm_key))
                targets[-1].pid = litellm.process.pid
            uvloop.install()
            results = asyncio.run(measure(targets, args))
            memory = {t.name: process_memory_mb(t.pid) for t in targets if t.pid is not None}
            for service in services[1:]:
                service.stop()
            del services[1:]
            audit = {} if variant else audit_numbers(work, mock_url, args)
            if args.local_model_memory:
                memory["local_model"] = local_model_memory(work / "local")
        finally:
            for service in reversed(services):
                service.stop()

    print_tables(results, args.levels)
    rows = [
        [name, m["processes"], m["rss_mb"], m["pss_mb"], m["private_mb"]]
        for name, m in memory.items()
        if name != "local_model"
    ]
    for name, m in memory.get("local_model", {}).items():
        rows.append(
            [f"local model, {name}", m["processes"], m["rss_mb"], m["pss_mb"], m["private_mb"]]
        )
    print_table(
        "Server memory after the run (MB; a gateway with workers: supervisor + workers)",
        ["target", "processes", "RSS", "PSS", "private"],
        rows,
    )
    summary = summarise(results, audit, args)
    if audit:
        kill = audit["kill_2_workers"]
        print_table(
            "Audit: record stage on SQLite (in-process, concurrency 32; synchronous normal, the "
            f"default, and full; the disk's fdatasync p50 {audit['fsync_ms']['p50_ms']} ms) and "
            "SIGKILL of 2 workers",
            [
                "added p50 ms",
                "full",
                "acknowledged",
                "recorded",
                "from journal",
                "lost",
                "verify",
            ],
            [
                [
                    summary["audit_added_p50_ms_sqlite"],
                    summary["audit_added_p50_ms_sqlite_full"],
                    kill["acknowledged"],
                    kill["recorded"],
                    kill["from_journal"],
                    kill["lost"],
                    kill["verify"][:60],
                ]
            ],
        )
    name = "overhead"
    if args.baseline_src is not None:
        name += "_vs_baseline"
    if args.otel:
        name += "_otel"
    if name == "overhead":
        summary.update(local_model_ratio())
        default_summary, default_details = default_policy_view(results)
        write_result(
            "overhead_default", default_summary, {"prompt_bytes": len(PROMPT), **default_details}
        )
    write_result(
        name,
        summary,
        {
            "prompt_bytes": len(PROMPT),
            "seconds_per_cell": args.seconds,
            "rounds": args.rounds,
            "levels": args.levels,
            "per_key_limits": "off in every gateway",
            "results": results,
            "memory_mb": memory,
            "retried_after_reset": {t.name: t.retries for t in targets},
            "audit": audit,
            "sqlite_synchronous_default": _default_synchronous(),
            "litellm_version": None if args.skip_litellm else _litellm_version(args.litellm),
            "baseline_src": None if args.baseline_src is None else str(args.baseline_src),
            "run_seconds": round(time.monotonic() - started),
        },
    )


def print_tables(results: dict[str, Any], levels: list[int]) -> None:
    for mode, by_target in results.items():
        rows = []
        for name, cells in by_target.items():
            for level in levels:
                cell = cells[f"c{level}"]
                added = cell.get("added_ms", {})
                rows.append(
                    [
                        name,
                        level,
                        cell["n"],
                        cell["p50_ms"],
                        cell["p99_ms"],
                        added.get("p50", "-"),
                        added.get("p99", "-"),
                        cell["rps"],
                    ]
                )
        print_table(
            f"{mode}: 1 KB prompt, loopback upstream (ms; added = target - direct, same level)",
            ["target", "conc", "n", "p50", "p99", "added p50", "added p99", "req/s"],
            rows,
        )


def cell_of(results: dict[str, Any], mode: str, target: str, level: int) -> dict[str, Any]:
    """One target's cell at one concurrency (empty where this run did not measure it)."""
    return results.get(mode, {}).get(target, {}).get(f"c{level}", {})


def added_of(results: dict[str, Any], mode: str, target: str, level: int, q: int) -> float:
    """A cell's added latency percentile ``q`` in ms (NaN where not measured)."""
    return float(cell_of(results, mode, target, level).get("added_ms", {}).get(f"p{q}", nan))


def summarise(results: dict[str, Any], audit: dict[str, Any], args: argparse.Namespace) -> Any:
    """The issue's summary keys (NaN where this run did not measure one)."""
    plain = results["non_stream"]
    cell = partial(cell_of, results, "non_stream")
    added = partial(added_of, results, "non_stream")

    one_worker = cell(GATEWAY, 64).get("rps", nan)
    summary = {
        "overhead_p50_ms": added(GATEWAY, 1, 50),
        "overhead_p99_ms": added(GATEWAY, 1, 99),
        "overhead_p99_c64_ms": added(GATEWAY, 64, 99),
        "default_overhead_p50_ms": added(DEFAULT, 1, 50),
        "rps_c64": one_worker,
        "litellm_rps_c64": cell("litellm", 64).get("rps", nan),
        "audit_added_p50_ms_sqlite": nan,
        "lost_records_after_kill": nan,
        "rps_2_workers_ratio": round(cell(TWO_WORKERS, 64).get("rps", nan) / one_worker, 3),
    }
    if FULL in plain:
        summary["overhead_p50_ms_sqlite_full"] = added(FULL, 1, 50)
    if audit:
        latency = audit["pipeline_latency_ms"]
        for name, key in (
            ("sqlite", "audit_added_p50_ms_sqlite"),
            ("sqlite_full", "audit_added_p50_ms_sqlite_full"),
        ):
            summary[key] = round(latency[name]["p50_ms"] - latency["off"]["p50_ms"], 3)
        summary["lost_records_after_kill"] = audit["kill_2_workers"]["lost"]
    peers = {"baseline": "baseline", BASELINE_DEFAULT: "baseline_default", "otel": "otel"}
    for peer, key in peers.items():
        if peer in plain:
            summary[f"{key}_overhead_p50_ms"] = added(peer, 1, 50)
            summary[f"{key}_rps_c64"] = cell(peer, 64).get("rps", nan)
    return summary


def default_policy_view(results: dict[str, Any]) -> tuple[dict[str, float], dict[str, Any]]:
    """``overhead_default.json``: the same run's cells of the gateway with the default policy
    (guards on), beside the empty pipeline, the direct path and LiteLLM (issue 11 asks for the
    default policy's overhead on its own)."""
    shown = ("direct", GATEWAY, DEFAULT, "litellm")
    view = {
        mode: {name: cells for name, cells in by_target.items() if name in shown}
        for mode, by_target in results.items()
    }
    summary = {
        f"default_added_p{q}_{mode}_c{level}_ms": added_of(view, mode, DEFAULT, level, q)
        for mode in view
        for level in (1, 64)
        for q in (50, 99)
    }
    for key, target in (("default", DEFAULT), ("empty", GATEWAY), ("litellm", "litellm")):
        summary[f"{key}_rps_c64"] = cell_of(view, "non_stream", target, 64).get("rps", nan)
    return summary, {"profile": "default", "results": view}


def local_model_ratio() -> dict[str, float]:
    """Issue 9's ``local_tokens_per_s_ratio``, which bench/local_model.py writes into
    overhead.json: kept when this run rewrites the file."""
    path = RESULTS / "overhead.json"
    previous = json.loads(path.read_text())["summary"] if path.exists() else {}
    key = "local_tokens_per_s_ratio"
    return {key: previous[key]} if key in previous else {}


def _default_synchronous() -> str:
    from aigc_gateway.config import Settings

    return Settings().audit.sqlite_synchronous


def _litellm_version(litellm: Path) -> str:
    out = subprocess.run(
        [
            str(litellm.parent / "python"),
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
