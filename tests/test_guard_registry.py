"""The detector registry: declarations drive the type lists, the default policy and which
texts a detector reads; a new detector is one module and one registration."""

from __future__ import annotations

import re
from collections.abc import Collection

import pytest

from aigc_gateway.config import GuardSettings, Settings
from aigc_gateway.guards.detectors import FINDING_TYPES, REGISTRY
from aigc_gateway.guards.engine import GuardEngine
from aigc_gateway.guards.model import Finding
from aigc_gateway.guards.registry import DetectorRegistry, DetectorSpec

EMPLOYEE_ID = re.compile(r"\bEMP-\d{6}\b")


class EmployeeIds:
    """The example detector of docs/guards.md."""

    name = "employee_id"

    def check(self, text: str, types: Collection[str]) -> list[Finding]:
        return [
            Finding("EMPLOYEE_ID", m.start(), m.end(), 0.9, self.name)
            for m in EMPLOYEE_ID.finditer(text)
        ]


def test_type_lists_and_default_policy_come_from_the_registry() -> None:
    assert REGISTRY.finding_types() == FINDING_TYPES
    assert {"PERSON", "EMAIL", "API_KEY", "INJECTION", "HARM"} <= set(FINDING_TYPES)
    defaults = GuardSettings()
    assert defaults.input == REGISTRY.default_actions("input")
    assert defaults.output == REGISTRY.default_actions("output")
    assert defaults.input["PRIVATE_KEY"] == "block" and defaults.output["HARM"] == "block"


def test_registry_refuses_conflicting_declarations() -> None:
    spec = DetectorSpec("a", "x:y", ("EMAIL",), "span")
    with pytest.raises(ValueError, match="belongs to"):
        DetectorRegistry([*REGISTRY.specs, spec])
    with pytest.raises(ValueError, match="default action"):
        DetectorRegistry([DetectorSpec("b", "x:y", ("T",), "span", input_actions={"U": "mask"})])


def test_a_registered_detector_is_run_where_it_reads() -> None:
    spec = DetectorSpec(
        name="employee_id",
        load=f"{__name__}:EmployeeIds",
        types=("EMPLOYEE_ID",),
        kind="span",
        languages=("en", "zh"),
        input_roles=frozenset({"user"}),
        output=False,
        input_actions={"EMPLOYEE_ID": "pseudonymize"},
    )
    registry = DetectorRegistry([*REGISTRY.specs, spec])
    assert registry.default_actions("input")["EMPLOYEE_ID"] == "pseudonymize"
    engine = GuardEngine(Settings(), registry)
    text = "Badge EMP-123456 belongs to the night shift."
    assert [f.type for f in engine.scan(text, "input", "user")] == ["EMPLOYEE_ID"]
    assert engine.scan(text, "input", "system") == []
    assert engine.scan(text, "output") == []
    assert engine.scan(text, "input", "user", only={"EMAIL"}) == []


def test_classifiers_read_the_roles_they_declare() -> None:
    injection = next(spec for spec in REGISTRY.specs if spec.name == "injection")
    harm = next(spec for spec in REGISTRY.specs if spec.name == "harm")
    assert injection.reads("input", "tool") and not injection.reads("input", "system")
    assert not injection.reads("output", "assistant")
    assert harm.reads("output", "assistant") and not harm.reads("input", "tool")
