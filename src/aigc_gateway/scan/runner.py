"""Runs a scan: inputs → chunks → scanner (here, in worker processes, or on Ray) → outputs.

The driver reads the inputs as a stream and writes results in input order; at most two chunks
per worker are in flight, so memory stays flat however large the input is. ``--ray`` swaps the
local worker pool for :mod:`.ray_backend`; everything else is the same code.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..labeling.service import LabelService, tokenizer_path
from .model import Chunk, ChunkResult, InputFile, ScanOptions
from .outputs import OutputWriter, load_state, scan_key
from .readers import chunks, discover
from .report import summary, write_reports
from .scanner import RecordScanner

IN_FLIGHT_PER_WORKER = 2


@dataclass(frozen=True, slots=True)
class Progress:
    records: int
    bad_input: int
    bytes_done: int
    bytes_total: int
    elapsed_s: float
    finished: bool = False

    @property
    def records_per_s(self) -> float:
        return self.records / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if self.bytes_done <= 0 or self.elapsed_s <= 0:
            return None
        rate = self.bytes_done / self.elapsed_s
        return max(0.0, (self.bytes_total - self.bytes_done) / rate)


ProgressHook = Callable[[Progress], None]
Backend = Callable[[list[InputFile], int, int], Iterator[ChunkResult]]
"""Scans ``files`` from (file index, after line) and yields the chunk results in input order."""

_worker: RecordScanner | None = None


def _start_worker(settings: Settings, data_dir: Path, options: ScanOptions) -> None:
    global _worker
    _worker = RecordScanner(settings, data_dir, options)


def _scan_in_worker(chunk: Chunk) -> ChunkResult:
    assert _worker is not None
    return _worker.scan_chunk(chunk)


def local_backend(settings: Settings, data_dir: Path, options: ScanOptions) -> Backend:
    """In this process for one worker, else a process pool with bounded work in flight."""

    def run(files: list[InputFile], start: int, skip: int) -> Iterator[ChunkResult]:
        stream = chunks(files, options.chunk_records, start, skip)
        if options.workers <= 1:
            scanner = RecordScanner(settings, data_dir, options)
            try:
                yield from map(scanner.scan_chunk, stream)
            finally:
                scanner.close()
            return
        context = multiprocessing.get_context("spawn")
        with context.Pool(options.workers, _start_worker, (settings, data_dir, options)) as pool:
            pending: deque[Any] = deque()
            for chunk in stream:
                pending.append(pool.apply_async(_scan_in_worker, (chunk,)))
                if len(pending) >= options.workers * IN_FLIGHT_PER_WORKER:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()

    return run


def aigc_model_available(settings: Settings, options: ScanOptions) -> bool:
    return options.aigc_sample > 0 and tokenizer_path(settings) is not None


def run_scan(
    settings: Settings,
    data_dir: Path,
    options: ScanOptions,
    backend: Backend | None = None,
    progress: ProgressHook | None = None,
) -> dict[str, Any]:
    """Scan (or resume scanning) ``options.inputs`` into ``options.out``; returns the summary.

    Raises ``readers.InputError`` or ``outputs.OutputError`` before any work for inputs or an
    output folder that cannot be used.
    """
    files = discover(options.inputs)
    options.out.mkdir(parents=True, exist_ok=True)
    state = load_state(options.out, scan_key(files, options), options.resume)
    aigc = aigc_model_available(settings, options)
    if not state.finished:
        # The workers open the data dir all at once: made ready here first, so that none of
        # them finds the registry or a key file that another is still creating.
        LabelService(settings, data_dir).close()
        _scan(
            files, options, state, backend or local_backend(settings, data_dir, options), progress
        )
    found = summary(files, options, state, aigc)
    write_reports(options.out, found)
    return found


def _scan(
    files: list[InputFile],
    options: ScanOptions,
    state: Any,
    backend: Backend,
    progress: ProgressHook | None,
) -> None:
    writer = OutputWriter(options.out, files, options, state)
    total = sum(f.size for f in files)
    before = [sum(f.size for f in files[:i]) for i in range(len(files))]
    started, elapsed_before = time.monotonic(), state.elapsed_s
    for result in backend(files, state.file_index, state.line):
        state.elapsed_s = elapsed_before + time.monotonic() - started
        writer.write(result)
        if progress is not None:
            totals = state.totals
            done = before[result.file_index] + result.bytes_read
            progress(Progress(totals.records, totals.bad_input, done, total, state.elapsed_s))
    state.elapsed_s = elapsed_before + time.monotonic() - started
    writer.finish()
    if progress is not None:
        totals = state.totals
        progress(Progress(totals.records, totals.bad_input, total, total, state.elapsed_s, True))
