"""The audit trail through the real server: one record per request, GET /admin/audit with
filters, paging and tenant isolation, kept content, and the audit/report CLI on its data."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from aigc_gateway.audit.records import sha256_hex

from .conftest import RunningGateway, launch_gateway, run_cli
from .mock_upstream import MockUpstream


@pytest.fixture(scope="module")
def audited(
    tmp_path_factory: pytest.TempPathFactory, mock_upstream: MockUpstream
) -> Iterator[RunningGateway]:
    config = {
        "local_model": {"enabled": False},
        "server": {"key_cache_s": 0.2},
        "upstreams": {"mock": {"base_url": mock_upstream.url}},
        "models": {"echo": {"backends": ["mock/echo"]}, "parrot": {"backends": ["mock/echo"]}},
        "tenants": {"acme": {"audit": {"keep_content": True}}},
        "audit": {"checkpoint_every": 4},
    }
    running = launch_gateway(tmp_path_factory.mktemp("audited"), config)
    yield running
    running.stop()


def new_key(running: RunningGateway, tenant: str) -> str:
    created = run_cli("keys", "create", "--tenant", tenant, data_dir=running.data_dir)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


def ask(running: RunningGateway, text: str, key: str | None = None, model: str = "echo") -> str:
    reply = running.client(key).chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}]
    )
    return reply.id


def audit(running: RunningGateway, key: str | None = None, **params: Any) -> httpx.Response:
    with running.http(key) as http:
        return http.get("/admin/audit", params=params)


def record(running: RunningGateway, request_id: str) -> dict[str, Any]:
    data = audit(running, request_id=request_id).json()["data"]
    assert len(data) == 1
    return data[0]


def test_non_streaming_request_has_its_record(audited: RunningGateway) -> None:
    request_id = ask(audited, "record me")
    body = record(audited, request_id)
    messages = [{"role": "user", "content": "record me"}]
    assert body["prompt_sha256"] == sha256_hex(orjson.dumps(messages, option=orjson.OPT_SORT_KEYS))
    assert body["answer_sha256"] == sha256_hex("echo: record me")
    assert (body["tenant"], body["model"], body["backend"], body["status"]) == (
        "default",
        "echo",
        "mock/echo",
        "ok",
    )
    assert (body["prompt_tokens"], body["completion_tokens"]) == (7, 5)
    assert body["energy_method"] == "tokens"
    assert body["energy_wh"] == pytest.approx(12 / 1000 * 0.3)
    assert body["carbon_g"] == pytest.approx(body["energy_wh"] * 481 / 1000)
    assert body["policy_version"].startswith("cfg-")
    assert body["content"] is None and len(body["hash"]) == 64


def test_finished_stream_has_its_record(audited: RunningGateway) -> None:
    with (
        audited.http() as http,
        http.stream(
            "POST",
            "/v1/chat/completions",
            json={"model": "echo", "stream": True, "messages": [{"role": "user", "content": "s"}]},
        ) as response,
    ):
        lines = [line for line in response.iter_lines() if line]
        request_id = response.headers["x-request-id"]
    assert lines[-1] == "data: [DONE]"
    body = record(audited, request_id)
    assert body["stream"] is True and body["status"] == "ok"


def test_tenant_keys_see_only_their_tenant(audited: RunningGateway) -> None:
    acme, beta = new_key(audited, "acme"), new_key(audited, "beta")
    acme_id, beta_id = ask(audited, "from acme", acme), ask(audited, "from beta", beta)
    seen_by_acme = audit(audited, acme, limit=1000).json()["data"]
    assert {r["tenant"] for r in seen_by_acme} == {"acme"}
    assert acme_id in {r["request_id"] for r in seen_by_acme}
    assert beta_id not in {r["request_id"] for r in seen_by_acme}
    assert audit(audited, acme, request_id=beta_id).json()["data"] == []
    refused = audit(audited, acme, tenant="beta")
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "permission_error"
    admin_view = audit(audited, tenant="beta").json()["data"]
    assert [r["request_id"] for r in admin_view] == [beta_id]
    assert audit(audited, "sk-aigc-not-a-key").status_code == 401


def test_kept_content_is_redacted_for_that_tenant_only(audited: RunningGateway) -> None:
    acme = new_key(audited, "acme")
    body = record(audited, ask(audited, "write to bob@example.com", acme))
    assert body["content"] == {
        "prompt": orjson.dumps(
            [{"content": "write to [EMAIL]", "role": "user"}], option=orjson.OPT_SORT_KEYS
        ).decode(),
        "answer": "echo: write to [EMAIL]",
    }
    assert record(audited, ask(audited, "write to bob@example.com"))["content"] is None


def test_filters_and_paging(audited: RunningGateway) -> None:
    ids = [ask(audited, f"page {i}", model="parrot") for i in range(5)]
    first = audit(audited, model="parrot", limit=3).json()
    assert [r["request_id"] for r in first["data"]] == ids[:3] and first["has_more"]
    rest = audit(audited, model="parrot", limit=3, after=first["next_after"]).json()
    assert [r["request_id"] for r in rest["data"]] == ids[3:] and not rest["has_more"]
    assert (
        audit(audited, model="parrot", since="2000-01-01", until="2001-01-01").json()["data"] == []
    )
    assert len(audit(audited, model="parrot", since="1h").json()["data"]) == 5
    assert audit(audited, finding="pii", model="parrot").json()["data"] == []
    for params in ({"limit": "0"}, {"since": "soon"}, {"finding": "a b"}, {"after": "-1"}):
        bad = audit(audited, **params)
        assert bad.status_code == 400, params
        assert bad.json()["error"]["param"] == next(iter(params))


def test_public_key_route_matches_cli(audited: RunningGateway) -> None:
    with audited.http() as http:
        served = http.get("/admin/audit/public-key").json()
    printed = run_cli("audit", "public-key", data_dir=audited.data_dir)
    assert printed.returncode == 0 and printed.stdout == served["public_key"]


def test_cli_verify_export_tamper_and_report(audited: RunningGateway, tmp_path: Any) -> None:
    for i in range(3):
        ask(audited, f"cli {i}")
    verified = run_cli("audit", "verify", data_dir=audited.data_dir)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK: database:")
    exported = run_cli("audit", "export", "--since", "1d", data_dir=audited.data_dir)
    assert exported.returncode == 0, exported.stderr
    trail, key = tmp_path / "trail.jsonl", tmp_path / "key.pem"
    trail.write_text(exported.stdout)
    key.write_text(run_cli("audit", "public-key", data_dir=audited.data_dir).stdout)
    from_file = run_cli(
        "audit", "verify", "--file", str(trail), "--public-key", str(key), data_dir=audited.data_dir
    )
    assert from_file.returncode == 0, from_file.stderr
    lines = trail.read_text().splitlines()
    trail.write_text("\n".join(lines[:-1]) + "\n")
    cut = run_cli(
        "audit", "verify", "--file", str(trail), "--public-key", str(key), data_dir=audited.data_dir
    )
    assert cut.returncode == 1 and cut.stderr.startswith("aigc-gateway: error: TRUNCATED")

    report = run_cli(
        "report",
        "usage",
        "--by",
        "model",
        "--since",
        "1d",
        "--out",
        str(tmp_path),
        data_dir=audited.data_dir,
    )
    assert report.returncode == 0, report.stderr
    assert report.stdout.splitlines()[0].split()[:2] == ["MODEL", "REQUESTS"]
    with (tmp_path / "usage-by-model.csv").open() as file:
        rows = {row["model"]: row for row in csv.DictReader(file)}
    assert int(rows["echo"]["requests"]) >= 3
    assert (tmp_path / "usage-by-model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    with sqlite3.connect(audited.data_dir / "gateway.db") as db:
        db.execute("UPDATE audit_records SET tenant = 'forged' WHERE seq = 2")
    tampered = run_cli("audit", "verify", data_dir=audited.data_dir)
    assert tampered.returncode == 1
    assert tampered.stderr.startswith("aigc-gateway: error: EDITED: record seq 2")
    with sqlite3.connect(audited.data_dir / "gateway.db") as db:
        db.execute("UPDATE audit_records SET tenant = 'default' WHERE seq = 2")


def test_cli_rejects_bad_input(audited: RunningGateway, tmp_path: Any) -> None:
    bad_time = run_cli("audit", "export", "--since", "someday", data_dir=audited.data_dir)
    assert bad_time.returncode == 2 and "--since" in bad_time.stderr
    no_key = run_cli("audit", "verify", "--file", "x.jsonl", data_dir=audited.data_dir)
    assert no_key.returncode == 2 and "--public-key" in no_key.stderr
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("not json\n")
    key = tmp_path / "k.pem"
    key.write_text(run_cli("audit", "public-key", data_dir=audited.data_dir).stdout)
    unreadable = run_cli(
        "audit",
        "verify",
        "--file",
        str(garbage),
        "--public-key",
        str(key),
        data_dir=audited.data_dir,
    )
    assert unreadable.returncode == 1 and "line 1" in unreadable.stderr
    assert len(unreadable.stderr.splitlines()) == 1


def test_local_model_energy_is_measured_cpu(gateway: RunningGateway) -> None:
    reply = gateway.client().chat.completions.create(
        model="smollm2-135m-instruct", messages=[{"role": "user", "content": "Hi"}], max_tokens=8
    )
    body = record(gateway, reply.id)
    assert body["backend"] == "local" and body["energy_method"] == "cpu"
    assert body["cpu_s"] > 0
    assert body["energy_wh"] == pytest.approx(body["cpu_s"] * 7.0 / 3600, rel=1e-3)
    labels = reply.model_extra["aigc"] if reply.model_extra else {}
    assert body["produce_id"] == labels["ProduceID"]
    assert body["watermark_key_id"] == labels["watermark"]["key_id"]
