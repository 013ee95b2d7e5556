"""The local model's bounded queue (429 + Retry-After), cancellation on disconnect, and its
worker process: killed mid-generation, the gateway lives on, the request gets a 503 and the next
one is served by a new worker."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Callable

import httpx

from .conftest import RunningGateway
from .processes import child_pids_running

MODEL = "smollm2-135m-instruct"
STORY = [{"role": "user", "content": "Tell me a very long story about the sea."}]
NO_END = {"0": -100, "2": -100, "4": -100}
"""``logit_bias`` that bans SmolLM2's end-of-generation tokens (<|endoftext|>, <|im_end|>,
<reponame>): the answer runs to ``max_tokens``."""


def test_full_queue_answers_429_with_retry_after(
    start_gateway: Callable[..., RunningGateway],
) -> None:
    running = start_gateway({"local_model": {"max_queue": 1, "retry_after_s": 3}})
    headers = {"authorization": f"Bearer {running.admin_key}"}
    body = {"model": MODEL, "messages": STORY, "max_tokens": 60, "temperature": 0}

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=running.url, headers=headers, timeout=300) as client:
            return await asyncio.gather(
                *[client.post("/v1/chat/completions", json=body) for _ in range(5)]
            )

    responses = asyncio.run(burst())
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 429, 429, 429]
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["retry-after"] == "3"
    assert refused.json()["error"]["code"] == "local_model_queue_full"


def test_stream_disconnect_stops_generation(gateway: RunningGateway) -> None:
    body = {
        "model": MODEL,
        "messages": STORY,
        "max_tokens": 1500,
        "stream": True,
        "temperature": 1.0,
        "seed": 3,
    }
    with gateway.http() as http, http.stream("POST", "/v1/chat/completions", json=body) as reply:
        request_id = reply.headers["x-request-id"]
        for line in reply.iter_lines():
            if '"content"' in line:
                break
    status, tokens = gateway.usage_row(request_id, "status, completion_tokens")
    assert status == "cancelled"
    assert tokens < 200
    quick = httpx.post(
        gateway.url + "/v1/chat/completions",
        headers={"authorization": f"Bearer {gateway.admin_key}"},
        json={"model": MODEL, "messages": STORY, "max_tokens": 3},
        timeout=30,
    )
    assert quick.status_code == 200


def test_non_streaming_disconnect_stops_generation(gateway: RunningGateway) -> None:
    body = {
        "model": MODEL,
        "messages": STORY,
        "max_tokens": 1500,
        "temperature": 1.0,
        "seed": 5,
        "logit_bias": NO_END,  # a story that ends early would answer before the client leaves
    }
    headers = {"authorization": f"Bearer {gateway.admin_key}"}
    before = time.time()
    try:
        httpx.post(gateway.url + "/v1/chat/completions", json=body, headers=headers, timeout=0.5)
    except httpx.ReadTimeout:
        pass
    else:
        raise AssertionError("the request should still have been generating")
    deadline = time.monotonic() + 10
    row = None
    while time.monotonic() < deadline and row is None:
        with sqlite3.connect(gateway.data_dir / "gateway.db") as db:
            row = db.execute(
                "SELECT status, completion_tokens FROM usage "
                "WHERE created_at >= ? AND status = 'cancelled' AND stream = 0",
                (int(before),),
            ).fetchone()
        time.sleep(0.1)
    assert row is not None
    assert row[1] < 500


def _worker_pid(server_pid: int, timeout_s: float = 60) -> int:
    """The local model worker: the server's child that runs ``local_worker``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = child_pids_running(server_pid, b"local_worker")
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError("the local model worker process was not found")


def _generating(running: RunningGateway) -> None:
    """Wait until the local model has a request in hand (the queue gauge says so)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        metrics = httpx.get(running.url + "/metrics", timeout=10).text
        if "aigc_local_model_queue 1" in metrics:
            return
        time.sleep(0.05)
    raise AssertionError("the local model never started the request")


def _answers(running: RunningGateway) -> None:
    """The next request is answered (by a new worker, which may still be loading)."""
    with running.http(timeout=120) as http:
        reply = http.post(
            "/v1/chat/completions", json={"model": MODEL, "messages": STORY, "max_tokens": 4}
        )
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["message"]["content"]


def test_killed_or_stalled_worker_fails_only_its_request(
    start_gateway: Callable[..., RunningGateway],
) -> None:
    gateway = start_gateway({"local_model": {"stall_timeout_s": 10}})
    body = {"model": MODEL, "messages": STORY, "max_tokens": 1500, "temperature": 1.0, "seed": 9}
    # A stream: the worker dies (SIGKILL) after the first token; the stream ends with an
    # error event and [DONE], and the server lives on.
    worker = _worker_pid(gateway.process.pid)
    with (
        gateway.http() as http,
        http.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as reply,
    ):
        assert reply.status_code == 200
        lines = reply.iter_lines()
        for line in lines:
            if '"content"' in line:
                break
        os.kill(worker, signal.SIGKILL)
        rest = [line for line in lines if line.startswith("data: ")]
    assert rest[-1] == "data: [DONE]"
    error = json.loads(rest[-2][len("data: ") :])["error"]
    assert error["code"] == "local_model_crashed"
    assert "Retry" in error["message"] and "SIG" not in error["message"]
    assert gateway.process.poll() is None
    _answers(gateway)

    # Not streamed: SIGSEGV (what a native crash is) while it generates: 503 with Retry-After.
    replies: list[httpx.Response] = []

    def send() -> None:
        with gateway.http(timeout=120) as http:
            replies.append(http.post("/v1/chat/completions", json=body))

    def crash_while_generating(sig: signal.Signals) -> httpx.Response:
        worker = _worker_pid(gateway.process.pid)
        replies.clear()
        sender = threading.Thread(target=send)
        sender.start()
        _generating(gateway)
        time.sleep(0.3)
        os.kill(worker, sig)
        sender.join(timeout=120)
        assert replies, "the request got no answer"
        assert gateway.process.poll() is None
        _answers(gateway)
        assert _worker_pid(gateway.process.pid) != worker
        return replies[0]

    crashed = crash_while_generating(signal.SIGSEGV)
    assert crashed.status_code == 503, crashed.text
    assert int(crashed.headers["retry-after"]) >= 1
    assert crashed.json()["error"]["code"] == "local_model_crashed"
    assert "SIGSEGV" in gateway.log()  # the cause is logged, not told

    # A worker that hangs (stopped: no token for stall_timeout_s) is ended like a crash.
    started = time.monotonic()
    stalled = crash_while_generating(signal.SIGSTOP)
    assert stalled.status_code == 503, stalled.text
    assert stalled.json()["error"]["code"] == "local_model_crashed"
    assert time.monotonic() - started < 60
    assert "made no progress" in gateway.log()
    assert httpx.get(gateway.url + "/readyz", timeout=10).status_code == 200
    metrics = httpx.get(gateway.url + "/metrics", timeout=10).text
    assert re.search(r"^aigc_local_model_restarts 3(\.0)?$", metrics, re.M), metrics
