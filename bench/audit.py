"""Audit trail cost: added latency per request and sustained records/s with the record stage on
vs off, on SQLite and PostgreSQL, and records lost after SIGKILL — in one run.

    .venv/bin/python bench/audit.py          # PostgreSQL from the Debian package 'postgresql'

1. Added latency (the summary): the real pipeline in-process (uvloop) over a backend that
   answers after 5 ms (an upstream stand-in), 1 KB prompt, concurrency 32, with the record
   stage off (a recorder whose future is already resolved), on with SQLite
   (``sqlite_synchronous`` normal, the default, and full) and on with PostgreSQL. Modes take
   turns in rounds so machine noise hits them alike; added = p50(on) − p50(off).
2. The same through the real server over HTTP (mock upstream), off vs on, for context: on a
   small machine the server, the mock and the client share the cores, so it is saturated.
3. Records/s: the audit trail alone, in-process: records submitted as fast as the event loop
   can (concurrency unbounded), until every one is acknowledged and committed to the chain.
4. Lost records: the real server under 32 concurrent clients is SIGKILLed — one process, and
   ``serve --workers 2`` (both workers and the supervisor at once); the trail is opened again
   (as a restart does: acknowledged records still in the SQLite journal join the chain), then
   every request it acknowledged (200 / stream with [DONE]) must be in the trail, and the chain
   must verify.

No peer runs here: Langfuse, the trace store users compare with, needs its own server stack
(PostgreSQL, ClickHouse, Redis, S3) and keeps traces without a hash chain; the baseline is
the gateway with its record stage off. Writes docs/benchmarks/audit.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import uvloop
from common import (
    ROOT,
    Service,
    fsync_latency_ms,
    latency_summary,
    print_table,
    start_gateway,
    start_mock_upstream,
    write_result,
)

sys.path.insert(0, str(ROOT))

from aigc_gateway.audit.trail import AuditTrail
from aigc_gateway.config import Settings
from aigc_gateway.pipeline import Pipeline, RequestContext, Stages, UsageRecord, collect
from aigc_gateway.providers.base import TEXT_KINDS, Chunk, GenerationRequest, Usage
from aigc_gateway.providers.messages import ChatMessage
from aigc_gateway.providers.router import Router
from tests.postgres_server import PostgresServer, PostgresUnavailable
from tests.processes import child_pids

CONCURRENCY = 32
NO_LIMITS = {"requests_per_minute": None, "tokens_per_day": None}
BACKEND_DELAY_S = 0.005
PROMPT = ("The quick brown fox jumps over the lazy dog. " * 23)[:1024]
ANSWER = "Revenue grew 12 %. Costs fell 3 %. Headcount is flat."


class DelayedBackend:
    """Answers after ``BACKEND_DELAY_S``, like a fast upstream, so the loop is not saturated."""

    name = "local"
    kinds = TEXT_KINDS

    async def generate(self, request: GenerationRequest, remote_model: str) -> AsyncIterator[Chunk]:
        await asyncio.sleep(BACKEND_DELAY_S)
        yield Chunk(ANSWER)
        yield Chunk(finish_reason="stop", usage=Usage(12, 14), cpu_s=0.0002)

    async def close(self) -> None:
        return None


def already_recorded(_: UsageRecord) -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


def settings_for(store: str, dsn: str | None = None, synchronous: str | None = None) -> Settings:
    """``synchronous``: ``audit.sqlite_synchronous`` (None: the default, ``normal``)."""
    audit: dict[str, Any] = {"store": store}
    if synchronous is not None:
        audit["sqlite_synchronous"] = synchronous
    if dsn:
        audit["postgres_dsn"] = dsn
    return Settings.model_validate({"audit": audit})


def serve_with_record_stage_off(config_path: str, data_dir: str, port: int) -> None:
    """The gateway exactly as ``aigc-gateway serve`` runs it, but recording nothing."""
    import uvicorn

    from aigc_gateway.api.app import create_app
    from aigc_gateway.cli.startup import settle_heap
    from aigc_gateway.config import load_settings
    from aigc_gateway.gateway import Gateway

    gateway = Gateway(load_settings(Path(config_path)), Path(data_dir))
    gateway.pipeline._submit = already_recorded  # the record stage, and only it, is off
    print(gateway.bootstrap_key(), flush=True)
    app = create_app(gateway)
    settle_heap()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


def unrecorded_command(config_path: Path, data: Path, port: int) -> list[str]:
    """Serve through :func:`serve_with_record_stage_off` instead of ``aigc-gateway serve``."""
    return [
        sys.executable,
        __file__,
        "--serve-record-stage-off",
        str(config_path),
        str(data),
        str(port),
    ]


async def http_latencies(base_url: str, key: str, count: int) -> list[float]:
    latencies: list[float] = []
    body = {"model": "echo", "messages": [{"role": "user", "content": PROMPT}]}
    remaining = iter(range(count))
    headers = {"authorization": f"Bearer {key}"}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            for _ in remaining:
                started = time.perf_counter()
                async with session.post(base_url + "/chat/completions", json=body) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


def http_latency(
    servers: dict[str, tuple[str, str]], requests: int, rounds: int
) -> dict[str, dict[str, float]]:
    samples: dict[str, list[float]] = {name: [] for name in servers}

    async def measure() -> None:
        for base_url, key in servers.values():
            await http_latencies(base_url, key, 200)  # warm up
        for _ in range(rounds):
            for name, (base_url, key) in servers.items():
                samples[name] += await http_latencies(base_url, key, requests // rounds)

    uvloop.run(measure())
    return {name: latency_summary(values) for name, values in samples.items()}


async def pipeline_latencies(pipeline: Pipeline, count: int) -> list[float]:
    latencies: list[float] = []
    model = Settings().local_model.name
    messages = [ChatMessage("user", PROMPT)]
    remaining = iter(range(count))

    async def worker() -> None:
        for number in remaining:
            request = GenerationRequest("chat", model, False, messages=messages)
            context = RequestContext(f"chatcmpl-bench{number}", "bench", "key_bench")
            started = time.perf_counter()
            await collect(pipeline.stream(request, context))
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


def pipeline_latency(
    trails: dict[str, AuditTrail | None], requests: int, rounds: int
) -> dict[str, dict[str, float]]:
    settings = Settings()
    pipelines = {
        name: Pipeline(
            Router(settings, DelayedBackend()),
            Stages(),
            trail.record if trail is not None else already_recorded,
        )
        for name, trail in trails.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in trails}

    async def measure() -> None:
        for pipeline in pipelines.values():
            await pipeline_latencies(pipeline, 300)  # warm up
        for _ in range(rounds):
            for name, pipeline in pipelines.items():
                samples[name] += await pipeline_latencies(pipeline, requests // rounds)

    uvloop.run(measure())
    return {name: latency_summary(values) for name, values in samples.items()}


async def records_per_second(trail: AuditTrail, count: int) -> float:
    record = UsageRecord(
        "chatcmpl-rate",
        time.time(),
        "bench",
        "key_bench",
        "chat",
        "m",
        "local",
        False,
        "ok",
        "stop",
        None,
        12,
        14,
        1.0,
        0.5,
        prompt=PROMPT,
        answer=ANSWER,
        cpu_s=0.0002,
    )
    started = time.perf_counter()
    await asyncio.gather(*(trail.record(record) for _ in range(count)))
    await asyncio.to_thread(trail.flush)
    return count / (time.perf_counter() - started)


def record_rates(trails: dict[str, AuditTrail], count: int) -> dict[str, float]:
    async def measure() -> dict[str, float]:
        return {name: await records_per_second(trail, count) for name, trail in trails.items()}

    rates = uvloop.run(measure())
    for trail in trails.values():
        trail.close()
    return rates


def kill_test(
    work: Path, config: dict[str, Any], dsn: str | None, acks: int, workers: int = 1
) -> dict[str, Any]:
    """SIGKILL the loaded server (its workers, then the supervisor, at once); count acknowledged
    requests missing from the trail."""
    config = {**config, "server": {"workers": workers}}
    service, base_url, key = start_gateway(work, config)
    acked: list[str] = []
    stop = threading.Event()

    def client(index: int) -> None:
        payload = {"model": "echo", "messages": [{"role": "user", "content": f"c{index}"}]}
        with httpx.Client(
            base_url=base_url, headers={"authorization": f"Bearer {key}"}, timeout=30
        ) as http:
            while not stop.is_set():
                try:
                    with http.stream(
                        "POST", "/chat/completions", json={**payload, "stream": True}
                    ) as response:
                        lines = [line for line in response.iter_lines() if line]
                        if response.status_code == 200 and lines and lines[-1] == "data: [DONE]":
                            acked.append(response.headers["x-request-id"])
                    reply = http.post("/chat/completions", json=payload)
                    if reply.status_code == 200:
                        acked.append(reply.json()["id"])
                except (httpx.HTTPError, ValueError):
                    return

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    while len(acked) < acks:
        time.sleep(0.02)
    for pid in child_pids(service.process.pid):
        os.kill(pid, signal.SIGKILL)
    service.process.send_signal(signal.SIGKILL)
    service.process.wait()
    stop.set()
    for thread in threads:
        thread.join(60)
    data_dir = next(work.glob("gateway-*/"))

    def recorded_ids() -> set[str]:
        if dsn is None:
            with sqlite3.connect(data_dir / "gateway.db") as db:
                return {row[0] for row in db.execute("SELECT request_id FROM audit_records")}
        import psycopg

        with psycopg.connect(dsn) as db:
            return {row[0] for row in db.execute("SELECT request_id FROM audit_records")}

    at_kill = recorded_ids()
    AuditTrail(Settings.model_validate(config), data_dir).close()  # what a restart replays
    recorded = recorded_ids()
    config_path = next(work.glob("gateway-*.yaml"))
    verify = subprocess.run(
        [
            sys.executable,
            "-m",
            "aigc_gateway.cli",
            "audit",
            "verify",
            "--data-dir",
            str(data_dir),
            "--config",
            str(config_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return {
        "workers": workers,
        "acknowledged": len(acked),
        "recorded": len(recorded),
        "from_journal": len(recorded) - len(at_kill),
        "lost": len(set(acked) - recorded),
        "verify": (verify.stdout or verify.stderr).strip().splitlines()[0],
        "verify_ok": verify.returncode == 0,
    }


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve-record-stage-off":
        serve_with_record_stage_off(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000, help="per mode, in all rounds")
    parser.add_argument("--http-requests", type=int, default=2400, help="per server")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--rate-records", type=int, default=20000)
    parser.add_argument("--kill-after", type=int, default=400, help="acknowledged requests")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    try:
        postgres: PostgresServer | None = PostgresServer()
    except PostgresUnavailable as exc:
        print(f"PostgreSQL skipped: {exc}")
        postgres = None
    mock, mock_url = start_mock_upstream(work)
    services: list[Service] = []
    try:
        config: dict[str, Any] = {
            "local_model": {"enabled": False},
            "limits": {"requests_per_minute": 10_000_000, "tokens_per_day": 10_000_000_000},
            "upstreams": {"mock": {"base_url": mock_url, "max_retries": 0}},
            "models": {"echo": {"backends": ["mock/echo"]}},
        }
        audits: dict[str, dict[str, Any]] = {
            "sqlite": {},
            "sqlite_full": {"sqlite_synchronous": "full"},
        }
        if postgres is not None:
            audits["postgres"] = {"store": "postgres", "postgres_dsn": postgres.create_database()}
        trails: dict[str, AuditTrail | None] = {
            "off": None,
            "sqlite": AuditTrail(settings_for("sqlite"), work / "inproc-normal"),
            "sqlite_full": AuditTrail(
                settings_for("sqlite", synchronous="full"), work / "inproc-full"
            ),
        }
        if postgres is not None:
            trails["postgres"] = AuditTrail(
                settings_for("postgres", postgres.create_database()), work / "inproc-pg"
            )
        fsync = fsync_latency_ms(work)
        latency = pipeline_latency(trails, args.requests, args.rounds)
        for trail in trails.values():
            if trail is not None:
                trail.close()

        servers: dict[str, tuple[str, str]] = {}
        service, url, key = start_gateway(work, config, unrecorded_command)
        services.append(service)
        servers["off"] = (url, key)
        for name, audit in audits.items():
            service, url, key = start_gateway(work, {**config, "audit": audit})
            services.append(service)
            servers[name] = (url, key)
        http = http_latency(servers, args.http_requests, args.rounds)
        for service in services:
            service.stop()
        services.clear()

        rate_trails = {"sqlite": AuditTrail(settings_for("sqlite"), work / "rate-sqlite")}
        if postgres is not None:
            dsn = postgres.create_database()
            rate_trails["postgres"] = AuditTrail(settings_for("postgres", dsn), work / "rate-pg")
        rates = record_rates(rate_trails, args.rate_records)
        base = latency["off"]["p50_ms"]
        for title, table in (
            (
                f"Pipeline latency per request, 5 ms backend, concurrency {CONCURRENCY} (ms; "
                f"the disk's fdatasync p50 {fsync['p50_ms']} ms)",
                latency,
            ),
            (f"Latency through the server over HTTP, concurrency {CONCURRENCY} (ms)", http),
        ):
            print_table(
                title,
                ["record stage", "p50", "p90", "p99", "added p50"],
                [
                    [
                        name,
                        s["p50_ms"],
                        s["p90_ms"],
                        s["p99_ms"],
                        round(s["p50_ms"] - table["off"]["p50_ms"], 3),
                    ]
                    for name, s in table.items()
                ],
            )
        print_table(
            "Sustained records/s (audit trail alone)",
            ["store", "records/s"],
            [[name, round(rate)] for name, rate in rates.items()],
        )
        kills = {
            "sqlite": kill_test(work / "kill-sqlite", config, None, args.kill_after),
            "sqlite_2_workers": kill_test(
                work / "kill-sqlite-2w", {**config, "limits": NO_LIMITS}, None, args.kill_after, 2
            ),
        }
        if postgres is not None:
            kill_dsn = postgres.create_database()
            pg_config = {**config, "audit": {"store": "postgres", "postgres_dsn": kill_dsn}}
            kills["postgres"] = kill_test(work / "kill-pg", pg_config, kill_dsn, args.kill_after)
        print_table(
            f"SIGKILL under load ({CONCURRENCY} clients)",
            ["store", "workers", "acknowledged", "recorded", "from journal", "lost", "verify"],
            [
                [
                    name,
                    k["workers"],
                    k["acknowledged"],
                    k["recorded"],
                    k["from_journal"],
                    k["lost"],
                    k["verify"][:60],
                ]
                for name, k in kills.items()
            ],
        )
    finally:
        for service in services:
            service.stop()
        mock.stop()
        if postgres is not None:
            postgres.stop()

    nan = float("nan")
    summary = {
        "audit_added_p50_ms_sqlite": round(latency["sqlite"]["p50_ms"] - base, 3),
        "audit_added_p50_ms_sqlite_full": round(latency["sqlite_full"]["p50_ms"] - base, 3),
        "audit_added_p50_ms_postgres": round(latency["postgres"]["p50_ms"] - base, 3)
        if "postgres" in latency
        else nan,
        "records_per_s_sqlite": round(rates["sqlite"]),
        "records_per_s_postgres": round(rates["postgres"]) if "postgres" in rates else nan,
        "lost_records_after_kill": sum(k["lost"] for k in kills.values()),
    }
    write_result(
        "audit",
        summary,
        {
            "sqlite_synchronous_default": Settings().audit.sqlite_synchronous,
            "concurrency": CONCURRENCY,
            "backend_delay_ms": BACKEND_DELAY_S * 1000,
            "requests_per_mode": args.requests,
            "pipeline_latency_ms": latency,
            "fsync_ms": fsync,
            "http_requests_per_server": args.http_requests,
            "http_latency_ms": http,
            "records_per_s": {name: round(rate) for name, rate in rates.items()},
            "kill": kills,
        },
    )


if __name__ == "__main__":
    main()
