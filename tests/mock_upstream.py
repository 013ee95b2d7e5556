"""A real OpenAI-compatible HTTP server on loopback that stands in for remote providers.

The requested model name picks the behaviour:

- ``echo``: answers ``echo: <last user message>``; streams it in 8-character chunks.
- ``fixed-<N>``: answers N bytes of fixed text at once (fast path for benchmarks).
- ``slow``: sleeps ``MOCK_SLOW_S`` (2 s) before answering.
- ``fail-500`` / ``fail-429``: always that status (429 with ``Retry-After: 0``).
- ``flaky``: 500 for the first two calls with the same last user message, then ``echo``.
- ``reset``: aborts the TCP connection without an answer.
- ``malformed``: 200 with a body (or stream) that is not valid JSON.
- ``bad-request``: 400 with an OpenAI error body.
- ``tool``: answers with a tool call (streamed as OpenAI does: name first, then the
  arguments in fragments); ``tool-secret``: the same with a GitHub token in the arguments.
- ``cut-stream``: streams two chunks and then drops the connection.

``POST /v1/images/generations`` answers ``n`` generated 320x320 PNGs as ``b64_json`` (drawn from
the prompt's hash, so each prompt gives its own picture).

``POST /v1/embeddings`` answers one 8-dimensional vector per input, drawn from the text's hash
(as floats, or base64 when asked); ``usage.prompt_tokens`` counts words.

``GET /stats`` returns calls per model; ``POST /stats/reset`` clears them. Run it standalone
with ``python tests/mock_upstream.py PORT`` (benchmarks) or in-process with :class:`MockUpstream`.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import io
import json
import struct
import sys
import threading
import time
import zlib
from typing import Any

from aiohttp import web

SLOW_S = 2.0
FAKE_TOKEN = "ghp_" + "Ab1Cd2Ef3Gh4" * 3
"""Shaped like a GitHub token (the secrets guard finds it); not a real one."""


def _completion(model: str, content: str | None, tool_calls: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12},
    }


def _last_user_text(body: dict[str, Any]) -> str:
    if "prompt" in body:
        return str(body["prompt"])
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def _png(seed_text: str) -> str:
    """A 320x320 PNG of smooth colour fields and noise, seeded by ``seed_text``, base64."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(zlib.crc32(seed_text.encode()))
    y, x = np.mgrid[0:320, 0:320] / 320
    phase = rng.random(3) * 6
    base = np.stack([np.sin(x * 4 + phase[i]) * np.cos(y * 3 + phase[i]) for i in range(3)], -1)
    pixels = (base * 0.5 + 0.5) * 200 + 20 + rng.normal(0, 5, (320, 320, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


class MockState:
    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.flaky: collections.Counter[str] = collections.Counter()
        self.last_body: dict[str, Any] = {}
        self.last_headers: dict[str, str] = {}


def build_app(state: MockState) -> web.Application:
    async def stats(_: web.Request) -> web.Response:
        return web.json_response(dict(state.calls))

    async def reset(_: web.Request) -> web.Response:
        state.calls.clear()
        state.flaky.clear()
        return web.json_response({})

    async def last(_: web.Request) -> web.Response:
        return web.json_response({"body": state.last_body, "headers": state.last_headers})

    async def generate(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        model = str(body.get("model", ""))
        state.calls[model] += 1
        state.last_body = body
        state.last_headers = dict(request.headers)
        chat = request.path.endswith("/chat/completions")
        if model == "slow":
            await asyncio.sleep(SLOW_S)
            model = "echo"
        if model == "flaky":
            attempt_key = _last_user_text(body)
            state.flaky[attempt_key] += 1
            if state.flaky[attempt_key] <= 2:
                return web.json_response({"error": {"message": "flaky"}}, status=500)
            model = "echo"
        if model == "fail-500":
            return web.json_response({"error": {"message": "upstream broke"}}, status=500)
        if model == "fail-429":
            return web.json_response(
                {"error": {"message": "slow down"}}, status=429, headers={"retry-after": "0"}
            )
        if model == "bad-request":
            return web.json_response(
                {"error": {"message": "max_tokens is too large", "type": "invalid_request_error"}},
                status=400,
            )
        if model == "reset":
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        if model == "malformed":
            if body.get("stream"):
                response = web.StreamResponse(headers={"content-type": "text/event-stream"})
                await response.prepare(request)
                await response.write(b"data: {not json\n\n")
                return response
            return web.Response(text="{not json", content_type="application/json")
        if model in ("tool", "tool-secret"):
            arguments = '{"city":"Paris"}'
            if model == "tool-secret":
                arguments = '{"city":"Paris","token":"' + FAKE_TOKEN + '"}'
            if body.get("stream"):
                return await _stream_tool_call(request, model, arguments)
            calls = [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": arguments},
                }
            ]
            return web.json_response(_completion(model, None, calls))
        if model.startswith("fixed-"):
            text = "x" * int(model.removeprefix("fixed-"))
        else:
            text = "echo: " + _last_user_text(body)
        if body.get("stream"):
            return await _stream(request, model, text, chat, cut=model == "cut-stream")
        if not chat:
            return web.json_response(
                {
                    "id": "cmpl-mock",
                    "object": "text_completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "text": text, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12},
                }
            )
        return web.json_response(_completion(model, text))

    async def images(request: web.Request) -> web.Response:
        body = await request.json()
        state.calls[str(body.get("model", ""))] += 1
        state.last_body = body
        data = [{"b64_json": _png(f"{body.get('prompt')}/{i}")} for i in range(body.get("n", 1))]
        return web.json_response({"created": int(time.time()), "data": data})

    async def embeddings(request: web.Request) -> web.Response:
        body = await request.json()
        state.calls[str(body.get("model", ""))] += 1
        state.last_body = body
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = []
        for index, text in enumerate(inputs):
            seed = zlib.crc32(json.dumps(text).encode())
            vector = [((seed >> shift) & 0xFF) / 255 for shift in range(0, 32, 4)]
            if body.get("encoding_format") == "base64":
                packed = base64.b64encode(struct.pack("<8f", *vector)).decode()
                data.append({"object": "embedding", "index": index, "embedding": packed})
            else:
                data.append({"object": "embedding", "index": index, "embedding": vector})
        words = sum(len(str(text).split()) for text in inputs)
        usage = {"prompt_tokens": words, "total_tokens": words}
        return web.json_response(
            {"object": "list", "data": data, "model": body.get("model"), "usage": usage}
        )

    app = web.Application()
    app.router.add_post("/v1/embeddings", embeddings)
    app.router.add_post("/v1/images/generations", images)
    app.router.add_get("/stats", stats)
    app.router.add_post("/stats/reset", reset)
    app.router.add_get("/last", last)
    app.router.add_post("/v1/chat/completions", generate)
    app.router.add_post("/v1/completions", generate)
    return app


async def _stream(
    request: web.Request, model: str, text: str, chat: bool, *, cut: bool
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await response.prepare(request)
    pieces = [text[i : i + 8] for i in range(0, len(text), 8)] or [""]
    for index, piece in enumerate(pieces):
        if cut and index == 2:
            assert request.transport is not None
            request.transport.abort()
            return response
        if chat:
            choice: dict[str, Any] = {
                "index": 0,
                "delta": {"content": piece},
                "finish_reason": None,
            }
        else:
            choice = {"index": 0, "text": piece, "finish_reason": None}
        event = {"id": "mock", "object": "chunk", "model": model, "choices": [choice]}
        await response.write(b"data: " + json.dumps(event).encode() + b"\n\n")
    final_choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
    final_choice["delta" if chat else "text"] = {} if chat else ""
    await response.write(
        b"data: "
        + json.dumps({"id": "mock", "model": model, "choices": [final_choice]}).encode()
        + b"\n\n"
    )
    usage = {"prompt_tokens": 7, "completion_tokens": len(pieces), "total_tokens": 7 + len(pieces)}
    await response.write(
        b"data: " + json.dumps({"id": "mock", "choices": [], "usage": usage}).encode() + b"\n\n"
    )
    await response.write(b"data: [DONE]\n\n")
    return response


async def _stream_tool_call(request: web.Request, model: str, arguments: str) -> web.StreamResponse:
    response = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await response.prepare(request)
    head = {"index": 0, "id": "call_1", "type": "function"}
    deltas = [{**head, "function": {"name": "get_weather", "arguments": ""}}]
    deltas += [
        {"index": 0, "function": {"arguments": arguments[i : i + 5]}}
        for i in range(0, len(arguments), 5)
    ]
    for delta in deltas:
        choice = {"index": 0, "delta": {"tool_calls": [delta]}, "finish_reason": None}
        event = {"id": "mock", "object": "chunk", "model": model, "choices": [choice]}
        await response.write(b"data: " + json.dumps(event).encode() + b"\n\n")
    final = {"index": 0, "delta": {}, "finish_reason": "tool_calls"}
    usage = {"prompt_tokens": 7, "completion_tokens": len(deltas), "total_tokens": 7 + len(deltas)}
    for event in (
        {"id": "mock", "model": model, "choices": [final]},
        {"id": "mock", "choices": [], "usage": usage},
    ):
        await response.write(b"data: " + json.dumps(event).encode() + b"\n\n")
    await response.write(b"data: [DONE]\n\n")
    return response


class MockUpstream:
    """Runs the mock server on a background thread; ``url`` is its ``/v1`` base URL."""

    def __init__(self, port: int = 0) -> None:
        self.state = MockState()
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(build_app(self.state), access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        self._loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


if __name__ == "__main__":
    web.run_app(
        build_app(MockState()), host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None
    )
