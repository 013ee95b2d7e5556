"""A tiny document model rendered to Markdown or to self-contained HTML, and inline SVG charts.

The fact sheet is written once as blocks and rendered both ways, so the Markdown and the HTML
never disagree. Charts are SVG generated here: no scripts, fonts or other network assets.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

Cell = str | float | int | None


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True, slots=True)
class Html:
    """Markup shown in HTML only (a chart); Markdown gets ``alt`` instead, if any."""

    markup: str
    alt: str = ""


Block = Heading | Paragraph | Table | Html


def cell(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(block.header) + " |")
            lines.append("|" + "---|" * len(block.header))
            for row in block.rows:
                lines.append("| " + " | ".join(cell(v).replace("|", "\\|") for v in row) + " |")
            lines.append("")
        elif block.alt:
            lines += [block.alt, ""]
    return "\n".join(lines).rstrip() + "\n"


STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1d2433;line-height:1.45}
h1{border-bottom:2px solid #1d2433;padding-bottom:.2em}h2{margin-top:1.8em;color:#24406b}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
th,td{border:1px solid #c9d1de;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eef2f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{white-space:pre-wrap;background:#f6f8fb;padding:.5em;border-radius:4px;font-size:.85em}
svg{max-width:100%;height:auto}.muted{color:#5d6878;font-size:.9em}
"""


def html(title: str, blocks: list[Block]) -> str:
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{escape(h)}</th>" for h in block.header)
            rows = "".join(
                "<tr>"
                + "".join(
                    f'<td class="num">{escape(cell(v))}</td>'
                    if isinstance(v, int | float)
                    else f"<td>{_inline(cell(v))}</td>"
                    for v in row
                )
                + "</tr>"
                for row in block.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        else:
            body.append(block.markup)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _inline(text: str) -> str:
    """Escape, then turn Markdown ``code`` and **bold** into HTML."""
    out, code = [], False
    for index, part in enumerate(escape(text).split("`")):
        code = index % 2 == 1
        if code:
            out.append(f"<code>{part}</code>")
        else:
            bold = part.split("**")
            out.append("".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(bold)))
    return "".join(out)


PALETTE = ("#c0504d", "#2f6fb3", "#6a9a3a", "#8064a2", "#d08a2e")


def bar_chart(
    title: str,
    groups: list[str],
    series: dict[str, list[float | None]],
    *,
    percent: bool = True,
    width: int = 760,
) -> str:
    """Grouped vertical bars, one group per label and one colour per series, as inline SVG."""
    height, left, bottom, top = 300, 48, 70, 36
    plot_w, plot_h = width - left - 16, height - top - bottom
    values = [v for vs in series.values() for v in vs if v is not None]
    ceiling = 1.0 if percent else (max(values) * 1.1 if values else 1.0) or 1.0
    slot = plot_w / max(1, len(groups))
    bar = min(38.0, slot * 0.8 / max(1, len(series)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f'<text x="{left}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for step in range(5):
        fraction = step / 4
        y = top + plot_h * (1 - fraction)
        label = f"{fraction * 100:.0f}%" if percent else f"{ceiling * fraction:.3g}"
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde3ec"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    for g_index, group in enumerate(groups):
        x0 = left + slot * g_index + (slot - bar * len(series)) / 2
        for s_index, (name, data) in enumerate(series.items()):
            value = data[g_index]
            x = x0 + bar * s_index
            if value is None:
                parts.append(
                    f'<text x="{x + bar / 2:.1f}" y="{top + plot_h - 4}" '
                    'text-anchor="middle" fill="#999">n/a</text>'
                )
                continue
            h = plot_h * min(value / ceiling, 1.0)
            shown = f"{value * 100:.0f}%" if percent else f"{value:.3g}"
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s_index % len(PALETTE)]}">'
                f"<title>{escape(name)} {escape(group)}: {shown}</title></rect>"
                f'<text x="{x + bar / 2 - 1:.1f}" y="{top + plot_h - h - 3:.1f}" '
                f'text-anchor="middle" font-size="10">{shown}</text>'
            )
        label_x = left + slot * g_index + slot / 2
        parts.append(
            f'<text x="{label_x:.1f}" y="{top + plot_h + 14}" text-anchor="end" '
            f'transform="rotate(-25 {label_x:.1f} {top + plot_h + 14})">{escape(group)}</text>'
        )
    for s_index, name in enumerate(series):
        x = width - 16 - 110 * (len(series) - s_index)
        colour = PALETTE[s_index % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="10" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="20">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
