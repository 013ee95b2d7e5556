"""The command line: config errors are one line and exit 2; keys; first-start bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import RunningGateway, run_cli


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("server:\n  prot: 8000\n", "server.prot: unknown key"),
        ("server:\n  port: eighty\n", "server.port: Input should be a valid integer"),
        (
            "upstreams:\n  x:\n    base_url: ftp://nowhere\n",
            "upstreams.x.base_url: must be an http:// or https:// URL",
        ),
        (
            "models:\n  m:\n    backends: [ghost/gpt]\n",
            "models.m.backends.0: unknown upstream 'ghost'",
        ),
        ("aliases:\n  a: missing\n", "aliases.a: unknown model 'missing'"),
        ("server: [1, 2\n", "line 2"),
        ("- just\n- a list\n", "(top level): must be a mapping"),
    ],
)
def test_bad_config_is_one_line_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    for command in (["config", "check"], ["serve"]):
        result = run_cli(*command, "--config", str(config), data_dir=tmp_path / "data")
        assert result.returncode == 2, result
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"aigc-gateway: error: {config}")
        assert expected in lines[0]


def test_missing_config_file(tmp_path: Path) -> None:
    result = run_cli("config", "check", "--config", str(tmp_path / "nope.yaml"), data_dir=tmp_path)
    assert result.returncode == 2
    assert "cannot read" in result.stderr and result.stderr.count("\n") == 1


def test_config_check_ok(tmp_path: Path) -> None:
    result = run_cli("config", "check", data_dir=tmp_path)
    assert result.returncode == 0
    assert "embedded defaults: OK" in result.stdout


def test_keys_create_prints_key_on_last_line(tmp_path: Path) -> None:
    result = run_cli("keys", "create", "--tenant", "team-a", "--admin", data_dir=tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1].startswith("sk-aigc-")
    assert "admin key" in result.stdout
    bad = run_cli("keys", "revoke", "key_doesnotexist", data_dir=tmp_path)
    assert bad.returncode == 1 and bad.stderr.startswith("aigc-gateway: error: no active key")
    usage = run_cli("keys", "create", data_dir=tmp_path)
    assert usage.returncode == 2 and "--tenant" in usage.stderr


def test_bootstrap_key_only_on_first_start(
    tmp_path: Path, start_gateway: Callable[..., RunningGateway]
) -> None:
    first = start_gateway()
    assert first.admin_key is not None
    assert "aigc-gateway keys create --tenant NAME" in first.log()
    first.stop()
    second = start_gateway(data_dir=first.data_dir)
    assert second.admin_key is None
    models = second.client(first.admin_key).models.list()
    assert models.data


def test_open_dev_mode(start_gateway: Callable[..., RunningGateway]) -> None:
    import httpx

    running = start_gateway({"server": {"open_dev_mode": True}, "local_model": {"enabled": False}})
    assert httpx.get(running.url + "/v1/models").status_code == 200
    assert "open dev mode" in running.log()
