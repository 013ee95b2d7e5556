"""The audit trail's journal (SQLite store): each record as one JSON line, ``[body, content]``,
in ``DATA_DIR/audit-journal/`` (the mechanism: ``aigc_gateway/journal.py``).

A record is acknowledged once its line is durable there; the writer thread then seals and
commits it with the segment's mark in ``audit_journal``. Segments of stopped processes are
appended to the chain when the next trail opens; ``audit verify`` tells how many records wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from ..journal import SUFFIX, read_lines
from .records import NewRecord
from .store import AuditStore

JOURNAL_DIR = "audit-journal"


def record_line(record: NewRecord) -> bytes:
    return orjson.dumps([record.body, record.content]) + b"\n"


def read_records(path: Path, start: int) -> Iterator[tuple[NewRecord, int]]:
    """The records of a segment past ``start``, each with the offset where its line ends."""
    for line, end in read_lines(path, start):
        body, content = orjson.loads(line)
        yield NewRecord(body, content), end


def backlog(directory: Path, store: AuditStore) -> int:
    """How many journalled records are not in the chain yet (``audit verify`` says so)."""
    count = 0
    for path in directory.glob("*" + SUFFIX):
        try:
            count += sum(1 for _ in read_records(path, store.journal_mark(path.stem)))
        except FileNotFoundError:
            continue  # committed and deleted meanwhile
    return count
