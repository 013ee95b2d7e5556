"""HTTP helpers every route module shares: JSON responses, error bodies, bounded body reads,
and the last line of defence, :class:`UnexpectedErrors`.

Limits on what a client may send (``server.max_body_bytes``, ``server.max_message_chars``) are
enforced here and in the request schemas with 413 ``request_too_large``.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import (
    RETRY_AFTER_S,
    GatewayError,
    InvalidRequest,
    PayloadTooLarge,
    StorageUnavailable,
)

log = logging.getLogger(__name__)

STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EIO, errno.EDQUOT, errno.EACCES})


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, headers=headers, media_type="application/json"
    )


def error_response(error: GatewayError) -> Response:
    headers = dict(error.headers)
    if error.status == 503:
        headers.setdefault("retry-after", str(RETRY_AFTER_S))
    return json_response(error.to_dict(), error.status, headers)


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


def is_storage_error(exc: BaseException) -> bool:
    """A database or disk failure (SQLite, PostgreSQL, a full or read-only disk)."""
    if isinstance(exc, sqlite3.Error):
        return True
    if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
        return True
    return type(exc).__module__.split(".")[0] == "psycopg" and isinstance(exc, Exception)


class UnexpectedErrors:
    """Turns an exception no route handled into a JSON error, never a dropped connection.

    A storage failure becomes 503 ``storage_unavailable`` with ``Retry-After`` and is reported
    to ``on_storage_error`` (readiness); anything else is logged and answered with a generic
    500 that says nothing about internals. Unlike Starlette's own handler it does not re-raise,
    so the server keeps the client's keep-alive connection open.
    """

    def __init__(
        self, app: ASGIApp, on_storage_error: Callable[[BaseException], None] | None = None
    ) -> None:
        self._app = app
        self._on_storage_error = on_storage_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def note_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, note_start)
        except Exception as exc:
            if is_storage_error(exc):
                log.error(
                    "storage failure on %s: %s: %s", scope.get("path"), type(exc).__name__, exc
                )
                if self._on_storage_error is not None:
                    self._on_storage_error(exc)
                error: GatewayError = StorageUnavailable(
                    "The gateway's storage is unavailable right now; try again shortly."
                )
            else:
                log.exception("unexpected error on %s", scope.get("path"))
                error = GatewayError("The server had an error processing your request.")
            if started:
                return  # the response is under way: end it; the client sees it cut short
            await error_response(error)(scope, receive, send)


@dataclass(frozen=True, slots=True)
class DirectRoute:
    """A route served by :class:`DirectRoutes`; ``path`` is what the metrics label it with."""

    path: str
    handler: Callable[[Request], Awaitable[Response]]


class DirectRoutes:
    """The hot POST routes (chat and text completions) as plain ASGI: the app
    (:class:`GatewayApp`) hands them, through its user middleware (metrics,
    :class:`UnexpectedErrors`, CORS, tracing), straight to their handlers, past FastAPI's and
    Starlette's own layers (telemetry check, server-error and body-limit middleware, exception
    middleware, the router's scan of every route, FastAPI's request handling), which they do not
    need: the handler reads and validates its body itself. A :class:`GatewayError` becomes its
    JSON error here, as the app's handler would answer it.
    """

    def __init__(self, routes: list[DirectRoute]) -> None:
        self._routes = {route.path: route for route in routes}

    def route_for(self, scope: Scope) -> DirectRoute | None:
        """The direct route serving this request, if any (POST to one of the paths)."""
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        return self._routes.get(scope["path"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await scope["route"].handler(Request(scope, receive))
        except GatewayError as exc:
            response = error_response(exc)
        await response(scope, receive, send)


class GatewayApp(FastAPI):
    """The FastAPI app, with :class:`DirectRoutes` answered before FastAPI's own layers (every
    other request takes the usual path). The direct routes' stack is the app's user middleware
    around :class:`DirectRoutes`, built when the first such request arrives (after every
    ``add_middleware``)."""

    direct: DirectRoutes | None = None
    _direct_stack: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.direct.route_for(scope) if self.direct is not None else None
        if route is None:
            await super().__call__(scope, receive, send)
            return
        stack = self._direct_stack
        if stack is None:
            stack = self.direct
            for cls, args, kwargs in reversed(self.user_middleware):
                stack = cls(stack, *args, **kwargs)
            self._direct_stack = stack
        scope["app"] = self
        scope["route"] = route
        await stack(scope, receive, send)
