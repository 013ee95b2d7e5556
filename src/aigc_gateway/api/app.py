"""The HTTP layer: OpenAI-compatible routes, API-key auth, body limits and error mapping.

Handlers parse and authenticate, hand a :class:`GenerationRequest` to the pipeline, and shape
what comes back; no guard, routing or storage logic lives here.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import GatewayError
from ..evaluation.jobs import EvaluationJobs
from ..gateway import Gateway
from ..metrics import MetricsMiddleware
from ..pipeline import Outcome, RequestContext, collect
from ..providers.base import Chunk
from . import admin_audit, admin_eval, admin_scan, guard, images, verify
from .auth import Authenticator, authenticate
from .generation import identified, new_context, response_headers, unless_disconnected
from .http import error_response, json_response, read_body
from .openai_format import DONE, ChatFormat, CompletionFormat, ResponseFormat, sse
from .schemas import ChatCompletionBody, CompletionBody, parse_body

log = logging.getLogger(__name__)


def create_app(gateway: Gateway) -> FastAPI:
    settings = gateway.settings

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await gateway.close()

    app = FastAPI(
        title="AIGC Gateway",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    app.state.authenticate = Authenticator(gateway)
    app.state.evaluations = EvaluationJobs(gateway)

    @app.exception_handler(GatewayError)
    async def gateway_error(_: Request, exc: GatewayError) -> Response:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        error = GatewayError(str(exc.detail))
        error.status, error.type = exc.status_code, "invalid_request_error"
        error.code = "not_found" if exc.status_code == 404 else "method_not_allowed"
        return error_response(error)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(GatewayError("The server had an error processing your request."))

    async def generate(
        request: Request, body_type: type[ChatCompletionBody] | type[CompletionBody]
    ) -> Response:
        key = await authenticate(request)
        body = parse_body(body_type, await read_body(request, settings.server.max_body_bytes))
        shape_type = ChatFormat if body_type is ChatCompletionBody else CompletionFormat
        context = new_context(key, shape_type.id_prefix)
        stream = gateway.pipeline.stream(body.to_request(), context)
        if body.stream:
            with identified(context):
                first = await anext(stream)
            shape = shape_type(context, _route_model(context, body.model))
            return StreamingResponse(
                _events(first, stream, shape, body.include_usage),
                media_type="text/event-stream",
                headers=response_headers(context),
            )
        with identified(context):
            result = await unless_disconnected(request, collect(stream))
        if result is None:
            return Response(status_code=499)
        shape = shape_type(context, _route_model(context, body.model))
        whole = shape.whole(result.text, result.tool_calls, result.outcome)
        return json_response(whole, headers=response_headers(context))

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        return await generate(request, ChatCompletionBody)

    @app.post("/v1/completions")
    async def completions(request: Request) -> Response:
        return await generate(request, CompletionBody)

    @app.get("/v1/models")
    async def list_models(request: Request) -> Response:
        await authenticate(request)
        return json_response(
            {"object": "list", "data": [_model_card(name) for name in gateway.router.model_names()]}
        )

    @app.get("/v1/models/{model:path}")
    async def get_model(request: Request, model: str) -> Response:
        await authenticate(request)
        gateway.router.resolve(model)
        return json_response(_model_card(model))

    @app.get("/healthz")
    async def healthz() -> Response:
        return json_response(
            {
                "status": "ok",
                "local_model": gateway.local is not None,
                "upstreams": {
                    name: getattr(provider, "breaker_state", "n/a")
                    for name, provider in gateway.router.providers.items()
                    if name != "local"
                },
            }
        )

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(gateway.metrics.render(), media_type="text/plain; version=0.0.4")

    app.include_router(admin_audit.router)
    app.include_router(guard.router)
    app.include_router(admin_eval.router)
    app.include_router(verify.router)
    app.include_router(images.router)
    app.include_router(admin_scan.router)
    app.add_middleware(MetricsMiddleware, metrics=gateway.metrics)
    return app


def _model_card(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "aigc-gateway"}


def _route_model(context: RequestContext, asked: str) -> str:
    return context.route.model if context.route else asked


async def _events(
    first: Chunk | Outcome,
    stream: AsyncIterator[Chunk | Outcome],
    shape: ResponseFormat,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    """The SSE body: opening chunk, deltas, closing chunk with ``aigc``, usage, ``[DONE]``."""
    async with aclosing(stream):
        opening = shape.opening()
        if opening:
            yield opening
        item = first
        try:
            while not isinstance(item, Outcome):
                yield shape.delta(item)
                item = await anext(stream)
        except GatewayError as error:
            yield sse(error.to_dict())
            yield DONE
            return
        yield shape.closing(item, include_usage)
        yield DONE
