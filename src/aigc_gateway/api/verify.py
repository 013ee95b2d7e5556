"""``POST /v1/verify``: was this text or image generated here? A verdict with all evidence.

JSON ``{"text": "..."}`` for text; multipart/form-data with a ``file`` (an image, or a UTF-8
text file) or a ``text`` field. The checks (tokenizer, registry, image decoding) run off the
event loop. Admin keys see every matching record; other keys see request ids and tenants of
their own tenant's records only.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidRequest
from ..labeling.service import LabelService
from ..labeling.verify import for_tenant
from .auth import authenticate
from .http import json_response, read_body
from .schemas import parse_body
from .uploads import read_upload

router = APIRouter()


class VerifyTextBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)


@router.post("/v1/verify")
async def verify(request: Request) -> Response:
    key = await authenticate(request)
    gateway = request.app.state.gateway
    labels: LabelService = gateway.labels
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        upload = await read_upload(request)
        if upload.data is not None:
            result = await asyncio.to_thread(labels.verifier.file, upload.data)
        elif upload.text:
            result = await asyncio.to_thread(labels.verifier.text, upload.text)
        else:
            raise InvalidRequest("Send a 'file' or a 'text' field.", param="file")
    else:
        raw = await read_body(request, gateway.settings.server.max_body_bytes)
        body = parse_body(VerifyTextBody, raw)
        result = await asyncio.to_thread(labels.verifier.text, body.text)
    if not key.admin:
        result = for_tenant(result, key.tenant)
    return json_response({"object": "verification", **result})
