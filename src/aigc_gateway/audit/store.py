"""Where the trail lives: one SQL implementation, with a SQLite and a PostgreSQL dialect.

A store appends sealed records in one transaction per group (reading the chain head inside
that transaction, so that even several gateways writing one PostgreSQL database keep one
chain), keeps checkpoints and public keys, and answers queries, usage sums and retention.
Writes happen on the writer thread's connection; reads share a second connection.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal

from .chain import GENESIS_HASH, Checkpoint, StoredRecord, seal
from .records import INDEX_COLUMN_NAMES, NewRecord, index_columns
from .signing import AuditSigner

GroupBy = Literal["tenant", "model", "day"]
READ_BATCH = 1000
MAX_PAGE = 1000

_RECORD_COLUMNS = ", ".join(INDEX_COLUMN_NAMES)
_SELECT_RECORD = f"SELECT hash, body, content, {_RECORD_COLUMNS} FROM audit_records"


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters for reading the trail; ``after`` is a seq cursor for paging."""

    tenant: str | None = None
    since: float | None = None
    until: float | None = None
    model: str | None = None
    produce_id: str | None = None
    finding: str | None = None
    request_id: str | None = None
    backend: str | None = None
    status: str | None = None
    after: int = 0
    before: int | None = None
    """With ``newest_first``: the seq cursor of the previous (newer) page."""
    limit: int = 100
    newest_first: bool = False

    def where(self) -> tuple[str, list[Any]]:
        clauses, args = ["seq > ?"], [self.after]
        if self.before is not None:
            clauses.append("seq < ?")
            args.append(self.before)
        for column, value in (
            ("tenant", self.tenant),
            ("model", self.model),
            ("produce_id", self.produce_id),
            ("request_id", self.request_id),
            ("backend", self.backend),
            ("status", self.status),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if self.since is not None:
            clauses.append("created_at >= ?")
            args.append(self.since)
        if self.until is not None:
            clauses.append("created_at < ?")
            args.append(self.until)
        if self.finding is not None:
            clauses.append("findings LIKE ?")
            args.append(f"%,{self.finding},%")
        return " AND ".join(clauses), args


@dataclass(frozen=True, slots=True)
class UsageRow:
    key: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    energy_wh: float
    carbon_g: float


def _stored(row: Sequence[Any]) -> StoredRecord:
    body = row[1]
    return StoredRecord(
        hash=row[0],
        body=body.encode() if isinstance(body, str) else bytes(body),
        content=row[2],
        columns=tuple(row[3:]),
        position=row[3],
    )


class AuditStore(ABC):
    """The SQL both dialects share. Subclasses connect, lock the head and name a day."""

    placeholder = "?"
    day_expression: str
    """SQL for the UTC day (``YYYY-MM-DD``) of ``created_at``."""

    def __init__(self) -> None:
        self._writer = self._connect()
        self._reader = self._connect()
        self._read_lock = threading.Lock()
        self._create_schema()

    # -- what a dialect provides ------------------------------------------------------------

    @abstractmethod
    def _connect(self) -> Any: ...

    @abstractmethod
    def _create_schema(self) -> None: ...

    @abstractmethod
    def _write_transaction(self) -> AbstractContextManager[Any]:
        """A transaction on the writer connection that holds the chain's write lock."""

    def _sql(self, query: str) -> str:
        return query if self.placeholder == "?" else query.replace("?", self.placeholder)

    def _read(self, query: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._read_lock:
            return list(self._reader.execute(self._sql(query), args).fetchall())

    # -- writing (the writer thread) ---------------------------------------------------------

    def append(
        self,
        records: Sequence[NewRecord],
        signer: AuditSigner,
        checkpoint_every: int,
        journal_marks: Mapping[str, int] | None = None,
    ) -> None:
        """Seal ``records`` onto the chain and commit them (with any due checkpoint) at once;
        ``journal_marks`` (segment -> offset, see ``journal.py``) are stored in the same
        transaction: how far into each journal segment the chain has taken."""
        with self._write_transaction() as db:
            seq, prev_hash = self._head(db)
            rows, checkpoints = [], []
            now = time.time()
            for record in records:
                seq += 1
                data, prev_hash = seal(record.body, seq, prev_hash)
                rows.append((*index_columns(record.body), data.decode(), prev_hash, record.content))
                if seq % checkpoint_every == 0:
                    checkpoints.append(Checkpoint.sign(signer, seq, prev_hash, now))
            db.executemany(
                self._sql(
                    f"INSERT INTO audit_records ({_RECORD_COLUMNS}, body, hash, content) "
                    f"VALUES ({', '.join('?' * (len(INDEX_COLUMN_NAMES) + 3))})"
                ),
                rows,
            )
            self._insert_checkpoints(db, checkpoints)
            if journal_marks:
                db.executemany(
                    self._sql(
                        "INSERT INTO audit_journal (segment, committed) VALUES (?, ?) "
                        "ON CONFLICT (segment) DO UPDATE SET committed = excluded.committed"
                    ),
                    list(journal_marks.items()),
                )

    @abstractmethod
    def make_durable(self) -> None:
        """Everything committed so far survives a power loss (before a journal segment that
        holds the same records is deleted)."""

    def journal_mark(self, segment: str) -> int:
        """How far into a journal segment the chain has taken (0: not at all)."""
        rows = self._read("SELECT committed FROM audit_journal WHERE segment = ?", (segment,))
        return int(rows[0][0]) if rows else 0

    def forget_journal(self, segment: str) -> None:
        """A deleted journal segment's mark is no longer needed."""
        with self._write_transaction() as db:
            db.execute(self._sql("DELETE FROM audit_journal WHERE segment = ?"), (segment,))

    def checkpoint_head(self, signer: AuditSigner) -> Checkpoint | None:
        """Sign the chain head unless it already has a checkpoint; returns the new one."""
        with self._write_transaction() as db:
            seq, head_hash = self._head(db)
            if seq == 0:
                return None
            row = db.execute(self._sql("SELECT MAX(seq) FROM audit_checkpoints")).fetchone()
            if row[0] is not None and row[0] >= seq:
                return None
            point = Checkpoint.sign(signer, seq, head_hash, time.time())
            self._insert_checkpoints(db, [point])
            return point

    def _head(self, db: Any) -> tuple[int, str]:
        row = db.execute("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)

    def _insert_checkpoints(self, db: Any, points: Sequence[Checkpoint]) -> None:
        if points:
            db.executemany(
                self._sql(
                    "INSERT INTO audit_checkpoints (seq, hash, created_at, key_id, signature) "
                    "VALUES (?, ?, ?, ?, ?)"
                ),
                [(p.seq, p.hash, p.created_at, p.key_id, p.signature) for p in points],
            )

    def register_key(self, signer: AuditSigner) -> None:
        with self._write_transaction() as db:
            db.execute(
                self._sql(
                    "INSERT INTO audit_keys (key_id, public_key, created_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (key_id) DO NOTHING"
                ),
                (signer.key_id, signer.public_pem, time.time()),
            )

    def probe(self) -> None:
        """One small real write, to learn whether the store takes writes again."""
        with self._write_transaction() as db:
            db.execute(
                self._sql(
                    "INSERT INTO audit_probe (id, at) VALUES (1, ?) "
                    "ON CONFLICT (id) DO UPDATE SET at = excluded.at"
                ),
                (time.time(),),
            )

    def purge_content(self, before: float) -> int:
        """Retention: drop kept content of records created before ``before``."""
        with self._write_transaction() as db:
            cursor = db.execute(
                self._sql(
                    "UPDATE audit_records SET content = NULL "
                    "WHERE created_at < ? AND content IS NOT NULL"
                ),
                (before,),
            )
            return int(cursor.rowcount)

    # -- reading -------------------------------------------------------------------------

    def records(self, first_seq: int = 1, last_seq: int | None = None) -> Iterator[StoredRecord]:
        """Every record from ``first_seq`` in seq order, read in batches."""
        after = first_seq - 1
        while True:
            query = f"{_SELECT_RECORD} WHERE seq > ?"
            args: list[Any] = [after]
            if last_seq is not None:
                query += " AND seq <= ?"
                args.append(last_seq)
            rows = self._read(query + f" ORDER BY seq LIMIT {READ_BATCH}", args)
            for row in rows:
                yield _stored(row)
            if len(rows) < READ_BATCH:
                return
            after = rows[-1][3]

    def query(self, query: AuditQuery) -> list[StoredRecord]:
        where, args = query.where()
        limit = max(1, min(query.limit, MAX_PAGE))
        if not query.newest_first:
            rows = self._read(f"{_SELECT_RECORD} WHERE {where} ORDER BY seq LIMIT {limit}", args)
            return [_stored(row) for row in rows]
        # Newest first: pick the seqs from the indexes alone, then read only those records, so
        # that a filter served by an index in time order never sorts whole records.
        found = self._read(
            f"SELECT seq FROM audit_records WHERE {where} ORDER BY seq DESC LIMIT {limit}", args
        )
        if not found:
            return []
        marks = ", ".join("?" * len(found))
        rows = self._read(
            f"{_SELECT_RECORD} WHERE seq IN ({marks}) ORDER BY seq DESC", [row[0] for row in found]
        )
        return [_stored(row) for row in rows]

    def head(self) -> tuple[int, str]:
        with self._read_lock:
            return self._head(self._reader)

    def first_seq_since(self, since: float) -> int | None:
        rows = self._read("SELECT MIN(seq) FROM audit_records WHERE created_at >= ?", (since,))
        return rows[0][0]

    def checkpoints(self, first_seq: int = 1, last_seq: int | None = None) -> list[Checkpoint]:
        query = "SELECT seq, hash, created_at, key_id, signature FROM audit_checkpoints "
        query += "WHERE seq >= ?" + (" AND seq <= ?" if last_seq is not None else "")
        args = [first_seq] if last_seq is None else [first_seq, last_seq]
        return [Checkpoint(*row) for row in self._read(query + " ORDER BY seq", args)]

    def public_keys(self) -> dict[str, str]:
        return dict(self._read("SELECT key_id, public_key FROM audit_keys"))

    def tokens_since(self, key_id: str, since: float) -> int:
        rows = self._read(
            "SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM audit_records "
            "WHERE key_id = ? AND created_at >= ?",
            (key_id, since),
        )
        return int(rows[0][0])

    def usage(self, by: GroupBy, since: float | None, until: float | None) -> list[UsageRow]:
        key = {"tenant": "tenant", "model": "model", "day": self.day_expression}[by]
        where, args = AuditQuery(since=since, until=until).where()
        rows = self._read(
            f"SELECT {key} AS k, COUNT(*), COALESCE(SUM(prompt_tokens), 0), "
            "COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(energy_wh), 0), "
            f"COALESCE(SUM(carbon_g), 0) FROM audit_records WHERE {where} "
            "GROUP BY k ORDER BY k",
            args,
        )
        return [
            UsageRow(str(r[0]), int(r[1]), int(r[2]), int(r[3]), float(r[4]), float(r[5]))
            for r in rows
        ]

    def close(self) -> None:
        self._writer.close()
        self._reader.close()
