"""What every generation route shares: a request's context, cancelling a non-streaming
generation when the client goes away, and the response headers (request id, labels, guard)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import orjson
from fastapi import Request

from ..errors import GatewayError
from ..labeling.implicit import label_headers
from ..pipeline import RequestContext
from ..store import KeyInfo

T = TypeVar("T")


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T | None:
    """Run ``work``, cancelling it if the client goes away first (then returns None)."""
    task = asyncio.ensure_future(work)

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        task.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        return await task
    except asyncio.CancelledError:
        if task.cancelled() and not watcher.cancelled():
            return None
        raise
    finally:
        watcher.cancel()


@contextmanager
def identified(context: RequestContext) -> Iterator[None]:
    """An error of this request carries its id in ``x-request-id``, as its answer would."""
    try:
        yield
    except GatewayError as exc:
        exc.headers = {**exc.headers, "x-request-id": context.request_id}
        raise


def new_context(key: KeyInfo, id_prefix: str) -> RequestContext:
    return RequestContext(
        request_id=id_prefix + secrets.token_hex(12), tenant=key.tenant, key_id=key.id
    )


def response_headers(context: RequestContext) -> dict[str, str]:
    headers = {"x-request-id": context.request_id, **label_headers(context.labels)}
    if context.guard:
        headers["x-aigc-guard"] = orjson.dumps(context.guard.as_dict()).decode()
    return headers
