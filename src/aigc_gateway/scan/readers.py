"""Input discovery and streaming: files and folders to typed chunks of raw records.

Formats come from the file name (``.jsonl``/``.ndjson``/``.json``, ``.csv``/``.tsv``,
``.parquet``, anything else is plain text, one record per non-blank line); gzip and zstd are
recognised by their magic bytes and read as streams. Lines are decoded as UTF-8 with
``surrogateescape`` so a bad byte never stops the reader: the scanner reports that line.
Only one chunk per file is in memory at a time.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .model import Chunk, Format, InputFile, RawRecord

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
COMPRESSED_SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}
FORMATS: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
}


class InputError(Exception):
    """An input that cannot be read at all (missing, unreadable, not a supported file)."""


def format_of(path: Path) -> tuple[Format, str]:
    """The format and the suffix that decided it (``.tsv`` matters for the delimiter)."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes.pop()
    suffix = suffixes[-1] if suffixes else ""
    return FORMATS.get(suffix, "text"), suffix


def _describe(path: Path, name: str) -> InputFile:
    try:
        with path.open("rb") as file:
            head = file.read(4)
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    compression = (
        "gzip" if head.startswith(GZIP_MAGIC) else "zstd" if head.startswith(ZSTD_MAGIC) else None
    )
    fmt, _ = format_of(path)
    if fmt == "parquet" and compression:
        raise InputError(f"{path}: a compressed Parquet file; Parquet compresses internally")
    return InputFile(path, name, fmt, compression, size)


def discover(inputs: tuple[Path, ...]) -> list[InputFile]:
    """Every file to scan, in a stable order; folders are walked for known file types."""
    found: list[InputFile] = []
    for given in inputs:
        if given.is_dir():
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for filename in sorted(files):
                    path = Path(root) / filename
                    stripped = path.name
                    for suffix in COMPRESSED_SUFFIXES:
                        stripped = stripped.removesuffix(suffix)
                    if filename.startswith(".") or Path(stripped).suffix.lower() not in FORMATS:
                        continue
                    found.append(_describe(path, str(path.relative_to(given.parent))))
        elif given.exists():
            found.append(_describe(given, given.name))
        else:
            raise InputError(f"{given}: no such file or folder")
    if not found:
        raise InputError("no files to scan in " + ", ".join(map(str, inputs)))
    names = [f.name for f in found]
    if len(set(names)) != len(names):
        raise InputError("two inputs share a name; pass their common folder instead")
    return found


class _Counting(io.RawIOBase):
    """A raw file that remembers how many bytes were read (progress for compressed input)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._file.readinto(buffer)  # type: ignore[attr-defined]
        self.position += count or 0
        return count or 0

    def close(self) -> None:
        self._file.close()
        super().close()


def open_binary(entry: InputFile) -> tuple[IO[bytes], _Counting]:
    """A buffered, decompressed byte stream and the raw reader that counts compressed bytes."""
    raw = _Counting(entry.path.open("rb"))
    if entry.compression == "gzip":
        return gzip.GzipFile(fileobj=io.BufferedReader(raw)), raw  # type: ignore[return-value]
    if entry.compression == "zstd":
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return io.BufferedReader(reader, 1 << 20), raw  # type: ignore[arg-type]
    return io.BufferedReader(raw, 1 << 20), raw


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    for number, raw_line in enumerate(stream, 1):
        yield number, raw_line.rstrip(b"\r\n").decode("utf-8", "surrogateescape")


def _records(entry: InputFile, stream: IO[bytes]) -> Iterator[RawRecord]:
    if entry.format == "csv":
        _, suffix = format_of(entry.path)
        text = (line + "\n" for _, line in _lines(stream))
        reader = csv.reader(text, delimiter="\t" if suffix == ".tsv" else ",")
        header = next(reader, None)
        if header is None:
            return
        csv.field_size_limit(sys.maxsize)
        for row in reader:
            if not row:
                continue
            payload: dict[str, Any] = dict(zip(header, row, strict=False))
            if len(row) != len(header):
                payload = {"\0columns": f"{len(row)} fields where the header has {len(header)}"}
            yield RawRecord(reader.line_num, payload)
    else:
        for number, line in _lines(stream):
            if line.strip():
                yield RawRecord(number, line)


def _parquet_records(entry: InputFile, chunk_records: int) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(entry.path)
    except Exception as exc:
        raise InputError(f"{entry.path}: not a readable Parquet file: {exc}") from None
    number = 0
    for batch in parquet.iter_batches(batch_size=chunk_records):
        for row in batch.to_pylist():
            number += 1
            yield RawRecord(number, row)


def file_chunks(
    files: list[InputFile], index: int, chunk_records: int, skip_through: int = 0
) -> Iterator[Chunk]:
    """Chunks of up to ``chunk_records`` records of ``files[index]``, after line
    ``skip_through``; the last chunk (possibly empty) ends the file."""
    entry = files[index]
    if entry.format == "parquet":
        records, counter = _parquet_records(entry, chunk_records), None
    else:
        stream, counter = open_binary(entry)
        records = _records(entry, stream)
    seq, batch = 0, []
    try:
        for record in records:
            if record.line <= skip_through:
                continue
            batch.append(record)
            if len(batch) >= chunk_records:
                read = counter.position if counter else entry.size
                yield Chunk(seq, index, entry.name, entry.format, batch, read)
                seq, batch = seq + 1, []
    except (OSError, EOFError, ValueError) as exc:
        # A truncated or corrupt compressed stream: what was read is kept, the rest reported.
        last = batch[-1].line if batch else skip_through
        batch.append(RawRecord(last + 1, {"\0unreadable": f"cannot read further: {exc}"}))
    finally:
        if counter is not None:
            counter.close()
    yield Chunk(seq, index, entry.name, entry.format, batch, entry.size)


def chunks(
    files: list[InputFile], chunk_records: int, start_file: int = 0, skip_through: int = 0
) -> Iterator[Chunk]:
    """Every file's chunks in order, resuming after line ``skip_through`` of ``start_file``."""
    for index in range(start_file, len(files)):
        done = skip_through if index == start_file else 0
        yield from file_chunks(files, index, chunk_records, done)
