"""Tool calling on the local model: the tools described in the prompt, the answer constrained
by a grammar, and turned into OpenAI's ``tool_calls`` shape.

The grammar (from a JSON schema, through llama.cpp) allows exactly one JSON object: a call
``{"name": <one of the tools>, "arguments": <that tool's parameters schema>}`` or, when the
model may answer in words (``tool_choice`` ``auto``), ``{"content": "..."}``. So every call the
model makes parses and names a real tool with arguments of the declared types; whether it picks
the right tool and values is up to the model (measured in bench/tool_calls.py).
``tool_choice: "none"`` ignores the tools. One call per turn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidRequest
from ..ids import random_hex
from .base import Chunk
from .json_schema import schema_grammar
from .messages import ChatMessage

ANY_OBJECT: dict[str, Any] = {"type": "object"}


@dataclass(slots=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(slots=True)
class ToolMode:
    """One request's tools, what it lets the model do, and the text collected so far."""

    tools: list[Tool]
    allow_text: bool
    text: list[str] = field(default_factory=list)

    def schema(self) -> dict[str, Any]:
        options: list[dict[str, Any]] = [
            {
                "type": "object",
                "properties": {"name": {"const": tool.name}, "arguments": tool.parameters},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
            for tool in self.tools
        ]
        if self.allow_text:
            options.append(
                {
                    "type": "object",
                    "properties": {"content": {"type": "string"}},
                    "required": ["content"],
                    "additionalProperties": False,
                }
            )
        return options[0] if len(options) == 1 else {"oneOf": options}

    def grammar(self) -> str:
        """The GBNF grammar (llama.cpp's parser still has to accept it, see ``local_worker``)."""
        try:
            return schema_grammar(self.schema())
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise InvalidRequest(
                f"The tools' parameter schemas cannot be enforced: {exc}",
                code="invalid_value",
                param="tools",
            ) from None

    def instructions(self) -> str:
        """The system text that tells the model which tools it has and how to answer."""
        lines = ["You can call these tools:"]
        for tool in self.tools:
            properties = tool.parameters.get("properties") or {}
            arguments = ", ".join(
                f"{name}: {spec.get('type', 'any')}" if isinstance(spec, dict) else name
                for name, spec in properties.items()
            )
            lines.append(f"- {tool.name}({arguments}): {tool.description}".rstrip(": "))
        lines.append('To call a tool, answer with JSON: {"name": "<tool>", "arguments": {...}}.')
        if self.allow_text:
            lines.append('To answer without a tool, answer with JSON: {"content": "<answer>"}.')
        return "\n".join(lines)

    def absorb(self, chunk: Chunk) -> Chunk | None:
        """Collect the generated JSON; at the last chunk, the call (or the answer) it holds."""
        if chunk.text:
            self.text.append(chunk.text)
        if chunk.finish_reason is None:
            return None
        raw = "".join(self.text)
        try:
            answer = json.loads(raw)
        except json.JSONDecodeError:
            # Cut by max_tokens before the object closed: hand back what was generated.
            return Chunk(raw, chunk.finish_reason, usage=chunk.usage, cpu_s=chunk.cpu_s)
        if "content" in answer:
            return Chunk(
                str(answer["content"]), chunk.finish_reason, usage=chunk.usage, cpu_s=chunk.cpu_s
            )
        call = {
            "index": 0,
            "id": "call_" + random_hex(12),
            "type": "function",
            "function": {
                "name": answer["name"],
                "arguments": json.dumps(answer["arguments"], ensure_ascii=False),
            },
        }
        return Chunk("", "tool_calls", tool_calls=[call], usage=chunk.usage, cpu_s=chunk.cpu_s)


def _tool(raw: Any, index: int) -> Tool:
    function = raw.get("function") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or raw.get("type", "function") != "function" or not function:
        raise InvalidRequest(
            f"tools[{index}]: the local model supports tools of type 'function' only.",
            code="invalid_value",
            param="tools",
        )
    name = function.get("name")
    parameters = function.get("parameters") or ANY_OBJECT
    if not isinstance(name, str) or not name or not isinstance(parameters, dict):
        raise InvalidRequest(
            f"tools[{index}].function needs a 'name' and an object 'parameters'.",
            code="invalid_value",
            param="tools",
        )
    return Tool(name, str(function.get("description") or ""), parameters)


def tool_mode(passthrough: dict[str, Any]) -> ToolMode | None:
    """The request's tool mode, or None when the model should just answer."""
    raw_tools = passthrough.get("tools")
    choice = passthrough.get("tool_choice")
    if not raw_tools or choice == "none":
        return None
    tools = [_tool(raw, index) for index, raw in enumerate(raw_tools)]
    if choice in (None, "auto"):
        return ToolMode(tools, allow_text=True)
    if choice == "required":
        return ToolMode(tools, allow_text=False)
    wanted = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    chosen = [tool for tool in tools if tool.name == wanted]
    if not chosen:
        raise InvalidRequest(
            f"tool_choice names a function that is not in tools: {wanted!r}.",
            code="invalid_value",
            param="tool_choice",
        )
    return ToolMode(chosen, allow_text=False)


def tool_message_text(message: ChatMessage) -> str | None:
    """An assistant turn's earlier tool calls, as the JSON the model would have written."""
    if message.role != "assistant" or not message.tool_calls:
        return None
    parts = []
    for call in message.tool_calls:
        try:
            arguments = json.loads(call.function.arguments or "{}")
        except json.JSONDecodeError:
            arguments = call.function.arguments
        parts.append(json.dumps({"name": call.function.name, "arguments": arguments}))
    return "\n".join(parts)
