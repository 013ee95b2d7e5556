"""The audit writer: one thread that chains and commits records in groups.

Records reach it in one of two ways, both safe to use from the event loop and never blocking it.
With the SQLite store they are already durable in the journal (``journal.py``):
:meth:`AuditWriter.enqueue` hands over the record with its journal mark, and each commit stores
the marks in the same transaction. With PostgreSQL :meth:`AuditWriter.submit` returns a future
that resolves once the record is committed (or fails with the store's error). The thread takes
everything queued at that moment (up to ``MAX_GROUP``), commits it in one transaction — one
fsync for many requests — and then settles the futures. A group that cannot be committed (disk
full, read-only, corrupt or unreachable database) fails its futures with
:class:`StorageUnavailable` — a 503 with ``Retry-After`` for its requests, never an
acknowledgement — while its journalled records are kept and committed again every
``PROBE_EVERY_S`` (they were acknowledged: they are never dropped); :attr:`AuditWriter.fault`
says why, for readiness, until a commit succeeds again; with nothing to retry the thread tries a
probe write every ``PROBE_EVERY_S`` so readiness recovers without traffic. Between groups it
signs a checkpoint when one is due by time and applies content retention; a journal segment that
is closed and wholly committed is deleted; on close it drains the queue and signs the final head.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import StorageUnavailable
from ..health import describe_storage_error
from ..journal import Mark, SegmentDone
from .records import NewRecord
from .signing import AuditSigner
from .store import AuditStore

log = logging.getLogger(__name__)

MAX_GROUP = 512
JOURNALED_LINGER_S = 0.01
"""With the journal nobody waits for a commit: the thread lets records gather this long before
it commits, so that each commit (and its GIL time, which the event loop would wait for) serves
more of them."""
RETENTION_EVERY_S = 3600.0
PROBE_EVERY_S = 2.0


@dataclass(frozen=True, slots=True)
class _Pending:
    """A record waiting for its commit: its journal mark, or the future a request awaits."""

    record: NewRecord
    future: asyncio.Future[None] | None = None
    mark: Mark | None = None


_Item = _Pending | SegmentDone


class AuditWriter:
    def __init__(
        self,
        store: AuditStore,
        signer: AuditSigner,
        *,
        checkpoint_every: int,
        checkpoint_interval_s: float,
        retention_s: float | None = None,
    ) -> None:
        self._store = store
        self._signer = signer
        self._checkpoint_every = checkpoint_every
        self._checkpoint_interval_s = checkpoint_interval_s
        self._retention_s = retention_s
        self._pending: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._retry: list[_Item] = []
        """Journalled records (and closed segments) whose commit failed, to commit again."""
        self._idle = threading.Condition()
        self._unfinished = 0
        self.fault: str | None = None
        """Why the last commit failed, until one succeeds again (None: healthy)."""
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def submit(self, record: NewRecord) -> asyncio.Future[None]:
        """Queue a record; the future resolves once it is committed (no journal)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._put(_Pending(record, future=future))
        return future

    def enqueue(self, record: NewRecord, mark: Mark) -> None:
        """Queue a record that is durable in the journal up to ``mark``."""
        self._put(_Pending(record, mark=mark))

    def segment_done(self, done: SegmentDone) -> None:
        """Delete this journal segment once every record queued before it is committed."""
        self._put(done)

    def _put(self, item: _Item | None) -> None:
        with self._idle:
            self._unfinished += 1
        self._pending.put(item)

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued so far is committed; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    def close(self) -> None:
        self._put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        unsigned_since: float | None = None
        retention_due = time.monotonic()
        stopping = False
        while not stopping:
            timeout = PROBE_EVERY_S if self.fault else None
            if unsigned_since is not None:
                due_in = max(0.0, unsigned_since + self._checkpoint_interval_s - time.monotonic())
                timeout = due_in if timeout is None else min(timeout, due_in)
            try:
                group = [self._pending.get(timeout=timeout)]
            except queue.Empty:
                group = []
            if group and isinstance(group[0], _Pending) and group[0].future is None:
                time.sleep(JOURNALED_LINGER_S)
            while len(group) < MAX_GROUP:
                try:
                    group.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            stopping = None in group
            retried = len(self._retry)
            items = [*self._retry, *(item for item in group if item is not None)]
            self._retry = []
            if not items and self.fault and not stopping:
                self._probe()
            if items and self._commit(items) and unsigned_since is None:
                unsigned_since = time.monotonic()
            with self._idle:
                self._unfinished -= len(group) + retried - len(self._retry)
                self._idle.notify_all()
            now = time.monotonic()
            due = unsigned_since is not None and now >= unsigned_since + self._checkpoint_interval_s
            if due or stopping:
                self._guarded(self._store.checkpoint_head, self._signer)
                unsigned_since = None
            if self._retention_s is not None and now >= retention_due:
                self._guarded(self._store.purge_content, time.time() - self._retention_s)
                retention_due = now + RETENTION_EVERY_S

    def _commit(self, items: list[_Item]) -> bool:
        """Commit one group, settle its futures and delete its finished journal segments;
        True if it was committed. On failure journalled items are kept for the next try."""
        pending = [item for item in items if isinstance(item, _Pending)]
        marks = {item.mark.segment: item.mark.end for item in pending if item.mark is not None}
        error: Exception | None = None
        try:
            if pending:
                self._store.append(
                    [item.record for item in pending], self._signer, self._checkpoint_every, marks
                )
        except Exception as exc:
            log.error(
                "cannot commit %d audit records: %s: %s", len(pending), type(exc).__name__, exc
            )
            self.fault = f"cannot write audit records: {describe_storage_error(exc)}"
            error = StorageUnavailable(
                "The audit trail cannot be written right now, so the request was not completed."
            )
            self._retry = [item for item in items if not _awaited(item)]
        else:
            self.fault = None
            for item in items:
                if isinstance(item, SegmentDone):
                    self._guarded(self._forget, item)
        for item in pending:
            if item.future is not None:
                _resolve(item.future, error)
        return error is None

    def _forget(self, done: SegmentDone) -> None:
        self._store.make_durable()
        done.path.unlink(missing_ok=True)  # first the file: a stale mark is harmless
        self._store.forget_journal(done.segment)

    def _probe(self) -> None:
        try:
            self._store.probe()
        except Exception as exc:
            self.fault = f"cannot write audit records: {describe_storage_error(exc)}"
        else:
            log.info("audit store writable again")
            self.fault = None

    @staticmethod
    def _guarded(action: Callable[..., object], *args: object) -> None:
        try:
            action(*args)
        except Exception:
            log.exception("audit maintenance failed: %s", getattr(action, "__name__", action))


def _awaited(item: _Item) -> bool:
    return isinstance(item, _Pending) and item.future is not None


def _resolve(future: asyncio.Future[None], error: Exception | None) -> None:
    with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
        future.get_loop().call_soon_threadsafe(_settle, future, error)


def _settle(future: asyncio.Future[None], error: Exception | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
