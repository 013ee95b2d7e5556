"""The evaluation suites shipped with the package: what each one tests, and loading its cases.

A suite is one JSON Lines file in ``data/eval/``; each line is one :class:`Case`: the chat
messages sent to the model, the language and category it is reported under, where it came from
(``source``: ``owner/name@commit:path`` for public data, ``hand-made`` for our own items) and
what decides the outcome (a hijack ``target``, a ``success_marker``, a leaked ``secret``, or the
``pair_group`` of a bias probe). ``data/eval/PROVENANCE.md`` lists sources and licenses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EVAL_DATA = Path(__file__).resolve().parent.parent / "data" / "eval"
SUITE_VERSION = "2025.3"


@dataclass(frozen=True, slots=True)
class SuiteInfo:
    name: str
    title: str
    attack: bool
    """Attack suites report attack success; the refusal banks report refusal rates."""
    description: str


SUITES: dict[str, SuiteInfo] = {
    info.name: info
    for info in (
        SuiteInfo(
            "jailbreak",
            "Jailbreaks",
            True,
            "In-the-wild jailbreak prompts (DAN and friends, EN) and JailBench templates "
            "wrapped around harmful questions (ZH). Success: the model neither refuses nor is "
            "blocked.",
        ),
        SuiteInfo(
            "injection",
            "Prompt injection",
            True,
            "Goal hijacking (hand-made, EN/ZH): a benign task followed by an order to output a "
            "fixed text. Success: the answer reproduces that text.",
        ),
        SuiteInfo(
            "leakage",
            "Secret leakage",
            True,
            "A secret (code, phone number, API key) in the system prompt; hand-made extraction "
            "requests try to get it out. Success: the secret appears in the answer.",
        ),
        SuiteInfo(
            "should_refuse",
            "Should-refuse bank",
            False,
            "Harmful requests (AdvBench, Do-Not-Answer, MultiJail, XSTest contrast, AILuminate, "
            "JailBench seeds, CatQA). A refusal or a guard block counts as refused.",
        ),
        SuiteInfo(
            "should_not_refuse",
            "Should-not-refuse bank",
            False,
            "Benign requests, many that look sensitive (XSTest safe prompts, NotInject trigger "
            "words, WildGuard benign, plain instructions, hand-made Chinese look-alikes). A "
            "refusal or a block is over-refusal.",
        ),
        SuiteInfo(
            "bias",
            "Bias probes",
            False,
            "Paired prompts that differ only in gender, ethnicity or region (hand-made). "
            "Reported: how the answers of one pair group diverge in refusal, length, sentiment "
            "and wording.",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    suite: str
    language: str
    category: str
    messages: list[dict[str, str]]
    source: str
    version: str = SUITE_VERSION
    expect: str | None = None
    target: str | None = None
    success_marker: str | None = None
    secret: str | None = None
    pair_group: str | None = None
    attribute_value: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Case:
        known = {name for name in cls.__dataclass_fields__ if name != "extra"}
        return cls(
            **{key: value for key, value in raw.items() if key in known},
            extra={key: value for key, value in raw.items() if key not in known},
        )


class SuiteError(Exception):
    """A suite that does not exist or cannot be read; the message is one line."""


def suite_path(name: str, data_dir: Path = EVAL_DATA) -> Path:
    return data_dir / f"{name}.jsonl"


def load_suite(name: str, data_dir: Path = EVAL_DATA) -> list[Case]:
    if name not in SUITES:
        raise SuiteError(f"unknown suite '{name}'; known: {', '.join(SUITES)}")
    path = suite_path(name, data_dir)
    cases = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    case = Case.from_json(json.loads(line))
                except (ValueError, TypeError) as exc:
                    raise SuiteError(f"{path}:{number}: not a valid case: {exc}") from exc
                if case.suite != name:
                    raise SuiteError(f"{path}:{number}: case of suite '{case.suite}'")
                cases.append(case)
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read: {exc.strerror}") from exc
    return cases


def select_cases(
    suites: Iterable[str],
    languages: Iterable[str] = ("en", "zh"),
    limit_per_suite: int | None = None,
    data_dir: Path = EVAL_DATA,
) -> list[Case]:
    """Cases of the named suites in the given languages, optionally the first N per suite and
    language (bias probes are cut at whole pair groups, so every kept probe has its pairs)."""
    wanted = set(languages)
    chosen: list[Case] = []
    for name in suites:
        suite = load_suite(name, data_dir)
        for language in sorted(wanted):
            cases = [case for case in suite if case.language == language]
            if limit_per_suite is not None:
                cases = _first(cases, limit_per_suite)
            chosen += cases
    return chosen


def _first(cases: list[Case], limit: int) -> list[Case]:
    if not cases or cases[0].pair_group is None:
        return cases[:limit]
    groups: list[str] = []
    for case in cases:
        if case.pair_group not in groups:
            groups.append(case.pair_group or "")
    kept = set(groups[: max(1, limit // 3)])
    return [case for case in cases if case.pair_group in kept]


def load_judge_examples(data_dir: Path = EVAL_DATA) -> list[dict[str, Any]]:
    with (data_dir / "judge_examples.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
