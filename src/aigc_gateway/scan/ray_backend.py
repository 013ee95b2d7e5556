"""``scan --ray``: the same chunks and scanner, executed by Ray Data on a local or remote cluster.

A :class:`ScanDatasource` is a Ray Data reader with one read task per input file; each task
streams that file's chunks (the same reader as the local scan, so bad lines keep their file and
line) as one-row blocks. ``map_batches`` runs :class:`ScanActor`s (one ``RecordScanner`` each,
``concurrency`` = ``--workers``), and the driver iterates the results in input order and writes
them with the same :class:`OutputWriter`. On a remote cluster the inputs (and the data dir, for
registry evidence: the registry with its fingerprint key) must be readable at the same paths on
the worker nodes, as with any Ray Data reader; the outputs are written where the driver runs.

Left to its defaults, Ray Data gathers a read task's rows into blocks of up to 128 MiB in the
reader's memory and reads ahead until its blocks fill half the cluster's object store, so the
memory of a large scan grew with its input (the reader, and every process that mapped the
store's pages). Here every chunk is a block of its own, and the chunks waiting and the results
not yet written may take ``OBJECT_STORE_PER_WORKER`` per worker: memory stays flat, as with the
local pool's two chunks in flight.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..config import Settings
from .model import ChunkResult, InputFile, ScanOptions
from .readers import file_chunks
from .runner import Backend
from .scanner import RecordScanner

OBJECT_STORE_PER_WORKER = 8 * 2**20
"""Object-store bytes the scan's blocks may take per worker: about 30 chunks of 500 corpus
records (one is about 270 kB pickled), enough read ahead to keep a worker busy. A chunk larger
than this still goes through, one at a time."""


class RayUnavailable(Exception):
    """Ray is not installed or the cluster cannot be reached."""


def _datasource_class() -> Any:
    import pyarrow as pa
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class ScanDatasource(Datasource):  # type: ignore[misc]
        def __init__(self, files: list[InputFile], options: ScanOptions, start: int, skip: int):
            self._files, self._options, self._start, self._skip = files, options, start, skip

        def estimate_inmemory_data_size(self) -> int | None:
            return sum(f.size for f in self._files[self._start :])

        def get_read_tasks(self, parallelism: int, **_: Any) -> list[Any]:
            tasks = []
            for index in range(self._start, len(self._files)):
                skip = self._skip if index == self._start else 0

                def read(
                    index: int = index,
                    skip: int = skip,
                    files: list[InputFile] = self._files,
                    size: int = self._options.chunk_records,
                ) -> Iterable[Any]:
                    for chunk in file_chunks(files, index, size, skip):
                        yield pa.table({"chunk": [pickle.dumps(chunk)]})

                entry = self._files[index]
                metadata = BlockMetadata(
                    num_rows=None,
                    size_bytes=entry.size,
                    input_files=[str(entry.path)],
                    exec_stats=None,
                )
                tasks.append(ReadTask(read, metadata))
            return tasks

    return ScanDatasource


class ScanActor:
    """A Ray actor holding one scanner; each batch row is a pickled chunk."""

    def __init__(self, settings: Settings, data_dir: Path, options: ScanOptions) -> None:
        self._scanner = RecordScanner(settings, data_dir, options)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        results = [
            pickle.dumps(self._scanner.scan_chunk(pickle.loads(raw)))
            for raw in batch.column("chunk").to_pylist()
        ]
        return pa.table({"result": results})


def ray_backend(
    settings: Settings, data_dir: Path, options: ScanOptions, address: str | None
) -> Backend:
    """A backend that scans on the Ray cluster at ``address`` (a new local one when None)."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable("--ray needs Ray: pip install 'aigc-gateway[ray]'") from None

    def run(files: list[InputFile], start: int, skip: int) -> Iterator[ChunkResult]:
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=options.workers, include_dashboard=False, log_to_driver=False)
        except Exception as exc:
            raise RayUnavailable(f"cannot start or reach Ray: {exc}") from None
        try:
            context = ray.data.DataContext.get_current()
            context.execution_options.preserve_order = True
            context.enable_progress_bars = False
            context.execution_options.resource_limits = ray.data.ExecutionResources(
                object_store_memory=options.workers * OBJECT_STORE_PER_WORKER
            )
            context.target_max_block_size = 1  # every chunk (and result) a block of its own
            dataset = ray.data.read_datasource(
                _datasource_class()(files, options, start, skip),
                ray_remote_args={"num_cpus": 0},
                concurrency=1,  # the files one after another: results are written in order
            ).map_batches(
                ScanActor,
                fn_constructor_args=(settings, data_dir, options),
                batch_size=1,
                batch_format="pyarrow",
                concurrency=options.workers,
                num_cpus=1,
            )
            for batch in dataset.iter_batches(batch_size=1, batch_format="pyarrow"):
                for raw in batch.column("result").to_pylist():
                    yield pickle.loads(raw)
        finally:
            ray.shutdown()

    return run
