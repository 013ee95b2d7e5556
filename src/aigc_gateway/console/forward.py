"""Calls from the console to the gateway's own API, in process, as the signed-in key.

The console does not re-implement chat, guard, verify or evaluations: it sends the request
through the application itself (same routes, authentication, limits, metrics and audit) with
the session's key as the bearer token, and streams the answer back as it comes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Request
from starlette.types import Message


@dataclass(slots=True)
class ApiAnswer:
    status: int
    headers: dict[str, str]
    body: AsyncIterator[bytes]

    async def read(self) -> bytes:
        return b"".join([part async for part in self.body])

    async def json(self) -> Any:
        return orjson.loads(await self.read())


async def call_api(
    request: Request,
    secret: str,
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str = "application/json",
    query: str = "",
) -> ApiAnswer:
    """Run ``method path`` through the app; returns once the response has started."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": request.scope.get("asgi", {"version": "3.0"}),
        "http_version": "1.1",
        "method": method,
        "scheme": request.url.scheme,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [
            (b"authorization", f"Bearer {secret}".encode()),
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": request.scope.get("client"),
        "server": request.scope.get("server"),
        "state": {},
    }
    messages: asyncio.Queue[Message] = asyncio.Queue()
    finished = asyncio.Event()
    sent_body = False

    async def receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        await messages.put(message)

    async def run() -> None:
        try:
            await request.app(scope, receive, send)
        finally:
            await messages.put({"type": "console.done"})

    task = asyncio.create_task(run())
    start = await messages.get()
    if start["type"] != "http.response.start":
        await task
        raise RuntimeError("the API gave no response")
    headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                message = await messages.get()
                if message["type"] != "http.response.body":
                    return
                if message.get("body"):
                    yield message["body"]
                if not message.get("more_body", False):
                    return
        finally:
            finished.set()
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    return ApiAnswer(int(start["status"]), headers, chunks())
