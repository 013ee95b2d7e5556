"""Audit records and exports without a server: what a record holds, energy and carbon, redaction,
time parsing, and tamper detection in an exported JSONL file with the public key."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aigc_gateway.audit.energy import EnergyModel
from aigc_gateway.audit.export import export_jsonl, read_export, verify_export
from aigc_gateway.audit.records import build_record, sha256_hex
from aigc_gateway.audit.redaction import Redactor
from aigc_gateway.audit.signing import AuditSigner
from aigc_gateway.audit.sqlite import SqliteAuditStore
from aigc_gateway.audit.timespec import parse_time
from aigc_gateway.config import ConfigError, EnergySettings, Settings, load_settings
from aigc_gateway.guards.engine import GuardEngine
from aigc_gateway.reports import DirectionReport, GuardReport, LabelReport, Mark

from .test_audit_store import BASE, ENERGY, new_record


def test_record_holds_hashes_not_text() -> None:
    text = LabelReport({"ProduceID": "P-1"})
    text.marks["watermark"] = Mark(True, {"applied": True, "key_id": "wm-7"}, ref="wm-7")
    text.marks["fingerprint"] = Mark(True, {"registered": True})
    usage = replace(
        BASE,
        guard=GuardReport("mask", input=DirectionReport("mask", {"EMAIL": 1})),
        labels=(text,),
    )
    record = build_record(usage, finished_at=1.0, policy_version="p9", energy=ENERGY)
    body = record.body
    assert body["prompt_sha256"] == sha256_hex(BASE.prompt)
    assert body["answer_sha256"] == sha256_hex(BASE.answer)
    assert body["findings"] == {"EMAIL": 1} and body["guard_action"] == "mask"
    assert body["produce_id"] == "P-1" and body["watermark_key_id"] == "wm-7"
    assert body["labels"] == [
        {"produce_id": "P-1", "marks": {"fingerprint": True, "watermark": "wm-7"}}
    ]
    assert body["policy_version"] == "p9"
    assert record.content is None and body["content_sha256"] is None


def test_findings_of_both_directions_add_up_and_no_guard_is_none() -> None:
    guard = GuardReport(
        "block",
        input=DirectionReport("mask", {"EMAIL": 1, "PHONE": 0}),
        output=DirectionReport("block", {"EMAIL": 2, "HARM": 1}),
    )
    assert guard.finding_counts() == {"EMAIL": 3, "HARM": 1}
    body = build_record(
        replace(BASE, guard=GuardReport()),
        finished_at=1.0,
        policy_version="cfg",
        energy=ENERGY,
    ).body
    assert body["guard_action"] is None and body["findings"] == {}
    assert body["produce_id"] is None and body["labels"] == []


def test_image_labels_are_recorded_with_their_marks_not_as_a_text_watermark() -> None:
    images = []
    for index in range(2):
        image = LabelReport({"ProduceID": f"P-{index}"}, content_sha256=f"{index}" * 64)
        image.marks["watermark"] = Mark(True, {"mark": f"m{index}"}, ref=f"m{index}")
        image.marks["c2pa"] = Mark(False, {"signed": False, "reason": "no certificate"})
        images.append(image)
    body = build_record(
        replace(BASE, kind="image", labels=tuple(images)),
        finished_at=1.0,
        policy_version="cfg",
        energy=ENERGY,
    ).body
    assert body["produce_id"] == "P-0" and body["watermark_key_id"] is None
    assert body["labels"][1] == {
        "produce_id": "P-1",
        "marks": {"c2pa": False, "watermark": "m1"},
        "sha256": "1" * 64,
    }


def test_kept_content_is_redacted_by_the_guards() -> None:
    """The audit trail has no patterns of its own: the guard engine's findings are masked."""
    redact = Redactor(GuardEngine(Settings()))
    usage = replace(
        BASE,
        prompt="mail bob@example.com, call 13812345678, key sk-abcdefghijklmnopqrstuv",
        answer="card 4111 1111 1111 1111 from 10.0.0.1",
    )
    record = build_record(usage, finished_at=1.0, policy_version="p", energy=ENERGY, redact=redact)
    assert record.content is not None
    content = orjson.loads(record.content)
    assert content == {
        "prompt": "mail [EMAIL], call [PHONE], key [API_KEY]",
        "answer": "card [CREDIT_CARD] from [IP]",
    }
    assert record.body["content_sha256"] == sha256_hex(record.content)
    assert redact("身份证 11010519491231002X 号") == "身份证 [ID_NUMBER] 号"


def test_energy_local_cpu_and_upstream_tokens() -> None:
    model = EnergyModel(
        EnergySettings(
            local_watts_per_core=10,
            upstream_wh_per_1k_tokens=0.5,
            model_wh_per_1k_tokens={"big/gpt": 2.0},
            region="FR",
        )
    )
    local = model.estimate("local", "smollm2", 100, cpu_s=36.0)
    assert (local.wh, local.method) == (pytest.approx(0.1), "cpu")
    assert local.carbon_g == pytest.approx(0.1 / 1000 * 56)
    assert model.estimate("mock/echo", "echo", 2000, None).wh == pytest.approx(1.0)
    assert model.estimate("big/gpt", "gpt", 500, None).wh == pytest.approx(1.0)
    assert model.estimate(None, "echo", 0, None).method == "none"


def test_unknown_region_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("audit:\n  energy:\n    region: Atlantis\n")
    with pytest.raises(ConfigError, match="Atlantis"):
        load_settings(path)
    path.write_text("audit:\n  energy:\n    region: Atlantis\n    grid_g_per_kwh: {Atlantis: 12}\n")
    assert load_settings(path).audit.energy.region == "Atlantis"
    path.write_text("audit:\n  store: postgres\n")
    with pytest.raises(ConfigError, match="postgres_dsn"):
        load_settings(path)


def test_parse_time() -> None:
    assert parse_time("2025-06-01") == 1748736000.0
    assert parse_time("2025-06-01T00:00:00Z") == 1748736000.0
    assert parse_time("1748736000") == 1748736000.0
    assert parse_time("2h", now=10_000.0) == 10_000.0 - 7200
    with pytest.raises(ValueError, match="not a time"):
        parse_time("yesterday-ish")


@pytest.fixture
def exported(tmp_path: Path) -> tuple[list[bytes], AuditSigner]:
    signer = AuditSigner(Ed25519PrivateKey.generate())
    store = SqliteAuditStore(tmp_path / "gateway.db")
    store.append([new_record(i) for i in range(1, 11)], signer, 4)
    out = io.BytesIO()
    end = export_jsonl(store, signer, out)
    store.close()
    assert end is not None and (end.first_seq, end.last_seq, end.records) == (1, 10, 10)
    return out.getvalue().splitlines(keepends=True), signer


def problem_of(lines: list[bytes], signer: AuditSigner) -> tuple[str, int | None] | None:
    report = verify_export(read_export(lines), {signer.key_id: signer.public_key})
    return None if report.problem is None else (report.problem.kind, report.problem.seq)


def record_line_index(lines: list[bytes], seq: int) -> int:
    return next(
        i
        for i, line in enumerate(lines)
        if orjson.loads(line).get("type") == "record" and orjson.loads(line)["seq"] == seq
    )


def test_export_verifies(exported: tuple[list[bytes], AuditSigner]) -> None:
    lines, signer = exported
    assert problem_of(lines, signer) is None
    kinds = [orjson.loads(line)["type"] for line in lines]
    assert kinds[0] == "header" and kinds[-1] == "end" and kinds.count("checkpoint") == 3


def test_export_edit_is_named(exported: tuple[list[bytes], AuditSigner]) -> None:
    lines, signer = exported
    index = record_line_index(lines, 6)
    line = orjson.loads(lines[index])
    line["body"]["model"] = "other"
    lines[index] = orjson.dumps(line) + b"\n"
    assert problem_of(lines, signer) == ("edited", 6)


def test_export_deletion_is_named(exported: tuple[list[bytes], AuditSigner]) -> None:
    lines, signer = exported
    del lines[record_line_index(lines, 3)]
    assert problem_of(lines, signer) == ("deleted", 3)


def test_export_reorder_is_named(exported: tuple[list[bytes], AuditSigner]) -> None:
    lines, signer = exported
    a, b = record_line_index(lines, 2), record_line_index(lines, 3)
    lines[a], lines[b] = lines[b], lines[a]
    assert problem_of(lines, signer) == ("reordered", 2)


def test_export_truncation_is_named(exported: tuple[list[bytes], AuditSigner]) -> None:
    lines, signer = exported
    after_checkpoint = record_line_index(lines, 9)  # ends with record 8 and its checkpoint
    assert orjson.loads(lines[after_checkpoint - 1])["type"] == "checkpoint"
    assert problem_of(lines[:after_checkpoint], signer) == ("truncated", 9)
    assert problem_of(lines[: after_checkpoint - 1], signer) == ("truncated", 9)


def test_export_with_wrong_key_fails(exported: tuple[list[bytes], AuditSigner]) -> None:
    lines, _ = exported
    stranger = AuditSigner(Ed25519PrivateKey.generate())
    assert problem_of(lines, stranger) == ("signature", 4)


def test_appended_record_is_named(exported: tuple[list[bytes], AuditSigner]) -> None:
    lines, signer = exported
    lines.append(lines[record_line_index(lines, 10)])
    assert problem_of(lines, signer) == ("edited", 11)
