"""Everything a scan writes to its ``--out`` folder, and the checkpoint that makes it resumable.

``findings.jsonl`` (one line per scanned record, joinable by ``id``), ``bad_input.jsonl`` (file,
line, reason), ``redacted/NAME`` with ``--redact`` (the input's format and compression; Parquet
goes through part files merged at the end) and ``state.json``. Chunk results are written in
input order; after each one the outputs are flushed and the checkpoint records their sizes, the
position in the input and the running totals. Resuming truncates the outputs to those sizes and
reads on from that position, so an interrupted scan ends with the same files as an
uninterrupted one.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .model import ChunkResult, InputFile, ScanOptions
from .readers import format_of
from .summary import ScanTotals

STATE_FILE = "state.json"
FINDINGS_FILE = "findings.jsonl"
BAD_INPUT_FILE = "bad_input.jsonl"
REDACTED_DIR = "redacted"
STATE_VERSION = 1


class OutputError(Exception):
    """The output folder cannot be used (another scan's checkpoint, unwritable)."""


def scan_key(files: list[InputFile], options: ScanOptions) -> str:
    """Identifies what a checkpoint belongs to: the same inputs scanned the same way."""
    described = {
        "files": [(f.name, f.size) for f in files],
        "text_field": options.text_field,
        "id_field": options.id_field,
        "redact": options.redact,
        "drop_over": options.drop_over,
        "aigc_sample": options.aigc_sample,
        "aigc_max_tokens": options.aigc_max_tokens,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(slots=True)
class ScanState:
    key: str
    file_index: int = 0
    line: int = 0
    offsets: dict[str, int] = field(default_factory=dict)
    parts: dict[str, int] = field(default_factory=dict)
    totals: ScanTotals = field(default_factory=ScanTotals)
    elapsed_s: float = 0.0
    finished: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "key": self.key,
            "file_index": self.file_index,
            "line": self.line,
            "offsets": self.offsets,
            "parts": self.parts,
            "elapsed_s": round(self.elapsed_s, 3),
            "finished": self.finished,
            "totals": self.totals.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanState:
        return cls(
            data["key"],
            data["file_index"],
            data["line"],
            dict(data["offsets"]),
            dict(data["parts"]),
            ScanTotals.from_dict(data["totals"]),
            data["elapsed_s"],
            data["finished"],
        )


def load_state(out: Path, key: str, resume: bool) -> ScanState:
    """The checkpoint of an earlier run of this scan, or a fresh state (outputs cleared)."""
    path = out / STATE_FILE
    if resume and path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OutputError(f"{path}: unreadable checkpoint ({exc}); use --fresh") from None
        if data.get("version") != STATE_VERSION or data.get("key") != key:
            raise OutputError(
                f"{out} holds a scan of other inputs or options; use --fresh to replace it "
                "or another --out"
            )
        return ScanState.from_dict(data)
    for name in (FINDINGS_FILE, BAD_INPUT_FILE, STATE_FILE, "summary.json", "report.html"):
        (out / name).unlink(missing_ok=True)
    shutil.rmtree(out / REDACTED_DIR, ignore_errors=True)
    return ScanState(key)


def _compress(data: bytes, compression: str | None) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    return data


class OutputWriter:
    """Appends chunk results in order and checkpoints after each."""

    def __init__(self, out: Path, files: list[InputFile], options: ScanOptions, state: ScanState):
        self._out = out
        self._files = files
        self._options = options
        self.state = state
        out.mkdir(parents=True, exist_ok=True)
        self._handles: dict[str, IO[bytes]] = {}
        self._csv_headers: dict[str, list[str]] = {}
        for name, size in state.offsets.items():
            path = out / name
            if not path.exists() or path.stat().st_size < size:
                raise OutputError(f"{path}: shorter than its checkpoint; use --fresh")
            with path.open("r+b") as handle:
                handle.truncate(size)
        for name, count in state.parts.items():
            for part in sorted(self._parts_dir(name).glob("part-*.parquet")):
                if int(part.stem.split("-")[1]) >= count:
                    part.unlink()

    def _parts_dir(self, name: str) -> Path:
        return self._out / REDACTED_DIR / (name + ".parts")

    def _append(self, name: str, data: bytes) -> None:
        handle = self._handles.get(name)
        if handle is None:
            path = self._out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = self._handles[name] = path.open("ab")
        handle.write(data)

    def write(self, result: ChunkResult) -> None:
        lines = b"".join(
            json.dumps(record.as_dict(), ensure_ascii=False).encode() + b"\n"
            for record in result.records
        )
        self._append(FINDINGS_FILE, lines)
        self._append(
            BAD_INPUT_FILE, b"".join(json.dumps(b.as_dict()).encode() + b"\n" for b in result.bad)
        )
        if self._options.redact:
            self._write_redacted(result)
        for handle in self._handles.values():
            handle.flush()
        state = self.state
        if result.file_index != state.file_index:
            state.file_index, state.line = result.file_index, 0
        state.line = max(state.line, result.last_line)
        state.offsets = {name: handle.tell() for name, handle in self._handles.items()}
        state.totals.add(result, self._options.worst)
        self.checkpoint()

    def _write_redacted(self, result: ChunkResult) -> None:
        entry = self._files[result.file_index]
        name = f"{REDACTED_DIR}/{entry.name}"
        rows = [row for row in result.redacted if row is not None]
        if entry.format == "parquet":
            self._write_part(entry, rows)
            return
        buffer = io.StringIO()
        if entry.format == "text":
            buffer.writelines(f"{row}\n" for row in rows)
        elif entry.format == "jsonl":
            buffer.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        else:
            delimiter = "\t" if format_of(entry.path)[1] == ".tsv" else ","
            new_file = name not in self._handles and name not in self.state.offsets
            header = self._csv_headers.get(name)
            if header is None and rows:
                header = self._csv_headers[name] = list(rows[0])
            if header is not None:
                writer = csv.DictWriter(buffer, header, delimiter=delimiter, lineterminator="\n")
                if new_file:
                    writer.writeheader()
                writer.writerows(rows)
        data = buffer.getvalue().encode("utf-8")
        if data:
            self._append(name, _compress(data, entry.compression))

    def _write_part(self, entry: InputFile, rows: list[dict[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not rows:
            return
        name = entry.name
        number = self.state.parts.get(name, 0)
        folder = self._parts_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=pq.read_schema(entry.path))
        pq.write_table(table, folder / f"part-{number:05d}.parquet")
        self.state.parts[name] = number + 1

    def checkpoint(self) -> None:
        path = self._out / STATE_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.state.as_dict()), encoding="utf-8")
        os.replace(temporary, path)

    def finish(self) -> None:
        """Close the outputs and merge Parquet parts into one file per input."""
        import pyarrow.parquet as pq

        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        for name in self.state.parts:
            folder = self._parts_dir(name)
            parts = sorted(folder.glob("part-*.parquet"))
            target = self._out / REDACTED_DIR / name
            writer = None
            for part in parts:
                table = pq.read_table(part)
                if writer is None:
                    writer = pq.ParquetWriter(target, table.schema)
                writer.write_table(table)
            if writer is not None:
                writer.close()
            shutil.rmtree(folder)
        self.state.finished = True
        self.checkpoint()
