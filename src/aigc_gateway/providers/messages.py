"""Chat messages after validation: small typed objects every stage reads directly.

``api/schemas.py`` validates a client's messages and builds these; the pipeline, the guards,
the language decision, the backends and the audit record read them, and nothing after
validation digs in dicts. :meth:`ChatMessage.content_texts` is the one reader of a message's
text parts; :meth:`ChatMessage.texts` adds the other texts a backend receives (name, tool-call
arguments) with where they live, and :meth:`ChatMessage.with_text` puts a rewritten one back
(messages are frozen: a guard's rewrite makes a new message, the client's stays as it was).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import InvalidRequest

Where = tuple[str | int, ...]
"""Where a text lives inside a message, as a path of OpenAI keys: ``("content", 1, "text")``."""


@dataclass(frozen=True, slots=True)
class ContentPart:
    """One part of a message's content: a text (``text`` set) or something else a text model
    cannot read (an ``image_url``, ``input_audio`` …) kept as the client sent it in ``extra``."""

    type: str
    text: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_openai(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, **self.extra}
        if self.text is not None:
            body["text"] = self.text
        return body


@dataclass(frozen=True, slots=True)
class FunctionCall:
    name: str
    arguments: str

    def to_openai(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments}


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call of an earlier assistant turn."""

    id: str
    function: FunctionCall

    def to_openai(self) -> dict[str, Any]:
        return {"id": self.id, "type": "function", "function": self.function.to_openai()}


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One validated chat message. ``extra`` holds fields only upstream models understand,
    passed on as the client sent them."""

    role: str
    content: str | tuple[ContentPart, ...] | None = None
    name: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    function_call: FunctionCall | None = None
    """The deprecated single function call of an assistant turn."""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def content_texts(self) -> Iterator[tuple[int | None, str]]:
        """The texts of the content, each with its part's index (None for a plain string).
        The one place that reads content parts."""
        if isinstance(self.content, str):
            yield None, self.content
        elif self.content:
            for index, part in enumerate(self.content):
                if part.text is not None:
                    yield index, part.text

    def text(self) -> str:
        """The content as one text (parts joined as they are)."""
        return "".join(text for _, text in self.content_texts())

    def plain_text(self, reader: str) -> str:
        """The content for a backend that reads text only: a non-text part is a 400."""
        for part in self.content if isinstance(self.content, tuple) else ():
            if part.type != "text":
                raise InvalidRequest(
                    f"Content parts of type '{part.type}' are not supported by {reader}.",
                    code="unsupported_content",
                    param="messages",
                )
        return self.text()

    def texts(self) -> Iterator[tuple[Where, str]]:
        """Every text of this message a backend receives, with where it lives: the content
        (or each text part), the name, and the arguments of tool calls."""
        for part, text in self.content_texts():
            yield ("content",) if part is None else ("content", part, "text"), text
        if self.name is not None:
            yield ("name",), self.name
        for index, call in enumerate(self.tool_calls):
            yield ("tool_calls", index, "function", "arguments"), call.function.arguments
        if self.function_call is not None:
            yield ("function_call", "arguments"), self.function_call.arguments

    def with_text(self, where: Where, text: str | None) -> ChatMessage:
        """A copy with the text at ``where`` (from :meth:`texts`) replaced; ``None`` drops a
        name."""
        match where:
            case ("content",):
                return replace(self, content=text)
            case ("content", int(index), "text") if isinstance(self.content, tuple):
                parts = list(self.content)
                parts[index] = replace(parts[index], text=text)
                return replace(self, content=tuple(parts))
            case ("name",):
                return replace(self, name=text)
            case ("tool_calls", int(index), "function", "arguments"):
                calls = list(self.tool_calls)
                function = replace(calls[index].function, arguments=text or "")
                calls[index] = replace(calls[index], function=function)
                return replace(self, tool_calls=tuple(calls))
            case ("function_call", "arguments") if self.function_call is not None:
                call = replace(self.function_call, arguments=text or "")
                return replace(self, function_call=call)
        raise ValueError(f"no text at {where!r} in a {self.role} message")

    def to_openai(self) -> dict[str, Any]:
        """The message as OpenAI's JSON (for upstreams and the audit record's prompt)."""
        body: dict[str, Any] = {**self.extra, "role": self.role}
        if isinstance(self.content, tuple):
            body["content"] = [part.to_openai() for part in self.content]
        elif self.content is not None:
            body["content"] = self.content
        if self.name is not None:
            body["name"] = self.name
        if self.tool_calls:
            body["tool_calls"] = [call.to_openai() for call in self.tool_calls]
        if self.tool_call_id is not None:
            body["tool_call_id"] = self.tool_call_id
        if self.function_call is not None:
            body["function_call"] = self.function_call.to_openai()
        return body
