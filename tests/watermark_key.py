"""A fixed text-watermark key for a new data dir (tests and benchmarks): greedy answers are then
the same on every run and every gateway."""

from __future__ import annotations

import json
from pathlib import Path

FIXED_WATERMARK_KEY = {"key_id": "wk_fixed", "secret": "42" * 32, "created_at": 0.0}


def fix_watermark_key(data_dir: Path) -> None:
    """Give a new data dir a fixed text-watermark key: greedy answers are then the same on every
    run (the key biases the sampler, and a fresh data dir draws a random one)."""
    keys = data_dir / "labels" / "watermark-keys.json"
    keys.parent.mkdir(parents=True)
    keys.write_text(json.dumps({"keys": [FIXED_WATERMARK_KEY]}))
