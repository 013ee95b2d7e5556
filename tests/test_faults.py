"""Storage and start-up faults with real processes: a full disk and a read-only data dir (a tmpfs
the test mounts; Linux refuses to remount a disk read-only while the gateway holds files open
for writing, so read-only is tested at start-up), damaged and empty databases, PostgreSQL and
Redis stopped mid-run. The API never hangs and answers 503 with Retry-After, readiness names the
fault, streams end with an error event and ``[DONE]``, the gateway recovers by itself, and no
acknowledged record is lost. SIGKILL under load is ``test_audit_durability.py``."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from aigc_gateway.audit.signing import KEY_FILE
from aigc_gateway.labeling.keys import (
    FINGERPRINT_KEY_FILE,
    LABEL_KEY_FILE,
    LABELS_DIR,
    WATERMARK_KEYS_FILE,
)
from aigc_gateway.labeling.registry import REGISTRY_FILE

from .conftest import RunningGateway, free_port, launch_gateway, run_cli
from .mock_upstream import MockUpstream
from .postgres_server import PostgresServer, PostgresUnavailable
from .redis_server import RedisServer, RedisUnavailable

FAST_S = 10.0
"""A request during a fault must be answered within this (the old failure mode was forever)."""


def _config(mock: MockUpstream, **extra: Any) -> dict[str, Any]:
    return {
        "upstreams": {"mock": {"base_url": mock.url, "max_retries": 0}},
        "models": {"echo": {"backends": ["mock/echo"]}},
        "local_model": {"enabled": False},
        "limits": {"requests_per_minute": 100_000},
        **extra,
    }


CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hello"}]}


def _chat(http: httpx.Client, acked: list[str]) -> httpx.Response:
    started = time.monotonic()
    answer = http.post("/v1/chat/completions", json=CHAT)
    assert time.monotonic() - started < FAST_S
    assert answer.status_code in (200, 503), answer.text
    if answer.status_code == 200:
        acked.append(answer.json()["id"])
    else:
        assert int(answer.headers["retry-after"]) >= 1
    return answer


def _stream(http: httpx.Client, acked: list[str]) -> tuple[int, list[str]]:
    """A streamed chat: (status, data lines); acknowledged when it ends with a chunk + [DONE]."""
    started = time.monotonic()
    with http.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as answer:
        lines = [line for line in answer.iter_lines() if line.startswith("data: ")]
        status = answer.status_code
        request_id = answer.headers.get("x-request-id")
    assert time.monotonic() - started < FAST_S
    if status == 200:
        assert lines[-1] == "data: [DONE]", lines  # always ends properly
        if '"error"' not in lines[-2]:
            acked.append(request_id or "")
    return status, lines


def _wait_ready(http: httpx.Client, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while http.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, http.get("/readyz").text
        time.sleep(0.25)


def _recorded_ids(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / "gateway.db") as db:
        return {row[0] for row in db.execute("SELECT request_id FROM audit_records")}


def _assert_trail_keeps(data_dir: Path, acked: list[str], config_path: Path | None = None) -> None:
    missing = set(acked) - _recorded_ids(data_dir)
    assert not missing, f"{len(missing)} acknowledged requests have no record"
    args = ["audit", "verify"] + (["--config", str(config_path)] if config_path else [])
    verified = run_cli(*args, data_dir=data_dir)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs mounted for this test (needs root or CAP_SYS_ADMIN)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {exc}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False, capture_output=True)


def _fill(disk: Path) -> Path:
    """Write zeros until the disk is full; returns the filler file."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 1 << 12, 1):
            while True:
                try:
                    os.write(descriptor, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(descriptor)
    return filler


def _remount(disk: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True, capture_output=True)


def test_disk_full_fails_fast_and_recovers(
    start_gateway: Callable[..., RunningGateway], mock_upstream: MockUpstream, small_disk: Path
) -> None:
    running = start_gateway(_config(mock_upstream), data_dir=small_disk / "data")
    acked: list[str] = []
    with running.http(timeout=30) as http:
        for _ in range(5):
            assert _chat(http, acked).status_code == 200
        verify = http.post("/v1/verify", json={"text": "some text to trace"})
        assert verify.status_code == 200

        filler = _fill(small_disk)
        for _ in range(400):  # the WAL may still have room for a few records
            status, lines = _stream(http, acked)
            if status == 503:
                break
            if '"error"' in lines[-2]:
                assert "storage_unavailable" in lines[-2]
                break
        else:
            pytest.fail("400 streams fit on a full disk")
        failed = _chat(http, acked)
        assert failed.status_code == 503
        assert failed.json()["error"]["code"] == "storage_unavailable"
        ready = http.get("/readyz")
        assert ready.status_code == 503 and "audit" in ready.json()["faults"]
        assert "retry-after" in ready.headers
        assert http.get("/healthz").json()["status"] == "degraded"
        started = time.monotonic()
        traced = http.post("/v1/verify", json={"text": "some text to trace"})
        assert traced.status_code in (200, 503) and time.monotonic() - started < FAST_S

        filler.unlink()
        _wait_ready(http)
        assert _chat(http, acked).status_code == 200
        assert http.post("/v1/verify", json={"text": "some text to trace"}).status_code == 200

    running.stop()
    _assert_trail_keeps(running.data_dir, acked)


def _cli(*args: str, data_dir: Path, config: dict[str, Any] | None = None) -> tuple[int, str]:
    """Run the CLI as a fresh process (``serve`` included); (exit code, stderr)."""
    extra: list[str] = []
    if config is not None:
        path = Path(tempfile.gettempdir()) / f"aigc-fault-config-{free_port()}.yaml"
        path.write_text(yaml.safe_dump(config))
        extra = ["--config", str(path)]
    if args[0] == "serve":
        extra += ["--port", str(free_port())]
    done = subprocess.run(
        [sys.executable, "-m", "aigc_gateway.cli", *args, *extra, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def _one_line(output: str, *names: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("aigc-gateway: error:")]
    assert len(errors) == 1, output
    assert "Traceback" not in output and "sk-aigc-" not in output, output
    for name in names:
        assert name in errors[0], errors[0]


@pytest.fixture
def used_data_dir(tmp_path: Path, mock_upstream: MockUpstream) -> Path:
    """A data dir a gateway has served from: keys, labels and a few audit records."""
    running = launch_gateway(tmp_path, _config(mock_upstream))
    acked: list[str] = []
    with running.http() as http:
        for _ in range(3):
            assert _chat(http, acked).status_code == 200
    running.stop()
    return running.data_dir


def test_empty_gateway_db_is_refused_and_no_key_is_minted(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "gateway.db").write_bytes(b"")
    code, output = _cli("serve", data_dir=data_dir, config={"local_model": {"enabled": False}})
    assert code == 2
    _one_line(output, "gateway.db", "0 bytes", "backup")
    assert (data_dir / "gateway.db").stat().st_size == 0
    code, output = _cli("keys", "create", "--tenant", "x", data_dir=data_dir)
    assert code == 2
    _one_line(output, "gateway.db")


@pytest.mark.parametrize("damage", ["truncated", "mid-file"])
def test_damaged_gateway_db_is_one_line(used_data_dir: Path, damage: str) -> None:
    database = used_data_dir / "gateway.db"
    with sqlite3.connect(database) as db:  # everything into the main file, then damage it
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(database.read_bytes())
    if damage == "truncated":
        database.write_bytes(bytes(data[:1000]))
    else:  # every page but the first (the schema) overwritten
        page = int.from_bytes(data[16:18], "big") or 65536
        data[page:] = bytes((i * 7 + 3) % 256 for i in range(len(data) - page))
        database.write_bytes(bytes(data))
    config = {"local_model": {"enabled": False}}
    for command in (("serve",), ("keys", "create", "--tenant", "y"), ("audit", "verify")):
        code, output = _cli(*command, data_dir=used_data_dir, config=config)
        assert code == 2, (command, output)
        _one_line(output)
        assert "damaged" in output or "not a database" in output, output


@pytest.mark.parametrize(
    ("target", "content", "names"),
    [
        (f"{LABELS_DIR}/{REGISTRY_FILE}", b"not a database" * 500, ["registry.db"]),
        (f"{LABELS_DIR}/{LABEL_KEY_FILE}", b"", ["label.key"]),
        (f"{LABELS_DIR}/{FINGERPRINT_KEY_FILE}", b"zz", ["fingerprint.key"]),
        (f"{LABELS_DIR}/{WATERMARK_KEYS_FILE}", b"{", ["watermark-keys.json"]),
        (KEY_FILE, b"-----BEGIN nonsense", [KEY_FILE]),
    ],
)
def test_damaged_data_files_are_one_line(
    used_data_dir: Path, target: str, content: bytes, names: list[str]
) -> None:
    (used_data_dir / target).parent.mkdir(parents=True, exist_ok=True)
    (used_data_dir / target).write_bytes(content)
    code, output = _cli("serve", data_dir=used_data_dir, config={"local_model": {"enabled": False}})
    assert code == 2, output
    _one_line(output, *names)


def test_bad_config_files_and_services_are_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    cases: list[tuple[bytes, list[str]]] = [
        (b"server:\n  host: \xff\xfe\n", ["UTF-8"]),
        (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", []),
        (
            yaml.safe_dump(
                {
                    "local_model": {"enabled": False},
                    "audit": {
                        "store": "postgres",
                        "postgres_dsn": f"host=127.0.0.1 port={free_port()}",
                    },
                }
            ).encode(),
            ["PostgreSQL"],
        ),
    ]
    for index, (content, names) in enumerate(cases):
        path = tmp_path / f"bad-{index}.yaml"
        path.write_bytes(content)
        code, output = _cli("serve", "--config", str(path), data_dir=data_dir)
        assert code == 2, output
        _one_line(output, *names)
    missing = tmp_path / "missing.yaml"
    missing.write_text(yaml.safe_dump({"local_model": {"path": str(tmp_path / "none.gguf")}}))
    code, output = _cli("config", "check", "--config", str(missing), data_dir=data_dir)
    assert code == 2
    _one_line(output, "none.gguf")


def test_read_only_data_dir_is_one_line(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    code, output = _cli("keys", "create", "--tenant", "t", data_dir=data_dir)
    assert code == 0, output
    _remount(small_disk, "ro")
    try:
        config = {"local_model": {"enabled": False}}
        for command in (("serve",), ("keys", "create", "--tenant", "u")):
            code, output = _cli(*command, data_dir=data_dir, config=config)
            assert code == 2, (command, output)
            _one_line(output)
    finally:
        _remount(small_disk, "rw")


def test_postgres_stopped_mid_run(
    start_gateway: Callable[..., RunningGateway], mock_upstream: MockUpstream, tmp_path: Path
) -> None:
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    try:
        dsn = server.create_database()
        config = _config(mock_upstream, audit={"store": "postgres", "postgres_dsn": dsn})
        running = start_gateway(config)
        acked: list[str] = []
        with running.http(timeout=30) as http:
            for _ in range(5):
                assert _chat(http, acked).status_code == 200
            server.pause()
            assert [_chat(http, acked).status_code for _ in range(3)] == [503] * 3
            assert "audit" in http.get("/readyz").json()["faults"]
            status, lines = _stream(http, acked)
            assert status == 503 or '"error"' in lines[-2]
            server.resume()
            _wait_ready(http)
            for _ in range(3):
                assert _chat(http, acked).status_code == 200
        running.stop()
        import psycopg

        with psycopg.connect(dsn) as db:
            recorded = {row[0] for row in db.execute("SELECT request_id FROM audit_records")}
        assert set(acked) <= recorded
        config_path = tmp_path / "pg.yaml"
        config_path.write_text(yaml.safe_dump(config))
        verified = run_cli(
            "audit", "verify", "--config", str(config_path), data_dir=running.data_dir
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        server.stop()


def test_redis_stopped_mid_run(
    start_gateway: Callable[..., RunningGateway], mock_upstream: MockUpstream, tmp_path: Path
) -> None:
    try:
        redis_server = RedisServer(tmp_path)
    except RedisUnavailable as exc:
        pytest.skip(str(exc))
    try:
        config = _config(
            mock_upstream,
            rate_limiter={"backend": "redis", "redis_url": redis_server.url},
            limits={"requests_per_minute": 1000},
        )
        running = start_gateway(config)
        acked: list[str] = []
        with running.http(timeout=30) as http:
            assert _chat(http, acked).status_code == 200
            redis_server.pause()
            denied = _chat(http, acked)
            assert denied.status_code == 503
            assert denied.json()["error"]["code"] == "rate_limiter_unavailable"
            assert "rate_limiter" in http.get("/readyz").json()["faults"]
            assert "aigc_rate_limiter_up 0.0" in http.get("/metrics").text
            redis_server.resume()
            deadline = time.monotonic() + 10
            while _chat(http, acked).status_code != 200:
                assert time.monotonic() < deadline
                time.sleep(0.2)
            assert http.get("/readyz").status_code == 200
            assert "aigc_rate_limiter_up 1.0" in http.get("/metrics").text
        running.stop()
        _assert_trail_keeps(running.data_dir, acked)
    finally:
        redis_server.stop()
