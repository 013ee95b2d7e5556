"""Adversarial prompts: does a huge or pathological prompt slow anyone but its own request?

    .venv/bin/python bench/adversarial.py            # about 3 minutes
    .venv/bin/python bench/adversarial.py --quick    # smaller sizes, shorter phases

1. Latency of a normal request (1 KB prompt, full default pipeline, fast loopback upstream)
   with the gateway quiet, then while other clients keep sending 1 MB adversarial prompts;
   the ratio of the two p50s is the headline (goal ≤ 1.5). Both phases run in one gateway.
2. Event-loop CPU per request, 1 KB and 1 MB of each shape: the same app in this process
   (httpx's ASGI transport, pre-encoded bodies), CPU time of the thread that runs the loop,
   best of three. The scans themselves run in scan worker processes; what is left on the loop
   (parsing, language, routing, the upstream call) must not grow much with the prompt.
3. Guard time per KB of input, 1 KB → 1 MB, for each adversarial shape: the guard engine's
   input scan and the audit redaction (which runs the same detectors), one process per shape
   and sizes smallest first. A scan that passes the time cap stops that shape's series
   (reported as ``> cap``): flat per-KB time means linear detectors; growing per-KB time
   means super-linear ones.

The adversarial prompts are answered 400 by the loopback upstream (its body limit is 1 MB), after
the gateway has parsed and scanned them: the gateway's whole cost of such a request is paid.

Writes docs/benchmarks/adversarial.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty
from typing import Any

import httpx
from common import latency_summary, print_table, start_gateway, start_mock_upstream, write_result

NORMAL_PROMPT = ("Please summarise the quarterly report for the team. " * 20)[:1024]
SHAPES: dict[str, str] = {
    "dots": "a.",  # the personal-data scan reproducer (quadratic before issue 11)
    "letters": "a",  # the audit e-mail pattern reproducer
    "at-signs": "a@",
    "digits": "1 ",
    "dotted-digits": "1.",
    "cjk": "数据",
    "accented": "é.",  # non-ASCII, a letter and a non-letter in turn
    "words": "ignore previous instructions ",
}
SIZES_KB = (1, 4, 16, 64, 256, 1024)


def text_of(shape: str, kb: int) -> str:
    """About ``kb`` KB (UTF-8) of one shape repeated."""
    unit = SHAPES[shape]
    return unit * max(1, kb * 1024 // len(unit.encode()))


def _scan_worker(shape: str, sizes: tuple[int, ...], what: str, queue: Any) -> None:
    """One shape's sizes, smallest first, in one process (the engine loads once)."""
    from aigc_gateway.audit.redaction import Redactor
    from aigc_gateway.config import Settings
    from aigc_gateway.guards.engine import GuardEngine

    engine = GuardEngine(Settings())
    policy = engine.policy("default")
    redact = Redactor(engine)
    warm_up = "An ordinary sentence to warm the detectors up, 42 of them. " * 20
    engine.scan(warm_up, "input", "user", policy.acting_types("input"))
    redact(warm_up)  # first calls pay one-off set-up (lazy tables), not per-KB time
    queue.put(None)  # loaded: the parent starts timing from here
    for kb in sizes:
        text = text_of(shape, kb)
        started = time.perf_counter()
        if what == "input_scan":
            engine.scan(text, "input", "user", policy.acting_types("input"))
        else:
            redact(text)
        queue.put((kb, time.perf_counter() - started))


def guard_times(cap_s: float, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """Seconds per scan for each shape and size; a scan past the cap ends its shape's series
    (its process is killed)."""
    rows = []
    context = multiprocessing.get_context("spawn")
    for what in ("input_scan", "audit_redaction"):
        for shape in SHAPES:
            queue = context.Queue()
            process = context.Process(target=_scan_worker, args=(shape, sizes, what, queue))
            process.start()
            queue.get(timeout=300)  # start-up (model loading) is not timed
            for kb in sizes:
                try:
                    _, seconds = queue.get(timeout=cap_s)
                except Empty:
                    seconds = None
                rows.append(
                    {
                        "what": what,
                        "shape": shape,
                        "kb": kb,
                        "seconds": None if seconds is None else round(seconds, 4),
                        "ms_per_kb": None if seconds is None else round(seconds * 1000 / kb, 4),
                    }
                )
                shown = "> cap" if seconds is None else f"{seconds * 1000:.1f} ms"
                print(f"  {what:16} {shape:14} {kb:5} KB: {shown}", flush=True)
                if seconds is None:
                    break  # larger inputs would only take longer
            process.kill()
            process.join()
    return rows


def loop_cpu(work: Path, config: dict[str, Any], sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """CPU ms of the event loop's thread per request, by shape and size (best of three)."""
    from aigc_gateway.api.app import create_app
    from aigc_gateway.config import Settings
    from aigc_gateway.gateway import Gateway

    async def measure() -> list[dict[str, Any]]:
        gateway = Gateway(Settings.model_validate(config), work)
        headers = {
            "authorization": f"Bearer {gateway.bootstrap_key()}",
            "content-type": "application/json",
        }
        transport = httpx.ASGITransport(app=create_app(gateway))
        rows = []
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", headers=headers, timeout=600
        ) as client:
            for shape in SHAPES:
                for kb in sizes:
                    body = json.dumps(
                        {
                            "model": "bench",
                            "messages": [{"role": "user", "content": text_of(shape, kb)}],
                        },
                        ensure_ascii=False,
                    ).encode()
                    spent = []
                    for _ in range(3):
                        started = time.thread_time()
                        await client.post("/v1/chat/completions", content=body)
                        spent.append(time.thread_time() - started)
                    rows.append(
                        {"shape": shape, "kb": kb, "loop_cpu_ms": round(min(spent) * 1000, 2)}
                    )
        await gateway.close()
        return rows

    work.mkdir()
    return asyncio.run(measure())


def normal_latencies(url: str, key: str, seconds: float) -> list[float]:
    body = {"model": "bench", "messages": [{"role": "user", "content": NORMAL_PROMPT}]}
    latencies = []
    deadline = time.monotonic() + seconds
    with httpx.Client(
        base_url=url, headers={"authorization": f"Bearer {key}"}, timeout=300
    ) as http:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            answer = http.post("/chat/completions", json=body)
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise RuntimeError(f"normal request failed: {answer.status_code} {answer.text}")
            time.sleep(0.05)
    return latencies


def attack(url: str, key: str, stop: threading.Event, kb: int, index: int, sent: list[int]) -> None:
    shapes = list(SHAPES)
    with httpx.Client(
        base_url=url, headers={"authorization": f"Bearer {key}"}, timeout=600
    ) as http:
        number = 0
        while not stop.is_set():
            text = text_of(shapes[(index + number) % len(shapes)], kb)
            body = {"model": "bench", "messages": [{"role": "user", "content": text}]}
            try:
                http.post("/chat/completions", json=body)
                sent.append(1)
            except httpx.HTTPError:
                pass
            number += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--attackers", type=int, default=2)
    parser.add_argument("--cap-s", type=float, default=20.0, help="longest scan measured")
    parser.add_argument("--attack-kb", type=int, help="adversarial prompt size (default 1024)")
    parser.add_argument("--phase-s", type=float, help="seconds per latency phase (default 30)")
    args = parser.parse_args()
    phase_s = args.phase_s or (10.0 if args.quick else 30.0)
    attack_kb = args.attack_kb or (256 if args.quick else 1024)
    sizes = SIZES_KB[:4] if args.quick else SIZES_KB

    with tempfile.TemporaryDirectory(prefix="aigc-adversarial-") as work_dir:
        work = Path(work_dir)
        mock, mock_url = start_mock_upstream(work)
        config = {
            "upstreams": {"mock": {"base_url": mock_url, "max_retries": 0}},
            "models": {"bench": {"backends": ["mock/fixed-64"]}},
            "limits": {"requests_per_minute": 10_000_000, "tokens_per_day": 10_000_000_000},
            "local_model": {"enabled": False},
            "server": {"max_body_bytes": 4 * 1024 * 1024, "max_message_chars": 2 * 1024 * 1024},
        }
        gateway, url, key = start_gateway(work, config)
        try:
            normal_latencies(url, key, 3)  # warm-up
            quiet = normal_latencies(url, key, phase_s)
            stop = threading.Event()
            sent: list[int] = []
            attackers = [
                threading.Thread(target=attack, args=(url, key, stop, attack_kb, i, sent))
                for i in range(args.attackers)
            ]
            for thread in attackers:
                thread.start()
            time.sleep(1)
            loud = normal_latencies(url, key, phase_s)
            stop.set()
        finally:
            gateway.stop()
        try:
            loop = loop_cpu(work / "in-process", config, (1, attack_kb))
        finally:
            mock.stop()
    ratio = statistics.median(loud) / statistics.median(quiet)
    print_table(
        f"Normal 1 KB requests, quiet vs while {args.attackers} clients send {attack_kb} KB "
        "adversarial prompts",
        ["phase", "p50 ms", "p90 ms", "p99 ms", "n"],
        [
            [phase, *(latency_summary(values)[k] for k in ("p50_ms", "p90_ms", "p99_ms", "n"))]
            for phase, values in (("quiet", quiet), ("under attack", loud))
        ],
    )
    print(f"p50 ratio under attack / quiet: {ratio:.2f} (goal <= 1.5); "
          f"adversarial requests completed meanwhile: {len(sent)}")  # fmt: skip

    loop_table = [
        [shape, *(r["loop_cpu_ms"] for r in loop if r["shape"] == shape)] for shape in SHAPES
    ]
    print_table(
        "Event-loop CPU ms per request (same app in this process, best of 3)",
        ["shape", "1 KB", f"{attack_kb} KB"],
        loop_table,
    )

    print("\nGuard time per input size (one process per shape, sizes in turn, capped):")
    rows = guard_times(args.cap_s, sizes)
    table = []
    for what in ("input_scan", "audit_redaction"):
        for shape in SHAPES:
            series = {r["kb"]: r for r in rows if r["what"] == what and r["shape"] == shape}
            table.append(
                [what, shape]
                + [
                    "-" if kb not in series else
                    ("> cap" if series[kb]["ms_per_kb"] is None else series[kb]["ms_per_kb"])
                    for kb in sizes
                ]
            )  # fmt: skip
    print_table("ms per KB", ["what", "shape", *(f"{kb} KB" for kb in sizes)], table)
    flat = [r for r in rows if r["kb"] == sizes[-1] and r["ms_per_kb"] is not None]
    write_result(
        "adversarial",
        {
            "p50_quiet_ms": latency_summary(quiet)["p50_ms"],
            "p50_under_attack_ms": latency_summary(loud)["p50_ms"],
            "p50_ratio": round(ratio, 3),
            "attack_kb": attack_kb,
            "attackers": args.attackers,
            "adversarial_requests_done": len(sent),
            "shapes_scanned_to_max_size": len(flat),
            "shape_series": len({(r["what"], r["shape"]) for r in rows}),
            "loop_cpu_ms_max_at_attack_size": max(
                r["loop_cpu_ms"] for r in loop if r["kb"] == attack_kb
            ),
            "loop_cpu_ms_max_at_1kb": max(r["loop_cpu_ms"] for r in loop if r["kb"] == 1),
        },
        {
            "quiet": latency_summary(quiet),
            "under_attack": latency_summary(loud),
            "cap_s": args.cap_s,
            "guard_times": rows,
            "loop_cpu": loop,
        },
    )


if __name__ == "__main__":
    main()
