"""Routing: model names and aliases to a fallback chain of backends, and route constraints.

The router owns the providers. It resolves the name a client asked for, applies what the input
guards decided (``local_only``: never send this request upstream), and walks the chain: a backend
that fails before producing output hands over to the next one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass

from ..config import LOCAL_BACKEND, Settings
from ..errors import BackendUnavailable, GatewayError, NotFound, UpstreamError
from .base import Chunk, GenerationRequest, Provider
from .upstream import UpstreamProvider, is_client_error

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Backend:
    """One link of a chain: which provider, and the model name it knows."""

    provider: str
    remote_model: str

    @property
    def label(self) -> str:
        return (
            self.provider
            if self.provider == LOCAL_BACKEND
            else (f"{self.provider}/{self.remote_model}")
        )


@dataclass(slots=True)
class RouteDecision:
    """What the caller learns about the route actually taken."""

    model: str
    backend: Backend | None = None


class Router:
    def __init__(self, settings: Settings, local: Provider | None) -> None:
        self._settings = settings
        self._providers: dict[str, Provider] = {
            name: UpstreamProvider(name, upstream) for name, upstream in settings.upstreams.items()
        }
        if local is not None:
            self._providers[LOCAL_BACKEND] = local
        self._local_name = settings.local_model.name

    @property
    def providers(self) -> dict[str, Provider]:
        return self._providers

    def model_names(self) -> list[str]:
        return [*self._settings.all_model_names(), *self._settings.aliases]

    def resolve(self, model: str, *, local_only: bool = False) -> tuple[str, list[Backend]]:
        """The canonical model name and its chain; ``local_only`` keeps local backends only."""
        route = self._settings.route_for(model)
        if route is None:
            raise NotFound(
                f"The model '{model}' does not exist or you do not have access to it.",
                code="model_not_found",
                param="model",
            )
        chain = [self._backend(ref) for ref in route.backends]
        if local_only:
            chain = [backend for backend in chain if backend.provider == LOCAL_BACKEND]
            if not chain and LOCAL_BACKEND in self._providers:
                chain = [Backend(LOCAL_BACKEND, self._local_name)]
            if not chain:
                raise BackendUnavailable(
                    "This request may only go to the local model, and none is enabled.",
                    code="local_model_required",
                )
        return self._settings.aliases.get(model, model), chain

    def _backend(self, ref: str) -> Backend:
        if ref == LOCAL_BACKEND:
            return Backend(LOCAL_BACKEND, self._local_name)
        provider, _, remote = ref.partition("/")
        return Backend(provider, remote)

    async def generate(
        self, request: GenerationRequest, chain: list[Backend], decision: RouteDecision
    ) -> AsyncIterator[Chunk]:
        """Try each backend in turn until one produces output; record which one in ``decision``."""
        last_error: GatewayError | None = None
        for backend in chain:
            decision.backend = backend
            produced = False
            chunks = self._providers[backend.provider].generate(request, backend.remote_model)
            try:
                async with aclosing(chunks):
                    async for chunk in chunks:
                        produced = True
                        yield chunk
                return
            except GatewayError as exc:
                if produced or is_client_error(exc) or (exc.status == 429 and len(chain) == 1):
                    raise
                log.warning("backend %s failed, trying the next: %s", backend.label, exc.message)
                last_error = exc
        assert last_error is not None
        if len(chain) == 1:
            raise last_error
        raise UpstreamError(f"All {len(chain)} backends failed; last: {last_error.message}")

    async def close(self) -> None:
        for provider in self._providers.values():
            await provider.close()
