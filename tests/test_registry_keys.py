"""The registry's fingerprints are keyed: another deployment's differ, registry.db and the journal
hold no unkeyed (invertible) n-gram hash, a registry from before the key is re-keyed, and a
missing or wrong key is one clear line at start-up."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import numpy as np
import orjson
import pytest

from aigc_gateway.labeling.fingerprint import Grams, legacy_hash
from aigc_gateway.labeling.keys import FINGERPRINT_KEY_FILE, labels_dir
from aigc_gateway.labeling.registry import JOURNAL_DIR, REGISTRY_FILE, LabelRegistry, TextEntry

from .conftest import run_cli

ANSWER = (
    "Photosynthesis lets green plants capture sunlight in their chloroplasts and turn water "
    "and carbon dioxide into glucose, releasing oxygen as a by-product of the light reactions."
)
KEPT = "Tidal forces from the moon slowly lengthen the day on Earth by a few milliseconds."
NOT_KEPT = (
    "A sourdough starter is a culture of wild yeast and lactic acid bacteria that you feed "
    "with flour and water every day until it doubles in size within a few hours."
)


def _stored_hashes(data_dir: Path) -> set[int]:
    with sqlite3.connect(labels_dir(data_dir) / REGISTRY_FILE) as db:
        return {row[0] for row in db.execute("SELECT hash FROM text_fingerprints")}


def _file_bytes(data_dir: Path) -> bytes:
    """registry.db with its WAL: everything someone copying the file would hold."""
    path = labels_dir(data_dir) / REGISTRY_FILE
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _found_in(data: bytes, hashes: np.ndarray) -> int:
    """How many of ``hashes`` (int64) occur in ``data`` as SQLite integers (big-endian) or raw
    (little-endian, as in a blob)."""
    return sum(
        int(value).to_bytes(8, "big", signed=True) in data
        or int(value).to_bytes(8, "little", signed=True) in data
        for value in hashes
    )


def test_two_deployments_store_different_fingerprints_and_each_traces(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for index, data_dir in enumerate((first, second)):
        registry = LabelRegistry(data_dir)
        registry.add_text(TextEntry(f"pid-{index}", f"req-{index}", "t", ANSWER, False))
        registry.close()
    assert (labels_dir(first) / FINGERPRINT_KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert len(_stored_hashes(first)) > 100
    assert _stored_hashes(first).isdisjoint(_stored_hashes(second))
    unkeyed = np.concatenate(
        [Grams.of(ANSWER, legacy_hash).signed(), Grams.fine(ANSWER, legacy_hash).signed()]
    )
    assert _found_in(_file_bytes(first), unkeyed) == 0
    suspect = tmp_path / "suspect.txt"
    suspect.write_text(
        "Notes: plants capture sunlight in their chloroplasts and turn seawater "
        "and carbon dioxide into glucose, as we saw."
    )
    for index, data_dir in enumerate((first, second)):
        result = run_cli("verify", str(suspect), "--json", data_dir=data_dir)
        assert result.returncode == 0, result.stderr
        matches = json.loads(result.stdout)["evidence"]["registry"]["matches"]
        assert [match["produce_id"] for match in matches] == [f"pid-{index}"]
    # The first deployment's registry with the second's key: refused, never matched wrongly.
    shutil.copy(labels_dir(first) / REGISTRY_FILE, labels_dir(second) / REGISTRY_FILE)
    result = run_cli("verify", str(suspect), data_dir=second)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not the key" in result.stderr, result.stderr
    assert FINGERPRINT_KEY_FILE in result.stderr


def test_a_journal_line_holds_keyed_fingerprints_only(tmp_path: Path) -> None:
    registry = LabelRegistry(tmp_path)
    lock = sqlite3.connect(labels_dir(tmp_path) / REGISTRY_FILE, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # nothing commits: the line stays in the journal
    try:
        registry.add_text(TextEntry("pid-0", "req-0", "t", ANSWER, False))
        (segment,) = (labels_dir(tmp_path) / JOURNAL_DIR).glob("*.journal")
        kind, *fields = orjson.loads(segment.read_bytes().splitlines()[0])
    finally:
        lock.execute("ROLLBACK")
        lock.close()
        registry.close()
    assert kind == "keyed-text"
    assert "chloroplasts" not in json.dumps(fields) and fields[-1] is None  # no content
    hashes = set(fields[5])
    assert len(hashes) == len(Grams.of(ANSWER, legacy_hash).hashes)
    assert hashes.isdisjoint(Grams.of(ANSWER, legacy_hash).signed().tolist())
    assert hashes == _stored_hashes(tmp_path)  # committed at close, as journalled


OLD_SCHEMA = """
CREATE TABLE texts (id INTEGER PRIMARY KEY, produce_id TEXT NOT NULL UNIQUE,
    request_id TEXT NOT NULL, tenant TEXT NOT NULL, created_at REAL NOT NULL,
    chars INTEGER NOT NULL, fingerprints INTEGER NOT NULL, content TEXT, fine BLOB);
CREATE TABLE text_fingerprints (hash INTEGER NOT NULL, text_id INTEGER NOT NULL, pos INTEGER);
CREATE INDEX text_fingerprints_hash ON text_fingerprints (hash);
"""


def _old_registry(data_dir: Path) -> None:
    """A registry as the gateway wrote it before fingerprint.key: unkeyed hashes, one text with
    its content kept, one without; and an old process's journal line of each kind."""
    path = labels_dir(data_dir) / REGISTRY_FILE
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        for text_id, (text, kept) in enumerate(((KEPT, True), (NOT_KEPT, False)), start=1):
            hashes, offsets = Grams.of(text, legacy_hash).fingerprint()
            fine = Grams.fine(text, legacy_hash).packed()
            db.execute(
                "INSERT INTO texts VALUES (?, ?, 'req', 't', 0, ?, ?, ?, ?)",
                (
                    text_id,
                    f"pid-old-{text_id}",
                    len(text),
                    len(hashes),
                    text if kept else None,
                    fine,
                ),
            )
            db.executemany(
                "INSERT INTO text_fingerprints VALUES (?, ?, ?)",
                [(int(h), text_id, int(o)) for h, o in zip(hashes, offsets, strict=True)],
            )
    journal = labels_dir(data_dir) / JOURNAL_DIR
    journal.mkdir()
    lines = []
    for index, (text, kept) in enumerate(((ANSWER, True), (ANSWER[::-1], False))):
        hashes, offsets = Grams.of(text, legacy_hash).fingerprint()
        fields = [
            "text",
            f"pid-journal-{index}",
            "req",
            "t",
            0.0,
            len(text),
            hashes,
            offsets,
            text if kept else None,
        ]
        lines.append(orjson.dumps(fields, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
    (journal / "old-process.journal").write_bytes(b"".join(lines))


def test_a_registry_from_before_the_key_is_rekeyed(tmp_path: Path) -> None:
    _old_registry(tmp_path)
    kept_unkeyed = np.concatenate(
        [Grams.of(KEPT, legacy_hash).signed(), Grams.fine(KEPT, legacy_hash).signed()]
    )
    not_kept_unkeyed = Grams.of(NOT_KEPT, legacy_hash).signed()
    registry = LabelRegistry(tmp_path)
    try:
        data = _file_bytes(tmp_path)
        assert _found_in(data, kept_unkeyed) == 0  # re-keyed, the old values overwritten
        assert _found_in(data, not_kept_unkeyed) == len(set(not_kept_unkeyed.tolist()))
        with sqlite3.connect(labels_dir(tmp_path) / REGISTRY_FILE) as db:
            schemes = dict(db.execute("SELECT produce_id, scheme FROM texts").fetchall())
        assert schemes == {"pid-old-1": 1, "pid-old-2": 0, "pid-journal-0": 1, "pid-journal-1": 0}
        # Both kinds are traced: keyed rows with the key, legacy rows with the old hash.
        edited = KEPT.replace("lengthen", "extend")
        assert [m["produce_id"] for m in registry.trace_text(edited)] == ["pid-old-1"]
        assert [m["produce_id"] for m in registry.trace_text(NOT_KEPT[5:95])] == ["pid-old-2"]
        assert [m["produce_id"] for m in registry.trace_text(ANSWER[10:90])] == ["pid-journal-0"]
        assert registry.purge_legacy() == 2
        assert registry.trace_text(NOT_KEPT[5:95]) == []
        assert [m["produce_id"] for m in registry.trace_text(edited)] == ["pid-old-1"]
    finally:
        registry.close()
    assert _found_in(_file_bytes(tmp_path), not_kept_unkeyed) == 0
    result = run_cli("labels", "purge-legacy", data_dir=tmp_path)
    assert result.returncode == 0 and "Removed 0 " in result.stdout, result.stderr


@pytest.mark.parametrize("damage", ["missing", "empty", "other"])
def test_a_missing_or_wrong_key_is_refused(tmp_path: Path, damage: str) -> None:
    LabelRegistry(tmp_path).close()
    key = labels_dir(tmp_path) / FINGERPRINT_KEY_FILE
    if damage == "missing":
        key.unlink()
    else:
        key.write_text("" if damage == "empty" else "ab" * 32)
    expected = {"missing": "missing", "empty": "not a key", "other": "not the key"}[damage]
    with pytest.raises(ValueError, match=expected):
        LabelRegistry(tmp_path)
    assert key.exists() == (damage != "missing")  # never replaced by a new key


def test_opening_takes_no_write_lock(tmp_path: Path) -> None:
    """Key check and migration write only on a new or old registry: a gateway starting while
    another process holds the write lock (a long commit) opens at once."""
    LabelRegistry(tmp_path).close()
    lock = sqlite3.connect(labels_dir(tmp_path) / REGISTRY_FILE, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    opened: list[LabelRegistry] = []
    opening = threading.Thread(target=lambda: opened.append(LabelRegistry(tmp_path)))
    opening.start()
    opening.join(10)  # the registry's busy timeout is 30 s: a write would still be waiting
    waited = opening.is_alive()
    lock.execute("ROLLBACK")
    lock.close()
    opening.join()
    for registry in opened:
        registry.close()
    assert not waited, "opening the registry waited for the write lock"
