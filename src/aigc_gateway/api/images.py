"""Image routes: ``POST /v1/images/generations`` (an image generation through the pipeline:
limits, input guards on the prompt, routing with fallback, every image labelled, one audit
record) and ``POST /v1/images/label`` (label an image from anywhere: admitted against the
key's limits and recorded like a generation, through :meth:`Pipeline.label_upload`).

Labelling is CPU work (watermark, C2PA signature) and runs off the event loop. Images are
always fetched from the upstream as ``b64_json``, because only bytes can be labelled.
"""

from __future__ import annotations

import base64
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidRequest
from ..pipeline import collect
from ..providers.base import GeneratedImage, GenerationRequest
from .auth import authenticate
from .generation import identified, new_context, response_headers, unless_disconnected
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

    def to_request(self) -> GenerationRequest:
        passthrough = {**(self.model_extra or {}), "n": self.n}
        if self.size is not None:
            passthrough["size"] = self.size
        return GenerationRequest(
            kind="image",
            model=self.model,
            stream=False,
            prompt=self.prompt,
            passthrough=passthrough,
        )


@router.post("/v1/images/generations")
async def generate_images(request: Request) -> Response:
    key = await authenticate(request)
    gateway = request.app.state.gateway
    body = parse_body(
        ImageGenerationBody, await read_body(request, gateway.settings.server.max_body_bytes)
    )
    context = new_context(key, "img-")
    with identified(context):
        result = await unless_disconnected(
            request, collect(gateway.pipeline.stream(body.to_request(), context))
        )
    if result is None:
        return Response(status_code=499)
    data = [
        {**image.extra, "b64_json": base64.b64encode(image.data).decode(), "aigc": report.as_dict()}
        for image, report in zip(result.images, result.outcome.labels, strict=True)
    ]
    answer: dict[str, Any] = {"created": context.created, "data": data}
    if result.outcome.guard:
        answer["guard"] = result.outcome.guard.as_dict()
    return json_response(answer, headers=response_headers(context))


@router.post("/v1/images/label")
async def label_image(request: Request) -> Response:
    """Label an uploaded image (multipart field ``file``); answers with the labelled image."""
    key = await authenticate(request)
    gateway = request.app.state.gateway
    upload = await read_upload(request)
    if upload.data is None:
        raise InvalidRequest("Send the image as the multipart field 'file'.", param="file")
    context = new_context(key, "img-")
    with identified(context):
        labelled = await gateway.pipeline.label_upload(GeneratedImage(upload.data), context)
    return Response(labelled.data, media_type=labelled.mime_type, headers=response_headers(context))
