"""The trail as JSON Lines, and reading such a file back for verification.

An export is a contiguous slice of the chain: a ``header`` line, every ``record`` (body as a JSON
object, its hash and any kept content) with each ``checkpoint`` right after the record it
covers, and a signed ``end`` line. The chain head is checkpointed before exporting, so the
slice is anchored by a signature even when it was written moments ago.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .chain import Checkpoint, ExportEnd, Problem, StoredRecord, VerifyReport, verify
from .records import canonical
from .signing import AuditSigner
from .store import AuditStore

FORMAT = "aigc-gateway-audit/1"


class ExportFormatError(Exception):
    """A file that is not an audit export; the message names the line."""


def export_jsonl(
    store: AuditStore,
    signer: AuditSigner,
    out: IO[bytes],
    *,
    since: float | None = None,
    until: float | None = None,
) -> ExportEnd | None:
    """Write the records created in ``[since, until)`` (as one slice); None if there are none."""
    store.checkpoint_head(signer)
    last_seq, _ = store.head()
    first_seq = 1 if since is None else store.first_seq_since(since)
    if first_seq is None or last_seq == 0:
        return None
    checkpoints = {p.seq: p for p in store.checkpoints(first_seq, last_seq)}
    header = {
        "type": "header",
        "format": FORMAT,
        "exported_at": round(time.time(), 3),
        "key_id": signer.key_id,
    }
    out.write(orjson.dumps(header) + b"\n")
    count, last_hash, written_last = 0, "", first_seq
    for record in store.records(first_seq, last_seq):
        body = record.parsed()
        if until is not None and body["created_at"] >= until:
            break
        line = {"type": "record", "seq": body["seq"], "hash": record.hash, "body": body}
        if record.content is not None:
            line["content"] = record.content
        out.write(orjson.dumps(line) + b"\n")
        point = checkpoints.get(body["seq"])
        if point is not None:
            out.write(orjson.dumps(point.to_json()) + b"\n")
        count, last_hash, written_last = count + 1, record.hash, body["seq"]
    if count == 0:
        return None
    end = ExportEnd(first_seq, written_last, count, last_hash, round(time.time(), 3), "").signed(
        signer
    )
    out.write(orjson.dumps({"type": "end", **end.to_json()}) + b"\n")
    return end


@dataclass(slots=True)
class ExportFile:
    records: list[StoredRecord] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    end: ExportEnd | None = None
    trailing: int = 0
    """Lines after the end line (appended records are not covered by its signature)."""


def read_export(lines: Iterable[bytes]) -> ExportFile:
    export = ExportFile()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            line: dict[str, Any] = orjson.loads(raw)
            kind = line["type"]
            if export.end is not None:
                export.trailing += 1
            elif kind == "record":
                export.records.append(
                    StoredRecord(
                        hash=str(line["hash"]),
                        body=canonical(line["body"]),
                        content=line.get("content"),
                    )
                )
            elif kind == "checkpoint":
                export.checkpoints.append(
                    Checkpoint(
                        int(line["seq"]),
                        str(line["hash"]),
                        float(line["created_at"]),
                        str(line["key_id"]),
                        str(line["signature"]),
                    )
                )
            elif kind == "end":
                export.end = ExportEnd(**{k: v for k, v in line.items() if k != "type"})
            elif kind != "header":
                raise ValueError(f"unknown line type '{kind}'")
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ExportFormatError(f"line {number}: not an audit export line ({exc})") from None
    return export


def verify_export(export: ExportFile, keys: Mapping[str, Ed25519PublicKey]) -> VerifyReport:
    """Verify an export: its chain, checkpoints and signed end line, against trusted keys."""
    first = export.records[0].parsed().get("seq") if export.records else None
    report = verify(
        export.records,
        export.checkpoints,
        keys,
        from_genesis=first == 1,
        end=export.end,
        require_end=True,
    )
    if report.ok and export.trailing:
        report.problem = Problem(
            "edited",
            (report.last_seq or 0) + 1,
            None,
            f"{export.trailing} line(s) follow the signed end line",
        )
    return report
