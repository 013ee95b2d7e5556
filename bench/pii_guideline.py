"""The bench's source labels mapped onto the project's annotation guideline (docs/guards.md).

The public PII sources were labelled by others under their own rules: CLUENER calls every
place name an ``address``, presidio-research splits one postal address into separate
building-number, street, unit and postcode spans, and titles sit inside some name spans. The
guideline decides, from its own text, what the gold span of a PERSON and an ADDRESS is; the
rules below apply that text to the gold spans only, never looking at any system's output, and
every system (ours and Presidio) is scored against the same mapped gold. The benchmark reports
both scores: against the source labels as they are and against the mapped labels.

Rules (each quotes the guideline):

1. ADDRESS, "city, state and postcode are part of the span when they follow the street
   directly": an ADDRESS span and the ADDRESS, LOCATION or ZIP_CODE spans that follow it with
   nothing but spaces, line breaks and punctuation between them are one address span.
2. ADDRESS, "a house number with a street ..., a post-office or military box, or a compound,
   building, unit or room" and "not personal data on their own: a bare city, district,
   province, region or country name, a postcode alone, landmarks and shops without a number":
   an address span (after rule 1) stays ADDRESS only if it has a number (an Arabic digit, or a
   Chinese numeral before 号/弄/栋/幢/座/单元/室/层/楼) and is more than a postcode (not digits
   and separators only). Otherwise it is dropped: it is not personal data.
3. PERSON, "titles and honorifics (Mr, Dr, 先生, 女士 stay outside the span)": a leading title
   or a trailing Chinese honorific is cut off the gold span.
"""

from __future__ import annotations

import re
from typing import Any

Record = dict[str, Any]

FOLLOWERS = frozenset({"ADDRESS", "LOCATION", "ZIP_CODE"})
GAP = re.compile(r"[\W_]*")
"""Nothing but spaces, line breaks and punctuation (no letter, no digit)."""
NUMBER = re.compile(r"\d|[一二三四五六七八九十百千零〇两]+(?:号|弄|栋|幢|座|单元|室|层|楼)")
POSTCODE_ONLY = re.compile(r"[\d\W_]*")
LEADING_TITLE = re.compile(
    r"(?i)(?:mr|mrs|ms|miss|mx|dr|prof|professor|sir|madam|dame|lord|lady)\.?\s+(?=\S)"
)
"""Used with ``match(text, start, end)``, which anchors it at the span's start (``^`` would
only match at the start of the whole text)."""
TRAILING_HONORIFIC = re.compile(r"(?:先生|女士|小姐|太太|夫人|老师|教授|同志|博士)$")


def _span(text: str, kind: str, start: int, end: int, source_type: str) -> dict[str, Any]:
    return {
        "start": start,
        "end": end,
        "type": kind,
        "value": text[start:end],
        "source_type": source_type,
    }


def _addresses(text: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules 1 and 2 on one record's spans (sorted by start)."""
    kept: list[dict[str, Any]] = []
    index = 0
    while index < len(spans):
        span = spans[index]
        index += 1
        if span["type"] != "ADDRESS":
            continue
        start, end = span["start"], span["end"]
        while (
            index < len(spans)
            and spans[index]["type"] in FOLLOWERS
            and spans[index]["start"] >= end
            and GAP.fullmatch(text, end, spans[index]["start"])
        ):
            end = max(end, spans[index]["end"])
            index += 1
        value = text[start:end]
        if NUMBER.search(value) and not POSTCODE_ONLY.fullmatch(value):
            kept.append(_span(text, "ADDRESS", start, end, "guideline:" + span["source_type"]))
    return kept


def _person(text: str, span: dict[str, Any]) -> dict[str, Any]:
    start, end = span["start"], span["end"]
    title = LEADING_TITLE.match(text, start, end)
    if title:
        start = title.end()
    honorific = TRAILING_HONORIFIC.search(text, start, end)
    if honorific and honorific.start() > start:
        end = honorific.start()
    return _span(text, "PERSON", start, end, span["source_type"])


def guideline_record(record: Record) -> Record:
    """The record with its PERSON and ADDRESS gold spans mapped by the rules above."""
    text = record["text"]
    spans = sorted(record["spans"], key=lambda s: (s["start"], -s["end"]))
    mapped = [s for s in spans if s["type"] not in ("ADDRESS", "PERSON")]
    mapped += [_person(text, s) for s in spans if s["type"] == "PERSON"]
    mapped += _addresses(text, spans)
    mapped.sort(key=lambda s: (s["start"], s["end"]))
    return {**record, "spans": mapped, "has_pii": bool(mapped)}


def guideline_records(records: list[Record]) -> list[Record]:
    return [guideline_record(record) for record in records]
