"""Journals: a write is acknowledged once its journal line is durable and reaches its database
on a writer thread. The audit trail (SQLite): a process SIGKILLed while none of its acknowledged
records had been committed leaves them in its journal segment; the next trail opened on the
data dir appends them to the chain, and a segment another live process holds is left alone. The
label registry likewise: a text registered by a killed process is found by the next one."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aigc_gateway import journal
from aigc_gateway.audit.journal import JOURNAL_DIR
from aigc_gateway.audit.trail import AuditTrail
from aigc_gateway.config import Settings
from aigc_gateway.labeling.keys import labels_dir
from aigc_gateway.labeling.registry import JOURNAL_DIR as REGISTRY_JOURNAL
from aigc_gateway.labeling.registry import REGISTRY_FILE, LabelRegistry
from aigc_gateway.pipeline import UsageRecord

from .conftest import run_cli

RECORDS = 300

AUDIT_CHILD = """
import asyncio, os, signal, sys, time
from pathlib import Path
from aigc_gateway.audit.trail import AuditTrail
from aigc_gateway.config import Settings
from aigc_gateway.labeling.keys import labels_dir
from aigc_gateway.labeling.registry import JOURNAL_DIR as REGISTRY_JOURNAL
from aigc_gateway.labeling.registry import REGISTRY_FILE, LabelRegistry
from aigc_gateway.pipeline import UsageRecord

settings = Settings.model_validate({"audit": {"sqlite_synchronous": sys.argv[3]}})
trail = AuditTrail(settings, Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()

async def main():
    await asyncio.gather(*(trail.record(UsageRecord(
        f"req-{i}", time.time(), "t", "k", "chat", "m", "b", False, "ok", "stop", None,
        1, 2, 1.0, 0.5, prompt="p", answer="a")) for i in range(int(sys.argv[2]))))

asyncio.run(main())
print("acknowledged", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _usage(index: int) -> UsageRecord:
    return UsageRecord(
        f"live-{index}", time.time(), "t", "k", "chat", "m", "b", False, "ok", "stop", None,
        1, 2, 1.0, 0.5, prompt="p", answer="a",
    )  # fmt: skip


def _request_ids(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "gateway.db") as db:
        return [row[0] for row in db.execute("SELECT request_id FROM audit_records")]


@pytest.mark.parametrize("synchronous", ["normal", "full"])
def test_acknowledged_records_in_the_journal_join_the_chain_after_sigkill(
    tmp_path: Path, synchronous: str
) -> None:
    """Both durability settings: ``normal`` (the default) acknowledges once the line is
    written, ``full`` once it is fdatasynced; a killed process loses neither."""
    AuditTrail(Settings(), tmp_path).close()  # the database exists, so it can be locked
    child = subprocess.Popen(
        [sys.executable, "-c", AUDIT_CHILD, str(tmp_path), str(RECORDS), synchronous],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "ready"
    # Hold SQLite's write lock: the child's writer thread cannot commit anything.
    lock = sqlite3.connect(tmp_path / "gateway.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "acknowledged"
    assert child.wait(30) == -signal.SIGKILL
    lock.execute("ROLLBACK")
    lock.close()
    assert _request_ids(tmp_path) == []  # acknowledged, yet only in the journal
    (segment,) = (tmp_path / JOURNAL_DIR).glob("*.journal")
    with segment.open("ab") as torn:  # a line whose write never returned: not acknowledged
        torn.write(b'[{"v":3,"request_id":"torn"')
    before = run_cli("audit", "verify", data_dir=tmp_path)
    assert before.returncode == 0, before.stdout + before.stderr
    assert f"{RECORDS} acknowledged records are in the audit journal" in before.stdout

    AuditTrail(Settings(), tmp_path).close()

    assert sorted(_request_ids(tmp_path)) == sorted(f"req-{i}" for i in range(RECORDS))
    assert list((tmp_path / JOURNAL_DIR).iterdir()) == []
    with sqlite3.connect(tmp_path / "gateway.db") as db:
        assert db.execute("SELECT COUNT(*) FROM audit_journal").fetchone() == (0,)
    verified = run_cli("audit", "verify", data_dir=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{RECORDS} records" in verified.stdout


def test_a_live_process_segment_is_left_to_it(tmp_path: Path) -> None:
    live = AuditTrail(Settings(), tmp_path)

    async def record(trail: AuditTrail, indexes: range) -> None:
        for index in indexes:
            await trail.record(_usage(index))

    try:
        asyncio.run(record(live, range(20)))
        assert live.flush()
        other = AuditTrail(Settings(), tmp_path)  # opens while ``live`` still holds its segment
        asyncio.run(record(other, range(99, 100)))
        other.close()
        assert len(list((tmp_path / JOURNAL_DIR).glob("*.journal"))) == 1  # live's own
    finally:
        live.close()
    assert sorted(_request_ids(tmp_path)) == sorted([f"live-{i}" for i in range(20)] + ["live-99"])
    assert list((tmp_path / JOURNAL_DIR).iterdir()) == []


def test_normal_acknowledges_at_once_and_syncs_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sync_within_s``: a line is acknowledged without waiting for a sync, and fdatasynced
    in the background within that time (what bounds a power loss under ``normal``)."""
    synced: list[int] = []
    real = journal.os.fdatasync

    def fdatasync(fd: int) -> None:
        real(fd)
        synced.append(fd)

    monkeypatch.setattr(journal.os, "fdatasync", fdatasync)
    log = journal.Journal(tmp_path, fsync=False, sync_within_s=0.05)

    async def write_two() -> list[int]:
        seen = []
        for line in (b"one\n", b"two\n"):
            mark, _ = log.append(line)
            acknowledged = log.acknowledged(mark)
            assert acknowledged.done()  # at once: no sync awaited
            seen.append(len(synced))
            await asyncio.sleep(0.3)
        return seen

    assert asyncio.run(write_two()) == [0, 1]  # the first line was synced behind, within 0.3 s
    assert len(synced) == 2  # the second line too, behind
    log.close()


REGISTRY_CHILD = """
import os, signal, sys
from pathlib import Path
from aigc_gateway.labeling.registry import LabelRegistry, TextEntry

registry = LabelRegistry(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
for index, text in enumerate(sys.argv[2:]):
    registry.add_text(TextEntry(f"pid-{index}", f"req-{index}", "t", text, False))
print("acknowledged", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
TEXTS = [
    "The harbour lights came on one by one while the fishing boats returned with the tide.",
    "Quarterly revenue rose by twelve percent, driven mostly by the new subscription plans.",
]


def test_registered_texts_of_a_killed_process_are_found(tmp_path: Path) -> None:
    LabelRegistry(tmp_path).close()
    child = subprocess.Popen(
        [sys.executable, "-c", REGISTRY_CHILD, str(tmp_path), *TEXTS],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "ready"
    lock = sqlite3.connect(labels_dir(tmp_path) / REGISTRY_FILE, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the child's writer thread cannot commit
    child.stdin.write("go\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "acknowledged"
    assert child.wait(30) == -signal.SIGKILL
    lock.execute("ROLLBACK")
    assert lock.execute("SELECT COUNT(*) FROM texts").fetchone() == (0,)
    lock.close()

    registry = LabelRegistry(tmp_path)
    try:
        for index, text in enumerate(TEXTS):
            (match,) = registry.trace_text(text)
            assert match["produce_id"] == f"pid-{index}"
    finally:
        registry.close()
    assert list((labels_dir(tmp_path) / REGISTRY_JOURNAL).iterdir()) == []


def test_segments_rotate_and_are_deleted_once_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "SEGMENT_BYTES", 4000)  # a new segment every few records
    trail = AuditTrail(Settings(), tmp_path)

    async def record_all() -> None:
        await asyncio.gather(*(trail.record(_usage(index)) for index in range(200)))

    asyncio.run(record_all())
    assert trail.flush()
    assert len(list((tmp_path / JOURNAL_DIR).glob("*.journal"))) == 1  # only the open one
    trail.close()
    assert sorted(_request_ids(tmp_path)) == sorted(f"live-{index}" for index in range(200))
    assert list((tmp_path / JOURNAL_DIR).iterdir()) == []
    verified = run_cli("audit", "verify", data_dir=tmp_path)
    assert verified.returncode == 0 and "200 records" in verified.stdout, verified.stdout
