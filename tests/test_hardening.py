"""No request may crash, freeze or leak internals: each reproducer of issue 10 against the real
server (local model, SQLite), plus the limits that stop oversized input with 413."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from aigc_gateway.api.http import UnexpectedErrors
from aigc_gateway.audit.redaction import Redactor
from aigc_gateway.config import Settings
from aigc_gateway.guards.engine import GuardEngine

from .conftest import RunningGateway, free_port
from .mock_upstream import MockUpstream
from .processes import child_pids_running

BAD_SCHEMAS: list[Any] = [
    {"enum": []},  # took the process down with a segfault
    "a string",
    ["a", "list"],
    {"type": "foo"},
    {"type": "string", "pattern": "abc"},  # unanchored
    {"$ref": "#/$defs/missing"},
    {"$ref": "https://example.com/schema.json"},
    {"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/a"}}},  # recursive
    {"$ref": "#/$defs/a", "$defs": {"a": {"type": "array", "items": {"$ref": "#/$defs/a"}}}},
    {"anyOf": []},
    {"type": "object", "properties": {"a": 5}},
    {"type": "array", "items": {"type": "string"}, "maxItems": 100_000},
    {"type": "string", "pattern": "^(|a)$"},
    {"type": "string", "minimum": 3},
    {"format": "date-time", "type": 7},
]


def _chat(**extra: Any) -> dict[str, Any]:
    return {
        "model": "smollm2-135m-instruct",
        "messages": [{"role": "user", "content": "Answer in JSON."}],
        "max_tokens": 8,
        **extra,
    }


def _error(response: httpx.Response) -> dict[str, Any]:
    return response.json()["error"]


@pytest.mark.parametrize("schema", BAD_SCHEMAS, ids=lambda s: json.dumps(s)[:40])
def test_bad_json_schema_is_400_and_the_server_lives(gateway: RunningGateway, schema: Any) -> None:
    response_format = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    with gateway.http() as http:
        answer = http.post("/v1/chat/completions", json=_chat(response_format=response_format))
        assert answer.status_code == 400, answer.text
        assert _error(answer)["param"] == "response_format"
        assert "Error" not in _error(answer)["message"]  # no exception class names
        assert http.get("/healthz").status_code == 200
    assert gateway.process.poll() is None


def test_tool_schema_that_llama_cpp_cannot_compile_is_400(gateway: RunningGateway) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "pick",
            "parameters": {"type": "object", "properties": {"a": {"enum": []}}},
        },
    }
    with gateway.http() as http:
        answer = http.post("/v1/chat/completions", json=_chat(tools=[tool]))
        assert answer.status_code == 400, answer.text
        assert _error(answer)["param"] == "tools"
        assert http.get("/healthz").status_code == 200
    assert gateway.process.poll() is None


def test_valid_json_schema_is_enforced(gateway: RunningGateway) -> None:
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": False,
    }
    response_format = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    with gateway.http(timeout=300) as http:  # grammar sampling is slow on a loaded CPU
        answer = http.post(
            "/v1/chat/completions", json=_chat(response_format=response_format, max_tokens=12)
        )
    assert answer.status_code == 200, answer.text
    choice = answer.json()["choices"][0]
    if choice["finish_reason"] == "stop":
        assert isinstance(json.loads(choice["message"]["content"])["ok"], bool)
    else:
        assert choice["message"]["content"].startswith("{")


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/chat/completions", _chat(seed=2**64), "seed"),
        ("/v1/chat/completions", _chat(max_tokens=2**64), "max_tokens"),
        ("/v1/chat/completions", _chat(seed=-(2**70)), "seed"),
        (
            "/v1/chat/completions",
            _chat(messages=[{"role": "user", "content": "hi", "name_id": 2**64}]),
            "messages.0.name_id",
        ),
        (
            "/v1/chat/completions",
            _chat(metadata={"a": "b"}, tools=[{"type": "function", "n": 2**64}]),
            "tools.0.n",
        ),
        (
            "/v1/completions",
            {"model": "smollm2-135m-instruct", "prompt": "x", "seed": 2**64},
            "seed",
        ),
        ("/v1/images/generations", {"model": "m", "prompt": "x", "quality": 2**64}, "quality"),
    ],
)
def test_huge_integers_are_400_naming_the_parameter(
    gateway: RunningGateway, path: str, body: dict[str, Any], param: str
) -> None:
    with gateway.http() as http:
        answer = http.post(path, json=body)
    assert answer.status_code == 400, answer.text
    assert _error(answer)["param"] == param
    assert "64 bits" in _error(answer)["message"]


def test_empty_completion_prompt_is_400(gateway: RunningGateway) -> None:
    with gateway.http() as http:
        answer = http.post(
            "/v1/completions",
            json={"model": "smollm2-135m-instruct", "prompt": "", "max_tokens": 4},
        )
    assert answer.status_code == 400, answer.text
    assert _error(answer)["param"] == "prompt"
    assert gateway.process.poll() is None


def _raw_exchange(url: str, requests: list[bytes]) -> list[bytes]:
    """Send HTTP/1.1 requests one after another on ONE keep-alive connection; the status lines."""
    host, port = url.removeprefix("http://").split(":")
    statuses = []
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        reader = sock.makefile("rb")
        for raw in requests:
            sock.sendall(raw)
            status = reader.readline()
            statuses.append(status)
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            reader.read(length)
    return statuses


def _post(path: str, key: str, body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode() + data


def test_keep_alive_connection_survives_bad_requests(gateway: RunningGateway) -> None:
    key = gateway.admin_key or ""
    bad = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"enum": []}}}
    statuses = _raw_exchange(
        gateway.url,
        [
            _post("/v1/chat/completions", key, _chat(seed=2**64)),
            _post("/v1/chat/completions", key, _chat(response_format=bad)),
            _post("/v1/completions", key, {"model": "smollm2-135m-instruct", "prompt": ""}),
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        ],
    )
    assert [status.split()[1] for status in statuses] == [b"400", b"400", b"400", b"200"]


@pytest.fixture
def failing_app() -> Iterator[str]:
    """A real uvicorn server whose one route raises: what any unforeseen bug looks like."""

    async def boom(_: Request) -> JSONResponse:
        raise RuntimeError("secret internals at 10.1.2.3:5432")

    async def fine(_: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    app = Starlette(
        routes=[Route("/boom", boom), Route("/fine", fine)],
        middleware=[Middleware(UnexpectedErrors)],  # where create_app puts it
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", http="httptools")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_an_unexpected_error_is_a_500_that_keeps_the_connection(failing_app: str) -> None:
    statuses = _raw_exchange(
        failing_app,
        [b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /fine HTTP/1.1\r\nHost: x\r\n\r\n"],
    )
    assert [status.split()[1] for status in statuses] == [b"500", b"200"]
    body = httpx.get(failing_app + "/boom").json()
    assert body["error"]["message"] == "The server had an error processing your request."


def test_size_limits_are_413(
    start_gateway: Callable[..., RunningGateway], mock_upstream: MockUpstream
) -> None:
    running = start_gateway(
        {
            "server": {"max_body_bytes": 50_000, "max_message_chars": 1_000, "max_messages": 4},
            "upstreams": {"mock": {"base_url": mock_upstream.url, "max_retries": 0}},
            "models": {"echo": {"backends": ["mock/echo"]}},
            "local_model": {"enabled": False},
        }
    )
    message = {"role": "user", "content": "x" * 1_001}
    cases = [
        ({"model": "echo", "messages": [message]}, "messages.0.content"),
        ({"model": "echo", "messages": [{"role": "user", "content": "hi"}] * 5}, "messages"),
        ({"model": "echo", "messages": [{"role": "user", "content": "y" * 60_000}]}, None),
    ]
    with running.http() as http:
        for body, param in cases:
            answer = http.post("/v1/chat/completions", json=body)
            assert answer.status_code == 413, answer.text
            assert _error(answer)["code"] == "request_too_large"
            assert _error(answer)["param"] == param
        too_long = http.post("/v1/completions", json={"model": "echo", "prompt": "z" * 1_001})
        assert too_long.status_code == 413 and _error(too_long)["param"] == "prompt"
        fits = http.post(
            "/v1/chat/completions",
            json={"model": "echo", "messages": [{"role": "user", "content": "x" * 1_000}]},
        )
        assert fits.status_code == 200


def test_upstream_failures_name_no_internals_and_503_has_retry_after(
    start_gateway: Callable[..., RunningGateway],
) -> None:
    closed_port = free_port()
    running = start_gateway(
        {
            "upstreams": {
                "far": {
                    "base_url": f"http://127.0.0.1:{closed_port}/v1",
                    "max_retries": 0,
                    "circuit_breaker": {"failure_threshold": 1, "reset_after_s": 30},
                }
            },
            "models": {"far-model": {"backends": ["far/m"]}},
            "local_model": {"enabled": False},
        }
    )
    body = {"model": "far-model", "messages": [{"role": "user", "content": "hi"}]}
    with running.http() as http:
        failed = http.post("/v1/chat/completions", json=body)
        paused = http.post("/v1/chat/completions", json=body)
    assert failed.status_code == 502
    message = _error(failed)["message"]
    assert "could not be reached" in message
    assert str(closed_port) not in message and "127.0.0.1" not in message
    assert "Error" not in message  # no exception class names
    assert paused.status_code == 503
    assert 1 <= int(paused.headers["retry-after"]) <= 30
    assert str(closed_port) not in paused.text


def test_audit_redaction_uses_the_guards_and_is_linear() -> None:
    redact = Redactor(GuardEngine(Settings()))
    text = "mail bob@example.com, key sk-abcdefghijklmnopqrstuvwxyz123456"
    redacted = redact(text)
    assert "bob@example.com" not in redacted and "[EMAIL]" in redacted
    assert "sk-abcdefghijklmnopqrstuvwxyz123456" not in redacted
    started = time.perf_counter()
    assert redact("a" * 40_000) == "a" * 40_000  # took 24 s with the audit's own e-mail regex
    assert time.perf_counter() - started < 5


def test_readiness_is_ready_on_a_healthy_gateway(gateway: RunningGateway) -> None:
    ready = httpx.get(gateway.url + "/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "faults": {}}
    health = httpx.get(gateway.url + "/healthz").json()
    assert health["status"] == "ok" and health["faults"] == {}


def test_a_long_answer_reaches_the_output_guards_in_slices() -> None:
    """A whole non-streamed answer is fed a slice at a time (the loop serves others between
    slices); a secret across a slice border is still masked, as in a stream."""
    from aigc_gateway.guards.stages import OutputGuards
    from aigc_gateway.pipeline import FEED_SLICE_CHARS, RequestContext, fed
    from aigc_gateway.providers.base import GenerationRequest

    engine = GuardEngine(Settings())
    guards = OutputGuards(engine, 64, {"en": "refused", "zh": "refused"})
    context = RequestContext(request_id="r", tenant="default", key_id="k")
    output = guards.open(GenerationRequest(kind="chat", model="m", stream=False), context)
    key = "sk-abcdefghijklmnopqrstuvwxyz123456"
    text = "x " * (FEED_SLICE_CHARS // 2 - 10) + f"key {key} end. " + "y " * FEED_SLICE_CHARS

    async def run() -> str:
        return await fed(output, text) + output.finish()

    answer = asyncio.run(run())
    assert key not in answer and "[API_KEY]" in answer
    assert answer.startswith("x x") and answer.endswith("y ")


def test_long_texts_are_scanned_in_worker_processes_that_are_replaced(
    gateway: RunningGateway,
) -> None:
    """Over 4 KB, the guards scan in worker processes (never under the event loop's GIL). A
    worker that dies costs one request a 503 with Retry-After; the next gets new workers."""
    text = "Call 415-555-2671 or mail jane@example.com. " * 200  # about 9 KB
    with gateway.http() as http:
        first = http.post("/v1/guard", json={"text": text})
        assert first.status_code == 200, first.text
        assert {"PHONE", "EMAIL"} <= {f["type"] for f in first.json()["findings"]}
        workers = child_pids_running(gateway.process.pid, b"spawn_main")
        assert workers, "no scan worker process"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        time.sleep(1)
        broken = http.post("/v1/guard", json={"text": text})
        assert broken.status_code == 503, broken.text
        assert broken.json()["error"]["code"] == "guards_unavailable"
        assert int(broken.headers["retry-after"]) >= 1
        again = http.post("/v1/guard", json={"text": text})
        assert again.status_code == 200, again.text
    assert gateway.process.poll() is None
    assert set(child_pids_running(gateway.process.pid, b"spawn_main")).isdisjoint(workers)
