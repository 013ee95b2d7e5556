"""Usage reports from the trail: requests, tokens, energy and carbon by tenant, model or day.

One call gives the rows, a fixed-width table for the terminal, a CSV file and a PNG chart.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..extras import require
from .store import AuditStore, GroupBy, UsageRow

HEADERS = ("requests", "prompt_tokens", "completion_tokens", "energy_wh", "carbon_g")


def usage_rows(
    store: AuditStore, by: GroupBy, since: float | None, until: float | None
) -> list[UsageRow]:
    return store.usage(by, since, until)


def table(rows: list[UsageRow], by: GroupBy) -> str:
    width = max([len(by), 5, *(len(row.key) for row in rows)])
    lines = [
        f"{by.upper():<{width}}  {'REQUESTS':>8}  {'PROMPT TOK':>10}  {'COMPL TOK':>10}  "
        f"{'ENERGY Wh':>11}  {'CO2e g':>10}"
    ]
    for row in [*rows, _total(rows)]:
        lines.append(
            f"{row.key:<{width}}  {row.requests:>8}  {row.prompt_tokens:>10}  "
            f"{row.completion_tokens:>10}  {row.energy_wh:>11.6f}  {row.carbon_g:>10.6f}"
        )
    return "\n".join(lines)


def _total(rows: list[UsageRow]) -> UsageRow:
    return UsageRow(
        "TOTAL",
        sum(r.requests for r in rows),
        sum(r.prompt_tokens for r in rows),
        sum(r.completion_tokens for r in rows),
        sum(r.energy_wh for r in rows),
        sum(r.carbon_g for r in rows),
    )


def write_csv(rows: list[UsageRow], by: GroupBy, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow((by, *HEADERS))
        for row in rows:
            writer.writerow(
                (
                    row.key,
                    row.requests,
                    row.prompt_tokens,
                    row.completion_tokens,
                    f"{row.energy_wh:.9f}",
                    f"{row.carbon_g:.9f}",
                )
            )


def write_chart(rows: list[UsageRow], by: GroupBy, path: Path) -> None:
    """Two panels: tokens (prompt + completion, stacked) and energy with carbon labels."""
    require("matplotlib", "plot", "the usage chart").use("Agg")
    from matplotlib import pyplot

    keys = [row.key for row in rows]
    figure, (tokens, energy) = pyplot.subplots(
        2, 1, figsize=(max(6.0, 0.6 * len(keys) + 3), 7), sharex=True
    )
    prompt = [row.prompt_tokens for row in rows]
    tokens.bar(keys, prompt, label="prompt", color="#6c8ebf")
    tokens.bar(
        keys,
        [row.completion_tokens for row in rows],
        bottom=prompt,
        label="completion",
        color="#d79b00",
    )
    tokens.set_ylabel("tokens")
    tokens.legend()
    tokens.set_title(f"AIGC Gateway usage by {by}")
    bars = energy.bar(keys, [row.energy_wh for row in rows], color="#82b366")
    energy.bar_label(bars, labels=[f"{row.carbon_g:.3g} gCO2e" for row in rows], fontsize=8)
    energy.set_ylabel("energy (Wh)")
    energy.tick_params(axis="x", labelrotation=45 if len(keys) > 6 else 0)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
