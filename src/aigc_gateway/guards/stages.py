"""The guards as pipeline stages: :class:`InputGuards` before routing, :class:`OutputGuards`
on the answer as it streams.

Input: every message (or the prompt) is scanned; ``block`` stops the request with a
:class:`ContentBlocked` error in the user's language, ``route_local`` keeps it on this machine,
``mask`` and ``pseudonymize`` rewrite the text the model sees. Output: :class:`GuardedAnswer`
restores placeholders and holds back the last ``hold_back_chars`` characters (and any
half-received placeholder or finding) until it knows what follows, so a value split across
chunks is restored or masked whole; a block ends the answer with the refusal text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from ..errors import ContentBlocked
from ..pipeline import OutputFilter, PassThrough, RequestContext
from ..providers.base import GenerationRequest
from .engine import Deadline, GuardEngine
from .model import Finding, language_of
from .policy import (
    PLACEHOLDER_MAX_CHARS,
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


@dataclass(slots=True)
class TextSlot:
    """One text of a request: a message content, a content part, or the prompt."""

    role: str
    text: str
    message: int | None = None
    part: int | None = None


def request_texts(request: GenerationRequest) -> list[TextSlot]:
    if request.messages is None:
        return [TextSlot("user", request.prompt or "")]
    slots = []
    for index, message in enumerate(request.messages):
        role, content = str(message.get("role", "user")), message.get("content")
        if isinstance(content, str):
            slots.append(TextSlot(role, content, index))
        elif isinstance(content, list):
            for part_index, part in enumerate(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    slots.append(TextSlot(role, part["text"], index, part_index))
    return slots


def _store(request: GenerationRequest, slot: TextSlot, text: str) -> None:
    if slot.message is None:
        request.prompt = text
        return
    assert request.messages is not None
    message = dict(request.messages[slot.message])
    if slot.part is None:
        message["content"] = text
    else:
        parts = list(message["content"])
        parts[slot.part] = {**parts[slot.part], "text": text}
        message["content"] = parts
    request.messages[slot.message] = message


def user_language(slots: list[TextSlot]) -> str:
    for slot in reversed(slots):
        if slot.role == "user":
            return language_of(slot.text)
    return "en"


class InputGuards:
    def __init__(self, engine: GuardEngine, blocked: dict[str, str]) -> None:
        self._engine = engine
        self._blocked = blocked

    def _scan(
        self, slots: list[TextSlot], policy: Policy, deadline: Deadline
    ) -> list[list[Finding]]:
        only = policy.acting_types("input")
        engine = self._engine
        return [engine.scan(slot.text, "input", slot.role, only, deadline) for slot in slots]

    async def __call__(self, request: GenerationRequest, context: RequestContext) -> None:
        policy = self._engine.policy(context.tenant)
        if not policy.enabled:
            return
        slots = request_texts(request)
        size = sum(len(slot.text) for slot in slots)
        found = await self._engine.off_loop(size, partial(self._scan, slots, policy))
        decision = Decision("input")
        for findings in found:
            decision.add(policy, findings)
        context.guard = {"decision": decision.action, "input": decision.summary()}
        if decision.action == "block":
            language = user_language(slots)
            types = ", ".join(decision.blocked_types())
            raise ContentBlocked(f"{self._blocked[language]} ({types}).")
        if decision.action == "route_local":
            context.local_only = True
            return
        pseudonyms = PseudonymMap()

        def input_action(kind: str) -> str:
            return policy.action("input", kind)

        for slot, findings in zip(slots, found, strict=True):
            if findings:
                rewritten = rewrite(slot.text, findings, input_action, pseudonyms)
                _store(request, slot, rewritten)
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
        masked = rewrite(text[:cut], released, self._policy.answer_action, None)
        self._pending = text[cut:]
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

    def _stop(self, finding: Finding) -> str:
        self._decision.add(self._policy, [finding])
        self.stopped = True
        self._pending = ""
        self._report()
        return ("\n\n" if self._released_tail else "") + self._refusal

    def _report(self) -> None:
        guard = self._context.guard
        guard["output"] = self._decision.summary()
        decision = max(guard.get("decision", "allow"), self._decision.action, key=STRENGTH.get)
        guard["decision"] = decision


class OutputGuards:
    def __init__(self, engine: GuardEngine, hold_back: int, refusal: dict[str, str]) -> None:
        self._engine = engine
        self._hold_back = hold_back
        self._refusal = refusal

    def open(self, request: GenerationRequest, context: RequestContext) -> OutputFilter:
        policy = self._engine.policy(context.tenant)
        if not policy.enabled:
            return PassThrough()
        refusal = self._refusal[user_language(request_texts(request))]
        return GuardedAnswer(self._engine, policy, context, self._hold_back, refusal)
