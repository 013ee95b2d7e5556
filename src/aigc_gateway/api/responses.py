"""``/v1/responses``: OpenAI's Responses API over the same pipeline as chat completions.

A request becomes a chat :class:`GenerationRequest` — the stored conversation of
``previous_response_id`` (the caller's tenant only), then ``instructions`` as a system message,
then ``input`` (a string, or messages and function-call items) — and walks the same guards,
route, labels and audit as any chat. Function tools are passed on (and on the local model
enforced by a grammar); hosted tools, files, images and background mode are refused with a 400
naming them. Streaming answers with the typed events (``response.created`` …
``response.completed``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..conversations import ResponseStore
from ..errors import GatewayError, InvalidRequest, NotFound
from ..ids import random_hex
from ..pipeline import Outcome, RequestContext, collect
from ..providers.base import Chunk, GenerationRequest
from ..providers.messages import ChatMessage, ContentPart, FunctionCall, ToolCall
from .auth import authenticate
from .generation import identified, new_context, response_headers, unless_disconnected
from .http import json_response, read_body
from .schemas import MaxTokens, Temperature, TopP, parse_body

router = APIRouter()

INPUT_TEXT_TYPES = frozenset({"input_text", "output_text", "text"})
MESSAGE_ROLES = frozenset({"user", "assistant", "system", "developer"})


class ResponsesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    input: str | list[dict[str, Any]] = Field(min_length=1)
    instructions: str | None = None
    previous_response_id: str | None = None
    stream: bool = False
    max_output_tokens: MaxTokens | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    text: dict[str, Any] | None = None
    store: bool = True
    metadata: dict[str, str] | None = None
    user: str | None = None
    include: list[str] | None = None
    truncation: Literal["disabled", "auto"] | None = None
    reasoning: dict[str, Any] | None = None
    background: bool | None = None
    service_tier: str | None = None
    seed: Annotated[int, Field(ge=0)] | None = None


def _unsupported(what: str, param: str) -> InvalidRequest:
    return InvalidRequest(
        f"{what} is not supported by this gateway.", code="unsupported_parameter", param=param
    )


def _content(content: Any, where: str) -> str | tuple[ContentPart, ...]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequest(f"{where}.content must be a string or a list of parts.", param=where)
    parts = []
    for index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in INPUT_TEXT_TYPES:
            raise _unsupported(f"Content of type '{kind}' ({where}.content[{index}])", "input")
        parts.append(ContentPart("text", str(part.get("text", ""))))
    return tuple(parts)


def _messages(items: str | list[dict[str, Any]]) -> list[ChatMessage]:
    """The ``input`` items as chat messages."""
    if isinstance(items, str):
        return [ChatMessage("user", items)]
    messages: list[ChatMessage] = []
    for index, item in enumerate(items):
        where = f"input[{index}]"
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if role not in MESSAGE_ROLES:
                raise InvalidRequest(f"{where}.role must be one of {sorted(MESSAGE_ROLES)}.")
            messages.append(ChatMessage(role, _content(item.get("content"), where)))
        elif kind == "function_call":
            name, arguments = item.get("name"), item.get("arguments", "")
            if not isinstance(name, str) or not isinstance(arguments, str):
                raise InvalidRequest(
                    f"{where} needs a string 'name' and string 'arguments'.", param="input"
                )
            call = ToolCall(
                str(item.get("call_id") or item.get("id")), FunctionCall(name, arguments)
            )
            if messages and messages[-1].role == "assistant" and messages[-1].tool_calls:
                messages[-1] = replace(messages[-1], tool_calls=(*messages[-1].tool_calls, call))
            else:
                messages.append(ChatMessage("assistant", tool_calls=(call,)))
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else orjson.dumps(output).decode()
            messages.append(ChatMessage("tool", text, tool_call_id=item.get("call_id")))
        elif kind == "reasoning":
            continue  # a previous turn's reasoning summary: nothing to tell this model
        else:
            raise _unsupported(f"Input items of type '{kind}' ({where})", "input")
    return messages


def _chat_tools(tools: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if not tools:
        return None
    converted = []
    for index, tool in enumerate(tools):
        kind = tool.get("type")
        if kind != "function":
            raise _unsupported(f"The hosted tool '{kind}' (tools[{index}])", "tools")
        function = {key: tool[key] for key in ("name", "description", "parameters") if key in tool}
        converted.append({"type": "function", "function": function})
    return converted


def _chat_tool_choice(choice: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
    if isinstance(choice, dict):
        if choice.get("type") != "function":
            raise _unsupported(f"tool_choice of type '{choice.get('type')}'", "tool_choice")
        return {"type": "function", "function": {"name": choice.get("name")}}
    return choice


def _response_format(text: dict[str, Any] | None) -> dict[str, Any] | None:
    form = (text or {}).get("format")
    if not form or form.get("type") == "text":
        return None
    if form.get("type") == "json_object":
        return {"type": "json_object"}
    if form.get("type") == "json_schema":
        schema = {key: form[key] for key in ("name", "schema", "strict") if key in form}
        return {"type": "json_schema", "json_schema": schema}
    raise InvalidRequest(f"text.format type '{form.get('type')}' is not supported.", param="text")


def _check_supported(body: ResponsesBody) -> None:
    if body.background:
        raise _unsupported("Background mode", "background")
    if body.include:
        raise _unsupported(f"include {body.include}", "include")
    if body.reasoning and any(value is not None for value in body.reasoning.values()):
        raise _unsupported("Reasoning options", "reasoning")


def to_request(
    body: ResponsesBody, history: list[ChatMessage]
) -> tuple[GenerationRequest, list[ChatMessage]]:
    """The chat request for this response, and the conversation to store after it."""
    _check_supported(body)
    turn = _messages(body.input)
    messages = list(history)
    if body.instructions:
        messages.append(ChatMessage("system", body.instructions))
    messages += turn
    passthrough: dict[str, Any] = {}
    tools = _chat_tools(body.tools)
    if tools:
        passthrough["tools"] = tools
    for name, value in (
        ("tool_choice", _chat_tool_choice(body.tool_choice)),
        ("parallel_tool_calls", body.parallel_tool_calls),
        ("response_format", _response_format(body.text)),
        ("user", body.user),
        ("metadata", body.metadata),
        ("service_tier", body.service_tier),
    ):
        if value is not None:
            passthrough[name] = value
    request = GenerationRequest(
        kind="chat",
        model=body.model,
        stream=body.stream,
        messages=messages,
        max_tokens=body.max_output_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        seed=body.seed,
        passthrough=passthrough,
    )
    return request, [*history, *turn]


class ResponseShape:
    """The ``response`` object of one request and its streamed events."""

    def __init__(self, body: ResponsesBody, context: RequestContext) -> None:
        self.id = context.request_id
        self.message_id = "msg_" + random_hex(12)
        self._body = body
        self._created = context.created
        self._sequence = 0
        self.model = body.model

    def response(
        self, status: str, output: list[dict[str, Any]], outcome: Outcome | None
    ) -> dict[str, Any]:
        body = self._body
        incomplete = None
        if outcome is not None and outcome.finish_reason in ("length", "content_filter"):
            status = "incomplete"
            reason = "max_output_tokens" if outcome.finish_reason == "length" else "content_filter"
            incomplete = {"reason": reason}
        answer: dict[str, Any] = {
            "id": self.id,
            "object": "response",
            "created_at": self._created,
            "status": status,
            "error": None,
            "incomplete_details": incomplete,
            "instructions": body.instructions,
            "max_output_tokens": body.max_output_tokens,
            "model": self.model,
            "output": output,
            "parallel_tool_calls": body.parallel_tool_calls is not False,
            "previous_response_id": body.previous_response_id,
            "reasoning": {"effort": None, "summary": None},
            "store": body.store,
            "temperature": body.temperature if body.temperature is not None else 1.0,
            "text": body.text or {"format": {"type": "text"}},
            "tool_choice": body.tool_choice or "auto",
            "tools": body.tools or [],
            "top_p": body.top_p if body.top_p is not None else 1.0,
            "truncation": body.truncation or "disabled",
            "usage": None,
            "user": body.user,
            "metadata": body.metadata or {},
        }
        if outcome is not None:
            usage = outcome.usage
            answer["usage"] = {
                "input_tokens": usage.prompt_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": usage.completion_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": usage.total_tokens,
            }
            answer["aigc"] = outcome.labels[0].as_dict() if outcome.labels else {}
            if outcome.guard:
                answer["guard"] = outcome.guard.as_dict()
        return answer

    def message_item(self, text: str, status: str = "completed") -> dict[str, Any]:
        done = status == "completed"
        content = [{"type": "output_text", "text": text, "annotations": []}] if done else []
        return {
            "type": "message",
            "id": self.message_id,
            "status": status,
            "role": "assistant",
            "content": content,
        }

    @staticmethod
    def call_item(call: dict[str, Any], status: str = "completed") -> dict[str, Any]:
        call_id = call.get("id") or "call_" + random_hex(12)
        return {
            "type": "function_call",
            "id": "fc_" + call_id.removeprefix("call_"),
            "call_id": call_id,
            "name": call["function"]["name"],
            "arguments": call["function"]["arguments"] if status == "completed" else "",
            "status": status,
        }

    def output(self, text: str, tool_calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items = [self.message_item(text)] if text or not tool_calls else []
        return items + [self.call_item(call) for call in tool_calls]

    def event(self, kind: str, **fields: Any) -> bytes:
        payload = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


def _assistant_message(text: str, tool_calls: list[dict[str, Any]]) -> ChatMessage:
    calls = tuple(
        ToolCall(call["id"], FunctionCall(call["function"]["name"], call["function"]["arguments"]))
        for call in tool_calls
    )
    return ChatMessage("assistant", text or None, tool_calls=calls)


@router.post("/v1/responses")
async def create_response(request: Request) -> Response:
    key = await authenticate(request)
    gateway = request.app.state.gateway
    settings = gateway.settings
    store: ResponseStore = gateway.responses
    body = parse_body(ResponsesBody, await read_body(request, settings.server.max_body_bytes))
    history: list[ChatMessage] = []
    if body.previous_response_id:
        previous = store.get(key.tenant, body.previous_response_id)
        if previous is None:
            raise NotFound(
                f"Previous response with id '{body.previous_response_id}' not found.",
                code="previous_response_not_found",
                param="previous_response_id",
            )
        history = previous.messages
    generation, conversation = to_request(body, history)
    context = new_context(key, "resp_")
    shape = ResponseShape(body, context)
    stream = gateway.pipeline.stream(generation, context)

    def keep(answer: dict[str, Any], text: str, tool_calls: list[dict[str, Any]]) -> None:
        if body.store:
            messages = [*conversation, _assistant_message(text, tool_calls)]
            store.put(key.tenant, shape.id, messages, answer)

    if body.stream:
        with identified(context):
            first = await anext(stream)
        return StreamingResponse(
            _events(first, stream, shape, keep, context),
            media_type="text/event-stream",
            headers=response_headers(context),
        )
    with identified(context):
        result = await unless_disconnected(request, collect(stream))
    if result is None:
        return Response(status_code=499)
    text, tool_calls, outcome = result.text, result.tool_calls, result.outcome
    shape.model = context.route.model if context.route else body.model
    answer = shape.response("completed", shape.output(text, tool_calls), outcome)
    keep(answer, text, tool_calls)
    return json_response(answer, headers=response_headers(context))


async def _events(
    first: Chunk | Outcome,
    stream: AsyncIterator[Chunk | Outcome],
    shape: ResponseShape,
    keep: Any,
    context: RequestContext,
) -> AsyncIterator[bytes]:
    """The typed event stream of one response."""
    shape.model = context.route.model if context.route else shape.model
    yield shape.event("response.created", response=shape.response("in_progress", [], None))
    yield shape.event("response.in_progress", response=shape.response("in_progress", [], None))
    parts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    opened = False
    message = {"item_id": shape.message_id, "output_index": 0, "content_index": 0}
    async with aclosing(stream):
        item = first
        try:
            while not isinstance(item, Outcome):
                if item.text:
                    if not opened:
                        opened = True
                        yield shape.event(
                            "response.output_item.added",
                            output_index=0,
                            item=shape.message_item("", status="in_progress"),
                        )
                        yield shape.event(
                            "response.content_part.added",
                            **message,
                            part={"type": "output_text", "text": "", "annotations": []},
                        )
                    parts.append(item.text)
                    yield shape.event("response.output_text.delta", **message, delta=item.text)
                tool_calls.extend(item.tool_calls or ())
                item = await anext(stream)
        except GatewayError as error:
            yield shape.event("error", code=error.code, message=error.message, param=error.param)
            return
    outcome = item
    text = "".join(parts)
    output: list[dict[str, Any]] = []
    if opened:
        done = shape.message_item(text)
        yield shape.event("response.output_text.done", **message, text=text)
        yield shape.event("response.content_part.done", **message, part=done["content"][0])
        yield shape.event("response.output_item.done", output_index=0, item=done)
        output.append(done)
    for call in tool_calls:
        index = len(output)
        added = shape.call_item(call, status="in_progress")
        finished = shape.call_item(call)
        yield shape.event("response.output_item.added", output_index=index, item=added)
        yield shape.event(
            "response.function_call_arguments.delta",
            item_id=added["id"],
            output_index=index,
            delta=finished["arguments"],
        )
        yield shape.event(
            "response.function_call_arguments.done",
            item_id=added["id"],
            output_index=index,
            arguments=finished["arguments"],
        )
        yield shape.event("response.output_item.done", output_index=index, item=finished)
        output.append(finished)
    answer = shape.response("completed", output, outcome)
    keep(answer, text, tool_calls)
    kind = "response.completed" if answer["status"] == "completed" else "response.incomplete"
    yield shape.event(kind, response=answer)


@router.get("/v1/responses/{response_id}")
async def get_response(request: Request, response_id: str) -> Response:
    key = await authenticate(request)
    stored = request.app.state.gateway.responses.get(key.tenant, response_id)
    if stored is None:
        raise NotFound(f"Response with id '{response_id}' not found.", param="response_id")
    return json_response(stored.body)


@router.delete("/v1/responses/{response_id}")
async def delete_response(request: Request, response_id: str) -> Response:
    key = await authenticate(request)
    if not request.app.state.gateway.responses.delete(key.tenant, response_id):
        raise NotFound(f"Response with id '{response_id}' not found.", param="response_id")
    return json_response({"id": response_id, "object": "response.deleted", "deleted": True})
