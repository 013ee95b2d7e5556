"""The policy: which action each finding type gets, per direction and tenant, and how text is
rewritten for ``mask`` and ``pseudonymize``.

Actions, weakest to strongest: allow < mask < pseudonymize < route_local < block. A request's
decision is the strongest action any of its findings got. Placeholders look like ``[EMAIL_1]``:
the same value gets the same placeholder everywhere in one request, so a conversation stays
consistent, and :class:`PseudonymMap` keeps the originals to restore them in the answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..config import GuardSettings, TenantGuardSettings
from ..reports import DirectionReport
from .detectors import FINDING_TYPES
from .model import Finding
from .registry import Direction

STRENGTH = {"allow": 0, "mask": 1, "pseudonymize": 2, "route_local": 3, "block": 4}
REWRITING = frozenset({"mask", "pseudonymize"})
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(FINDING_TYPES) + r")_\d+\]")
PLACEHOLDER_MAX_CHARS = max(len(kind) for kind in FINDING_TYPES) + 8


@dataclass(frozen=True, slots=True)
class Policy:
    enabled: bool
    input: Mapping[str, str]
    output: Mapping[str, str]

    @classmethod
    def build(cls, defaults: GuardSettings, tenant: TenantGuardSettings | None) -> Policy:
        if tenant is None:
            return cls(defaults.enabled, defaults.input, defaults.output)
        return cls(
            defaults.enabled if tenant.enabled is None else tenant.enabled,
            {**defaults.input, **tenant.input},
            {**defaults.output, **tenant.output},
        )

    def action(self, direction: Direction, kind: str) -> str:
        rules = self.input if direction == "input" else self.output
        return rules.get(kind, "allow")

    def answer_action(self, kind: str) -> str:
        """In answers nothing goes upstream: every span action short of block masks."""
        action = self.action("output", kind)
        return action if action in ("allow", "block") else "mask"

    def acting_types(self, direction: Direction) -> frozenset[str]:
        """Finding types this policy does something about in one direction."""
        rules = self.input if direction == "input" else self.output
        return frozenset(kind for kind, action in rules.items() if action != "allow")


@dataclass(slots=True)
class Decision:
    """What the policy made of one direction's findings; holds counts, never values."""

    direction: Direction
    action: str = "allow"
    counts: Counter[str] = field(default_factory=Counter)
    actions: dict[str, str] = field(default_factory=dict)
    categories: Counter[str] = field(default_factory=Counter)

    def add(self, policy: Policy, findings: Iterable[Finding]) -> None:
        for finding in findings:
            if self.direction == "input":
                action = policy.action("input", finding.type)
            else:
                action = policy.answer_action(finding.type)
            self.counts[finding.type] += 1
            self.actions[finding.type] = action
            if finding.category:
                self.categories[finding.category] += 1
            if STRENGTH[action] > STRENGTH[self.action]:
                self.action = action

    def blocked_types(self) -> list[str]:
        return sorted(kind for kind, action in self.actions.items() if action == "block")

    def report(self) -> DirectionReport:
        return DirectionReport(
            self.action, dict(self.counts), dict(self.actions), dict(self.categories)
        )


class PseudonymMap:
    """Stable placeholders for one request, and the originals to put back."""

    def __init__(self) -> None:
        self._placeholders: dict[tuple[str, str], str] = {}
        self._per_type: Counter[str] = Counter()
        self.originals: dict[str, str] = {}

    def placeholder(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._placeholders:
            self._per_type[kind] += 1
            placeholder = f"[{kind}_{self._per_type[kind]}]"
            self._placeholders[key] = placeholder
            self.originals[placeholder] = value
        return self._placeholders[key]


def rewrite(
    text: str,
    findings: Iterable[Finding],
    action_of: Callable[[str], str],
    pseudonyms: PseudonymMap | None,
) -> str:
    """Apply mask and pseudonymize actions to span findings (non-overlapping, any order).

    Without a pseudonym map, ``pseudonymize`` masks.
    """
    pieces: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        action = action_of(finding.type)
        if action not in REWRITING or finding.start < position:
            continue
        value = text[finding.start : finding.end]
        if action == "pseudonymize" and pseudonyms is not None:
            replacement = pseudonyms.placeholder(finding.type, value)
        else:
            replacement = f"[{finding.type}]"
        pieces += [text[position : finding.start], replacement]
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def restore(text: str, originals: Mapping[str, str]) -> str:
    """Put original values back in place of the placeholders this request handed out."""
    if not originals:
        return text
    return PLACEHOLDER.sub(lambda match: originals.get(match.group(), match.group()), text)
