"""``POST /v1/guard``: scan a text with the caller's guard policy, without generating anything.

The same engine, policy and rewriting as the pipeline's guard stages: the answer lists every
finding (type, start, end, score, detector), the action the caller's policy would take, and the
text as the model would see it (input) or as the client would (output).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from ..guards.policy import Decision, PseudonymMap, rewrite
from .auth import authenticate
from .http import json_response, read_body
from .schemas import parse_body

router = APIRouter()


class GuardBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    direction: Literal["input", "output"] = "input"
    role: Literal["system", "developer", "user", "assistant", "tool", "function"] = "user"
    """Input only: whose text it is (injection checks user and tool text, harm user text)."""


@router.post("/v1/guard")
async def guard(request: Request) -> Response:
    key = await authenticate(request)
    gateway = request.app.state.gateway
    raw = await read_body(request, gateway.settings.server.max_body_bytes)
    body = parse_body(GuardBody, raw)
    engine = gateway.guards
    policy = engine.policy(key.tenant)
    role = body.role if body.direction == "input" else "assistant"
    findings = await engine.scan_async(body.text, body.direction, role)
    decision = Decision(body.direction)
    decision.add(policy, findings)
    if body.direction == "input":
        shown = rewrite(
            body.text, findings, lambda kind: policy.action("input", kind), PseudonymMap()
        )
    else:
        shown = rewrite(body.text, findings, policy.answer_action, None)
    return json_response(
        {
            "object": "guard.result",
            "direction": body.direction,
            "policy_enabled": policy.enabled,
            "action": decision.action,
            "findings": [finding.as_dict() for finding in findings],
            "counts": dict(decision.counts),
            "actions": decision.actions,
            "text": shown,
        }
    )
