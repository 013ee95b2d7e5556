"""Points in time as users write them: ``2025-06-01``, ISO 8601, Unix seconds, or ``7d`` ago."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_time(text: str, now: float | None = None) -> float:
    """Unix seconds for ``text``; naive ISO times are UTC. Raises ValueError if unreadable."""
    text = text.strip()
    relative = _RELATIVE.match(text)
    if relative:
        ago = float(relative.group(1)) * _UNIT_S[relative.group(2)]
        return (time.time() if now is None else now) - ago
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"'{text}' is not a time: use 2025-06-01, 2025-06-01T12:00:00Z, Unix seconds "
            "or a duration ago such as 24h or 7d"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
