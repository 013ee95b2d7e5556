"""The hash chain: sealing records, signed checkpoints, and verifying a trail.

A record's body carries its ``seq`` and ``prev_hash`` (the previous record's hash; 64 zeros for
the first); its hash is the SHA-256 of the body's canonical bytes. A checkpoint is an Ed25519
signature over ``(seq, hash, created_at, key_id)`` of the chain head. An export ends with a
signed *end* line over its first/last seq, record count and last hash.

:func:`verify` walks records in stored order and names the first one that was edited,
deleted, reordered or cut off, or the checkpoint whose signature fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .records import canonical, index_columns, sha256_hex
from .signing import AuditSigner, signature_valid

GENESIS_HASH = "0" * 64


def seal(body: dict[str, Any], seq: int, prev_hash: str) -> tuple[bytes, str]:
    """Join a body to the chain: set its position and return its canonical bytes and hash."""
    body["seq"] = seq
    body["prev_hash"] = prev_hash
    data = canonical(body)
    return data, sha256_hex(data)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    created_at: float
    key_id: str
    signature: str

    @staticmethod
    def message(seq: int, hash_: str, created_at: float, key_id: str) -> bytes:
        return canonical(
            {
                "type": "checkpoint",
                "seq": seq,
                "hash": hash_,
                "created_at": created_at,
                "key_id": key_id,
            }
        )

    @classmethod
    def sign(cls, signer: AuditSigner, seq: int, hash_: str, now: float) -> Checkpoint:
        created_at = round(now, 3)
        message = cls.message(seq, hash_, created_at, signer.key_id)
        return cls(seq, hash_, created_at, signer.key_id, signer.sign(message))

    def valid(self, keys: Mapping[str, Ed25519PublicKey]) -> bool:
        key = keys.get(self.key_id)
        message = self.message(self.seq, self.hash, self.created_at, self.key_id)
        return key is not None and signature_valid(key, message, self.signature)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "checkpoint",
            "seq": self.seq,
            "hash": self.hash,
            "created_at": self.created_at,
            "key_id": self.key_id,
            "signature": self.signature,
        }


@dataclass(frozen=True, slots=True)
class ExportEnd:
    """The signed last line of an export: which records it holds, ending with which hash."""

    first_seq: int
    last_seq: int
    records: int
    last_hash: str
    created_at: float
    key_id: str
    signature: str = ""

    def message(self) -> bytes:
        """What the signature covers: every field but the signature, tagged ``"type": "end"``."""
        fields = self.to_json()
        del fields["signature"]
        return canonical({"type": "end", **fields})

    def signed(self, signer: AuditSigner) -> ExportEnd:
        unsigned = ExportEnd(
            self.first_seq,
            self.last_seq,
            self.records,
            self.last_hash,
            self.created_at,
            signer.key_id,
        )
        return ExportEnd(**{**unsigned.to_json(), "signature": signer.sign(unsigned.message())})

    def valid(self, keys: Mapping[str, Ed25519PublicKey]) -> bool:
        key = keys.get(self.key_id)
        return key is not None and signature_valid(key, self.message(), self.signature)

    def to_json(self) -> dict[str, Any]:
        return {
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "records": self.records,
            "last_hash": self.last_hash,
            "created_at": self.created_at,
            "key_id": self.key_id,
            "signature": self.signature,
        }


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as read back: its body bytes, claimed hash, kept content, store columns."""

    hash: str
    body: bytes
    content: str | None = None
    columns: tuple[Any, ...] | None = None
    """The store's queryable columns (absent for exported records)."""
    position: int | None = None
    """The seq the store files it under (its row key); absent for exported records."""

    def parsed(self) -> dict[str, Any]:
        return orjson.loads(self.body)


@dataclass(slots=True)
class Problem:
    kind: str
    """``edited``, ``deleted``, ``reordered``, ``truncated`` or ``signature``."""
    seq: int | None
    request_id: str | None
    detail: str

    def __str__(self) -> str:
        where = f"record seq {self.seq}" if self.seq is not None else "trail"
        if self.request_id:
            where += f" (request {self.request_id})"
        return f"{self.kind.upper()}: {where}: {self.detail}"


@dataclass(slots=True)
class VerifyReport:
    records: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    checkpoints: int = 0
    last_checkpoint: int | None = None
    key_ids: set[str] = field(default_factory=set)
    content_kept: int = 0
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Walk:
    """State of one verification pass."""

    def __init__(
        self,
        checkpoints: Iterable[Checkpoint],
        keys: Mapping[str, Ed25519PublicKey],
        from_genesis: bool,
    ) -> None:
        self.report = VerifyReport()
        self.keys = keys
        self.checkpoints = {point.seq: point for point in checkpoints}
        self.from_genesis = from_genesis
        self.prev_seq: int | None = None
        self.prev_hash: str | None = None
        self.last_good_checkpoint = 0
        self.gap: Problem | None = None
        self.gap_range: tuple[int, int] | None = None

    def fail(self, problem: Problem) -> bool:
        self.report.problem = self.report.problem or problem
        return False

    def step(self, record: StoredRecord) -> bool:
        """Check one record; False once the first problem is known."""
        try:
            body = record.parsed()
            seq, request_id = int(body["seq"]), body.get("request_id")
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return self.fail(Problem("edited", record.position, None, "body is not a record"))
        if self.gap_range is not None:
            low, high = self.gap_range
            if low <= seq <= high:
                assert self.gap is not None
                return self.fail(
                    Problem(
                        "reordered",
                        seq,
                        request_id,
                        f"appears after seq {high + 1} instead of before it",
                    )
                )
        report = self.report
        if sha256_hex(record.body) != record.hash:
            return self.fail(
                Problem("edited", seq, request_id, "its content does not match its hash")
            )
        if record.position is not None and record.position != seq:
            return self.fail(
                Problem("reordered", seq, request_id, f"is stored at position {record.position}")
            )
        if record.columns is not None and tuple(record.columns) != index_columns(body):
            return self.fail(
                Problem("edited", seq, request_id, "a stored column differs from the hashed record")
            )
        if record.content is not None:
            report.content_kept += 1
            if sha256_hex(record.content) != body.get("content_sha256"):
                return self.fail(
                    Problem("edited", seq, request_id, "its kept content does not match its hash")
                )
        expected = (
            self.prev_seq + 1 if self.prev_seq is not None else (1 if self.from_genesis else seq)
        )
        if seq < expected:
            return self.fail(
                Problem("reordered", seq, request_id, f"appears after seq {self.prev_seq}")
            )
        if seq > expected and self.gap is None:
            self.gap = Problem(
                "deleted",
                expected,
                None,
                f"missing: records {expected}..{seq - 1} are gone (next present: seq {seq})"
                if seq - 1 > expected
                else f"missing (next present: seq {seq})",
            )
            self.gap_range = (expected, seq - 1)
        elif self.gap is None:
            linked = (
                GENESIS_HASH if self.prev_hash is None and self.from_genesis else self.prev_hash
            )
            if linked is not None and body.get("prev_hash") != linked:
                return self.fail(
                    Problem(
                        "edited",
                        self.prev_seq,
                        None,
                        f"its hash was recomputed: seq {seq} still commits to the original",
                    )
                    if self.prev_seq is not None
                    else Problem(
                        "edited", seq, request_id, "the first record does not start the chain"
                    )
                )
        if report.first_seq is None:
            report.first_seq = seq
        report.records += 1
        report.last_seq = seq
        self.prev_seq, self.prev_hash = seq, record.hash
        point = self.checkpoints.get(seq)
        if point is not None and self.gap is None:
            if not point.valid(self.keys):
                return self.fail(
                    Problem(
                        "signature",
                        seq,
                        None,
                        f"the checkpoint signature does not verify (key {point.key_id})",
                    )
                )
            if point.hash != record.hash:
                return self.fail(
                    Problem(
                        "edited",
                        self.last_good_checkpoint + 1,
                        None,
                        f"records {self.last_good_checkpoint + 1}..{seq} were rewritten: "
                        f"the signed checkpoint at seq {seq} holds another hash",
                    )
                )
            self.last_good_checkpoint = seq
            report.checkpoints += 1
            report.last_checkpoint = seq
            report.key_ids.add(point.key_id)
        return True

    def finish(self, end: ExportEnd | None, require_end: bool) -> VerifyReport:
        report = self.report
        if report.problem is not None:
            return report
        if self.gap is not None:
            self.fail(self.gap)
            return report
        last = report.last_seq or 0
        beyond = [seq for seq in self.checkpoints if seq > last]
        if beyond:
            self.fail(
                Problem(
                    "truncated",
                    last + 1 if report.records else None,
                    None,
                    f"the trail ends at seq {last} but a signed checkpoint covers "
                    f"seq {max(beyond)}",
                )
            )
        elif require_end and end is None:
            self.fail(
                Problem(
                    "truncated",
                    last + 1,
                    None,
                    f"the export has no signed end line after seq {last}: it was cut short",
                )
            )
        elif end is not None:
            self._check_end(end)
        return report

    def _check_end(self, end: ExportEnd) -> None:
        report = self.report
        if not end.valid(self.keys):
            self.fail(
                Problem(
                    "signature",
                    None,
                    None,
                    f"the export's end line does not verify (key {end.key_id})",
                )
            )
        elif end.last_seq != report.last_seq or end.records != report.records:
            self.fail(
                Problem(
                    "truncated",
                    (report.last_seq or 0) + 1,
                    None,
                    f"the export was signed with records {end.first_seq}..{end.last_seq} "
                    f"({end.records}) but holds {report.first_seq}..{report.last_seq} "
                    f"({report.records})",
                )
            )
        elif end.last_hash != self.prev_hash:
            self.fail(
                Problem(
                    "edited",
                    report.last_seq,
                    None,
                    "the last record differs from the signed end line",
                )
            )
        else:
            report.key_ids.add(end.key_id)


def verify(
    records: Iterable[StoredRecord],
    checkpoints: Iterable[Checkpoint],
    keys: Mapping[str, Ed25519PublicKey],
    *,
    from_genesis: bool,
    end: ExportEnd | None = None,
    require_end: bool = False,
) -> VerifyReport:
    """Verify records (in stored order) against the chain, the checkpoints and the keys.

    ``from_genesis``: the records start at seq 1 (a whole trail); otherwise a slice whose first
    record is trusted as far as the checkpoints vouch for it.
    """
    walk = _Walk(checkpoints, keys, from_genesis)
    for record in records:
        if not walk.step(record):
            break
    return walk.finish(end, require_end)
