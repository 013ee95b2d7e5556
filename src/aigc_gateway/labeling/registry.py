"""The label registry: what was generated here, by which request, found again by content.

One SQLite file, ``labels/registry.db`` in the data dir (WAL). Texts are stored as n-gram
fingerprints (indexed), fine and short n-grams (a blob of each per text, see
:mod:`.fingerprint`) linked to their request id and ProduceID (the text itself only when the
tenant's policy keeps content); images as the payload of their invisible watermark. A write is
one line in the registry's journal (``labels/registry-journal/``, ``aigc_gateway/journal.py``)
before its request is answered — fingerprints, never the text unless it is kept — so a process
killed before the write's commit loses nothing: the next registry opened on the data dir commits
what its journal holds (the fine and short n-grams are made by the writer thread, off the
request's path; a text replayed from the journal without its content has none and is matched by
its fingerprints alone). The
commit itself happens on one background thread, so the event loop never waits for the database;
lookups first wait until every queued write is committed.

Fingerprints are keyed with ``labels/fingerprint.key`` (see :class:`.fingerprint.NgramKey`;
the registry keeps a check value of its key and refuses another one). A registry from before
the key is re-keyed when first opened: texts whose content was kept get keyed fingerprints and
the old values are overwritten in the file; the others (their text is not here) stay *legacy*
rows, matched with the old unkeyed hash until ``aigc-gateway labels purge-legacy`` removes them.

A group of writes that cannot be committed (disk full, read-only, corrupt file) is kept and
retried with backoff — never dropped — while :attr:`LabelRegistry.fault` says why, for
readiness. A lookup waits at most ``FLUSH_TIMEOUT_S`` for queued writes and is otherwise
answered with :class:`StorageUnavailable` (503), so a storage fault never hangs the API.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import queue
import sqlite3
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ..errors import StorageUnavailable
from ..journal import Journal, Mark, SegmentDone, read_lines
from ..store import DataFileError, open_sqlite
from .fingerprint import (
    Grams,
    Hasher,
    NgramKey,
    StoredGrams,
    Suspect,
    finer_chain,
    legacy_hash,
    members,
    stored_fine,
    stored_fingerprint,
    stored_short,
)
from .keys import FINGERPRINT_KEY_FILE, labels_dir, secret_key

log = logging.getLogger(__name__)

REGISTRY_FILE = "registry.db"
JOURNAL_DIR = "registry-journal"
MIN_MATCHED_HASHES = 2
"""A stored text is reported when the best chain of shared n-grams holds this many distinct
hashes…"""
FINE_MIN_UNITS = 22
"""…and covers this many width units of the suspect, counting the fine n-grams (of every
non-space character) near the n-grams it shares with the suspect…"""
CONFIRMED_MIN_UNITS = 16
MIN_EXTENSION = 5
"""…or this many, confirmed by short n-grams that cover ``MIN_EXTENSION`` units more around
it (:func:`.fingerprint.extension`; texts stored before short n-grams were kept: no)…"""
MIN_UNITS = 18
"""…or, for texts stored before the fine n-grams were kept, the n-grams of letters and digits
(a CJK character counts 2 units)."""
MIN_OVERLAP_UNITS = 18
"""Fingerprints stored without offsets (before they were kept): one contiguous overlap this long
holding ``MIN_OVERLAP_HASHES`` distinct hashes."""
MIN_OVERLAP_HASHES = 4
FINE_CACHE = 1024
MAX_SHARED_BY = 4
"""An n-gram stored for more texts than this is a stock phrase and proves nothing."""
RANK_WINDOW = 96
"""Candidates are ranked by the shared n-grams within this many width units of the suspect
(what the fine check's windows, ``FINE_WINDOW`` either side, span around one n-gram)."""
_QUERY_BATCH = 500
WRITE_GROUP = 256
LINGER_S = 0.01
"""Writes are journalled: the thread lets them gather this long, so one commit (and its GIL
time, which the event loop would wait for) serves more of them."""
FILTER_MAX_ROWS = 10_000_000
"""Up to this many stored fingerprints (8 bytes each) are also held in memory, sorted, so a
lookup whose hashes are not stored at all (most texts) needs no SQL query."""
LEGACY, KEYED = 0, 1
"""``texts.scheme``: fingerprints made with the old unkeyed hash, or keyed."""
FLUSH_TIMEOUT_S = 2.0
RETRY_MIN_S = 0.25
RETRY_MAX_S = 5.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS texts (
    id INTEGER PRIMARY KEY,
    produce_id TEXT NOT NULL UNIQUE,
    request_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    created_at REAL NOT NULL,
    chars INTEGER NOT NULL,
    fingerprints INTEGER NOT NULL,
    content TEXT,
    fine BLOB,
    scheme INTEGER NOT NULL DEFAULT 0,
    short BLOB
);
CREATE TABLE IF NOT EXISTS text_fingerprints (
    hash INTEGER NOT NULL,
    text_id INTEGER NOT NULL REFERENCES texts(id),
    pos INTEGER
);
CREATE INDEX IF NOT EXISTS text_fingerprints_hash ON text_fingerprints (hash);
CREATE TABLE IF NOT EXISTS journal_marks (segment TEXT PRIMARY KEY, committed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS image_marks (
    mark TEXT PRIMARY KEY,
    produce_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    created_at REAL NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class TextEntry:
    produce_id: str
    request_id: str
    tenant: str
    text: str
    keep_content: bool


@dataclass(frozen=True, slots=True)
class ImageEntry:
    mark: str
    produce_id: str
    request_id: str
    tenant: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class _TextRow:
    """A generated text as the registry stores it (its journal line, its rows)."""

    produce_id: str
    request_id: str
    tenant: str
    created_at: float
    chars: int
    hashes: list[int]
    """The fingerprints (int64), one per n-gram; ``offsets`` their width offsets."""
    offsets: list[int]
    content: str | None
    scheme: int = KEYED
    text: str | None = None
    """The text, in memory only (never journalled): the writer makes its fine n-grams."""

    def rekeyed(self, key: NgramKey) -> _TextRow:
        """A legacy row (from an old process's journal) keyed, if its content was kept."""
        if self.scheme == KEYED or self.content is None:
            return self
        hashes, offsets = stored_fingerprint(self.content, key)
        return dataclasses.replace(self, hashes=hashes, offsets=offsets, scheme=KEYED)

    def write(self, db: sqlite3.Connection, key: NgramKey) -> None:
        source = self.text if self.text is not None else self.content
        fine = short = None
        if source is not None and self.scheme == KEYED:
            fine, short = stored_fine(source, key), stored_short(source, key)
        cursor = db.execute(
            "INSERT OR IGNORE INTO texts (produce_id, request_id, tenant, created_at, chars, "
            "fingerprints, content, fine, scheme, short) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.produce_id,
                self.request_id,
                self.tenant,
                self.created_at,
                self.chars,
                len(self.hashes),
                self.content,
                fine,
                self.scheme,
                short,
            ),
        )
        if cursor.rowcount:
            _insert_fingerprints(db, cursor.lastrowid, self.hashes, self.offsets)


def _insert_fingerprints(
    db: sqlite3.Connection, text_id: Any, hashes: list[int], offsets: list[int]
) -> None:
    db.executemany(
        "INSERT INTO text_fingerprints (hash, text_id, pos) VALUES (?, ?, ?)",
        zip(hashes, itertools.repeat(text_id), offsets, strict=False),
    )


@dataclass(frozen=True, slots=True)
class _ImageRow:
    entry: ImageEntry
    created_at: float

    def write(self, db: sqlite3.Connection, key: NgramKey) -> None:
        entry = self.entry
        db.execute(
            "INSERT OR REPLACE INTO image_marks VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.mark,
                entry.produce_id,
                entry.request_id,
                entry.tenant,
                self.created_at,
                entry.width,
                entry.height,
            ),
        )


_Row = _TextRow | _ImageRow
_Write = tuple[_Row, Mark] | SegmentDone


_KIND = {LEGACY: "text", KEYED: "keyed-text"}
"""A text's journal line by scheme (lines of processes from before the key are legacy)."""


def _line(row: _Row) -> bytes:
    if isinstance(row, _TextRow):
        fields = [
            _KIND[row.scheme],
            row.produce_id,
            row.request_id,
            row.tenant,
            row.created_at,
            row.chars,
            row.hashes,
            row.offsets,
            row.content,
        ]
    else:
        entry = row.entry
        fields = [
            "image",
            entry.mark,
            entry.produce_id,
            entry.request_id,
            entry.tenant,
            entry.width,
            entry.height,
            row.created_at,
        ]
    return orjson.dumps(fields) + b"\n"


def _row(line: bytes) -> _Row:
    kind, *fields = orjson.loads(line)
    if kind in ("text", "keyed-text"):
        return _TextRow(*fields, scheme=KEYED if kind == "keyed-text" else LEGACY)
    *entry, created_at = fields
    return _ImageRow(ImageEntry(*entry), created_at)


class LabelRegistry:
    def __init__(self, data_dir: Path) -> None:
        self._path = labels_dir(data_dir) / REGISTRY_FILE
        self._db = self._connect()
        try:
            self._key = self._open_key(self._path.parent / FINGERPRINT_KEY_FILE)
            self._rekey()
        except BaseException:
            self._db.close()
            raise
        self._lock = threading.Lock()
        self._commit_fault: str | None = None
        """Why queued writes cannot be committed now (None: healthy)."""
        self._idle = threading.Condition()
        self._unfinished = 0
        self._writes: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._known = np.empty(0, np.int64)
        self._recent = np.empty(0, np.int64)
        """The in-memory filter: sorted unique stored hashes, a large part and a recent part."""
        self._known_rowid = 0
        self._journal = Journal(self._path.parent / JOURNAL_DIR, fsync=False)
        self._journal_lock = threading.Lock()
        """Texts are added on the event loop, image marks on a worker thread."""
        self._replay()
        self._legacy = self._legacy_stored()
        """Whether legacy rows exist: lookups then also make the old hashes."""
        self._fine_cache: OrderedDict[int, tuple[int, StoredGrams | None]] = OrderedDict()
        self._writer = threading.Thread(target=self._write_loop, name="label-registry", daemon=True)
        self._writer.start()

    @property
    def fault(self) -> str | None:
        """Why registry writes cannot be journalled or committed now (None: healthy)."""
        with self._journal_lock:
            return self._journal.fault or self._commit_fault

    def _replay(self) -> None:
        """Commit what stopped processes left in their journal segments."""
        for segment, path in self._journal.orphans():
            (start,) = self._db.execute(
                "SELECT COALESCE(MAX(committed), 0) FROM journal_marks WHERE segment = ?",
                (segment,),
            ).fetchone()
            group: list[_Write | None] = []
            for line, end in read_lines(path, start):
                row = _row(line)
                if isinstance(row, _TextRow):
                    row = row.rekeyed(self._key)
                group.append((row, Mark(segment, end)))
                if len(group) == WRITE_GROUP:
                    self._commit(self._db, group)
                    group = []
            self._commit(self._db, [*group, SegmentDone(segment, path)])
            if len(group) or start:
                log.warning("label registry: writes of a stopped process committed")

    def _connect(self) -> sqlite3.Connection:
        # Deleted rows are overwritten with zeros: re-keying and purging leave no old hash.
        connection = open_sqlite(self._path, SCHEMA, "secure_delete=ON")
        columns = {row[1] for row in connection.execute("PRAGMA table_info(text_fingerprints)")}
        if "pos" not in columns:  # a registry from before offsets were stored
            connection.execute("ALTER TABLE text_fingerprints ADD COLUMN pos INTEGER")
        columns = {row[1] for row in connection.execute("PRAGMA table_info(texts)")}
        if "fine" not in columns:  # … or before the fine n-grams were
            connection.execute("ALTER TABLE texts ADD COLUMN fine BLOB")
        if "short" not in columns:  # … or the short ones
            connection.execute("ALTER TABLE texts ADD COLUMN short BLOB")
        return connection

    def _open_key(self, path: Path) -> NgramKey:
        """The fingerprint key (created with a new registry), checked against the registry's
        check value: with another key nothing stored could be found again."""
        stored = self._meta("key_check")
        if stored is not None and not path.exists():
            raise ValueError(
                f"{path}: missing, and {self._path} holds fingerprints made with it; restore "
                "it from a backup (a new key could not trace them)"
            )
        key = NgramKey(secret_key(path, "the registered texts untraceable"))
        if stored is None:  # a new registry (or one from before the key): this key is its key
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('key_check', ?)", (key.check,))
            stored = self._meta("key_check")
        if stored != key.check:
            raise ValueError(
                f"{path}: not the key {self._path} was made with; restore that key from a backup"
            )
        return key

    def _meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def _rekey(self) -> None:
        """Key the fingerprints of a registry from before keyed ones (once, in one transaction):
        texts whose content was kept are fingerprinted again with the key and their old values
        overwritten in the file (``secure_delete``, then the WAL is truncated); the others stay
        legacy rows (``scheme`` 0)."""
        db = self._db
        rekeyed = 0
        columns = {row[1] for row in db.execute("PRAGMA table_info(texts)")}
        indexed = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'texts_legacy'").fetchone()
        if "scheme" in columns and indexed:  # done: no write lock taken at every start
            self._warn_legacy()
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            columns = {row[1] for row in db.execute("PRAGMA table_info(texts)")}
            if "scheme" not in columns:
                db.execute("ALTER TABLE texts ADD COLUMN scheme INTEGER NOT NULL DEFAULT 0")
                kept = "FROM texts WHERE content IS NOT NULL"
                # One pass over the table (text_id has no index of its own): per text, the
                # deletes made re-keying quadratic (62 ms a text with 2,000 of them).
                db.execute(f"DELETE FROM text_fingerprints WHERE text_id IN (SELECT id {kept})")
                for text_id, content in db.execute(f"SELECT id, content {kept}").fetchall():
                    hashes, offsets = stored_fingerprint(content, self._key)
                    _insert_fingerprints(db, text_id, hashes, offsets)
                    db.execute(
                        "UPDATE texts SET fingerprints = ?, fine = ?, short = ?, scheme = ? "
                        "WHERE id = ?",
                        (
                            len(hashes),
                            stored_fine(content, self._key),
                            stored_short(content, self._key),
                            KEYED,
                            text_id,
                        ),
                    )
                    rekeyed += 1
            db.execute("CREATE INDEX IF NOT EXISTS texts_legacy ON texts (id) WHERE scheme = 0")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if rekeyed:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            log.warning("label registry: %d texts with kept content re-keyed", rekeyed)
        self._warn_legacy()

    def _warn_legacy(self) -> None:
        (legacy,) = self._db.execute("SELECT COUNT(*) FROM texts WHERE scheme = 0").fetchone()
        if legacy:
            log.warning(
                "label registry: %d texts stored before keyed fingerprints (content not kept) "
                "are matched with the old unkeyed hash, which does not hide their text; "
                "`aigc-gateway labels purge-legacy` removes them",
                legacy,
            )

    def _legacy_stored(self) -> bool:
        query = "SELECT EXISTS (SELECT 1 FROM texts WHERE scheme = 0)"  # the partial index
        return bool(self._db.execute(query).fetchone()[0])

    def purge_legacy(self) -> int:
        """Delete the legacy rows (overwritten in the file): they can no longer be traced, and
        the file no longer holds their unkeyed fingerprints. Returns how many texts."""
        self.flush()
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "DELETE FROM text_fingerprints WHERE text_id IN "
                    "(SELECT id FROM texts WHERE scheme = 0)"
                )
                purged = db.execute("DELETE FROM texts WHERE scheme = 0").rowcount
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._fine_cache.clear()
        self._legacy = False
        return purged

    # --- writing ---------------------------------------------------------------------------

    def add_text(self, entry: TextEntry) -> int:
        """Journal a generated text for the registry; returns how many fingerprints it is
        stored under. Raises StorageUnavailable when the journal cannot be written."""
        fingerprints, offsets = stored_fingerprint(entry.text, self._key)
        row = _TextRow(
            entry.produce_id,
            entry.request_id,
            entry.tenant,
            time.time(),
            len(entry.text),
            fingerprints,
            offsets,
            entry.text if entry.keep_content else None,
            text=entry.text,
        )
        self._put(row)
        return len(fingerprints)

    def add_image(self, entry: ImageEntry) -> None:
        self._put(_ImageRow(entry, time.time()))

    def _put(self, row: _Row) -> None:
        with self._journal_lock:
            mark, closed = self._journal.append(_line(row))
            if closed is not None:
                self._queue(closed)
            self._queue((row, mark))

    def _queue(self, write: _Write | None) -> None:
        with self._idle:
            self._unfinished += 1
        self._writes.put(write)

    def _write_loop(self) -> None:
        connection: sqlite3.Connection | None = None
        while True:
            group = [self._writes.get()]
            if group[0] is not None:
                time.sleep(LINGER_S)
            while len(group) < WRITE_GROUP:
                try:
                    group.append(self._writes.get_nowait())
                except queue.Empty:
                    break
            delay = RETRY_MIN_S
            while True:
                try:
                    connection = connection or self._connect()
                    self._commit(connection, group)
                except (sqlite3.Error, OSError, DataFileError) as exc:
                    self._commit_fault = f"cannot write {self._path}: {exc}"
                    log.error("label registry: %d writes wait for retry: %s", len(group), exc)
                    if not isinstance(exc, sqlite3.OperationalError) and connection is not None:
                        connection.close()  # a fresh connection after corruption or I/O errors
                        connection = None
                    if None in group:  # closing: do not wait forever; the journal keeps them
                        log.error(
                            "label registry: %d writes stay in the journal for the next start",
                            len(group) - 1,
                        )
                        break
                    time.sleep(delay)
                    delay = min(RETRY_MAX_S, delay * 2)
                    continue
                except Exception:  # a bug, not the disk: retrying cannot help
                    log.exception("label registry: %d writes not committed", len(group))
                    break
                if self._commit_fault:
                    log.info("label registry: writes committed again")
                self._commit_fault = None
                break
            with self._idle:
                self._unfinished -= len(group)
                self._idle.notify_all()
            if None in group:
                if connection is not None:
                    connection.close()
                return

    def _commit(self, connection: sqlite3.Connection, group: list[_Write | None]) -> None:
        """Commit a group's rows with their journal marks, then drop the closed segments."""
        marks: dict[str, int] = {}
        done = []
        connection.execute("BEGIN IMMEDIATE")
        try:
            for write in group:
                if isinstance(write, SegmentDone):
                    done.append(write)
                elif write is not None:
                    row, mark = write
                    row.write(connection, self._key)
                    marks[mark.segment] = mark.end
            connection.executemany(
                "INSERT INTO journal_marks (segment, committed) VALUES (?, ?) "
                "ON CONFLICT (segment) DO UPDATE SET committed = excluded.committed",
                list(marks.items()),
            )
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        for segment in done:  # committed (and fsynced: the registry commits with FULL)
            segment.path.unlink(missing_ok=True)
            connection.execute("DELETE FROM journal_marks WHERE segment = ?", (segment.segment,))

    def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> None:
        """Wait until every queued write is committed; 503 if that takes longer than timeout."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._unfinished == 0, timeout):
                raise StorageUnavailable(
                    "The label registry cannot be written right now; try again shortly.",
                    code="label_registry_unavailable",
                )

    def close(self) -> None:
        with self._journal_lock:
            self._queue(self._journal.close())
        self._queue(None)
        self._writer.join(timeout=10)
        self._db.close()

    # --- reading ---------------------------------------------------------------------------

    def trace_text(self, text: str, limit: int = 10) -> list[dict[str, Any]]:
        """Stored texts that share content with ``text``, best overlap first."""
        self.flush()
        with self._lock:
            filtered = self._refresh_filter()
            if filtered and len(self._known) + len(self._recent) == 0:
                return []  # nothing stored yet: no need to hash the text
        hashers: dict[int, Hasher] = {KEYED: self._key}
        if self._legacy:
            hashers[LEGACY] = legacy_hash
        grams = {scheme: Grams.of(text, hasher) for scheme, hasher in hashers.items()}
        query = np.unique(np.concatenate([each.signed() for each in grams.values()]))
        if len(query) == 0:
            return []
        by_hash: dict[int, set[int]] = defaultdict(set)
        rows: list[tuple[int, int, int | None]] = []
        with self._lock:
            present = self._stored_among(query) if filtered else None
            if present is not None:
                if len(present) == 0:
                    return []
                query = present
            for start in range(0, len(query), _QUERY_BATCH):
                batch = [int(value) for value in query[start : start + _QUERY_BATCH]]
                marks = ",".join("?" * len(batch))
                rows += self._db.execute(
                    f"SELECT hash, text_id, pos FROM text_fingerprints WHERE hash IN ({marks})",
                    batch,
                ).fetchall()
        for value, text_id, _ in rows:
            by_hash[value].add(text_id)
        by_text: dict[int, dict[int, list[int | None]]] = defaultdict(lambda: defaultdict(list))
        for value, text_id, offset in rows:
            if len(by_hash[value]) <= MAX_SHARED_BY:
                by_text[text_id][value].append(offset)
        candidates = []
        suspects: dict[int, Suspect] = {}
        for text_id, stored in _densest_first(by_text, grams.values(), limit):
            scheme, stored_fine = self._stored_text(text_id)
            if scheme not in grams:  # a legacy row another process added since: next lookup
                continue
            found, basis = None, grams[scheme]  # the gram set the evidence counts units of
            if stored_fine is not None:
                if scheme not in suspects:
                    suspects[scheme] = Suspect(text, grams[scheme], hashers[scheme])
                suspect = suspects[scheme]
                found, basis = _fine_overlap(suspect, stored, stored_fine), suspect.fine
            elif len(stored) >= MIN_MATCHED_HASHES:
                found = _best_overlap(grams[scheme], stored)
            if found is not None:
                candidates.append((*found, text_id, int(basis.width[-1])))
        candidates.sort(key=lambda candidate: candidate[:2], reverse=True)
        matches = []
        for covered, matched_count, span, text_id, total in candidates[:limit]:
            with self._lock:
                row = self._db.execute(
                    "SELECT produce_id, request_id, tenant, created_at, chars, fingerprints, "
                    "content IS NOT NULL FROM texts WHERE id = ?",
                    (text_id,),
                ).fetchone()
            matches.append(
                {
                    "produce_id": row[0],
                    "request_id": row[1],
                    "tenant": row[2],
                    "created_at": row[3],
                    "record_chars": row[4],
                    "matched_fingerprints": matched_count,
                    "record_fingerprints": row[5],
                    "overlap_units": covered,
                    "overlap_of_suspect": round(covered / total, 4),
                    "content_kept": bool(row[6]),
                    "suspect_span": span and grams[KEYED].text_span(text, *span),
                }
            )
        return matches

    def _stored_text(self, text_id: int) -> tuple[int, StoredGrams | None]:
        """A stored text's scheme and fine n-grams (None for texts stored without them); the
        last ``FINE_CACHE`` looked up are kept in memory (stored texts never change)."""
        if text_id in self._fine_cache:
            self._fine_cache.move_to_end(text_id)
            return self._fine_cache[text_id]
        with self._lock:
            scheme, blob, short = self._db.execute(
                "SELECT scheme, fine, short FROM texts WHERE id = ?", (text_id,)
            ).fetchone()
        stored = (scheme, StoredGrams.unpack(blob, short) if blob else None)
        self._fine_cache[text_id] = stored
        if len(self._fine_cache) > FINE_CACHE:
            self._fine_cache.popitem(last=False)
        return stored

    def _refresh_filter(self) -> bool:
        """Bring the in-memory filter of stored hashes up to date with rows added since (by
        any process); False when the registry is too big for it."""
        (top,) = self._db.execute("SELECT max(rowid) FROM text_fingerprints").fetchone()
        if top is not None and top > self._known_rowid:
            self._legacy = self._legacy_stored()  # another process may have replayed some
            if top > FILTER_MAX_ROWS:
                return False
            rows = self._db.execute(
                "SELECT hash FROM text_fingerprints WHERE rowid > ?", (self._known_rowid,)
            ).fetchall()
            added = np.fromiter((row[0] for row in rows), np.int64, len(rows))
            self._recent = np.union1d(self._recent, added)
            if len(self._recent) > max(1 << 16, len(self._known) // 8):
                self._known = np.union1d(self._known, self._recent)
                self._recent = np.empty(0, np.int64)
            self._known_rowid = top
        return True

    def _stored_among(self, query: np.ndarray) -> np.ndarray:
        """The hashes of ``query`` (sorted, unique) that the in-memory filter holds."""
        return query[members(query, self._known) | members(query, self._recent)]

    def text_entry(self, produce_id: str) -> dict[str, Any] | None:
        """What the registry holds about one generated text (never its content)."""
        self.flush()
        with self._lock:
            row = self._db.execute(
                "SELECT request_id, chars, fingerprints, content IS NOT NULL FROM texts "
                "WHERE produce_id = ?",
                (produce_id,),
            ).fetchone()
        if row is None:
            return None
        return {
            "request_id": row[0],
            "chars": row[1],
            "fingerprints": row[2],
            "content_kept": bool(row[3]),
        }

    def image_marks(self) -> list[tuple[str, str, str, str, int, int]]:
        """Every registered image mark: (mark, produce_id, request_id, tenant, width, height)."""
        self.flush()
        with self._lock:
            return self._db.execute(
                "SELECT mark, produce_id, request_id, tenant, width, height FROM image_marks"
            ).fetchall()


def _densest_first(
    by_text: dict[int, dict[int, list[int | None]]], grams: Iterable[Grams], limit: int
) -> list[tuple[int, dict[int, list[int | None]]]]:
    """The ``limit`` candidates (text id, its shared n-grams) worth checking: those with the
    densest cluster of shared n-grams in the suspect (a copied passage), then the most in all —
    not the most in all alone: a long suspect shares scattered common n-grams with many texts,
    and they pushed the source of a short excerpt out."""
    if len(by_text) <= limit:  # all checked: no need to place them
        return sorted(by_text.items(), key=lambda item: (len(item[1]), item[0]), reverse=True)
    kept = np.fromiter({value for shared in by_text.values() for value in shared}, np.int64)
    places: dict[int, list[int]] = defaultdict(list)  # a shared hash: where in the suspect
    for each in grams:
        shared = np.flatnonzero(np.isin(each.signed(), kept))
        values, starts = each.signed()[shared].tolist(), each.width[shared].tolist()
        for value, place in zip(values, starts, strict=True):
            places[value].append(place)

    def density(item: tuple[int, dict[int, list[int | None]]]) -> tuple[int, int, int]:
        spots = sorted(place for value in item[1] for place in places[value])
        best = first = 0
        for last, place in enumerate(spots):
            while place - spots[first] > RANK_WINDOW:
                first += 1
            best = max(best, last - first + 1)
        return best, len(item[1]), item[0]

    return sorted(by_text.items(), key=density, reverse=True)[:limit]


def _fine_overlap(
    suspect: Suspect,
    shared: dict[int, list[int | None]],
    stored_fine: StoredGrams,
) -> tuple[int, int, tuple[int, int]] | None:
    """The evidence for a text stored with its fine n-grams: their best chain near the n-grams
    it shares with the suspect, if it qualifies (confirmed by short n-grams if shorter than
    ``FINE_MIN_UNITS``)."""
    least = FINE_MIN_UNITS if stored_fine.short is None else CONFIRMED_MIN_UNITS
    chain = finer_chain(suspect, shared, stored_fine, least, confirm_below=FINE_MIN_UNITS)
    if chain is None or chain.hashes < MIN_MATCHED_HASHES:
        return None
    if chain.units < FINE_MIN_UNITS and chain.extension < MIN_EXTENSION:
        return None
    return chain.units, chain.hashes, (chain.first, chain.end)


def _best_overlap(
    grams: Grams, stored: dict[int, list[int | None]]
) -> tuple[int, int, tuple[int, int] | None] | None:
    """(covered units, matching hashes, where the chain lies in the suspect's width units) of
    the best chain of overlap if it qualifies, else None. Texts stored without offsets (older
    registries) are matched by one contiguous overlap and give no place."""
    if any(None in offsets for offsets in stored.values()):
        covered, matched = grams.overlap(np.fromiter(stored, np.int64))
        qualifies = covered >= MIN_OVERLAP_UNITS and matched >= MIN_OVERLAP_HASHES
        return (covered, matched, None) if qualifies else None
    chain = grams.best_chain(stored)  # type: ignore[arg-type]
    if chain is None or chain.hashes < MIN_MATCHED_HASHES or chain.units < MIN_UNITS:
        return None
    return chain.units, chain.hashes, (chain.first, chain.end)
