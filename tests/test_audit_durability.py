"""An answered request always has its record: load the real server, SIGKILL it, restart it,
and find every acknowledged request (HTTP 200 / stream ended with [DONE]) in a verifying trail."""

from __future__ import annotations

import signal
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from .conftest import RunningGateway, run_cli
from .mock_upstream import MockUpstream

CLIENTS = 16
KILL_AFTER_ACKS = 150
MAX_ACKS_PER_CLIENT = 200


def load(
    running: RunningGateway,
    acked: list[str],
    stop: threading.Event,
    index: int,
    keep_going: bool = False,
) -> None:
    """One client: alternate plain and streaming requests until the server dies (or, with
    ``keep_going``, until ``stop``: a worker that dies is replaced while others serve)."""
    payload: dict[str, Any] = {"model": "echo", "messages": [{"role": "user", "content": "x"}]}
    with running.http() as http:
        for number in range(MAX_ACKS_PER_CLIENT):
            if stop.is_set():
                return
            payload["messages"][0]["content"] = f"client {index} request {number}"
            try:
                if number % 2:
                    response = http.post("/v1/chat/completions", json=payload)
                    if response.status_code == 200 and response.json()["choices"]:
                        acked.append(response.json()["id"])
                    continue
                with http.stream(
                    "POST", "/v1/chat/completions", json={**payload, "stream": True}
                ) as response:
                    lines = [line for line in response.iter_lines() if line]
                    if response.status_code == 200 and lines[-1] == "data: [DONE]":
                        acked.append(response.headers["x-request-id"])
            except (httpx.HTTPError, ValueError, IndexError):
                if not keep_going:  # the server is gone: this request was never acknowledged
                    return


def assert_all_recorded(data_dir: Path, acked: list[str]) -> None:
    """Every acknowledged request has its record, and the chain verifies."""
    with sqlite3.connect(data_dir / "gateway.db") as db:
        recorded = {row[0] for row in db.execute("SELECT request_id FROM audit_records")}
    missing = set(acked) - recorded
    assert not missing, f"{len(missing)} acknowledged requests have no audit record"
    verified = run_cli("audit", "verify", data_dir=data_dir)
    assert verified.returncode == 0, verified.stderr
    assert f"{len(recorded)} records" in verified.stdout


def test_acknowledged_requests_survive_sigkill(
    start_gateway: Callable[..., RunningGateway], mock_upstream: MockUpstream, tmp_path: Path
) -> None:
    config = {
        "local_model": {"enabled": False},
        "limits": {"requests_per_minute": 100_000},
        "upstreams": {"mock": {"base_url": mock_upstream.url}},
        "models": {"echo": {"backends": ["mock/echo"]}},
        "audit": {"checkpoint_every": 50},
    }
    first = start_gateway(config)
    acked: list[str] = []
    stop = threading.Event()
    clients = [threading.Thread(target=load, args=(first, acked, stop, i)) for i in range(CLIENTS)]
    for client in clients:
        client.start()
    while len(acked) < KILL_AFTER_ACKS and any(c.is_alive() for c in clients):
        threading.Event().wait(0.05)
    first.process.send_signal(signal.SIGKILL)  # mid-load: requests are in flight
    first.process.wait()
    stop.set()
    for client in clients:
        client.join(timeout=60)
    assert len(acked) >= KILL_AFTER_ACKS

    second = start_gateway(config, data_dir=first.data_dir)
    with second.http(first.admin_key) as http:
        after = http.post(
            "/v1/chat/completions",
            json={"model": "echo", "messages": [{"role": "user", "content": "after restart"}]},
        )
    assert after.status_code == 200
    second.stop()

    assert_all_recorded(first.data_dir, [*acked, after.json()["id"]])
