"""Upstream providers through the real server: pass-through, retries, fallback, breaker, limits.

The upstream is tests/mock_upstream.py, a real HTTP server on loopback that can misbehave.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable

import httpx
import openai
import pytest

from .conftest import RunningGateway, run_cli
from .mock_upstream import MockUpstream

UPSTREAM_KEY = "test-upstream-key-" + uuid.uuid4().hex


def upstream_config(mock: MockUpstream, **extra: object) -> dict:
    fast = {"base_url": mock.url, "max_retries": 2, "backoff_s": 0.01, "timeout_s": 5}
    return {
        "server": {"key_cache_s": 0.2},
        "upstreams": {
            "mock": {
                **fast,
                "api_key_env": "MOCK_UPSTREAM_KEY",
                "circuit_breaker": {"failure_threshold": 100},
            },
            "backup": {**fast, "max_retries": 0},
            "impatient": {**fast, "timeout_s": 0.5, "max_retries": 0},
            "fragile": {
                **fast,
                "max_retries": 0,
                "circuit_breaker": {"failure_threshold": 2, "reset_after_s": 600},
            },
        },
        "models": {
            "echo": {"backends": ["mock/echo"]},
            "flaky": {"backends": ["mock/flaky"]},
            "reset": {"backends": ["mock/reset"]},
            "malformed": {"backends": ["mock/malformed"]},
            "bad-request": {"backends": ["mock/bad-request"]},
            "tool": {"backends": ["mock/tool"]},
            "cut": {"backends": ["mock/cut-stream"]},
            "with-fallback": {"backends": ["mock/fail-500", "backup/echo"]},
            "slow-then-local": {"backends": ["impatient/slow", "local"]},
            "fragile": {"backends": ["fragile/fail-500"]},
        },
        "aliases": {"fast": "echo", "default": "smollm2-135m-instruct"},
        # These tests are about routing and streaming as such; the guards (and their hold-back
        # of streamed text) have their own tests.
        "guards": {"enabled": False},
        **extra,
    }


@pytest.fixture(scope="module")
def routed(tmp_path_factory: pytest.TempPathFactory, mock_upstream: MockUpstream) -> RunningGateway:
    from .conftest import launch_gateway

    running = launch_gateway(
        tmp_path_factory.mktemp("routed"),
        upstream_config(mock_upstream),
        env={"MOCK_UPSTREAM_KEY": UPSTREAM_KEY},
    )
    yield running
    running.stop()


def ask(client: openai.OpenAI, model: str, text: str = "hello", **options: object):
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}], **options
    )


def test_non_streaming_pass_through(routed: RunningGateway, mock_upstream: MockUpstream) -> None:
    reply = ask(routed.client(), "echo", "ping", max_tokens=9, temperature=0.3)
    assert reply.choices[0].message.content == "echo: ping"
    assert reply.model == "echo"
    assert reply.usage is not None and reply.usage.total_tokens == 12
    sent = mock_upstream.state.last_body
    assert sent["model"] == "echo" and sent["max_tokens"] == 9 and sent["temperature"] == 0.3
    assert mock_upstream.state.last_headers["Authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert UPSTREAM_KEY not in routed.log()


def test_streaming_is_passed_through_chunk_by_chunk(routed: RunningGateway) -> None:
    text = "a fairly long sentence to stream back"
    stream = ask(routed.client(), "echo", text, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    deltas = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    expected = "echo: " + text
    assert "".join(deltas) == expected
    assert deltas == [expected[i : i + 8] for i in range(0, len(expected), 8)]
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens == 7


def test_text_completions_upstream(routed: RunningGateway) -> None:
    reply = routed.client().completions.create(model="echo", prompt="abc", max_tokens=3)
    assert reply.choices[0].text == "echo: abc"


def test_alias_resolves(routed: RunningGateway) -> None:
    assert ask(routed.client(), "fast", "x").choices[0].message.content == "echo: x"
    models = [m.id for m in routed.client().models.list()]
    assert {"echo", "fast", "default", "smollm2-135m-instruct"} <= set(models)


def test_retries_with_backoff_on_5xx(routed: RunningGateway, mock_upstream: MockUpstream) -> None:
    marker = "flaky-" + uuid.uuid4().hex
    reply = ask(routed.client(), "flaky", marker)
    assert reply.choices[0].message.content == "echo: " + marker
    assert mock_upstream.state.flaky[marker] == 3


def test_connection_reset_is_retried_then_502(
    routed: RunningGateway, mock_upstream: MockUpstream
) -> None:
    before = mock_upstream.state.calls["reset"]
    with pytest.raises(openai.APIStatusError) as raised:
        ask(routed.client(max_retries=0), "reset")
    assert raised.value.status_code == 502
    assert raised.value.body["code"] == "upstream_failed"
    assert mock_upstream.state.calls["reset"] - before == 3


def test_malformed_json_is_502(routed: RunningGateway) -> None:
    with pytest.raises(openai.APIStatusError) as raised:
        ask(routed.client(max_retries=0), "malformed")
    assert raised.value.status_code == 502
    with pytest.raises(openai.APIStatusError) as raised:
        list(ask(routed.client(max_retries=0), "malformed", stream=True))
    assert raised.value.status_code == 502


def test_upstream_client_error_is_passed_on_without_retry(
    routed: RunningGateway, mock_upstream: MockUpstream
) -> None:
    before = mock_upstream.state.calls["bad-request"]
    with pytest.raises(openai.BadRequestError) as raised:
        ask(routed.client(max_retries=0), "bad-request")
    assert "max_tokens is too large" in raised.value.message
    assert mock_upstream.state.calls["bad-request"] - before == 1


def test_tool_calls_are_passed_through(routed: RunningGateway) -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    reply = ask(routed.client(), "tool", "weather?", tools=tools)
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert reply.choices[0].finish_reason == "tool_calls"


def test_fallback_chain(routed: RunningGateway, mock_upstream: MockUpstream) -> None:
    before = mock_upstream.state.calls["fail-500"]
    reply = ask(routed.client(), "with-fallback", "fall")
    assert reply.choices[0].message.content == "echo: fall"
    assert mock_upstream.state.calls["fail-500"] - before == 3


def test_timeout_falls_back_to_local_model(routed: RunningGateway) -> None:
    reply = ask(routed.client(), "slow-then-local", "Say hi", max_tokens=5)
    content = reply.choices[0].message.content or ""
    assert content and not content.startswith("echo:")
    assert routed.usage_row(reply.id, "backend") == ("local",)


def test_circuit_breaker_opens(routed: RunningGateway, mock_upstream: MockUpstream) -> None:
    client = routed.client(max_retries=0)
    for _ in range(2):
        with pytest.raises(openai.APIStatusError) as raised:
            ask(client, "fragile")
        assert raised.value.status_code == 502
    calls = mock_upstream.state.calls["fail-500"]
    with pytest.raises(openai.APIStatusError) as raised:
        ask(client, "fragile")
    assert raised.value.status_code == 503
    assert raised.value.body["code"] == "backend_unavailable"
    assert mock_upstream.state.calls["fail-500"] == calls
    assert httpx.get(routed.url + "/healthz").json()["upstreams"]["fragile"] == "open"


def test_stream_cut_mid_way_ends_with_error_event(routed: RunningGateway) -> None:
    with (
        routed.http() as http,
        http.stream(
            "POST",
            "/v1/chat/completions",
            json={
                "model": "cut",
                "stream": True,
                "messages": [{"role": "user", "content": "x" * 40}],
            },
        ) as response,
    ):
        lines = [line for line in response.iter_lines() if line]
    assert response.status_code == 200
    assert any('"content":"echo: xx"' in line for line in lines)
    assert '"upstream_failed"' in lines[-2]
    assert lines[-1] == "data: [DONE]"


def test_usage_records(routed: RunningGateway) -> None:
    reply = ask(routed.client(), "echo", "record me")
    columns = "tenant, model, backend, status, prompt_tokens, completion_tokens, latency_ms"
    row = routed.usage_row(reply.id, columns)
    assert row[:6] == ("default", "echo", "mock/echo", "ok", 7, 5)
    assert row[6] > 0


def test_keys_per_tenant(routed: RunningGateway) -> None:
    created = run_cli("keys", "create", "--tenant", "acme", data_dir=routed.data_dir)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("sk-aigc-")
    reply = ask(routed.client(key), "echo", "from acme")
    assert routed.usage_row(reply.id, "tenant") == ("acme",)
    with sqlite3.connect(routed.data_dir / "gateway.db") as db:
        stored = [r[0] for r in db.execute("SELECT key_hash FROM api_keys")]
    assert key not in stored and all(len(h) == 64 for h in stored)
    listing = run_cli("keys", "list", "--tenant", "acme", data_dir=routed.data_dir)
    key_id = listing.stdout.splitlines()[1].split()[0]
    assert key not in listing.stdout
    assert run_cli("keys", "revoke", key_id, data_dir=routed.data_dir).returncode == 0
    time.sleep(0.5)
    with pytest.raises(openai.AuthenticationError):
        ask(routed.client(key, max_retries=0), "echo")


def test_rate_limits_per_key(
    start_gateway: Callable[..., RunningGateway], mock_upstream: MockUpstream
) -> None:
    config = upstream_config(
        mock_upstream,
        limits={"requests_per_minute": 3},
        tenants={"thrifty": {"limits": {"tokens_per_day": 20}}},
    )
    running = start_gateway(config, env={"MOCK_UPSTREAM_KEY": "x"})
    client = running.client(max_retries=0)
    for _ in range(3):
        ask(client, "echo")
    with pytest.raises(openai.RateLimitError) as raised:
        ask(client, "echo")
    assert raised.value.body["code"] == "requests_per_minute_exceeded"
    assert int(raised.value.response.headers["retry-after"]) >= 1

    created = run_cli("keys", "create", "--tenant", "thrifty", data_dir=running.data_dir)
    thrifty = running.client(created.stdout.strip().splitlines()[-1], max_retries=0)
    ask(thrifty, "echo")  # 12 tokens
    ask(thrifty, "echo")  # 24 tokens: over the budget from now on
    with pytest.raises(openai.RateLimitError) as raised:
        ask(thrifty, "echo")
    assert raised.value.body["code"] == "tokens_per_day_exceeded"
