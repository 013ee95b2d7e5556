"""The audit store against real SQLite and a real PostgreSQL server: chain, checkpoints,
every kind of tampering, retention, queries and usage sums — the same tests for both."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from aigc_gateway.audit.chain import VerifyReport, seal, verify
from aigc_gateway.audit.energy import EnergyModel
from aigc_gateway.audit.postgres import PostgresAuditStore
from aigc_gateway.audit.records import NewRecord, build_record
from aigc_gateway.audit.signing import AuditSigner
from aigc_gateway.audit.sqlite import SqliteAuditStore
from aigc_gateway.audit.store import AuditQuery, AuditStore
from aigc_gateway.config import EnergySettings
from aigc_gateway.pipeline import UsageRecord
from aigc_gateway.reports import DirectionReport, GuardReport, LabelReport

from .postgres_server import PostgresServer, PostgresUnavailable

ENERGY = EnergyModel(EnergySettings())
BASE = UsageRecord(
    request_id="req-0",
    created_at=1_750_000_000.0,
    tenant="acme",
    key_id="key_a",
    kind="chat",
    model="echo",
    backend="mock/echo",
    stream=False,
    status="ok",
    finish_reason="stop",
    error_code=None,
    prompt_tokens=7,
    completion_tokens=5,
    latency_ms=12.5,
    first_token_ms=3.0,
    prompt='[{"content":"hi","role":"user"}]',
    answer="echo: hi",
)


def new_record(index: int, *, keep_content: bool = False, **changes: Any) -> NewRecord:
    usage = replace(BASE, request_id=f"req-{index}", created_at=BASE.created_at + index, **changes)
    return build_record(
        usage,
        finished_at=usage.created_at + 0.5,
        policy_version="p1",
        energy=ENERGY,
        redact=str if keep_content else None,  # kept as it is
    )


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer | None]:
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    yield server
    server.stop()


@dataclass
class Backend:
    """A fresh store plus raw SQL access to its tables, for tampering."""

    open: Callable[[], AuditStore]
    raw: Callable[[str, tuple[Any, ...]], None]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    opened: list[AuditStore] = []
    if request.param == "sqlite":
        path = tmp_path / "gateway.db"

        def open_store() -> AuditStore:
            opened.append(SqliteAuditStore(path))
            return opened[-1]

        def raw(sql: str, args: tuple[Any, ...]) -> None:
            with sqlite3.connect(path) as db:
                db.execute(sql, args)

    else:
        dsn = request.getfixturevalue("postgres").create_database()

        def open_store() -> AuditStore:
            opened.append(PostgresAuditStore(dsn))
            return opened[-1]

        def raw(sql: str, args: tuple[Any, ...]) -> None:
            with psycopg.connect(dsn) as db:
                db.execute(sql.replace("?", "%s"), args)

    yield Backend(open_store, raw)
    for store in opened:
        store.close()


@pytest.fixture(scope="module")
def signer() -> AuditSigner:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return AuditSigner(Ed25519PrivateKey.generate())


def fill(store: AuditStore, signer: AuditSigner, count: int = 12, every: int = 5) -> None:
    for start in range(0, count, 4):
        batch = [new_record(i) for i in range(start + 1, min(start + 5, count + 1))]
        store.append(batch, signer, every)


def check(store: AuditStore, signer: AuditSigner) -> VerifyReport:
    return verify(
        store.records(), store.checkpoints(), {signer.key_id: signer.public_key}, from_genesis=True
    )


def test_chain_verifies_with_checkpoints(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    fill(store, signer)
    assert store.checkpoint_head(signer) is not None
    assert store.checkpoint_head(signer) is None
    report = check(store, signer)
    assert report.ok, report.problem
    assert (report.records, report.first_seq, report.last_seq) == (12, 1, 12)
    assert [p.seq for p in store.checkpoints()] == [5, 10, 12]
    assert report.checkpoints == 3


def test_edited_body_is_named(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    fill(store, signer)
    backend.raw(
        "UPDATE audit_records SET body = REPLACE(body, '\"prompt_tokens\":7', "
        "'\"prompt_tokens\":1') WHERE seq = ?",
        (7,),
    )
    problem = check(store, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("edited", 7)
    assert problem.request_id == "req-7"


def test_edit_with_recomputed_hash_is_named(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    fill(store, signer)
    original = next(r for r in store.records() if r.parsed()["seq"] == 8).parsed()
    forged = {**original, "tenant": "someone-else"}
    data, digest = seal(forged, 8, original["prev_hash"])
    backend.raw(
        "UPDATE audit_records SET body = ?, hash = ?, tenant = ? WHERE seq = ?",
        (data.decode(), digest, "someone-else", 8),
    )
    problem = check(store, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("edited", 8)
    assert "recomputed" in problem.detail


def test_edited_column_is_named(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    fill(store, signer)
    backend.raw("UPDATE audit_records SET tenant = ? WHERE seq = ?", ("other", 3))
    problem = check(store, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("edited", 3)


def test_rewritten_chain_is_caught_by_checkpoint(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    fill(store, signer)
    records = [r.parsed() for r in store.records()]
    prev = next(r for r in store.records() if r.parsed()["seq"] == 2).hash
    for body in records[2:]:  # re-chain seq 3..12 with an edit at 3, as an attacker would
        if body["seq"] == 3:
            body["completion_tokens"] = 0
        data, prev = seal(body, body["seq"], prev)
        backend.raw(
            "UPDATE audit_records SET body = ?, hash = ?, completion_tokens = ? WHERE seq = ?",
            (data.decode(), prev, body["completion_tokens"], body["seq"]),
        )
    problem = check(store, signer).problem
    assert problem is not None and problem.kind == "edited"
    assert "checkpoint at seq 5" in problem.detail


def test_deleted_record_is_named(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    fill(store, signer)
    backend.raw("DELETE FROM audit_records WHERE seq = ?", (6,))
    problem = check(store, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("deleted", 6)


def test_reordered_records_are_named(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    fill(store, signer)
    rows = {r.parsed()["seq"]: r for r in store.records()}
    for seq, other in ((4, 5), (5, 4)):
        backend.raw(
            "UPDATE audit_records SET body = ?, hash = ? WHERE seq = ?",
            (rows[other].body.decode(), rows[other].hash, seq),
        )
    problem = check(store, signer).problem
    assert problem is not None and problem.kind == "reordered" and problem.seq == 5


def test_truncated_tail_is_named(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    fill(store, signer)
    store.checkpoint_head(signer)
    backend.raw("DELETE FROM audit_records WHERE seq > ?", (10,))
    problem = check(store, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("truncated", 11)


def test_forged_checkpoint_signature_is_named(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    fill(store, signer)
    backend.raw("UPDATE audit_checkpoints SET signature = ? WHERE seq = ?", ("AAAA" * 22, 5))
    problem = check(store, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("signature", 5)


def test_retention_removes_content_and_chain_still_verifies(
    backend: Backend, signer: AuditSigner
) -> None:
    store = backend.open()
    store.append([new_record(i, keep_content=True) for i in range(1, 5)], signer, 1000)
    assert all(r.content is not None for r in store.records())
    backend.raw(
        "UPDATE audit_records SET content = REPLACE(content, 'hi', 'ho') WHERE seq = ?", (2,)
    )
    problem = check(store, signer).problem
    assert problem is not None and (problem.kind, problem.seq) == ("edited", 2)
    removed = store.purge_content(BASE.created_at + 3)  # records 1 and 2 are older
    assert removed == 2
    kept = [r.content is not None for r in store.records()]
    assert kept == [False, False, True, True]
    assert check(store, signer).ok


def test_query_filters_and_paging(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    batch = [new_record(i) for i in range(1, 4)]
    batch.append(
        new_record(
            4,
            tenant="other",
            model="m2",
            guard=GuardReport("mask", input=DirectionReport("mask", {"pii": 2})),
            labels=(LabelReport({"ProduceID": "P-4"}),),
        )
    )
    store.append(batch, signer, 1000)
    seqs = lambda q: [r.parsed()["seq"] for r in store.query(q)]  # noqa: E731
    assert seqs(AuditQuery(tenant="acme")) == [1, 2, 3]
    assert seqs(AuditQuery(model="m2")) == [4]
    assert seqs(AuditQuery(produce_id="P-4")) == [4]
    assert seqs(AuditQuery(finding="pii")) == [4]
    assert seqs(AuditQuery(finding="secret")) == []
    assert seqs(AuditQuery(since=BASE.created_at + 2, until=BASE.created_at + 4)) == [2, 3]
    assert seqs(AuditQuery(limit=2)) == [1, 2]
    assert seqs(AuditQuery(limit=2, after=2)) == [3, 4]
    assert store.tokens_since("key_a", 0) == 48


def test_usage_by_tenant_model_day(backend: Backend, signer: AuditSigner) -> None:
    store = backend.open()
    store.append(
        [new_record(1), new_record(2), new_record(3, tenant="beta", model="m2")], signer, 1000
    )
    by_tenant = {row.key: row for row in store.usage("tenant", None, None)}
    assert by_tenant["acme"].requests == 2 and by_tenant["beta"].requests == 1
    assert by_tenant["acme"].prompt_tokens == 14
    assert by_tenant["acme"].energy_wh == pytest.approx(2 * 12 / 1000 * 0.3)
    assert by_tenant["acme"].carbon_g == pytest.approx(by_tenant["acme"].energy_wh * 0.481)
    assert [row.key for row in store.usage("model", None, None)] == ["echo", "m2"]
    day = time.strftime("%Y-%m-%d", time.gmtime(BASE.created_at))
    assert [(row.key, row.requests) for row in store.usage("day", None, None)] == [(day, 3)]


def test_two_writers_share_one_chain(backend: Backend, signer: AuditSigner) -> None:
    first, second = backend.open(), backend.open()
    for index in range(1, 9):
        (first if index % 2 else second).append([new_record(index)], signer, 3)
    report = check(first, signer)
    assert report.ok, report.problem
    assert report.records == 8 and report.checkpoints == 2
