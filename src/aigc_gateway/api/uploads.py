"""Multipart uploads for the labelling routes: one file or one text field, bounded in size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from ..errors import InvalidRequest
from .http import read_body

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes | None = None
    """The multipart field ``file``."""
    text: str | None = None
    """The multipart field ``text``."""


async def read_upload(request: Request) -> Upload:
    """The ``file`` and ``text`` fields of a multipart/form-data body (413 past 20 MiB)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidRequest("Send multipart/form-data with a 'file' field.")
    body = await read_body(request, MAX_UPLOAD_BYTES)

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(
            max_files=1, max_fields=4, max_part_size=MAX_UPLOAD_BYTES
        )
    except Exception as exc:  # the multipart parser raises several types for bad input
        raise InvalidRequest(f"Unreadable multipart body: {exc}") from exc
    file, text = form.get("file"), form.get("text")
    data = await file.read() if isinstance(file, UploadFile) else None
    return Upload(data=data, text=text if isinstance(text, str) else None)
