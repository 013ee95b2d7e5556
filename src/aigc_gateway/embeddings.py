"""Embeddings: input guards → route → embed → record, the spine without generation.

The guard stage is the pipeline's own input stage, given each text in the guards' ``field``
role (text no model reads as an instruction): only the span detectors (personal data, secrets)
apply, with the tenant's actions (mask, pseudonymize, block; ``route_local`` keeps the request
on the embedded model). The record stage is the audit trail, with kind ``embeddings``.
Texts are embedded by the embedded e5 model (:mod:`providers.embedding`) or by the upstreams
of the model's chain that serve ``embedding`` requests (their ``/embeddings``), in order, with
the router's fallback (the same rules as every other kind).
"""

from __future__ import annotations

import time
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from .config import LOCAL_BACKEND, Settings
from .errors import InvalidRequest, UpstreamError
from .guards.stages import FIELD_ROLE
from .language import language_of
from .pipeline import Ending, Recorder, RequestContext, Stages, UsageRecord, recorded_ending
from .providers.base import GenerationRequest, Usage
from .providers.embedding import InputType, LocalEmbedder
from .providers.messages import ChatMessage
from .providers.router import Backend, RouteDecision, Router


@dataclass(slots=True)
class EmbeddingRequest:
    """One ``/v1/embeddings`` call: texts, or token arrays (upstreams only)."""

    model: str
    texts: list[str] | None = None
    tokens: list[list[int]] | None = None
    input_type: InputType | None = None
    dimensions: int | None = None
    user: str | None = None

    @property
    def count(self) -> int:
        return len(self.texts if self.texts is not None else self.tokens or [])


@dataclass(frozen=True, slots=True)
class EmbeddingResult:
    vectors: list[np.ndarray]
    model: str
    prompt_tokens: int


class EmbeddingService:
    def __init__(
        self,
        settings: Settings,
        router: Router,
        stages: Stages,
        recorder: Recorder,
        local: LocalEmbedder | None,
    ) -> None:
        self._settings = settings
        self._router = router
        self._admission = stages.admission
        self._guards = stages.input_guards
        self._record = recorder
        self.local = local

    @property
    def local_models(self) -> list[str]:
        """The embedded model's name when it is enabled (the router knows the upstream ones)."""
        return [self._settings.embedding_model.name] if self.local is not None else []

    def _resolve(self, model: str) -> tuple[str, list[Backend]]:
        name = self._settings.aliases.get(model, model)
        if self.local is not None and name == self._settings.embedding_model.name:
            return name, [Backend(LOCAL_BACKEND, name)]
        return self._router.resolve(model, "embedding")

    async def embed(self, request: EmbeddingRequest, context: RequestContext) -> EmbeddingResult:
        """Guard, route and embed one request; its audit record is durable before it returns."""
        prompt = orjson.dumps(request.texts if request.texts is not None else request.tokens)
        await self._admission.admit(context)
        model = request.model

        def record_failure(ending: Ending) -> None:
            self._record(
                self._usage(request, context, prompt, model, ending.status, ending.error_code, 0)
            )

        with recorded_ending(record_failure) as ending:
            model, chain = self._resolve(request.model)
            if request.texts is not None:
                await self._guard(request, context)
            if context.local_only and chain[0].provider != LOCAL_BACKEND:
                raise InvalidRequest(
                    "This input may not leave this machine, and the model "
                    f"'{request.model}' is an upstream model; use the local embedding model "
                    f"'{self._settings.embedding_model.name}'.",
                    code="local_model_required",
                    param="input",
                )
            result = await self._run(request, model, chain, context)
            ending.status = "ok"
            tokens = result.prompt_tokens
            await self._record(self._usage(request, context, prompt, model, "ok", None, tokens))
            await self._admission.settle(context, Usage(tokens, 0))
            return result

    async def _guard(self, request: EmbeddingRequest, context: RequestContext) -> None:
        assert request.texts is not None
        carrier = GenerationRequest(
            kind="chat",
            model=request.model,
            stream=False,
            messages=[ChatMessage(FIELD_ROLE, text) for text in request.texts],
        )
        context.language = language_of(" ".join(request.texts))
        for guard in self._guards:
            await guard(carrier, context)
        request.texts = [message.text() for message in carrier.messages or []]

    async def _run(
        self, request: EmbeddingRequest, model: str, chain: list[Backend], context: RequestContext
    ) -> EmbeddingResult:
        context.route = RouteDecision(model, chain[0])
        if chain[0].provider == LOCAL_BACKEND:
            return await self._local(request, model)
        return await self._upstream(request, chain, context.route)

    async def _local(self, request: EmbeddingRequest, model: str) -> EmbeddingResult:
        assert self.local is not None
        if request.texts is None:
            raise InvalidRequest(
                "The local embedding model takes text input, not token arrays.",
                code="invalid_value",
                param="input",
            )
        if request.dimensions is not None and request.dimensions != self.local.dimensions:
            raise InvalidRequest(
                f"The model '{model}' has {self.local.dimensions} dimensions and cannot "
                "shorten them.",
                code="invalid_value",
                param="dimensions",
            )
        input_type = request.input_type or self._settings.embedding_model.default_input_type
        embedded = await self.local.embed(request.texts, input_type)
        return EmbeddingResult(list(embedded.vectors), model, embedded.prompt_tokens)

    async def _upstream(
        self, request: EmbeddingRequest, chain: list[Backend], route: RouteDecision
    ) -> EmbeddingResult:
        """The upstreams of ``chain`` in turn, through the router (its fallback rules)."""
        passthrough: dict[str, Any] = {
            "input": request.texts if request.texts is not None else request.tokens,
            "encoding_format": "base64",
        }
        if request.dimensions is not None:
            passthrough["dimensions"] = request.dimensions
        if request.user is not None:
            passthrough["user"] = request.user
        generation = GenerationRequest(
            kind="embedding", model=request.model, stream=False, passthrough=passthrough
        )
        vectors: list[np.ndarray] = []
        tokens = 0
        chunks = self._router.generate(generation, chain, route)
        async with aclosing(chunks):
            async for chunk in chunks:
                vectors += [np.asarray(vector, dtype=np.float32) for vector in chunk.vectors or ()]
                tokens = chunk.usage.prompt_tokens if chunk.usage else tokens
        if len(vectors) != request.count:
            backend = route.backend.label if route.backend else "upstream"
            raise UpstreamError(
                f"upstream {backend}: {len(vectors)} embeddings for {request.count} inputs"
            )
        return EmbeddingResult(vectors, request.model, tokens)

    @staticmethod
    def _usage(
        request: EmbeddingRequest,
        context: RequestContext,
        prompt: bytes,
        model: str,
        status: str,
        error_code: str | None,
        tokens: int,
    ) -> UsageRecord:
        backend = context.route.backend if context.route else None
        return UsageRecord(
            request_id=context.request_id,
            created_at=float(context.created),
            tenant=context.tenant,
            key_id=context.key_id,
            kind="embeddings",
            model=model,
            backend=backend.label if backend else None,
            stream=False,
            status=status,
            finish_reason=None,
            error_code=error_code,
            prompt_tokens=tokens,
            completion_tokens=0,
            latency_ms=(time.perf_counter() - context.started) * 1000,
            first_token_ms=None,
            prompt=prompt.decode(),
            guard=context.guard,
        )
