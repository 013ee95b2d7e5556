"""Liveness and readiness: ``/healthz`` (the process answers; what it has and what is wrong)
and ``/readyz`` (503 with ``Retry-After`` while any part reports a fault)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..errors import RETRY_AFTER_S
from ..gateway import Gateway
from .http import json_response

router = APIRouter()


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    faults = gateway.faults()
    return json_response(
        {
            "status": "degraded" if faults else "ok",
            "faults": faults,
            "local_model": gateway.local is not None,
            "upstreams": {
                name: getattr(provider, "breaker_state", "n/a")
                for name, provider in gateway.router.providers.items()
                if name != "local"
            },
        }
    )


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    faults = gateway.faults()
    if faults:
        return json_response(
            {"status": "unavailable", "faults": faults},
            503,
            {"retry-after": str(RETRY_AFTER_S)},
        )
    return json_response({"status": "ready", "faults": {}})
