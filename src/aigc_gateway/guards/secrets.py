"""Secrets in text: provider API keys and tokens, JWTs, private-key blocks, passwords.

Every pattern is specific enough to fire without a checksum (fixed prefixes and lengths); a
password needs its keyword (``password: …``, ``密码是 …``) right before the value.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .model import Finding
from .prefilter import probes_for

START = "(?<![A-Za-z0-9_-])"
"""A token starts here: not inside a longer word (Chinese text may touch it directly)."""

SECRET_RULES: tuple[tuple[str, str, re.Pattern[str], float], ...] = (
    (
        "PRIVATE_KEY",
        "private_key",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*\Z)"
        ),
        0.99,
    ),
    ("API_KEY", "anthropic_key", re.compile(START + r"sk-ant-[A-Za-z0-9_-]{20,}"), 0.97),
    (
        "API_KEY",
        "openai_key",
        re.compile(START + r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
        0.95,
    ),
    (
        "API_KEY",
        "aws_access_key",
        re.compile(START + r"(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        0.95,
    ),
    (
        "API_KEY",
        "aws_secret_key",
        re.compile(
            r"(?i)aws.{0,20}?secret.{0,20}?[:=]\s*['\"]?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
        0.9,
    ),
    (
        "API_KEY",
        "aws_secret_key",
        re.compile(
            r"(?i:secret|aws|access[ _-]?key|私钥|密钥)[^\n]{0,48}?"
            r"(?<![A-Za-z0-9/+=])((?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])"
            r"(?=[A-Za-z0-9/+]{0,39}[0-9/+])[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        0.85,
    ),
    (
        "API_KEY",
        "github_token",
        re.compile(START + r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"),
        0.97,
    ),
    ("API_KEY", "slack_token", re.compile(START + r"xox[abposr]-[A-Za-z0-9-]{10,}"), 0.95),
    (
        "API_KEY",
        "slack_webhook",
        re.compile(
            r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+"
        ),
        0.95,
    ),
    ("API_KEY", "google_api_key", re.compile(START + r"AIza[0-9A-Za-z_-]{35}\b"), 0.95),
    ("API_KEY", "stripe_key", re.compile(START + r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}"), 0.9),
    (
        "JWT",
        "jwt",
        re.compile(START + r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        0.95,
    ),
    (
        "PASSWORD",
        "password",
        re.compile(
            r"(?i:\b(?:(?:password|passwd|pwd|passphrase)\b\s*(?:is|=|:|：)|pass\s*(?:=|:|：))\s*)"
            r"['\"]?([^\s'\",;，。]{4,64})"
            r"|(?:密码|口令|登录密码|支付密码)\s*(?:是|为|:|：|=)?\s*['\"“]?([^\s'\"”，。,;；]{4,64})"
        ),
        0.85,
    ),
)


SECRET_TYPES = frozenset(rule[0] for rule in SECRET_RULES)


class Secrets:
    name = "secrets"

    def check(self, text: str, types: Collection[str] = SECRET_TYPES) -> list[Finding]:
        findings = []
        probes = probes_for(text)  # skips the rules that cannot match (see .prefilter)
        for kind, detector, pattern, score in SECRET_RULES:
            if kind not in types or not probes.allows(pattern):
                continue
            for match in pattern.finditer(text):
                group = next((i for i in range(1, pattern.groups + 1) if match.group(i)), 0)
                start, end = match.span(group)
                findings.append(Finding(kind, start, end, score, detector))
        return findings
