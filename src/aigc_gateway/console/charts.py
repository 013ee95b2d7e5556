"""Inline SVG charts for the console: a column chart over time and horizontal bars.

Rendered on the server as markup (no script, no chart library, nothing from the network); every
chart has a text title and label for screen readers, and the numbers also appear in tables.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 180
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 48, 22, 10


def _number(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.1f}M"
    if value >= 1e3:
        return f"{value / 1e3:.1f}k"
    if value == int(value):
        return str(int(value))
    return f"{value:.2g}" if value < 1 else f"{value:.1f}"


def _clock(stamp: float, step: int) -> str:
    pattern = "%H:%M" if step < 3600 else ("%m-%d %H:%M" if step < 21600 else "%m-%d")
    return time.strftime(pattern, time.gmtime(stamp))


def columns(title: str, points: Sequence[tuple[float, float]], step: int, unit: str) -> Markup:
    """A column per time step; ``points`` are (start time, value), oldest first."""
    peak = max((value for _, value in points), default=0.0)
    label = f"{title} ({unit}), {len(points)} steps, max {_number(peak)}"
    top = peak or 1.0
    plot_w, plot_h = WIDTH - PAD_LEFT - 4, HEIGHT - PAD_BOTTOM - PAD_TOP
    width = plot_w / max(len(points), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="none">',
        f"<title>{escape(label)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        y = PAD_TOP + plot_h * (1 - fraction)
        parts.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_number(top * fraction)}</text>"
        )
    for index, (start, value) in enumerate(points):
        if value <= 0:
            continue
        h = plot_h * value / top
        x = PAD_LEFT + index * width
        parts.append(
            f'<rect x="{x + width * 0.1:.1f}" y="{PAD_TOP + plot_h - h:.1f}" '
            f'width="{max(width * 0.8, 1):.1f}" height="{h:.1f}">'
            f"<title>{_clock(start, step)} UTC: {_number(value)} {escape(unit)}</title></rect>"
        )
    if points:
        for index in (0, len(points) // 2, len(points) - 1):
            anchor = "start" if index == 0 else ("end" if index == len(points) - 1 else "middle")
            x = PAD_LEFT + (index + (0 if index == 0 else 1 if anchor == "end" else 0.5)) * width
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="{anchor}">'
                f"{_clock(points[index][0], step)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(title: str, rows: Sequence[tuple[str, float]], unit: str) -> Markup:
    """Horizontal bars, largest first (``rows``: label, value)."""
    rows = sorted(rows, key=lambda row: -row[1])[:12]
    label = f"{title}: " + ", ".join(f"{name} {_number(value)} {unit}" for name, value in rows)
    top = max((value for _, value in rows), default=0.0) or 1.0
    row_h, label_w, width = 22, 150, WIDTH
    height = row_h * max(len(rows), 1) + 4
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    for index, (name, value) in enumerate(rows):
        y = index * row_h + 2
        w = (width - label_w - 70) * value / top
        parts.append(
            f'<text class="axis" x="{label_w - 6}" y="{y + 15}" text-anchor="end">'
            f"{escape(name[:22])}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 6}"/>'
            f'<text class="axis" x="{label_w + w + 6:.1f}" y="{y + 15}">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
