"""The detector registry, in the way of Presidio's recognizer registry: each detector declares
what it finds, in which languages, which texts it reads and what the default policy does with
each finding type. The type lists, the default policy and the engine's wiring all come from
here; ``guards/detectors.py`` holds the registrations, one entry per detector module.

This module is light on purpose (no detector code is imported until the engine loads the
detectors), so the settings can validate policies against it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["input", "output"]
Action = Literal["allow", "mask", "pseudonymize", "block", "route_local"]
ROLES = frozenset(
    {"system", "developer", "user", "assistant", "tool", "function", "tool_definition", "field"}
)
"""Roles of request texts: message roles; the descriptions in tool definitions are read as
``tool_definition`` text and the fields the model never reads (``user``, ``metadata``,
``stop``) as ``field``."""
RESULT_ROLES = frozenset({"tool", "function"})
"""Roles of texts a tool returned: where a :class:`~.model.DocumentClassifier` also looks for
a planted task (a tool's own description is written as instructions, and is not read so)."""


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    """What a detector is, for the engine and the default policy."""

    name: str
    load: str
    """``module:attribute`` of a zero-argument callable (a class or factory) making it."""
    types: tuple[str, ...]
    kind: Literal["span", "classifier"]
    """``span``: ``check(text, types) -> findings`` on spans, run chunk by chunk;
    ``classifier``: ``check_windows(text, windows, direction) -> findings`` over shared n-gram
    windows."""
    languages: tuple[str, ...] = ("en", "zh")
    input_roles: frozenset[str] = ROLES
    """Request texts it reads, by role."""
    output: bool = True
    """Whether it reads answers."""
    input_actions: Mapping[str, Action] = field(default_factory=dict)
    output_actions: Mapping[str, Action] = field(default_factory=dict)
    """Default policy per finding type; a type not listed is allowed."""
    document_roles: frozenset[str] = frozenset()
    """Roles whose texts are documents to this detector (tool results, tool descriptions): a
    window finding there counts only where the text is aimed at the model (see
    :mod:`.context`), plus what the detector's ``check_document`` finds (the detector must be
    a :class:`~.model.DocumentClassifier`)."""
    whole_text: bool = False
    """Span detectors whose spans may be longer than a chunk overlap read the whole text (their
    patterns must then be linear by themselves)."""
    description: str = ""

    def reads(self, direction: Direction, role: str) -> bool:
        return self.output if direction == "output" else role in self.input_roles

    def create(self) -> Any:
        module, _, attribute = self.load.partition(":")
        factory: Callable[[], Any] = getattr(importlib.import_module(module), attribute)
        return factory()


class DetectorRegistry:
    """Detectors in priority order: where span findings overlap, the earlier detector wins."""

    def __init__(self, specs: Iterable[DetectorSpec] = ()) -> None:
        self._specs: list[DetectorSpec] = []
        for spec in specs:
            self.register(spec)

    def register(self, spec: DetectorSpec) -> None:
        taken = {kind: other.name for other in self._specs for kind in other.types}
        for kind in spec.types:
            if kind in taken:
                owner = taken[kind]
                raise ValueError(f"detector {spec.name!r}: type {kind} belongs to {owner!r}")
        for actions in (spec.input_actions, spec.output_actions):
            stray = set(actions) - set(spec.types)
            if stray:
                raise ValueError(f"detector {spec.name!r}: default action for {sorted(stray)}")
        if any(other.name == spec.name for other in self._specs):
            raise ValueError(f"detector {spec.name!r} is registered twice")
        self._specs.append(spec)

    @property
    def specs(self) -> tuple[DetectorSpec, ...]:
        return tuple(self._specs)

    def finding_types(self, kind: str | None = None) -> tuple[str, ...]:
        """Every finding type (of span or classifier detectors only, with ``kind``)."""
        return tuple(t for s in self._specs if kind in (None, s.kind) for t in s.types)

    def default_actions(self, direction: Direction) -> dict[str, Action]:
        return {
            kind: action
            for spec in self._specs
            for kind, action in (
                spec.input_actions if direction == "input" else spec.output_actions
            ).items()
        }

    def wanted(self, spec: DetectorSpec, only: Collection[str] | None) -> tuple[str, ...]:
        """The types of ``spec`` a scan limited to ``only`` asks for."""
        return spec.types if only is None else tuple(t for t in spec.types if t in only)
