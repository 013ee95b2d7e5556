"""Shared fixtures: the real gateway as a separate process, and the loopback mock upstream.

``start_gateway(config)`` runs ``python -m aigc_gateway.cli serve`` with a fresh data dir and
port, waits for ``/healthz``, and hands back a :class:`RunningGateway` with the bootstrap admin
key. ``gateway`` is one such server with the embedded defaults, shared by the whole session.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from .mock_upstream import MockUpstream
from .watermark_key import fix_watermark_key as fix_watermark_key  # the tests' import

KEY_PATTERN = re.compile(r"sk-aigc-[A-Za-z0-9_-]+")
STARTUP_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(
    *args: str, data_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "aigc_gateway.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def create_key(data_dir: Path, tenant: str) -> str:
    """A new API key for ``tenant``, made with the CLI as an operator would."""
    created = run_cli("keys", "create", "--tenant", tenant, data_dir=data_dir)
    match = KEY_PATTERN.search(created.stdout)
    assert match, created.stderr
    return match.group(0)


@dataclass
class RunningGateway:
    process: subprocess.Popen[str]
    url: str
    data_dir: Path
    admin_key: str | None
    log_path: Path

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def client(self, key: str | None = None, **options: Any) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.base_url, api_key=key or self.admin_key, **options)

    def async_client(self, key: str | None = None, **options: Any) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(base_url=self.base_url, api_key=key or self.admin_key, **options)

    def http(self, key: str | None = None, timeout: float = 60) -> httpx.Client:
        headers = {"authorization": f"Bearer {key or self.admin_key}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def usage_row(self, request_id: str, columns: str, timeout_s: float = 10) -> tuple[Any, ...]:
        """``columns`` of a request's usage row, once the audit writer has committed it (an
        answer is acknowledged when its record is in the journal; the database follows)."""
        deadline = time.monotonic() + timeout_s
        while True:
            with sqlite3.connect(self.data_dir / "gateway.db") as db:
                query = f"SELECT {columns} FROM usage WHERE request_id = ?"
                row = db.execute(query, (request_id,)).fetchone()
            if row is not None:
                return tuple(row)
            if time.monotonic() > deadline:
                raise AssertionError(f"no usage record for {request_id} after {timeout_s} s")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def launch_gateway(
    tmp_dir: Path,
    config: dict[str, Any] | None = None,
    *,
    data_dir: Path | None = None,
    env: dict[str, str] | None = None,
) -> RunningGateway:
    """Start a real gateway process; returns once it answers /healthz."""
    data_dir = data_dir or tmp_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "aigc_gateway.cli",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    if config is not None:
        config_path = tmp_dir / f"config-{port}.yaml"
        config_path.write_text(yaml.safe_dump(config))
        args += ["--config", str(config_path)]
    log_path = tmp_dir / f"gateway-{port}.log"
    log_file = log_path.open("w")
    process = subprocess.Popen(
        args,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError(f"gateway did not start:\n{log_path.read_text()}")
    match = KEY_PATTERN.search(log_path.read_text())
    return RunningGateway(process, url, data_dir, match.group(0) if match else None, log_path)


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """One gateway with the embedded defaults (local model, SQLite), for the whole session."""
    running = launch_gateway(tmp_path_factory.mktemp("gateway"), {"server": {"key_cache_s": 0.2}})
    yield running
    running.stop()


@pytest.fixture
def start_gateway(
    tmp_path: Path,
) -> Iterator[Callable[..., RunningGateway]]:
    """Start gateways with a given config; all are stopped after the test."""
    started: list[RunningGateway] = []

    def start(config: dict[str, Any] | None = None, **options: Any) -> RunningGateway:
        running = launch_gateway(tmp_path, config, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture(scope="session")
def mock_upstream() -> Iterator[MockUpstream]:
    upstream = MockUpstream()
    yield upstream
    upstream.close()
