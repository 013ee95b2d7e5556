"""What every benchmark shares: percentiles, a printed table, the JSON result file, and
starting the real gateway (and the loopback mock upstream) as separate processes."""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks"
sys.path.insert(0, str(ROOT))

from tests.processes import child_pids  # noqa: E402
from tests.watermark_key import fix_watermark_key  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "n": len(ms),
    }


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(c) for c in header]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print(
            "  ".join(
                cell.rjust(widths[i]) if i else cell.ljust(widths[i]) for i, cell in enumerate(row)
            )
        )
        if index == 0:
            print("  ".join("-" * w for w in widths))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def summary_of(data: dict[str, Any], keys: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """A flat summary: each key's value at its path of section names in ``data`` (None if
    that section has not been measured)."""
    summary = {}
    for key, path in keys.items():
        node: Any = data
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        summary[key] = node
    return summary


def write_result(name: str, summary: dict[str, float], details: dict[str, Any]) -> Path:
    """Write docs/benchmarks/NAME.json with a flat ``summary`` first."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"summary": summary, "machine": machine(), **details}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {path.relative_to(ROOT)}")
    return path


def fsync_latency_ms(directory: Path, count: int = 200) -> dict[str, float]:
    """The data disk's ``fdatasync`` latency now: what a durable write costs at least (with
    ``audit.sqlite_synchronous: full`` every answered request waits for one)."""
    path = directory / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    samples = []
    try:
        for _ in range(count):
            os.write(fd, b"x" * 1024)
            started = time.perf_counter()
            os.fdatasync(fd)
            samples.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()
    summary = latency_summary(samples)
    return {key: summary[key] for key in ("p50_ms", "p99_ms")}


def wait_http(url: str, process: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants: a server, its workers, their model and scan workers."""
    pids, todo = [], [pid]
    while todo:
        pids.append(todo.pop())
        todo.extend(child_pids(pids[-1]))
    return pids


def process_memory_mb(pid: int) -> dict[str, float]:
    """RSS, PSS (shared pages divided among every process that maps them, on the whole machine)
    and private memory (pages no other process maps) of ``pid`` and all its descendants."""
    pids = process_tree(pid)
    totals = {"Rss": 0, "Pss": 0, "Private_Clean": 0, "Private_Dirty": 0}
    for each in pids:
        for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in totals:
                totals[name] += int(value.split()[0])
    return {
        "processes": len(pids),
        "rss_mb": round(totals["Rss"] / 1024, 1),
        "pss_mb": round(totals["Pss"] / 1024, 1),
        "private_mb": round((totals["Private_Clean"] + totals["Private_Dirty"]) / 1024, 1),
    }


class Service:
    """A server process started for a benchmark and stopped afterwards."""

    def __init__(self, args: list[str], health_url: str, log: Path, env: dict[str, str]) -> None:
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **env}
        )
        wait_http(health_url, self.process)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def _test_server(work: Path, script: str, name: str) -> tuple[Service, str]:
    """One of the tests' loopback servers (``tests/SCRIPT PORT``), answering ``GET /stats``."""
    port = free_port()
    service = Service(
        [sys.executable, str(ROOT / "tests" / script), str(port)],
        f"http://127.0.0.1:{port}/stats",
        work / f"{name}.log",
        {},
    )
    return service, f"http://127.0.0.1:{port}"


def start_mock_upstream(work: Path) -> tuple[Service, str]:
    service, url = _test_server(work, "mock_upstream.py", "mock")
    return service, url + "/v1"


def start_otlp_receiver(work: Path) -> tuple[Service, str]:
    """The tests' OTLP/HTTP receiver (decodes every export), for gateways with telemetry on."""
    return _test_server(work, "otlp_receiver.py", "otlp")


ServeCommand = Callable[[Path, Path, int], list[str]]
"""The command line that serves a gateway from a config file and data dir on a port."""


def serve_command(config_path: Path, data: Path, port: int) -> list[str]:
    """``aigc-gateway serve``, as a user runs it."""
    return [
        sys.executable,
        "-m",
        "aigc_gateway.cli",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data),
        "--config",
        str(config_path),
    ]


def serve_with_fixed_key(config_path: Path, data: Path, port: int) -> list[str]:
    """``serve`` on a data dir given the fixed watermark key first: every gateway, in every run,
    then writes the same greedy answers (a fresh data dir draws a random key, and the key
    chooses the tokens)."""
    fix_watermark_key(data)
    return serve_command(config_path, data, port)


def start_gateway(
    work: Path, config: dict[str, Any], command: ServeCommand = serve_command
) -> tuple[Service, str, str]:
    """A gateway with ``config``; returns the service, its base URL and an API key."""
    port = free_port()
    data = work / f"gateway-{port}"
    data.mkdir(parents=True)
    config_path = work / f"gateway-{port}.yaml"
    config_path.write_text(yaml.safe_dump(config))
    log = work / f"gateway-{port}.log"
    service = Service(command(config_path, data, port), f"http://127.0.0.1:{port}/healthz", log, {})
    key = next(
        line.strip() for line in log.read_text().splitlines() if line.strip().startswith("sk-aigc-")
    )
    return service, f"http://127.0.0.1:{port}/v1", key
