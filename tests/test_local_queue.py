"""The local model's bounded queue (429 + Retry-After) and cancellation on disconnect."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable

import httpx

from .conftest import RunningGateway

MODEL = "smollm2-135m-instruct"
STORY = [{"role": "user", "content": "Tell me a very long story about the sea."}]


def _usage(running: RunningGateway, request_id: str, timeout_s: float = 10) -> tuple:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with sqlite3.connect(running.data_dir / "gateway.db") as db:
            row = db.execute(
                "SELECT status, completion_tokens FROM usage WHERE request_id = ?", (request_id,)
            ).fetchone()
        if row:
            return row
        time.sleep(0.1)
    raise AssertionError(f"no usage record for {request_id}")


def test_full_queue_answers_429_with_retry_after(
    start_gateway: Callable[..., RunningGateway],
) -> None:
    running = start_gateway({"local_model": {"max_queue": 1, "retry_after_s": 3}})
    headers = {"authorization": f"Bearer {running.admin_key}"}
    body = {"model": MODEL, "messages": STORY, "max_tokens": 60, "temperature": 0}

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=running.url, headers=headers, timeout=60) as client:
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
    status, tokens = _usage(gateway, request_id)
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
    body = {"model": MODEL, "messages": STORY, "max_tokens": 1500, "temperature": 1.0, "seed": 5}
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
