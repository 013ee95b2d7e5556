"""The audit writer: one thread that chains and commits records in groups.

:meth:`AuditWriter.submit` is safe to call from the event loop and never blocks it: it queues
a built record and returns a future that resolves once the record is committed (or
fails with the store's error). The thread takes everything queued at that moment (up to
``MAX_GROUP``), commits it in one transaction — one fsync for many requests — and then settles
the futures. Between groups it signs a checkpoint when one is due by time and applies content
retention; on close it drains the queue and signs the final head.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable

from .records import NewRecord
from .signing import AuditSigner
from .store import AuditStore

log = logging.getLogger(__name__)

MAX_GROUP = 512
RETENTION_EVERY_S = 3600.0


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
        self._pending: queue.SimpleQueue[tuple[NewRecord, asyncio.Future[None]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def submit(self, record: NewRecord) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.put((record, future))
        return future

    def close(self) -> None:
        self._pending.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        unsigned_since: float | None = None
        retention_due = time.monotonic()
        stopping = False
        while not stopping:
            timeout = None
            if unsigned_since is not None:
                timeout = max(0.0, unsigned_since + self._checkpoint_interval_s - time.monotonic())
            try:
                group = [self._pending.get(timeout=timeout)]
            except queue.Empty:
                group = []
            while len(group) < MAX_GROUP:
                try:
                    group.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            stopping = None in group
            items = [item for item in group if item is not None]
            if items and self._commit(items) and unsigned_since is None:
                unsigned_since = time.monotonic()
            now = time.monotonic()
            due = unsigned_since is not None and now >= unsigned_since + self._checkpoint_interval_s
            if due or stopping:
                self._guarded(self._store.checkpoint_head, self._signer)
                unsigned_since = None
            if self._retention_s is not None and now >= retention_due:
                self._guarded(self._store.purge_content, time.time() - self._retention_s)
                retention_due = now + RETENTION_EVERY_S

    def _commit(self, items: list[tuple[NewRecord, asyncio.Future[None]]]) -> bool:
        """Commit one group and settle its futures; True if it was committed."""
        error: Exception | None = None
        try:
            self._store.append(
                [record for record, _ in items], self._signer, self._checkpoint_every
            )
        except Exception as exc:
            log.exception("cannot commit %d audit records", len(items))
            error = exc
        for _, future in items:
            _resolve(future, error)
        return error is None

    @staticmethod
    def _guarded(action: Callable[..., object], *args: object) -> None:
        try:
            action(*args)
        except Exception:
            log.exception("audit maintenance failed: %s", getattr(action, "__name__", action))


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
