"""HTTP helpers every route module shares: JSON responses, error bodies, bounded body reads."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from ..errors import GatewayError, InvalidRequest, PayloadTooLarge


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, headers=headers, media_type="application/json"
    )


def error_response(error: GatewayError) -> Response:
    return json_response(error.to_dict(), error.status, error.headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole request body, or 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidRequest("Invalid Content-Length header.")
        if int(declared) > limit:
            raise PayloadTooLarge(f"Request body is larger than the limit of {limit} bytes.")
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise PayloadTooLarge(f"Request body is larger than the limit of {limit} bytes.")
    return bytes(body)
