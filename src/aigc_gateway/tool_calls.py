"""Tool calls as the pipeline sees them: deltas merged into whole calls, then guarded.

Upstreams stream a tool call in pieces (``index``, then ``id`` and name, then fragments of the
arguments); a non-streaming answer gives whole calls without ``index``. :class:`ToolCallBuffer`
merges either into whole calls, so the output guards see each call's complete arguments (a
value split across fragments is still found) and the client gets them once, guarded, at the
end of the generation.
"""

from __future__ import annotations

from typing import Any, Protocol


class TextFilter(Protocol):
    def feed(self, text: str) -> str: ...

    def finish(self) -> str: ...

    @property
    def stopped(self) -> bool: ...


class ToolCallBuffer:
    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, deltas: list[dict[str, Any]]) -> None:
        for delta in deltas:
            index = delta.get("index")
            if not isinstance(index, int):
                index = len(self._calls)
            function = delta.get("function") or {}
            call = self._calls.get(index)
            if call is None:
                self._calls[index] = {
                    "index": index,
                    "id": delta.get("id"),
                    "type": delta.get("type") or "function",
                    "function": {
                        "name": function.get("name") or "",
                        "arguments": function.get("arguments") or "",
                    },
                }
                continue
            call["id"] = call["id"] or delta.get("id")
            call["function"]["name"] += function.get("name") or ""
            call["function"]["arguments"] += function.get("arguments") or ""

    def guarded(self, output: TextFilter) -> tuple[list[dict[str, Any]], str]:
        """The whole calls with each call's arguments through the output filter.

        Returns the calls and the filter's refusal text; once the filter cuts, no call is
        returned (a call with blocked arguments must not reach a tool).
        """
        calls = []
        for index in sorted(self._calls):
            call = self._calls[index]
            arguments = output.feed(call["function"]["arguments"]) + output.finish()
            if output.stopped:
                return [], arguments.strip()
            calls.append({**call, "function": {**call["function"], "arguments": arguments}})
        return calls, ""
