"""Per-key limits shared by two gateway instances through a real Redis server on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import pytest

from .conftest import RunningGateway, free_port, run_cli
from .mock_upstream import MockUpstream
from .redis_server import RedisServer, RedisUnavailable


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    try:
        server = RedisServer(tmp_path)
    except RedisUnavailable as exc:
        pytest.skip(str(exc))
    yield server.url
    server.stop()


def _config(mock: MockUpstream, limiter: dict, **extra: object) -> dict:
    return {
        "upstreams": {"mock": {"base_url": mock.url, "max_retries": 0}},
        "models": {"echo": {"backends": ["mock/echo"]}},
        "local_model": {"enabled": False},
        "rate_limiter": limiter,
        **extra,
    }


def _ask(client: openai.OpenAI) -> None:
    client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "hi"}])


def test_two_instances_share_one_budget(
    start_gateway: Callable[..., RunningGateway],
    mock_upstream: MockUpstream,
    redis_url: str,
    tmp_path: Path,
) -> None:
    config = _config(
        mock_upstream,
        {"backend": "redis", "redis_url": redis_url},
        limits={"requests_per_minute": 4},
        tenants={"thrifty": {"limits": {"tokens_per_day": 30}}},
    )
    data_dir = tmp_path / "shared-data"
    first = start_gateway(config, data_dir=data_dir)
    second = start_gateway(config, data_dir=data_dir)
    clients = [first.client(max_retries=0), second.client(first.admin_key, max_retries=0)]
    for index in range(4):
        _ask(clients[index % 2])
    for client in clients:
        with pytest.raises(openai.RateLimitError) as raised:
            _ask(client)
        assert raised.value.body["code"] == "requests_per_minute_exceeded"

    key = run_cli("keys", "create", "--tenant", "thrifty", data_dir=data_dir).stdout.split()[-1]
    thrifty = [first.client(key, max_retries=0), second.client(key, max_retries=0)]
    _ask(thrifty[0])  # 12 tokens
    _ask(thrifty[1])  # 24
    _ask(thrifty[0])  # 36: over the budget from now on, on both instances
    for client in thrifty:
        with pytest.raises(openai.RateLimitError) as raised:
            _ask(client)
        assert raised.value.body["code"] == "tokens_per_day_exceeded"


def test_unreachable_redis_denies_by_default_and_allows_only_when_told(
    start_gateway: Callable[..., RunningGateway], mock_upstream: MockUpstream, tmp_path: Path
) -> None:
    """Redis down never switches limits off silently: 503 + Retry-After by default; with
    ``on_redis_error: allow`` requests pass, and health, readiness and metrics show it."""
    closed = f"redis://127.0.0.1:{free_port()}/0"
    limiter = {"backend": "redis", "redis_url": closed}
    denying = start_gateway(_config(mock_upstream, limiter, limits={"requests_per_minute": 5}))
    with denying.http() as http:
        for _ in range(20):
            answer = http.post(
                "/v1/chat/completions",
                json={"model": "echo", "messages": [{"role": "user", "content": "hi"}]},
            )
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"]["code"] == "rate_limiter_unavailable"
            assert int(answer.headers["retry-after"]) >= 1
        ready = http.get("/readyz")
        assert ready.status_code == 503 and "rate_limiter" in ready.json()["faults"]
        assert http.get("/healthz").json()["status"] == "degraded"
        assert "aigc_rate_limiter_up 0.0" in http.get("/metrics").text

    allowing = start_gateway(
        _config(
            mock_upstream,
            {**limiter, "on_redis_error": "allow"},
            limits={"requests_per_minute": 1},
        ),
        data_dir=tmp_path / "allowing",
    )
    for _ in range(3):
        _ask(allowing.client(max_retries=0))
    with allowing.http() as http:
        assert "Redis unavailable" in http.get("/healthz").json()["faults"]["rate_limiter"]
    assert "rate limiter: Redis unavailable" in allowing.log()
