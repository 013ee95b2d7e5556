"""Redaction of kept audit content: personal data and secrets become ``[TYPE]`` placeholders.

Applied only when a tenant's policy keeps content. The patterns are compiled once; they cover
the identifiers an auditor must never find in a trail (e-mail, phone numbers, PRC resident ID
numbers, payment card numbers, IP addresses, API keys and bearer tokens).
"""

from __future__ import annotations

import re

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("SECRET", re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}|\bAKIA[0-9A-Z]{16}\b")),
    ("SECRET", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{16,}")),
    ("ID_NUMBER", re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")),
    ("CARD_NUMBER", re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")),
    (
        "PHONE",
        re.compile(
            r"(?<![\d+])(?:\+?\d{1,3}[ -]?)?(?:1[3-9]\d{9}|\(?\d{3}\)?[ -]?\d{3}[ -]?\d{4})(?!\d)"
        ),
    ),
    ("IP_ADDRESS", re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")),
]


def redact(text: str) -> str:
    for label, pattern in _PATTERNS:
        text = pattern.sub(f"[{label}]", text)
    return text
