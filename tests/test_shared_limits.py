"""Per-key limits shared by two gateway instances through a real Redis server on loopback."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import pytest
import redis

from .conftest import RunningGateway, free_port, run_cli
from .mock_upstream import MockUpstream


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)


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


def test_unreachable_redis_lets_requests_through(
    start_gateway: Callable[..., RunningGateway], mock_upstream: MockUpstream
) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    running = start_gateway(
        _config(
            mock_upstream,
            {"backend": "redis", "redis_url": closed},
            limits={"requests_per_minute": 1},
        )
    )
    for _ in range(3):
        _ask(running.client(max_retries=0))
    assert "Redis unavailable, request let through" in running.log()
