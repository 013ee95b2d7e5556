"""The audit writer: one thread that chains and commits records in groups.

:meth:`AuditWriter.submit` is safe to call from the event loop and never blocks it: it queues
a built record and returns a future that resolves once the record is committed (or
fails with the store's error). The thread takes everything queued at that moment (up to
``MAX_GROUP``), commits it in one transaction — one fsync for many requests — and then settles
the futures. A group that cannot be committed (disk full, read-only, corrupt or unreachable
database) fails its futures with :class:`StorageUnavailable` — a 503 with ``Retry-After`` for
its requests, never an acknowledgement — and sets :attr:`AuditWriter.fault`, which readiness
reports until a commit succeeds again; while it is set the thread tries a probe write every
``PROBE_EVERY_S`` so readiness recovers without traffic. Between groups it signs a checkpoint
when one is due by time and applies content retention; on close it drains the queue and signs
the final head.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable

from ..errors import StorageUnavailable
from ..health import describe_storage_error
from .records import NewRecord
from .signing import AuditSigner
from .store import AuditStore

log = logging.getLogger(__name__)

MAX_GROUP = 512
RETENTION_EVERY_S = 3600.0
PROBE_EVERY_S = 2.0


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
        self.fault: str | None = None
        """Why the last commit failed, until one succeeds again (None: healthy)."""
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
            timeout = PROBE_EVERY_S if self.fault else None
            if unsigned_since is not None:
                due_in = max(0.0, unsigned_since + self._checkpoint_interval_s - time.monotonic())
                timeout = due_in if timeout is None else min(timeout, due_in)
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
            if not items and self.fault and not stopping:
                self._probe()
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
            log.error("cannot commit %d audit records: %s: %s", len(items), type(exc).__name__, exc)
            self.fault = f"cannot write audit records: {describe_storage_error(exc)}"
            error = StorageUnavailable(
                "The audit trail cannot be written right now, so the request was not completed."
            )
        else:
            self.fault = None
        for _, future in items:
            _resolve(future, error)
        return error is None

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
