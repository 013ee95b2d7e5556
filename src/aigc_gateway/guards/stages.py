"""The guards as pipeline stages: :class:`InputGuards` before routing, :class:`OutputGuards`
on the answer as it streams.

Input: every text a backend receives is scanned (:func:`request_texts`: contents, names,
tool-call arguments, tool descriptions, ``user``, ``metadata``, ``stop``); ``block`` stops the
request with a :class:`ContentBlocked` error in the user's language, ``route_local`` keeps it on
this machine, ``mask`` and ``pseudonymize`` rewrite the text the model sees (a message ``name``
with a finding is dropped instead: it must stay an identifier). Output: :class:`GuardedAnswer`
restores placeholders and holds back the last ``hold_back_chars`` characters (and any
half-received placeholder or finding) until it knows what follows, so a value split across
chunks is restored or masked whole; a block ends the answer with the refusal text.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from ..errors import ContentBlocked
from ..pipeline import OutputFilter, PassThrough, RequestContext
from ..providers.base import GenerationRequest
from ..reports import FindingSpan, GuardReport
from .detectors import REGISTRY
from .engine import Deadline, GuardEngine
from .model import Finding
from .policy import (
    PLACEHOLDER_MAX_CHARS,
    REWRITING,
    STRENGTH,
    Decision,
    Policy,
    PseudonymMap,
    restore,
    rewrite,
)

SCAN_STEP_CHARS = 16
"""Streamed answers are scanned once at least this many new characters are waiting."""
CONTEXT_CHARS = 512
"""Released text the harm model still sees, so a harmful sentence split across scans counts."""


Path = tuple[str | int, ...]
FIELD_ROLE = "field"
"""Request fields the model never reads (``user``, ``metadata``, ``stop``): only the span
detectors look at them, since what they carry still leaves the machine."""
JOINT_CHARS = 48
"""Personal data split across two messages: this much of each side is scanned together."""


@dataclass(slots=True)
class TextSlot:
    """One text of a request that reaches a backend, and where it lives in the request."""

    role: str
    text: str
    path: Path

    @property
    def field(self) -> str:
        """The path as a client would write it: ``messages[2].tool_calls[0].function.arguments``."""
        out = ""
        for step in self.path:
            out += f"[{step}]" if isinstance(step, int) else ("." if out else "") + step
        return out.removeprefix("passthrough.")

    @property
    def is_content(self) -> bool:
        return self.path[0] == "prompt" or (len(self.path) >= 3 and self.path[2] == "content")


def _descriptions(value: object, path: Path) -> list[tuple[Path, str]]:
    """Every ``description`` string in a JSON schema (tool parameters)."""
    found: list[tuple[Path, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "description" and isinstance(item, str):
                found.append(((*path, key), item))
            else:
                found += _descriptions(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _descriptions(item, (*path, index))
    return found


def request_texts(request: GenerationRequest) -> list[TextSlot]:
    """Every text of the request a backend receives: message contents and content parts,
    message names, tool-call arguments, tool descriptions, and the ``user``, ``metadata`` and
    ``stop`` fields."""
    slots = []
    if request.messages is None:
        slots.append(TextSlot("user", request.prompt or "", ("prompt",)))
    for index, message in enumerate(request.messages or ()):
        for where, text in message.texts():
            slots.append(TextSlot(message.role, text, ("messages", index, *where)))
    extra = request.passthrough
    for tool_index, tool in enumerate(extra.get("tools") or ()):
        for path, text in _descriptions(tool, ("passthrough", "tools", tool_index)):
            slots.append(TextSlot("tool_definition", text, path))
    if isinstance(extra.get("user"), str):
        slots.append(TextSlot(FIELD_ROLE, extra["user"], ("passthrough", "user")))
    for key, value in (extra.get("metadata") or {}).items():
        if isinstance(value, str):
            slots.append(TextSlot(FIELD_ROLE, value, ("passthrough", "metadata", key)))
    for stop_index, stop in enumerate(request.stop or ()):
        slots.append(TextSlot(FIELD_ROLE, stop, ("stop", stop_index)))
    return slots


def _replaced(container: Any, path: Path, value: str | None) -> Any:
    """A copy of ``container`` with ``value`` at ``path`` (``None``: the key removed)."""
    copy = list(container) if isinstance(container, list) else dict(container)
    key = path[0]
    if len(path) > 1:
        copy[key] = _replaced(container[key], path[1:], value)
    elif value is None:
        del copy[key]
    else:
        copy[key] = value
    return copy


def _store(request: GenerationRequest, slot: TextSlot, text: str | None) -> None:
    """Put a rewritten text back (copy on write: the client's objects are left alone)."""
    attribute, rest = str(slot.path[0]), slot.path[1:]
    if attribute == "messages" and request.messages is not None:
        index = int(rest[0])
        messages = list(request.messages)
        messages[index] = messages[index].with_text(rest[1:], text)
        request.messages = messages
    elif not rest:
        setattr(request, attribute, text)
    else:
        setattr(request, attribute, _replaced(getattr(request, attribute), rest, text))


def split_findings(
    engine: GuardEngine,
    slots: list[TextSlot],
    types: Collection[str],
    deadline: Deadline,
) -> list[list[Finding]]:
    """Personal data split across two consecutive messages ("my card is 4111 1111" then
    "1111 1111"): the end of one and the start of the next are scanned as one text, and a
    finding across the joint becomes one finding on each side."""
    found: list[list[Finding]] = [[] for _ in slots]
    contents = [index for index, slot in enumerate(slots) if slot.is_content and slot.text]
    for left, right in itertools.pairwise(contents):
        tail, head = slots[left].text[-JOINT_CHARS:], slots[right].text[:JOINT_CHARS]
        offset = len(slots[left].text) - len(tail)
        for glue in ("", " "):
            joint = len(tail) + len(glue)
            for f in engine.scan(tail + glue + head, "input", FIELD_ROLE, types, deadline):
                if f.start < len(tail) and f.end > joint:
                    found[left].append(replace(f, start=offset + f.start, end=offset + len(tail)))
                    found[right].append(replace(f, start=0, end=f.end - joint))
            if found[left]:
                break
    return found


def scan_slots(
    engine: GuardEngine, deadline: Deadline, slots: list[TextSlot], only: frozenset[str]
) -> list[list[Finding]]:
    """Findings per text of a request (and across consecutive messages); run by
    :meth:`GuardEngine.off_loop`, so possibly in a scan worker process."""
    found = [engine.scan(slot.text, "input", slot.role, only, deadline) for slot in slots]
    spans = only & set(REGISTRY.finding_types("span"))
    if spans and len(slots) > 1:
        split = split_findings(engine, slots, spans, deadline)
        for findings, across in zip(found, split, strict=True):
            findings += across
    return found


class InputGuards:
    def __init__(self, engine: GuardEngine, blocked: dict[str, str]) -> None:
        self._engine = engine
        self._blocked = blocked

    async def __call__(self, request: GenerationRequest, context: RequestContext) -> None:
        policy = self._engine.policy(context.tenant)
        if not policy.enabled:
            return
        slots = request_texts(request)
        size = sum(len(slot.text) for slot in slots)
        only = policy.acting_types("input")
        found = await self._engine.off_loop(size, scan_slots, slots, only)
        decision = Decision("input")
        for findings in found:
            decision.add(policy, findings)

        def input_action(kind: str) -> str:
            return policy.action("input", kind)

        report = decision.report()
        report.fields = sorted(
            {slot.field for slot, hits in zip(slots, found, strict=True) if hits}
        )
        report.spans = [
            FindingSpan(f.type, slot.field, f.start, f.end, input_action(f.type))
            for slot, hits in zip(slots, found, strict=True)
            for f in hits
        ]
        context.guard = GuardReport(decision.action, input=report)
        if decision.action == "block":
            types = ", ".join(decision.blocked_types())
            raise ContentBlocked(f"{self._blocked[context.language]} ({types}).")
        if decision.action == "route_local":
            context.local_only = True
            return
        pseudonyms = PseudonymMap()
        for slot, findings in zip(slots, found, strict=True):
            if not any(input_action(f.type) in REWRITING for f in findings):
                continue
            if slot.path[-1] == "name":
                _store(request, slot, None)  # a name must stay an identifier: dropped instead
            else:
                _store(request, slot, rewrite(slot.text, findings, input_action, pseudonyms))
        context.pseudonyms = pseudonyms.originals


class GuardedAnswer:
    """The output filter of one generation (see the module docstring)."""

    def __init__(
        self,
        engine: GuardEngine,
        policy: Policy,
        context: RequestContext,
        hold_back: int,
        refusal: str,
    ) -> None:
        self._engine = engine
        self._policy = policy
        self._only = policy.acting_types("output")
        self._context = context
        self._hold_back = hold_back
        self._refusal = refusal
        self._pending = ""
        self._released_tail = ""
        self._decision = Decision("output")
        self._spans: list[FindingSpan] = []
        self._scanned = 0
        """Characters of the answer already released (the offset of ``_pending``)."""
        self.stopped = False

    def feed(self, text: str) -> str:
        self._pending += text
        if self.stopped or len(self._pending) < self._hold_back + SCAN_STEP_CHARS:
            return ""
        return self._release(final=False)

    def finish(self) -> str:
        if self.stopped:
            return ""
        return self._release(final=True)

    def _release(self, final: bool) -> str:
        text = restore(self._pending, self._context.pseudonyms)
        cut = len(text) if final else len(text) - self._hold_back
        opening = text.rfind("[", max(0, len(text) - PLACEHOLDER_MAX_CHARS))
        if not final and opening >= 0 and "]" not in text[opening:]:
            cut = min(cut, opening)
        spans = []
        for finding in self._scan(text):
            if self._policy.answer_action(finding.type) == "block":
                return self._stop(finding)
            if finding.start < cut < finding.end and not final:
                cut = finding.start
            spans.append(finding)
        released = [finding for finding in spans if finding.end <= cut]
        self._decision.add(self._policy, released)
        self._note(released)
        masked = rewrite(text[:cut], released, self._policy.answer_action, None)
        self._pending = text[cut:]
        self._scanned += cut
        self._released_tail = (self._released_tail + masked)[-CONTEXT_CHARS:]
        self._report()
        return masked

    def _scan(self, text: str) -> list[Finding]:
        """Findings in the pending text, scanned with the tail of what was already released."""
        if not self._only:
            return []
        offset = len(self._released_tail)
        scanned = self._engine.scan(self._released_tail + text, "output", only=self._only)
        return [
            replace(finding, start=max(0, finding.start - offset), end=finding.end - offset)
            for finding in scanned
            if finding.end > offset
        ]

    def _note(self, findings: list[Finding]) -> None:
        action, offset = self._policy.answer_action, self._scanned
        self._spans += [
            FindingSpan(f.type, "answer", offset + f.start, offset + f.end, action(f.type))
            for f in findings
        ]

    def _stop(self, finding: Finding) -> str:
        self._decision.add(self._policy, [finding])
        self._note([finding])
        self.stopped = True
        self._pending = ""
        self._report()
        return ("\n\n" if self._released_tail else "") + self._refusal

    def _report(self) -> None:
        guard = self._context.guard
        guard.output = self._decision.report()
        guard.output.spans = list(self._spans)
        guard.decision = max(guard.decision or "allow", self._decision.action, key=STRENGTH.get)


class OutputGuards:
    def __init__(self, engine: GuardEngine, hold_back: int, refusal: dict[str, str]) -> None:
        self._engine = engine
        self._hold_back = hold_back
        self._refusal = refusal

    def open(self, request: GenerationRequest, context: RequestContext) -> OutputFilter:
        policy = self._engine.policy(context.tenant)
        if not policy.enabled:
            return PassThrough()
        refusal = self._refusal[context.language]
        return GuardedAnswer(self._engine, policy, context, self._hold_back, refusal)
