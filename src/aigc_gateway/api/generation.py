"""What every generation route shares: a request's context, cancelling a generation when the
client goes away (:func:`unless_disconnected`, :class:`EventStream`), and the response headers
(request id, labels, guard)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import aclosing, contextmanager
from typing import TypeVar

import orjson
from fastapi import Request
from fastapi.responses import Response
from starlette.types import Receive, Scope, Send

from ..errors import GatewayError
from ..ids import random_hex
from ..labeling.implicit import label_headers
from ..pipeline import RequestContext
from ..store import KeyInfo

T = TypeVar("T")


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T | None:
    """Await ``work`` in this task, cancelling it if the client goes away first (then returns
    None); one watcher task."""
    working = asyncio.current_task()
    assert working is not None
    gone = False

    async def watch() -> None:
        nonlocal gone
        while (await request.receive())["type"] != "http.disconnect":
            pass
        gone = True
        working.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        return await work
    except asyncio.CancelledError:
        if not gone:
            raise
        working.uncancel()  # the client left: the work is over, not this task
        return None
    finally:
        watcher.cancel()


class EventStream(Response):
    """A server-sent event stream that stops (closing its events) when the client goes away.

    Starlette's ``StreamingResponse`` watches for the disconnect in an anyio task group (two
    tasks and cancel scopes per response); this uses one watcher task that cancels the task
    sending the events.
    """

    media_type = "text/event-stream"

    def __init__(self, events: AsyncIterator[bytes], headers: dict[str, str]) -> None:
        self.events = events
        self.status_code = 200
        self.background = None
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sending = asyncio.current_task()
        assert sending is not None
        gone = False

        async def watch() -> None:
            nonlocal gone
            while (await receive())["type"] != "http.disconnect":
                pass
            gone = True
            sending.cancel()

        watcher = asyncio.ensure_future(watch())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            async with aclosing(self.events) as events:
                async for event in events:
                    await send({"type": "http.response.body", "body": event, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not gone:
                raise
            sending.uncancel()  # the client left: the stream is over, not this task
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
    return RequestContext(request_id=id_prefix + random_hex(12), tenant=key.tenant, key_id=key.id)


def response_headers(context: RequestContext) -> dict[str, str]:
    headers = {"x-request-id": context.request_id, **label_headers(context.labels)}
    if context.guard:
        headers["x-aigc-guard"] = orjson.dumps(context.guard.as_dict()).decode()
    return headers
