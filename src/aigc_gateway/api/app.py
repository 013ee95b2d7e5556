"""The HTTP layer: OpenAI-compatible routes, API-key auth, body limits and error mapping.

Handlers parse and authenticate, hand a :class:`GenerationRequest` to the pipeline, and shape
what comes back; no guard, routing or storage logic lives here.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..console.routes import router as console_router
from ..errors import GatewayError
from ..evaluation.jobs import EvaluationJobs
from ..gateway import Gateway
from ..metrics import MetricsMiddleware
from . import (
    admin_audit,
    admin_eval,
    admin_scan,
    embeddings,
    guard,
    health,
    images,
    moderations,
    responses,
    verify,
)
from .auth import Authenticator, authenticate
from .choices import generate_choices
from .http import (
    DirectRoute,
    DirectRoutes,
    GatewayApp,
    UnexpectedErrors,
    error_response,
    json_response,
    read_body,
)
from .openai_format import ChatFormat, CompletionFormat
from .schemas import ChatCompletionBody, CompletionBody, check_size, parse_body

log = logging.getLogger(__name__)


def create_app(gateway: Gateway) -> GatewayApp:
    settings = gateway.settings

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await gateway.close()

    app = GatewayApp(
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
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        route = f"{request.method} {request.url.path}"
        if exc.status_code == 404:
            error = GatewayError(f"Invalid URL ({route}): this gateway has no such route.")
            error.code = "unknown_url"
        else:
            error = GatewayError(f"Method not allowed ({route}).")
            error.code = "method_not_allowed"
        error.status, error.type = exc.status_code, "invalid_request_error"
        return error_response(error)

    async def generate(
        request: Request, body_type: type[ChatCompletionBody] | type[CompletionBody]
    ) -> Response:
        key = await authenticate(request)
        body = parse_body(body_type, await read_body(request, settings.server.max_body_bytes))
        check_size(body, settings.server)
        gateway.check_storage()
        shape_type = ChatFormat if body_type is ChatCompletionBody else CompletionFormat
        return await generate_choices(
            request, gateway, key, shape_type, body.model, body.to_requests(), body.include_usage
        )

    async def chat_completions(request: Request) -> Response:
        return await generate(request, ChatCompletionBody)

    async def completions(request: Request) -> Response:
        return await generate(request, CompletionBody)

    # Served by DirectRoutes (below); the app's routes answer only other methods (405).
    app.post("/v1/chat/completions")(chat_completions)
    app.post("/v1/completions")(completions)

    @app.get("/v1/models")
    async def list_models(request: Request) -> Response:
        await authenticate(request)
        names = [*gateway.router.model_names(), *gateway.embeddings.local_models]
        return json_response({"object": "list", "data": [_model_card(name) for name in names]})

    @app.get("/v1/models/{model:path}")
    async def get_model(request: Request, model: str) -> Response:
        await authenticate(request)
        if model not in gateway.embeddings.local_models:
            gateway.router.resolve(model)
        return json_response(_model_card(model))

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(gateway.metrics.render(), media_type="text/plain; version=0.0.4")

    app.include_router(health.router)
    app.include_router(admin_audit.router)
    app.include_router(guard.router)
    app.include_router(admin_eval.router)
    app.include_router(verify.router)
    app.include_router(images.router)
    app.include_router(admin_scan.router)
    app.include_router(moderations.router)
    app.include_router(embeddings.router)
    app.include_router(responses.router)
    app.include_router(console_router)
    app.direct = DirectRoutes(
        [
            DirectRoute("/v1/chat/completions", chat_completions),
            DirectRoute("/v1/completions", completions),
        ]
    )
    app.add_middleware(UnexpectedErrors, on_storage_error=gateway.storage_failed)
    app.add_middleware(MetricsMiddleware, metrics=gateway.metrics)
    if gateway.telemetry is not None:
        from ..telemetry import TraceContext

        app.add_middleware(TraceContext)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=[
                "x-request-id",
                "x-aigc-guard",
                "x-aigc-produce-id",
                "x-aigc-label",
                "x-aigc-explicit-label",
            ],
            max_age=600,
        )
    return app


def _model_card(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "aigc-gateway"}
