"""Image routes: ``POST /v1/images/generations`` (passed through to an upstream image model,
every image labelled) and ``POST /v1/images/label`` (label an image from anywhere).

Labelling is CPU work (watermark, C2PA signature) and runs off the event loop. Images are
always fetched from the upstream as ``b64_json``, because only bytes can be labelled.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
import time
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..config import LOCAL_BACKEND
from ..errors import BackendUnavailable, GatewayError, InvalidRequest, NotFound, UpstreamError
from ..labeling.implicit import label_headers, new_produce_id
from ..labeling.service import LabelService
from ..providers.upstream import UpstreamProvider
from .auth import authenticate
from .http import json_response, read_body
from .schemas import parse_body
from .uploads import read_upload

router = APIRouter()


class ImageGenerationBody(BaseModel):
    """OpenAI's image generation parameters; unknown ones go to the upstream as they are."""

    model_config = ConfigDict(extra="allow")

    model: str
    prompt: str = Field(min_length=1)
    n: int = Field(1, ge=1, le=4)
    size: str | None = None
    response_format: Literal["b64_json"] = "b64_json"
    """Only ``b64_json``: the gateway cannot host URLs for the labelled images."""


async def _generate(gateway: Any, body: ImageGenerationBody) -> dict[str, Any]:
    route = gateway.settings.route_for(body.model)
    if route is None:
        raise NotFound(f"The model '{body.model}' does not exist.", code="model_not_found")
    upstreams = [ref for ref in route.backends if ref != LOCAL_BACKEND]
    if not upstreams:
        raise InvalidRequest(
            f"The model '{body.model}' has no upstream image backend.", param="model"
        )
    extra = body.model_extra or {}
    last: GatewayError | None = None
    for ref in upstreams:
        name, _, remote = ref.partition("/")
        provider: UpstreamProvider = gateway.router.providers[name]
        payload = {**extra, **body.model_dump(exclude_none=True), "model": remote}
        try:
            return await provider.post_json("/images/generations", payload)
        except (UpstreamError, BackendUnavailable) as exc:
            last = exc
    assert last is not None
    raise last


@router.post("/v1/images/generations")
async def generate_images(request: Request) -> Response:
    key = await authenticate(request)
    gateway = request.app.state.gateway
    labels: LabelService = gateway.labels
    body = parse_body(
        ImageGenerationBody, await read_body(request, gateway.settings.server.max_body_bytes)
    )
    request_id = "img-" + secrets.token_hex(12)
    answer = await _generate(gateway, body)
    data = []
    for item in answer.get("data") or []:
        try:
            raw = base64.b64decode(item["b64_json"], validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise UpstreamError("The upstream answered without a b64_json image.") from exc
        labeled = await asyncio.to_thread(
            labels.images.label,
            raw,
            produce_id=new_produce_id(),
            request_id=request_id,
            tenant=key.tenant,
        )
        item = {k: v for k, v in item.items() if k != "b64_json"}
        data.append(
            {**item, "b64_json": base64.b64encode(labeled.data).decode(), "aigc": labeled.aigc}
        )
    if not data:
        raise UpstreamError("The upstream answered with no image.")
    headers = label_headers(data[0]["aigc"])
    headers["x-aigc-produce-id"] = ",".join(item["aigc"]["ProduceID"] for item in data)
    headers["x-request-id"] = request_id
    return json_response(
        {"created": answer.get("created", int(time.time())), "data": data}, headers=headers
    )


@router.post("/v1/images/label")
async def label_image(request: Request) -> Response:
    """Label an uploaded image (multipart field ``file``); answers with the labelled image."""
    key = await authenticate(request)
    labels: LabelService = request.app.state.gateway.labels
    upload = await read_upload(request)
    if upload.data is None:
        raise InvalidRequest("Send the image as the multipart field 'file'.", param="file")
    request_id = "img-" + secrets.token_hex(12)
    labeled = await asyncio.to_thread(
        labels.images.label,
        upload.data,
        produce_id=new_produce_id(),
        request_id=request_id,
        tenant=key.tenant,
    )
    headers = {**label_headers(labeled.aigc), "x-request-id": request_id}
    return Response(labeled.data, media_type=labeled.mime_type, headers=headers)
