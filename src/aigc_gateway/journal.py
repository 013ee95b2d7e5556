"""Journals: where a write is durable before the database it is meant for has it.

A :class:`Journal` is a directory of append-only segments, one per process at a time, held with
an exclusive ``flock``. :meth:`Journal.append` writes one line with one ``write()`` on the event
loop — after it returns, the line survives a killed process — and :meth:`Journal.acknowledged`
resolves once it is as durable as configured: at once, or (``fsync``) after an ``fdatasync`` on
a small sync thread that started after the line was written (one at a time: every line written
meanwhile shares the next). Without ``fsync``, ``sync_within_s`` bounds what a power loss can
take: lines are fdatasynced on that thread at most that long after they were written, while
nobody waits for it. The consumer (a writer thread) commits the lines' contents to its
database together with each segment's mark (how far it has come, :class:`Mark`) in the same
transaction, and deletes a segment once it is closed (every ``SEGMENT_BYTES``, and at shutdown)
and wholly committed (:class:`SegmentDone`). When a process opens its journal, segments whose
lock is free belong to a process that is gone (killed, crashed): :meth:`Journal.orphans` yields
them and :func:`read_lines` their lines past the stored mark, for the consumer to commit.

Used by the audit trail (``audit/journal.py``) and the label registry (``labeling/registry.py``).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .errors import StorageUnavailable
from .health import describe_storage_error

log = logging.getLogger(__name__)

SUFFIX = ".journal"
SEGMENT_BYTES = 8 << 20
"""A segment is closed and a new one started once it holds this many bytes."""
PROBE_EVERY_S = 2.0
BEHIND_RETRY_S = 0.005
"""A background sync due while another runs looks again this much later."""


@dataclass(frozen=True, slots=True)
class Mark:
    """How far into which segment a record's line ends (what a commit stores)."""

    segment: str
    end: int


@dataclass(frozen=True, slots=True)
class SegmentDone:
    """No more lines will be written to this segment: delete it once all are committed."""

    segment: str
    path: Path


def _unavailable() -> StorageUnavailable:
    return StorageUnavailable(
        "The audit trail cannot be written right now, so the request was not completed."
    )


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """This process's journal in ``directory``: appends on the event loop, one segment at a
    time; ``fsync``: :meth:`acknowledged` waits for an fdatasync (power loss), else for nothing
    more than the write (a killed process), and with ``sync_within_s`` an fdatasync follows in
    the background within that many seconds (a power loss takes at most that much)."""

    def __init__(self, directory: Path, fsync: bool, sync_within_s: float | None = None) -> None:
        self.directory = directory
        self._fsync = fsync
        self._sync_within_s = None if fsync else sync_within_s
        self._durable = fsync or sync_within_s is not None
        """Segments' creation and rotation are synced too (each segment's last lines)."""
        self._timer: asyncio.TimerHandle | None = None
        directory.mkdir(parents=True, exist_ok=True)
        self._fault: str | None = None
        self._fault_at = 0.0
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        """Lines written but not yet synced: (end offset, the request's future)."""
        self._syncing: asyncio.Future[None] | None = None
        self._sync_scheduled = False
        self._sync_thread = ThreadPoolExecutor(1, thread_name_prefix="audit-journal-sync")
        self._fd = -1
        self._open_segment()

    def _open_segment(self) -> None:
        name = f"{time.time_ns():x}-{os.getpid()}-{secrets.token_hex(4)}"
        temporary = self.directory / (name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Renamed only once locked: a starting process never takes a live segment for an orphan.
        path = self.directory / (name + SUFFIX)
        os.rename(temporary, path)
        if self._durable:
            _fsync_dir(self.directory)
        self._fd, self.segment, self.path = fd, name, path
        self._offset = self._synced = 0

    # --- appending (the event loop) --------------------------------------------------------

    def append(self, line: bytes) -> tuple[Mark, SegmentDone | None]:
        """Write one line (ending in a newline); its mark, and the segment closed by this
        write if any. Raises StorageUnavailable (503) when the line cannot be written."""
        closed = None
        if self._offset >= SEGMENT_BYTES:
            closed = self._rotate()
        try:
            written = os.write(self._fd, line)
            if written != len(line):
                raise OSError(f"short write ({written} of {len(line)} bytes)")
        except OSError as exc:
            self._undo(exc)
            raise _unavailable() from exc
        self._offset += len(line)
        self._fault = None
        if self._sync_within_s is not None and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(
                self._sync_within_s, self._sync_behind
            )
        return Mark(self.segment, self._offset), closed

    def _undo(self, exc: OSError) -> None:
        """Drop a partly written line, so the next one starts on a line of its own."""
        self._failed(exc)
        try:
            os.ftruncate(self._fd, self._offset)
        except OSError:
            log.exception("journal %s: cannot drop a partial line", self.path)

    def _rotate(self) -> SegmentDone | None:
        fd, done = self._fd, SegmentDone(self.segment, self.path)
        try:
            self._open_segment()
        except OSError as exc:  # keep appending to this one; try again at the next line
            log.error("journal %s: cannot start a new segment: %s", self.directory, exc)
            return None
        self._settle_all(fd)
        return done

    def acknowledged(self, mark: Mark) -> asyncio.Future[None]:
        """Resolves once ``mark``'s line is as durable as configured: at once without fsync;
        else after an fdatasync on the sync thread that started after the line was written
        (one at a time: every line written meanwhile waits for the next, together)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not self._fsync or mark.segment != self.segment or self._synced >= mark.end:
            future.set_result(None)
            return future
        self._waiting.append((mark.end, future))
        if self._syncing is None:
            self._start_sync(loop)
        return future

    def _start_sync(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the next fdatasync once the callbacks ready now have run: requests that end
        together (in the same turn of the loop) write their lines first and share it."""
        if not self._sync_scheduled:
            self._sync_scheduled = True
            loop.call_soon(self._sync_now, loop)

    def _sync_behind(self) -> None:
        """``sync_within_s`` after a line was written: sync whatever is not synced yet (if a
        sync is running, look again in a moment: it may have started before that line)."""
        loop = asyncio.get_running_loop()
        self._timer = None
        if self._fd < 0 or self._synced >= self._offset:
            return
        if self._syncing is not None:
            self._timer = loop.call_later(BEHIND_RETRY_S, self._sync_behind)
            return
        self._start_fdatasync(loop)

    def _sync_now(self, loop: asyncio.AbstractEventLoop) -> None:
        self._sync_scheduled = False
        if not self._waiting or self._syncing is not None:
            return  # settled meanwhile (rotation, close), or the running sync will go on
        self._start_fdatasync(loop)

    def _start_fdatasync(self, loop: asyncio.AbstractEventLoop) -> None:
        target, fd = self._offset, self._fd
        self._syncing = loop.run_in_executor(self._sync_thread, os.fdatasync, fd)
        self._syncing.add_done_callback(partial(self._sync_done, fd, target))

    def _sync_done(self, fd: int, target: int, done: asyncio.Future[None]) -> None:
        self._syncing = None
        if fd != self._fd:  # rotated meanwhile: the rotation settled its lines; close it now
            os.close(fd)
            if self._waiting:  # lines of the new segment
                self._start_sync(asyncio.get_running_loop())
            return
        error = done.exception()
        if error is None:
            self._synced = target
        else:
            self._failed(error)
        still = []
        for end, future in self._waiting:
            if end > target:
                still.append((end, future))
            elif not future.done():
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(_unavailable())
        self._waiting = still
        if still:
            self._start_sync(asyncio.get_running_loop())

    def _settle_all(self, fd: int) -> None:
        """Sync an old segment's descriptor here and now (rotation, close) and settle every
        waiting line; it is closed once no sync is running on it."""
        error: Exception | None = None
        if self._durable:
            try:
                os.fdatasync(fd)
            except OSError as exc:
                self._failed(exc)
                error = _unavailable()
        for _, future in self._waiting:
            if not future.done():
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)
        self._waiting = []
        if self._syncing is None:
            os.close(fd)

    def _failed(self, exc: BaseException) -> None:
        self._fault = f"cannot write audit records: {describe_storage_error(exc)}"
        self._fault_at = time.monotonic()
        log.error("journal %s: %s", self.path, exc)

    @property
    def fault(self) -> str | None:
        """Why lines cannot be written now; while set, a probe write is tried every
        ``PROBE_EVERY_S`` (an empty line, which readers skip), so readiness recovers."""
        if self._fault and time.monotonic() - self._fault_at >= PROBE_EVERY_S:
            try:
                if os.write(self._fd, b"\n") == 1:
                    self._offset += 1
                    self._fault = None
            except OSError as exc:
                self._undo(exc)
        return self._fault

    def close(self) -> SegmentDone:
        """Stop appending (at shutdown); the segment is deleted once its lines are committed."""
        fd, self._fd = self._fd, -1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._settle_all(fd)
        self._sync_thread.shutdown(wait=True)
        return SegmentDone(self.segment, self.path)

    # --- recovery (before serving) ---------------------------------------------------------

    def orphans(self) -> Iterator[tuple[str, Path]]:
        """Segments no live process holds, each locked by this process while it is replayed."""
        for path in sorted(self.directory.glob("*" + SUFFIX)):
            if path == self.path:
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its process is alive
                try:
                    if os.stat(path).st_ino != os.fstat(fd).st_ino:
                        continue
                except FileNotFoundError:
                    continue  # replayed and deleted by another process meanwhile
                yield path.name[: -len(SUFFIX)], path
            finally:
                os.close(fd)
        for path in self.directory.glob("*.new"):  # a process died while creating its segment
            path.unlink(missing_ok=True)


def read_lines(path: Path, start: int) -> Iterator[tuple[bytes, int]]:
    """The lines of a segment that end after ``start``, each with its end offset. A last line
    without its newline was never acknowledged (its write did not return) and is skipped, as
    are empty lines (probes)."""
    data = path.read_bytes()
    offset = start
    while offset < len(data):
        end = data.find(b"\n", offset)
        if end < 0:
            log.warning("journal %s: an unfinished last line is skipped", path)
            return
        line = data[offset:end]
        offset = end + 1
        if line.strip():
            yield line, offset
