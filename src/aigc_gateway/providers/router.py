"""Routing: model names and aliases to a fallback chain of backends, and route constraints.

The router owns the providers, built from the upstreams' ``type`` through
:data:`PROVIDER_TYPES`. It resolves the name a client asked for, keeps the backends that serve
the request's kind (chat, completion, image), applies what the input guards decided
(``local_only``: never send this request upstream), and walks the chain for every kind of
generation: a backend that fails before producing output hands over to the next one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass

from ..config import LOCAL_BACKEND, Settings, UpstreamSettings
from ..errors import BackendUnavailable, GatewayError, InvalidRequest, NotFound, UpstreamError
from .base import Chunk, GenerationRequest, Provider
from .upstream import UpstreamProvider, is_client_error

log = logging.getLogger(__name__)

PROVIDER_TYPES: dict[str, Callable[[str, UpstreamSettings], Provider]] = {
    "openai": UpstreamProvider,
}
"""Upstream ``type`` (``UpstreamSettings.type``) -> the provider class that speaks it."""


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
            name: PROVIDER_TYPES[upstream.type](name, upstream)
            for name, upstream in settings.upstreams.items()
        }
        if local is not None:
            self._providers[LOCAL_BACKEND] = local
        self._local_name = settings.local_model.name

    @property
    def providers(self) -> dict[str, Provider]:
        return self._providers

    def model_names(self) -> list[str]:
        return [*self._settings.all_model_names(), *self._settings.aliases]

    def resolve(
        self, model: str, kind: str | None = None, *, local_only: bool = False
    ) -> tuple[str, list[Backend]]:
        """The canonical model name and its chain of backends that serve ``kind`` (any kind when
        None); ``local_only`` keeps local backends only."""
        route = self._settings.route_for(model)
        if route is None:
            raise NotFound(
                f"The model '{model}' does not exist or you do not have access to it.",
                code="model_not_found",
                param="model",
            )
        chain = [
            backend
            for backend in map(self._backend, route.backends)
            if self._serves(backend.provider, kind)
        ]
        if not chain:
            raise InvalidRequest(
                f"The model '{model}' has no backend for {kind} requests.", param="model"
            )
        if local_only:
            chain = [backend for backend in chain if backend.provider == LOCAL_BACKEND]
            if not chain and self._serves(LOCAL_BACKEND, kind):
                chain = [Backend(LOCAL_BACKEND, self._local_name)]
            if not chain:
                raise BackendUnavailable(
                    f"This request may only go to the local model, which is not enabled or "
                    f"does not serve {kind} requests.",
                    code="local_model_required",
                )
        return self._settings.aliases.get(model, model), chain

    def _serves(self, provider: str, kind: str | None) -> bool:
        found = self._providers.get(provider)
        return found is not None and (kind is None or kind in found.kinds)

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
