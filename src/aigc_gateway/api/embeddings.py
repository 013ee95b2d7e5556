"""``POST /v1/embeddings``: OpenAI's embeddings route over :class:`EmbeddingService`.

``input`` is a string, a list of strings, or token arrays (upstream models only);
``encoding_format`` ``float`` (lists of numbers) or ``base64`` (little-endian float32, what the
openai SDK asks for by default). ``input_type`` (``query`` | ``passage``) is an extension for
the e5 model's prefixes.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..embeddings import EmbeddingRequest
from ..errors import InvalidRequest
from .auth import authenticate
from .generation import identified, new_context, response_headers
from .http import json_response, read_body
from .schemas import parse_body

router = APIRouter()

TokenArray = Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1)]


class EmbeddingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    input: str | list[str] | TokenArray | list[TokenArray]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: Annotated[int, Field(ge=1)] | None = None
    user: str | None = None
    input_type: Literal["query", "passage"] | None = None

    def to_request(self, max_inputs: int) -> EmbeddingRequest:
        value = self.input
        texts: list[str] | None = None
        tokens: list[list[int]] | None = None
        if isinstance(value, str):
            texts = [value]
        elif value and all(isinstance(item, str) for item in value):
            texts = [str(item) for item in value]
        elif value and all(isinstance(item, int) for item in value):
            tokens = [[int(item) for item in value]]  # type: ignore[union-attr]
        elif value and all(isinstance(item, list) for item in value):
            tokens = [list(item) for item in value]  # type: ignore[arg-type]
        if not texts and not tokens:
            raise InvalidRequest(
                "'input' must be a non-empty string, list of strings or token arrays.",
                code="invalid_value",
                param="input",
            )
        request = EmbeddingRequest(
            model=self.model,
            texts=texts,
            tokens=tokens,
            input_type=self.input_type,
            dimensions=self.dimensions,
            user=self.user,
        )
        if request.count > max_inputs:
            raise InvalidRequest(
                f"'input' has {request.count} items; at most {max_inputs} per request.",
                code="invalid_value",
                param="input",
            )
        return request


def _encode(vector: np.ndarray, encoding: str) -> Any:
    if encoding == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode()
    return vector.astype(np.float32).tolist()


@router.post("/v1/embeddings")
async def create_embeddings(request: Request) -> Response:
    key = await authenticate(request)
    gateway = request.app.state.gateway
    settings = gateway.settings
    body = parse_body(EmbeddingBody, await read_body(request, settings.server.max_body_bytes))
    embedding_request = body.to_request(settings.embedding_model.max_inputs)
    context = new_context(key, "emb-")
    with identified(context):
        result = await gateway.embeddings.embed(embedding_request, context)
    data = [
        {"object": "embedding", "index": index, "embedding": _encode(vector, body.encoding_format)}
        for index, vector in enumerate(result.vectors)
    ]
    answer: dict[str, Any] = {
        "object": "list",
        "data": data,
        "model": result.model,
        "usage": {"prompt_tokens": result.prompt_tokens, "total_tokens": result.prompt_tokens},
    }
    if context.guard:
        answer["guard"] = context.guard.as_dict()
    return json_response(answer, headers=response_headers(context))
