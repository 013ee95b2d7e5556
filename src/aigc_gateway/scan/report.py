"""The scan's summary (``summary.json``) and its self-contained HTML report.

The report reuses the evaluation's document blocks and inline SVG bar charts: no scripts,
fonts or other network assets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..evaluation.document import Heading, Html, Paragraph, Table, bar_chart, html
from .model import InputFile, ScanOptions
from .outputs import BAD_INPUT_FILE, FINDINGS_FILE, REDACTED_DIR, ScanState
from .summary import AIGC_THRESHOLD, BUCKETS

SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.html"


def summary(
    files: list[InputFile], options: ScanOptions, state: ScanState, aigc_model: bool
) -> dict[str, Any]:
    totals = state.totals
    elapsed = state.elapsed_s
    return {
        "object": "scan.summary",
        "finished": state.finished,
        "inputs": [
            {
                "file": f.name,
                "format": f.format,
                "compression": f.compression,
                "bytes": f.size,
                "records": totals.per_file.get(f.name, 0),
            }
            for f in files
        ],
        "options": {
            "text_field": options.text_field,
            "id_field": options.id_field,
            "redact": options.redact,
            "drop_over": options.drop_over,
            "aigc_sample": options.aigc_sample if aigc_model else 0.0,
        },
        "records": totals.records,
        "characters": totals.characters,
        "elapsed_s": round(elapsed, 3),
        "records_per_s": round(totals.records / elapsed, 1) if elapsed else None,
        "findings": dict(totals.findings.most_common()),
        "records_with": dict(totals.records_with.most_common()),
        "categories": dict(totals.categories.most_common()),
        "aigc": {
            "scored": totals.aigc_scored,
            "flagged": totals.aigc_flagged,
            "threshold": AIGC_THRESHOLD,
            "share_flagged": None
            if totals.aigc_share() is None
            else round(totals.aigc_share() or 0.0, 4),
            "histogram": totals.aigc_histogram,
            "generated_here": totals.generated_here,
            "model_score": "fast-detect-gpt analytic, SmolLM2-135M" if aigc_model else None,
        },
        "bad_input": {
            "count": totals.bad_input,
            "reasons": dict(totals.bad_reasons.most_common()),
            "first": totals.bad_examples,
        },
        "dropped": totals.dropped,
        "worst": totals.worst_records(),
        "outputs": {
            "findings": FINDINGS_FILE,
            "bad_input": BAD_INPUT_FILE,
            "redacted": REDACTED_DIR if options.redact else None,
        },
    }


def _report(found: dict[str, Any]) -> str:
    records = found["records"] or 1
    blocks: list[Any] = [
        Heading("Dataset scan", 1),
        Paragraph(
            f"**{found['records']}** records ({found['characters']} characters) in "
            f"{len(found['inputs'])} file(s); **{found['bad_input']['count']}** bad input "
            f"line(s); {found['elapsed_s']} s."
        ),
        Table(
            ["file", "format", "compression", "bytes", "records"],
            [
                [i["file"], i["format"], i["compression"], i["bytes"], i["records"]]
                for i in found["inputs"]
            ],
        ),
        Heading("Findings per type"),
    ]
    kinds = list(found["records_with"])
    if kinds:
        shares = [found["records_with"][k] / records for k in kinds]
        blocks.append(
            Html(bar_chart("Share of records with a finding", kinds, {"records": shares}))
        )
    blocks.append(
        Table(
            ["type", "findings", "records with it", "share of records"],
            [
                [
                    k,
                    found["findings"][k],
                    found["records_with"][k],
                    f"{found['records_with'][k] / records:.2%}",
                ]
                for k in kinds
            ],
        )
    )
    if found["categories"]:
        blocks += [
            Heading("Unsafe content by category", 3),
            Table(["category", "findings"], [[k, v] for k, v in found["categories"].items()]),
        ]
    aigc = found["aigc"]
    blocks.append(Heading("AI-generated text"))
    text = (
        f"Generated here (our registry, watermark or explicit label): **{aigc['generated_here']}** "
        "record(s). "
    )
    if aigc["scored"]:
        text += (
            f"Model score ({aigc['model_score']}): {aigc['scored']} record(s) scored, "
            f"**{aigc['share_flagged']:.1%}** at or above {aigc['threshold']}."
        )
        labels = [f"{i / BUCKETS:.1f}–{(i + 1) / BUCKETS:.1f}" for i in range(BUCKETS)]
        shares = [n / aigc["scored"] for n in aigc["histogram"]]
        blocks += [
            Paragraph(text),
            Html(bar_chart("AI-text score distribution", labels, {"records": shares})),
        ]
    else:
        blocks.append(Paragraph(text + "No record was given the model score."))
    blocks += [
        Heading("Worst records"),
        Table(
            ["id", "file", "line", "risk", "findings"],
            [
                [
                    w["id"],
                    w["file"],
                    w["line"],
                    w["risk"],
                    ", ".join(f"{k} {v}" for k, v in w["findings"].items()),
                ]
                for w in found["worst"]
            ],
        ),
        Heading("Bad input"),
        Table(["reason", "lines"], [[k, v] for k, v in found["bad_input"]["reasons"].items()]),
        Table(
            ["file", "line", "reason"],
            [[b["file"], b["line"], b["reason"]] for b in found["bad_input"]["first"]],
        ),
    ]
    return html("Dataset scan", blocks)


def write_reports(out: Path, found: dict[str, Any]) -> None:
    (out / SUMMARY_FILE).write_text(
        json.dumps(found, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / REPORT_FILE).write_text(_report(found), encoding="utf-8")
