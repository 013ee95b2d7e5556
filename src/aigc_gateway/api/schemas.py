"""OpenAI request bodies, validated, and turned into a :class:`GenerationRequest`.

Unknown fields are rejected as OpenAI does ("Unrecognized request argument"). Fields that only
upstream models understand are collected into ``passthrough``. Every integer anywhere in a body
must fit in 64 bits and nesting is bounded (400 naming the parameter), and :func:`check_size`
applies the per-message limits (413), so nothing downstream meets a value it cannot handle.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal, NoReturn, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..config import ServerSettings
from ..errors import InvalidRequest, PayloadTooLarge
from ..providers.base import GenerationRequest
from ..providers.messages import ChatMessage, ContentPart, FunctionCall, ToolCall

Temperature = Annotated[float, Field(ge=0, le=2)]
TopP = Annotated[float, Field(gt=0, le=1)]
Penalty = Annotated[float, Field(ge=-2, le=2)]
MaxTokens = Annotated[int, Field(ge=1)]
BodyT = TypeVar("BodyT", bound=BaseModel)
MAX_CHOICES = 8
"""Most choices one request may ask for (prompts × ``n``); each is its own generation."""
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
MAX_NESTING = 32

PASSTHROUGH_FIELDS = (
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "user",
    "metadata",
    "store",
    "reasoning_effort",
    "service_tier",
)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    include_usage: bool = False


class ContentPartBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None

    def typed(self) -> ContentPart:
        return ContentPart(self.type, self.text, self.model_extra or {})


class FunctionBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    arguments: str

    def typed(self) -> FunctionCall:
        return FunctionCall(self.name, self.arguments)


class ToolCallBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    type: Literal["function"] = "function"
    function: FunctionBody


class Message(BaseModel):
    """A chat message as a client sends it; :meth:`typed` is what the stages read."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPartBody] | None = None
    name: str | None = None
    tool_calls: list[ToolCallBody] | None = None
    tool_call_id: str | None = None
    function_call: FunctionBody | None = None

    def typed(self) -> ChatMessage:
        content = self.content
        if isinstance(content, list):
            content = tuple(part.typed() for part in content)
        return ChatMessage(
            role=self.role,
            content=content,
            name=self.name,
            tool_calls=tuple(
                ToolCall(call.id, call.function.typed()) for call in self.tool_calls or ()
            ),
            tool_call_id=self.tool_call_id,
            function_call=self.function_call.typed() if self.function_call else None,
            extra=self.model_extra or {},
        )


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    n: Annotated[int, Field(ge=1, le=MAX_CHOICES)] | None = None
    user: str | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    logit_bias: dict[str, float] | None = None
    metadata: dict[str, str] | None = None
    store: bool | None = None
    service_tier: str | None = None

    @field_validator("stop")
    @classmethod
    def _at_most_four(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value

    def stop_list(self) -> list[str] | None:
        if self.stop is None:
            return None
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)

    def _passthrough(self) -> dict[str, Any]:
        return {
            name: value
            for name in PASSTHROUGH_FIELDS
            if (value := getattr(self, name, None)) is not None
        }

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


class ChatCompletionBody(_Common):
    messages: list[Message] = Field(min_length=1)
    max_tokens: MaxTokens | None = None
    max_completion_tokens: MaxTokens | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    reasoning_effort: str | None = None

    @cached_property
    def chat_messages(self) -> tuple[ChatMessage, ...]:
        """The messages, typed (built once)."""
        return tuple(message.typed() for message in self.messages)

    def to_request(self) -> GenerationRequest:
        return GenerationRequest(
            kind="chat",
            model=self.model,
            stream=self.stream,
            messages=list(self.chat_messages),
            max_tokens=self.max_completion_tokens or self.max_tokens,
            temperature=self.temperature,
            top_p=self.top_p,
            stop=self.stop_list(),
            seed=self.seed,
            passthrough=self._passthrough(),
        )

    def to_requests(self) -> list[GenerationRequest]:
        """One generation per choice; with ``n`` > 1 and a seed, choice i uses seed + i."""
        requests = []
        for index in range(self.n or 1):
            request = self.to_request()
            if request.seed is not None:
                request.seed += index
            requests.append(request)
        return requests


class CompletionBody(_Common):
    prompt: str | list[str]
    max_tokens: MaxTokens | None = 16
    logprobs: int | None = None

    @field_validator("prompt")
    @classmethod
    def _some_prompts(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not 1 <= len(value) <= MAX_CHOICES:
            raise ValueError(f"give 1 to {MAX_CHOICES} prompts")
        return value

    def to_requests(self) -> list[GenerationRequest]:
        """Choices in OpenAI's order: every ``n`` completions of prompt 0, then of prompt 1 …"""
        prompts = [self.prompt] if isinstance(self.prompt, str) else self.prompt
        n = self.n or 1
        if len(prompts) * n > MAX_CHOICES:
            raise InvalidRequest(
                f"{len(prompts)} prompts × n={n} is more than {MAX_CHOICES} choices.",
                code="invalid_value",
                param="n",
            )
        requests = []
        for prompt in prompts:
            for index in range(n):
                request = self.to_request(prompt)
                if request.seed is not None:
                    request.seed += index
                requests.append(request)
        return requests

    def to_request(self, prompt: str | None = None) -> GenerationRequest:
        if prompt is None:
            prompt = self.prompt if isinstance(self.prompt, str) else self.prompt[0]
        return GenerationRequest(
            kind="completion",
            model=self.model,
            stream=self.stream,
            prompt=prompt,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            top_p=self.top_p,
            stop=self.stop_list(),
            seed=self.seed,
            passthrough=self._passthrough(),
        )


def parse_body(model: type[BodyT], raw: bytes) -> BodyT:
    """Validate a JSON body, or raise a 400 that names the offending field."""
    try:
        body = model.model_validate_json(raw)
    except ValidationError as exc:
        _refuse(exc)
    _check_values(body.model_dump(exclude_none=True), "", 0)
    return body


def check_size(body: ChatCompletionBody | CompletionBody, server: ServerSettings) -> None:
    """413 for a chat with too many messages or a message (or prompt) that is too long."""
    limit = server.max_message_chars
    if isinstance(body, CompletionBody):
        prompts = [body.prompt] if isinstance(body.prompt, str) else body.prompt
        if any(len(prompt) > limit for prompt in prompts):
            raise PayloadTooLarge(
                f"The prompt is longer than the limit of {limit} characters.", param="prompt"
            )
        return
    if len(body.messages) > server.max_messages:
        raise PayloadTooLarge(
            f"The request has more than {server.max_messages} messages.", param="messages"
        )
    for index, message in enumerate(body.chat_messages):
        if len(message.text()) > limit:
            raise PayloadTooLarge(
                f"Message {index} is longer than the limit of {limit} characters.",
                param=f"messages.{index}.content",
            )


def _check_values(value: Any, where: str, depth: int) -> None:
    """Refuse integers outside 64 bits and nesting deeper than ``MAX_NESTING``, anywhere."""
    if depth > MAX_NESTING:
        raise InvalidRequest(
            f"Invalid value for '{where}': nested deeper than {MAX_NESTING} levels.",
            code="invalid_value",
            param=where,
        )
    if isinstance(value, int) and not isinstance(value, bool):
        if not INT_MIN <= value <= INT_MAX:
            raise InvalidRequest(
                f"Invalid value for '{where}': integer out of range (must fit in 64 bits).",
                code="invalid_value",
                param=where,
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_values(item, f"{where}.{key}" if where else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, f"{where}.{index}", depth + 1)


def _refuse(exc: ValidationError) -> NoReturn:
    """The 400 for a body that does not validate, naming the first offending field."""
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    if first["type"] == "json_invalid":
        raise InvalidRequest("The request body is not valid JSON.", code="invalid_json")
    if first["type"] == "model_type" and not first["loc"]:
        raise InvalidRequest("The request body must be a JSON object.")
    if first["type"] == "extra_forbidden":
        raise InvalidRequest(
            f"Unrecognized request argument supplied: {location}",
            code="unsupported_parameter",
            param=location,
        )
    if first["type"] == "missing":
        raise InvalidRequest(
            f"Missing required parameter: '{location}'.",
            code="missing_parameter",
            param=location,
        )
    message = first["msg"].removeprefix("Value error, ")
    raise InvalidRequest(
        f"Invalid value for '{location}': {message}.", code="invalid_value", param=location
    )
