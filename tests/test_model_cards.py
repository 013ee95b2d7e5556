"""Every shipped guard model and word list matches the model card ``training/`` wrote for it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "aigc_gateway" / "data"
CARDS = ROOT / "training" / "cards"
NOT_MODELS = {"eval"}
"""Evaluation suites are built by ``aigc_gateway.evaluation.build_suites``, not trained."""


def cards() -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(CARDS.glob("*.json"))]


def test_every_shipped_file_has_exactly_one_card() -> None:
    shipped = {p.name for p in DATA.iterdir() if p.name not in NOT_MODELS}
    carded = [name for card in cards() for name in card["files"]]
    assert sorted(carded) == sorted(set(carded)), "a file is claimed by two cards"
    assert shipped == set(carded), "files without a card / cards without a file"


def test_shipped_files_match_the_hashes_on_their_cards() -> None:
    for card in cards():
        for name, info in card["files"].items():
            blob = (DATA / name).read_bytes()
            assert hashlib.sha256(blob).hexdigest() == info["sha256"], (
                f"{name} differs from training/cards/{card['model']}.json: rebuild with "
                "`bash training/train.sh` (or, for a hand-written list, "
                "`python -m training.build --refresh-hashes`)"
            )
            assert len(blob) == info["bytes"]


def test_cards_name_sources_licenses_libraries_and_held_out_metrics() -> None:
    for card in cards():
        assert card["command"] == "bash training/train.sh"
        assert card["libraries"]["scikit-learn"] != "not installed" or card["model"].startswith(
            "names"
        )
        assert card["held_out"], card["model"]
        tables = [m["sources"] for m in card.get("models", {}).values()] or [card["sources"]]
        for rows in tables:
            assert rows
            for row in rows:
                assert row["license"], row
                assert sum(row["examples_by_label"].values()) > 0, row
        assert "HumanCompatibleAI/tensor-trust-data" in card["excluded_sources"]
        for rows in tables:
            assert not {row["source"] for row in rows} & set(card["excluded_sources"])


def test_card_markdown_is_rendered_next_to_the_json() -> None:
    for card in cards():
        markdown = (CARDS / f"{card['model']}.md").read_text(encoding="utf-8")
        for name, info in card["files"].items():
            assert f"`{name}`" in markdown and info["sha256"] in markdown
