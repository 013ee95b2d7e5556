"""The detectors the gateway ships, registered in priority order (see :mod:`.registry`).

Adding a detector: write its module (a class with ``check(text, types)`` for spans or
``check_windows(text, windows, direction)`` for a text classifier) and add one
:class:`DetectorSpec` here; docs/guards.md walks through an example.
"""

from __future__ import annotations

from .registry import DetectorRegistry, DetectorSpec

REGISTRY = DetectorRegistry(
    [
        DetectorSpec(
            name="secrets",
            load="aigc_gateway.guards.secrets:Secrets",
            types=("API_KEY", "JWT", "PRIVATE_KEY", "PASSWORD"),
            kind="span",
            languages=("en", "zh"),
            input_actions={
                "API_KEY": "mask",
                "JWT": "mask",
                "PASSWORD": "mask",
                "PRIVATE_KEY": "block",
            },
            output_actions={
                "API_KEY": "mask",
                "JWT": "mask",
                "PASSWORD": "mask",
                "PRIVATE_KEY": "mask",
            },
            whole_text=True,
            description="Provider API keys and tokens, JWTs, private-key blocks, passwords.",
        ),
        DetectorSpec(
            name="pii",
            load="aigc_gateway.guards.pii:StructuredPII",
            types=(
                "EMAIL",
                "PHONE",
                "ID_NUMBER",
                "PASSPORT",
                "CREDIT_CARD",
                "IBAN",
                "IP",
                "ADDRESS",
                "LICENSE_PLATE",
                "DATE_OF_BIRTH",
                "URL_CREDENTIALS",
            ),
            kind="span",
            input_actions={
                "EMAIL": "pseudonymize",
                "PHONE": "pseudonymize",
                "ADDRESS": "pseudonymize",
                "ID_NUMBER": "pseudonymize",
                "PASSPORT": "pseudonymize",
                "DATE_OF_BIRTH": "pseudonymize",
                "LICENSE_PLATE": "pseudonymize",
                "IP": "pseudonymize",
                "CREDIT_CARD": "mask",
                "IBAN": "mask",
                "URL_CREDENTIALS": "mask",
            },
            output_actions={"URL_CREDENTIALS": "mask"},
            description="Pattern-shaped personal data with validators and context words.",
        ),
        DetectorSpec(
            name="names",
            load="aigc_gateway.guards.names:person_names",
            types=("PERSON",),
            kind="span",
            input_actions={"PERSON": "pseudonymize"},
            description="Person names: a perceptron tagger per language.",
        ),
        DetectorSpec(
            name="injection",
            load="aigc_gateway.guards.injection:InjectionDetector",
            types=("INJECTION",),
            kind="classifier",
            input_roles=frozenset({"user", "tool", "function", "tool_definition"}),
            document_roles=frozenset({"tool", "function", "tool_definition"}),
            output=False,
            input_actions={"INJECTION": "block"},
            description="Prompt injection and jailbreaks, direct (user) and indirect (tools).",
        ),
        DetectorSpec(
            name="harm",
            load="aigc_gateway.guards.harm:HarmDetector",
            types=("HARM",),
            kind="classifier",
            input_roles=frozenset({"user"}),
            input_actions={"HARM": "block"},
            output_actions={"HARM": "block"},
            description="Unsafe content with a hazard taxonomy (MLCommons / TC260-003).",
        ),
    ]
)
FINDING_TYPES = REGISTRY.finding_types()
