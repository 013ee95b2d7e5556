"""Chat and text completion responses, with one choice or several (a list of prompts, ``n`` > 1).

Each choice is its own generation through the pipeline (its own guards, labels, ProduceID and
audit record, all under the response's request id), so ``n`` works on every backend. Without
streaming the generations run concurrently (the local model still takes one at a time); a
stream sends them one after another, each choice with its ``index``. With several choices each
carries its own ``aigc`` (and ``guard``) object and ``usage`` is the sum.

The first item of a stream is pulled before the response starts, so anything that fails before
the first token (unknown model, blocked prompt, full queue) is still an HTTP error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing

from fastapi import Request
from fastapi.responses import Response

from ..errors import GatewayError
from ..gateway import Gateway
from ..ids import random_hex
from ..pipeline import Collected, Outcome, RequestContext, collect
from ..providers.base import Chunk, GenerationRequest, Usage
from ..store import KeyInfo
from .generation import EventStream, identified, response_headers, unless_disconnected
from .http import json_response
from .openai_format import DONE, ResponseFormat, sse, usage_object

log = logging.getLogger(__name__)


def _model(context: RequestContext, asked: str) -> str:
    """The model name the response shows: the one routed to (aliases resolved)."""
    return context.route.model if context.route else asked


def _total(outcomes: list[Outcome]) -> Usage:
    return Usage(
        sum(outcome.usage.prompt_tokens for outcome in outcomes),
        sum(outcome.usage.completion_tokens for outcome in outcomes),
    )


async def generate_choices(
    request: Request,
    gateway: Gateway,
    key: KeyInfo,
    shape_type: type[ResponseFormat],
    model: str,
    requests: list[GenerationRequest],
    include_usage: bool,
) -> Response:
    request_id = shape_type.id_prefix + random_hex(12)
    contexts = [RequestContext(request_id, key.tenant, key.id) for _ in requests]
    streams = [
        gateway.pipeline.stream(generation, context)
        for generation, context in zip(requests, contexts, strict=True)
    ]
    if requests[0].stream:
        with identified(contexts[0]):
            first = await anext(streams[0])
        return EventStream(
            _events(first, streams, contexts, shape_type, model, include_usage),
            response_headers(contexts[0]),
        )

    async def run_all() -> list[Collected]:
        if len(streams) == 1:  # the usual case: no task group (one task less per request)
            return [await collect(streams[0])]
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(collect(stream)) for stream in streams]
        return [task.result() for task in tasks]

    try:
        with identified(contexts[0]):
            results = await unless_disconnected(request, run_all())
    except* GatewayError as group:
        raise group.exceptions[0] from None
    if results is None:
        return Response(status_code=499)
    if len(results) == 1:
        shape = shape_type(contexts[0], _model(contexts[0], model))
        whole = shape.whole(results[0].text, results[0].tool_calls, results[0].outcome)
        return json_response(whole, headers=response_headers(contexts[0]))
    choices = []
    for index, (context, result) in enumerate(zip(contexts, results, strict=True)):
        shape = shape_type(context, _model(context, model), index)
        whole = shape.whole(result.text, result.tool_calls, result.outcome)
        choice = whole["choices"][0]
        choice["aigc"] = whole["aigc"]
        if "guard" in whole:
            choice["guard"] = whole["guard"]
        choices.append(choice)
    outcomes = [result.outcome for result in results]
    answer = {**whole, "choices": choices, "usage": usage_object(_total(outcomes))}
    answer.pop("guard", None)
    answer["aigc"] = choices[0]["aigc"]
    return json_response(answer, headers=response_headers(contexts[0]))


async def _events(
    first: Chunk | Outcome,
    streams: list[AsyncIterator[Chunk | Outcome]],
    contexts: list[RequestContext],
    shape_type: type[ResponseFormat],
    model: str,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    """The SSE body: per choice its opening chunk, deltas and closing chunk (``aigc``); then
    usage (``stream_options.include_usage``) and ``[DONE]``."""
    outcomes: list[Outcome] = []
    pending: Chunk | Outcome | None = first
    for index, (stream, context) in enumerate(zip(streams, contexts, strict=True)):
        async with aclosing(stream):
            try:
                item = pending if pending is not None else await anext(stream)
                pending = None
                shape = shape_type(context, _model(context, model), index)
                opening = shape.opening() or b""
                if isinstance(item, Outcome):
                    if opening:
                        yield opening
                else:  # with the first delta, which is here already: one write, not two
                    yield opening + shape.delta(item)
                    item = await anext(stream)
                while not isinstance(item, Outcome):
                    yield shape.delta(item)
                    item = await anext(stream)
            except GatewayError as error:
                yield sse(error.to_dict())
                yield DONE
                return
            except Exception:
                # Whatever broke, the client learns the stream failed and sees it end properly.
                log.exception("stream failed")
                yield sse(GatewayError("The server had an error while streaming.").to_dict())
                yield DONE
                return
        outcomes.append(item)
        single = len(streams) == 1
        closing = shape.closing(item, include_usage=include_usage and single)
        if single:  # the last events in one write
            yield closing + DONE
            return
        yield closing
    if include_usage:
        yield shape.usage_chunk(_total(outcomes))
    yield DONE
