"""Console parts without a browser: the overview rollup over a real SQLite audit store, the
percentile bins, and the registry's highlight span mapped back onto the suspect text."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from aigc_gateway.audit.records import NewRecord
from aigc_gateway.audit.signing import AuditSigner
from aigc_gateway.audit.sqlite import SqliteAuditStore
from aigc_gateway.console.rollup import RANGES, Totals, TrafficRollup, bin_value, latency_bin
from aigc_gateway.labeling.fingerprint import normalise
from aigc_gateway.labeling.registry import LabelRegistry, TextEntry


def _body(index: int, created: float, tenant: str, latency: float) -> dict:
    return {
        "request_id": f"r{index}",
        "created_at": created,
        "tenant": tenant,
        "key_id": "k",
        "model": "m",
        "backend": "local",
        "status": "ok",
        "produce_id": None,
        "findings": {"EMAIL": 1} if index % 2 else {},
        "guard_action": "block" if index % 10 == 0 else "allow",
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "energy_wh": 0.001,
        "carbon_g": 0.0005,
        "latency_ms": latency,
    }


def test_rollup_counts_by_tenant_and_follows_new_records(tmp_path: Path) -> None:
    store = SqliteAuditStore(tmp_path / "gateway.db")
    signer = AuditSigner.load_or_create(tmp_path / "audit.key")
    now = time.time()
    bodies = [_body(i, now - 60 * i, "a" if i % 3 else "b", 10.0 + i) for i in range(100)]
    store.append([NewRecord(body, None) for body in bodies], signer, checkpoint_every=50)
    rollup = TrafficRollup(store)
    whole = rollup.overview(RANGES["24h"], None, now)
    assert whole.total.requests == 100
    assert whole.total.blocked == 10
    assert whole.total.findings["EMAIL"] == 50
    assert whole.total.tokens == 1500
    only_b = rollup.overview(RANGES["24h"], "b", now)
    assert only_b.total.requests == sum(1 for i in range(100) if i % 3 == 0)
    assert set(only_b.by_tenant) == {"b"}
    last_hour = rollup.overview(RANGES["1h"], None, now)
    assert last_hour.total.requests == 60 and len(last_hour.series) == 60
    store.append([NewRecord(_body(100, now, "c", 5.0), None)], signer, checkpoint_every=50)
    assert rollup.overview(RANGES["24h"], None, now).total.requests == 101
    assert rollup.tenants() == ["a", "b", "c"]
    store.close()


def test_every_range_counts_exactly_its_records(tmp_path: Path) -> None:
    """Breakdowns add up coarse buckets inside the range and finer ones at its edges; they must
    count exactly the records of the range, like the chart's points do."""
    store = SqliteAuditStore(tmp_path / "gateway.db")
    signer = AuditSigner.load_or_create(tmp_path / "audit.key")
    now = time.time()
    bodies = [_body(i, now - 37 * i * i, "a" if i % 3 else "b", 1.0 + i) for i in range(400)]
    bodies.sort(key=lambda body: body["created_at"])
    store.append([NewRecord(body, None) for body in bodies], signer, checkpoint_every=50)
    rollup = TrafficRollup(store)
    for spread in RANGES.values():
        view = rollup.overview(spread, None, now)
        inside = [b for b in bodies if view.since <= b["created_at"] < view.until]
        assert 0 < len(inside) < len(bodies), spread.name
        assert view.total.requests == len(inside), spread.name
        assert sum(t.requests for _, t in view.series) == len(inside), spread.name
        assert sum(t.requests for t in view.by_model.values()) == len(inside), spread.name
        only_a = rollup.overview(spread, "a", now)
        assert only_a.total.requests == sum(b["tenant"] == "a" for b in inside), spread.name
    store.close()


def test_percentiles_are_within_the_bin_width() -> None:
    totals = Totals()
    values = np.random.default_rng(3).lognormal(5, 1, 5000)
    for value in values:
        totals.latency[latency_bin(float(value))] += 1
    for fraction in (0.5, 0.99):
        exact = float(np.quantile(values, fraction))
        assert abs(totals.percentile(fraction) - exact) / exact < 0.05
    assert abs(bin_value(latency_bin(100.0)) - 100.0) / 100 < 0.05


def test_registry_match_says_where_the_suspect_copied(tmp_path: Path) -> None:
    registry = LabelRegistry(tmp_path)
    passage = (
        "Green tea leaves are steamed or pan-fired soon after picking, which stops oxidation "
        "and keeps their colour, then rolled and dried."
    )
    registry.add_text(TextEntry("aigc-1", "req-1", "t", passage, False))
    suspect = "Someone wrote: " + passage.replace("rolled", "ROLLED").replace(", ", " , ") + " End."
    try:
        (match,) = registry.trace_text(suspect)
    finally:
        registry.close()
    start, end = match["suspect_span"]
    copied = suspect[start:end]
    assert normalise(copied) in normalise(suspect)
    assert "Someone" not in copied and "End." not in copied
    assert len(copied) >= len(passage) * 0.8
