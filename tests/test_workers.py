"""``serve --workers 2``: two real gateway processes on one port share keys and one audit chain;
SIGKILL of a worker and then of everything loses no acknowledged request; SIGTERM stops all."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from .conftest import RunningGateway, run_cli
from .mock_upstream import MockUpstream
from .processes import child_pids
from .test_audit_durability import CLIENTS, assert_all_recorded, load

NO_LIMITS = {"requests_per_minute": None, "tokens_per_day": None}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def config(mock: MockUpstream) -> dict[str, Any]:
    return {
        "server": {"workers": 2},
        "local_model": {"enabled": False},
        "limits": NO_LIMITS,
        "upstreams": {"mock": {"base_url": mock.url}},
        "models": {"echo": {"backends": ["mock/echo"]}},
        "audit": {"checkpoint_every": 50},
    }


def test_two_workers_keep_one_chain_through_sigkill(
    start_gateway: Callable[..., RunningGateway], mock_upstream: MockUpstream
) -> None:
    first = start_gateway(config(mock_upstream))
    assert first.log().count("sk-aigc-") == 1, "the admin key is printed once"
    wait_for(lambda: len(child_pids(first.process.pid)) == 2)
    workers = child_pids(first.process.pid)
    cpu_before = {pid: cpu_seconds(pid) for pid in workers}
    acked: list[str] = []
    stop = threading.Event()
    clients = [
        threading.Thread(target=load, args=(first, acked, stop, i, True)) for i in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    wait_for(lambda: len(acked) >= 100)
    served = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in workers}
    assert all(seconds > 0.05 for seconds in served.values()), f"CPU per worker: {served}"

    os.kill(workers[0], signal.SIGKILL)  # one worker dies mid-load: it is started again

    def replaced() -> list[int]:
        return [pid for pid in child_pids(first.process.pid) if pid not in workers]

    wait_for(lambda: len(replaced()) == 1 and workers[1] in child_pids(first.process.pid))
    assert first.process.poll() is None
    count = len(acked)
    wait_for(lambda: len(acked) >= count + 100 or not any(c.is_alive() for c in clients))
    for pid in child_pids(first.process.pid):  # then everything dies at once
        os.kill(pid, signal.SIGKILL)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    stop.set()
    for client in clients:
        client.join(timeout=60)
    assert len(acked) >= count + 50
    assert "starting it again" in first.log()

    second = start_gateway(config(mock_upstream), data_dir=first.data_dir)
    assert "sk-aigc-" not in second.log()
    wait_for(lambda: len(child_pids(second.process.pid)) == 2)
    second_workers = child_pids(second.process.pid)
    with second.http(first.admin_key) as http:
        after = http.post(
            "/v1/chat/completions",
            json={"model": "echo", "messages": [{"role": "user", "content": "after restart"}]},
        )
    assert after.status_code == 200
    assert_counted_across_workers(second, first.admin_key or "")
    assert_registry_shared(second, first.admin_key or "")
    second.process.send_signal(signal.SIGTERM)  # clean shutdown of every worker
    assert second.process.wait(timeout=60) == 0
    assert not [pid for pid in second_workers if Path(f"/proc/{pid}").exists()]
    assert "Application shutdown complete" in second.log()

    assert_all_recorded(first.data_dir, [*acked, after.json()["id"]])


def assert_counted_across_workers(running: RunningGateway, key: str) -> None:
    """Whichever worker answers /metrics counts every worker's requests."""
    chat = {"model": "echo", "messages": [{"role": "user", "content": "count me"}]}
    for _ in range(20):  # a new connection each, so both workers take some
        reply = httpx.post(
            running.base_url + "/chat/completions",
            json=chat,
            headers={"authorization": f"Bearer {key}"},
            timeout=30,
        )
        assert reply.status_code == 200
    served = 'aigc_requests_total{route="/v1/chat/completions",status="200"} '
    for _ in range(6):
        scraped = httpx.get(running.url + "/metrics", timeout=30).text
        counted = [line for line in scraped.splitlines() if line.startswith(served)]
        assert counted == [served + "21.0"], counted
        assert "aigc_ready 1.0" in scraped


SENTENCES = (
    "The committee approved a new plan for cycling lanes along the river in spring.",
    "Our bakery switched to sourdough starters kept in the cellar since last winter.",
    "A sudden storm delayed the ferry crossing, so passengers waited in the harbour cafe.",
    "Volunteers counted migrating cranes over the wetlands at dawn for the annual survey.",
    "The museum restored an old printing press and now prints posters on weekends.",
    "Engineers tested the bridge sensors by driving loaded trucks across it at night.",
)


def assert_registry_shared(running: RunningGateway, key: str) -> None:
    """Texts one worker answered are traced by whichever worker verifies them."""
    headers = {"authorization": f"Bearer {key}"}
    answered = {}
    for sentence in SENTENCES:  # a new connection each: both workers answer some
        chat = {"model": "echo", "messages": [{"role": "user", "content": sentence}]}
        reply = httpx.post(
            running.base_url + "/chat/completions", json=chat, headers=headers, timeout=30
        )
        answered[sentence] = reply.json()["id"]
    time.sleep(1)  # each worker's registry writer commits within milliseconds
    for sentence, request_id in answered.items():
        found = httpx.post(
            running.base_url + "/verify", json={"text": sentence[5:70]}, headers=headers, timeout=30
        ).json()
        assert found["verdict"] == "generated_here", found
        matches = found["evidence"]["registry"]["matches"]
        assert [match["request_id"] for match in matches] == [request_id]


def test_workers_refuse_in_memory_limits(tmp_path: Path) -> None:
    served = run_cli("serve", "--workers", "2", "--port", "1", data_dir=tmp_path)
    assert served.returncode == 2
    assert "rate_limiter.backend: redis" in served.stderr
    assert len(served.stderr.strip().splitlines()) == 1
    bad = run_cli("serve", "--workers", "0", data_dir=tmp_path)
    assert bad.returncode == 2 and "at least 1" in bad.stderr
