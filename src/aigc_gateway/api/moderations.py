"""``POST /v1/moderations``: OpenAI's moderation route, answered by our own guards.

Each input is scanned by :meth:`GuardEngine.scan_async` as user input (long texts off the event
loop). The harm model's hazard
categories (MLCommons names, see guards/harm.py) map onto OpenAI's moderation categories in
:data:`OPENAI_CATEGORIES`; a result is ``flagged`` when any OpenAI category is. The finer
answer rides along as the extension ``aigc``: hazard categories with their scores, whether a
prompt attack was seen, and counts of personal data and secrets found (never the values).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidRequest
from ..guards.harm import PHRASE_DETECTOR
from ..guards.model import Finding
from ..ids import random_hex
from .auth import authenticate
from .http import json_response, read_body
from .schemas import ContentPartBody, parse_body

router = APIRouter()

MODEL = "aigc-guards"
OPENAI_CATEGORY_NAMES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
OPENAI_CATEGORIES: dict[str, tuple[str, ...]] = {
    "violent_crimes": ("violence", "illicit/violent"),
    "non_violent_crimes": ("illicit",),
    "sex_crimes": ("sexual", "illicit/violent"),
    "child_sexual_exploitation": ("sexual", "sexual/minors"),
    "weapons_cbrne": ("illicit/violent", "violence"),
    "self_harm": ("self-harm",),
    "hate": ("hate",),
    "specialized_advice": (),
    "privacy": (),
    "intellectual_property": ("illicit",),
    "defamation": ("harassment",),
    "elections": (),
    "sexual_content": ("sexual",),
    "subversion_extremism": ("violence", "hate/threatening"),
    "toxicity": ("harassment",),
}
"""Our hazard category -> the OpenAI moderation categories it counts for (none: extension only)."""
THREAT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "violent_crimes": ("harassment", "harassment/threatening", "violence"),
    "hate": ("hate", "hate/threatening", "violence"),
    "self_harm": ("harassment", "harassment/threatening", "self-harm"),
}
"""A threat phrase's category (a finding of ``PHRASE_DETECTOR``: "I'll kill you", "all X should be
shot", "go kill yourself") -> OpenAI's categories, in place of the request model's mapping above."""


class ModerationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: str | list[str] | list[ContentPartBody]
    model: str | None = Field(None, min_length=1)

    def texts(self) -> list[str]:
        if isinstance(self.input, str):
            return [self.input]
        texts = []
        for item in self.input:
            if isinstance(item, str):
                texts.append(item)
            elif item.type == "text" and item.text is not None:
                texts.append(item.text)
            else:
                raise InvalidRequest(
                    f"Moderation input parts of type '{item.type}' are not supported; only text.",
                    code="invalid_value",
                    param="input",
                )
        if not texts:
            raise InvalidRequest("'input' must not be empty.", code="invalid_value", param="input")
        return texts


def moderation_result(findings: list[Finding]) -> dict[str, Any]:
    """One OpenAI moderation result, with our finer findings as the ``aigc`` extension."""
    scores = dict.fromkeys(OPENAI_CATEGORY_NAMES, 0.0)
    hazards: dict[str, float] = {}
    injection = 0.0
    counts: Counter[str] = Counter()
    for finding in findings:
        if finding.type == "HARM":
            category = finding.category or "toxicity"
            hazards[category] = max(hazards.get(category, 0.0), round(finding.score, 4))
            threat = finding.detector == PHRASE_DETECTOR
            for name in (THREAT_CATEGORIES if threat else OPENAI_CATEGORIES).get(category, ()):
                scores[name] = max(scores[name], round(finding.score, 4))
        elif finding.type == "INJECTION":
            injection = max(injection, round(finding.score, 4))
        else:
            counts[finding.type] += 1
    flags = {name: score > 0 for name, score in scores.items()}
    return {
        "flagged": any(flags.values()),
        "categories": flags,
        "category_scores": scores,
        "category_applied_input_types": {name: ["text"] for name in OPENAI_CATEGORY_NAMES},
        "aigc": {
            "harm_categories": hazards,
            "prompt_attack": injection > 0,
            "prompt_attack_score": injection,
            "findings": dict(counts),
        },
    }


@router.post("/v1/moderations")
async def create_moderation(request: Request) -> Response:
    await authenticate(request)
    gateway = request.app.state.gateway
    body = parse_body(
        ModerationBody, await read_body(request, gateway.settings.server.max_body_bytes)
    )
    results = [
        moderation_result(await gateway.guards.scan_async(text, "input", "user"))
        for text in body.texts()
    ]
    return json_response(
        {"id": "modr-" + random_hex(12), "model": body.model or MODEL, "results": results}
    )
