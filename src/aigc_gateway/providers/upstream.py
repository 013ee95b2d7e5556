"""OpenAI-compatible upstream providers (upstream ``type: openai``): chat, completions and image
generation over one HTTP connection pool, with retries and a circuit breaker.

A request is retried with exponential backoff on 429, 5xx, connection errors and unreadable
answers, but only until the first chunk has reached the caller; after that a failure ends the
stream. A breaker opens after consecutive failed requests (each after its retries) so that a
dead upstream costs nothing while the router falls back to the next backend.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
import random
import struct
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson

from ..config import UpstreamSettings
from ..errors import BackendUnavailable, GatewayError, InvalidRequest, UpstreamError
from .base import Chunk, GeneratedImage, GenerationRequest, Usage

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
CLIENT_ERROR_STATUS = frozenset({400, 404, 413, 422})
MAX_RETRY_AFTER_S = 10.0
ENDPOINTS = {
    "chat": "/chat/completions",
    "completion": "/completions",
    "image": "/images/generations",
    "embedding": "/embeddings",
}


class UpstreamRejected(InvalidRequest):
    """The upstream says the request itself is wrong; no retry, no fallback."""


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; lets one trial through after a pause."""

    def __init__(self, threshold: int, reset_after_s: float) -> None:
        self._threshold = threshold
        self._reset_after_s = reset_after_s
        self._failures = 0
        self._opened_at: float | None = None

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if time.monotonic() - self._opened_at >= self._reset_after_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        state = self.state
        if state == "half_open":
            # One trial at a time: re-arm the pause until the trial reports back.
            self._opened_at = time.monotonic()
            return True
        return state == "closed"

    def retry_after_s(self) -> float:
        """Seconds until the breaker lets a trial request through."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self._reset_after_s - time.monotonic())

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None

    def failure(self) -> None:
        self._failures += 1
        if self._failures >= self._threshold:
            self._opened_at = time.monotonic()


class _Failure(Exception):
    """One failed attempt; ``retryable`` says whether another attempt may succeed."""

    def __init__(
        self, message: str, *, retryable: bool = True, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after")
    try:
        return min(float(value), MAX_RETRY_AFTER_S) if value else None
    except ValueError:
        return None


def _error_message(body: bytes) -> str:
    try:
        parsed = orjson.loads(body)
        return str(parsed["error"]["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return body[:200].decode("utf-8", "replace")


def _usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    return Usage(int(raw.get("prompt_tokens") or 0), int(raw.get("completion_tokens") or 0))


def _chunk_from_choice(choice: dict[str, Any], kind: str, streaming: bool) -> Chunk:
    if kind == "completion":
        text = choice.get("text") or ""
        tool_calls = None
    else:
        part = choice.get("delta" if streaming else "message") or {}
        text = part.get("content") or ""
        tool_calls = part.get("tool_calls")
    return Chunk(text=text, finish_reason=choice.get("finish_reason"), tool_calls=tool_calls)


def _embeddings(parsed: dict[str, Any]) -> Chunk:
    """The vectors of an embeddings answer (floats, or base64 little-endian float32), in input
    order, and its usage."""
    try:
        items = sorted(parsed["data"], key=lambda item: int(item.get("index", 0)))
        vectors = []
        for item in items:
            raw = item["embedding"]
            if isinstance(raw, str):
                packed = base64.b64decode(raw, validate=True)
                vectors.append(list(struct.unpack(f"<{len(packed) // 4}f", packed)))
            else:
                vectors.append([float(value) for value in raw])
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error, struct.error) as exc:
        raise _Failure(f"malformed embeddings answer ({type(exc).__name__})") from exc
    usage = parsed.get("usage") or {}
    tokens = int(usage.get("prompt_tokens") or usage.get("total_tokens") or 0)
    return Chunk(finish_reason="stop", vectors=vectors, usage=Usage(tokens, 0))


def _images(parsed: dict[str, Any]) -> list[Chunk]:
    """One chunk per image of an images answer (always ``b64_json``: only bytes are labelled)."""
    chunks = []
    for item in parsed.get("data") or []:
        try:
            data = base64.b64decode(item["b64_json"], validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise _Failure("answer without a b64_json image") from exc
        extra = {key: value for key, value in item.items() if key != "b64_json"}
        chunks.append(Chunk(image=GeneratedImage(data, extra)))
    if not chunks:
        raise _Failure("answer with no image")
    chunks[-1].finish_reason = "stop"
    return chunks


class UpstreamProvider:
    """One configured OpenAI-compatible upstream."""

    kinds = frozenset(ENDPOINTS)

    def __init__(self, name: str, settings: UpstreamSettings) -> None:
        self.name = name
        self._settings = settings
        self._breaker = CircuitBreaker(
            settings.circuit_breaker.failure_threshold, settings.circuit_breaker.reset_after_s
        )
        self._session: aiohttp.ClientSession | None = None
        self._headers = {"content-type": "application/json", **settings.headers}
        if settings.api_key_env:
            key = os.environ.get(settings.api_key_env)
            if key:
                self._headers["authorization"] = f"Bearer {key}"
            else:
                log.warning(
                    "upstream %s: environment variable %s is not set",
                    name,
                    settings.api_key_env,
                )

    @property
    def breaker_state(self) -> str:
        return self._breaker.state

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=256, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, json_serialize=lambda obj: orjson.dumps(obj).decode()
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _body(self, request: GenerationRequest, remote_model: str) -> dict[str, Any]:
        body: dict[str, Any] = {**request.passthrough, "model": remote_model}
        if request.kind == "chat":
            body["messages"] = [message.to_openai() for message in request.messages or ()]
        elif request.kind != "embedding":  # an embedding request's input is in passthrough
            body["prompt"] = request.prompt
        if request.kind == "image":
            body["response_format"] = "b64_json"
        for key in ("max_tokens", "temperature", "top_p", "stop", "seed"):
            value = getattr(request, key)
            if value is not None:
                body[key] = value
        if request.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    def _circuit_open(self) -> BackendUnavailable:
        return BackendUnavailable(
            f"The upstream '{self.name}' is failing; it is paused after repeated failures.",
            retry_after_s=self._breaker.retry_after_s(),
        )

    async def generate(self, request: GenerationRequest, remote_model: str) -> AsyncIterator[Chunk]:
        if not self._breaker.allow():
            raise self._circuit_open()
        settings = self._settings
        url = settings.base_url + ENDPOINTS[request.kind]
        body = orjson.dumps(self._body(request, remote_model))
        timeout = aiohttp.ClientTimeout(
            total=None if request.stream else settings.timeout_s,
            connect=settings.connect_timeout_s,
            sock_read=settings.timeout_s,
        )
        attempt = 0
        yielded = False
        while True:
            try:
                async with self._client().post(
                    url, data=body, headers=self._headers, timeout=timeout
                ) as response:
                    await self._check_status(response)
                    if request.stream:
                        async for chunk in self._read_stream(response, request.kind):
                            yielded = True
                            yield chunk
                    else:
                        for chunk in await self._read_whole(response, request.kind):
                            yielded = True
                            yield chunk
                self._breaker.success()
                return
            except _Failure as exc:
                failure: Exception = exc
                retryable, retry_after = exc.retryable, exc.retry_after_s
            except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
                failure = exc
                retryable, retry_after = True, None
            except UpstreamRejected:
                self._breaker.success()
                raise
            detail = f"upstream {self.name}: {type(failure).__name__}: {failure}".rstrip(": ")
            if yielded or not retryable or attempt >= settings.max_retries:
                self._breaker.failure()
                log.warning("%s; giving up", detail)
                raise UpstreamError(self._failed(failure))
            delay = retry_after or settings.backoff_s * (2**attempt) * (0.5 + random.random())
            log.info("%s; retry %d in %.2fs", detail, attempt + 1, delay)
            await asyncio.sleep(delay)
            attempt += 1

    def _failed(self, failure: Exception) -> str:
        """What the client is told: which upstream and what kind of failure, no internals."""
        if isinstance(failure, _Failure):
            what = str(failure)
        elif isinstance(failure, TimeoutError):
            what = "did not answer in time"
        elif isinstance(failure, aiohttp.ClientConnectionError | ConnectionError):
            what = "could not be reached"
        else:
            what = "sent an answer that could not be read"
        return f"The upstream '{self.name}' failed: {what}."

    async def _check_status(self, response: aiohttp.ClientResponse) -> None:
        if response.status == 200:
            return
        raw = await response.read()
        if response.status in CLIENT_ERROR_STATUS:
            raise UpstreamRejected(
                f"The upstream '{self.name}' rejected the request: {_error_message(raw)}"
            )
        retryable = response.status in RETRYABLE_STATUS or response.status >= 500
        log.info("upstream %s: HTTP %d: %s", self.name, response.status, _error_message(raw))
        raise _Failure(
            f"answered HTTP {response.status}",
            retryable=retryable,
            retry_after_s=_retry_after(response.headers),
        )

    async def _read_whole(self, response: aiohttp.ClientResponse, kind: str) -> list[Chunk]:
        raw = await response.read()
        try:
            parsed = orjson.loads(raw)
            if kind == "image":
                return _images(parsed)
            if kind == "embedding":
                return [_embeddings(parsed)]
            chunk = _chunk_from_choice(parsed["choices"][0], kind, streaming=False)
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise _Failure("sent a malformed answer") from exc
        chunk.usage = _usage(parsed.get("usage"))
        chunk.finish_reason = chunk.finish_reason or "stop"
        return [chunk]

    async def _read_stream(
        self, response: aiohttp.ClientResponse, kind: str
    ) -> AsyncIterator[Chunk]:
        finished = False
        async for raw_line in response.content:
            line = raw_line.strip()
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                finished = True
                break
            try:
                event = orjson.loads(data)
                choices = event.get("choices") or []
                usage = _usage(event.get("usage"))
            except (orjson.JSONDecodeError, AttributeError) as exc:
                raise _Failure("sent a malformed stream event") from exc
            if isinstance(event.get("error"), dict):
                raise _Failure(f"reported an error in the stream: {_error_message(data)}")
            for choice in choices[:1]:
                chunk = _chunk_from_choice(choice, kind, streaming=True)
                if chunk.text or chunk.tool_calls or chunk.finish_reason:
                    yield chunk
            if usage is not None:
                yield Chunk(usage=usage)
        if not finished:
            raise _Failure("ended the stream before [DONE]")


def is_client_error(exc: GatewayError) -> bool:
    """True when the request itself is at fault, so another backend would fail too."""
    return isinstance(exc, UpstreamRejected)
