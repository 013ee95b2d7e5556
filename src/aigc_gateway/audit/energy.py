"""Energy and carbon estimates for one request (sources and caveats in docs/audit.md).

- Local model: process CPU seconds measured around the generation × ``local_watts_per_core``.
- Upstream model: (prompt + completion tokens) / 1000 × Wh per 1 000 tokens for that backend
  or model, else ``upstream_wh_per_1k_tokens``.
- Carbon: energy × the grid intensity of the configured region.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import LOCAL_BACKEND, EnergySettings
from .grid import GRID_INTENSITY_G_PER_KWH

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class EnergyEstimate:
    wh: float
    method: str
    """``cpu`` (measured CPU time), ``tokens`` (per-token factor) or ``none``."""
    carbon_g: float


class EnergyModel:
    def __init__(self, settings: EnergySettings) -> None:
        self._settings = settings
        self.region = settings.region
        self.grid_g_per_kwh = {**GRID_INTENSITY_G_PER_KWH, **settings.grid_g_per_kwh}[
            settings.region
        ]

    def estimate(
        self,
        backend: str | None,
        model: str,
        tokens: int,
        cpu_s: float | None,
    ) -> EnergyEstimate:
        if backend is None:
            wh, method = 0.0, "none"
        elif backend == LOCAL_BACKEND:
            wh = (cpu_s or 0.0) * self._settings.local_watts_per_core / SECONDS_PER_HOUR
            method = "cpu"
        else:
            factors = self._settings.model_wh_per_1k_tokens
            per_1k = factors.get(backend) or factors.get(model)
            wh = tokens / 1000 * (per_1k or self._settings.upstream_wh_per_1k_tokens)
            method = "tokens"
        return EnergyEstimate(wh, method, wh / 1000 * self.grid_g_per_kwh)
