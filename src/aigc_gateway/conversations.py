"""Stored responses of the Responses API, so ``previous_response_id`` can continue them.

Kept in memory, per tenant (one tenant can never continue or read another's response), up to
``responses.max_stored`` entries (least recently used go first) and for ``responses.ttl_s``
seconds. Nothing is written to disk: the audit trail keeps only hashes of prompts and answers,
and a stored conversation must not outlive that promise. A restart forgets them; the client
then gets a clear 404 for the old id.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from .config import ResponsesSettings
from .providers.messages import ChatMessage


@dataclass(frozen=True, slots=True)
class StoredResponse:
    messages: list[ChatMessage]
    """The conversation up to and including this response, as chat messages (no instructions)."""
    body: dict[str, Any]
    """The response object as the client received it."""
    stored_at: float


class ResponseStore:
    def __init__(self, settings: ResponsesSettings) -> None:
        self._settings = settings
        self._entries: OrderedDict[tuple[str, str], StoredResponse] = OrderedDict()

    def put(self, tenant: str, response_id: str, messages: list[ChatMessage], body: dict) -> None:
        self._entries[(tenant, response_id)] = StoredResponse(messages, body, time.monotonic())
        self._entries.move_to_end((tenant, response_id))
        while len(self._entries) > self._settings.max_stored:
            self._entries.popitem(last=False)

    def get(self, tenant: str, response_id: str) -> StoredResponse | None:
        entry = self._entries.get((tenant, response_id))
        if entry is None:
            return None
        if time.monotonic() - entry.stored_at > self._settings.ttl_s:
            del self._entries[(tenant, response_id)]
            return None
        self._entries.move_to_end((tenant, response_id))
        return entry

    def delete(self, tenant: str, response_id: str) -> bool:
        return self._entries.pop((tenant, response_id), None) is not None
