"""``GET /admin/audit``: read the audit trail with filters and paging; the signing public key.

An admin key reads every tenant's records (and may filter by ``tenant``); any other key reads
only its own tenant's records, and asking for another tenant is 403. Filters: ``tenant``,
``since`` / ``until`` (ISO time, Unix seconds or a duration ago such as ``24h``), ``model``,
``produce_id``, ``finding`` (a guard finding type), ``request_id``; paging with ``limit``
(1–1000, default 100) and the ``after`` cursor (``next_after`` of the previous page).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..audit.chain import StoredRecord
from ..audit.store import MAX_PAGE, AuditQuery
from ..audit.timespec import parse_time
from ..errors import Forbidden, InvalidRequest
from ..gateway import Gateway
from .auth import authenticate
from .http import json_response

FINDING_TYPE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
DEFAULT_PAGE = 100

router = APIRouter()


def _time(params: Any, name: str) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise InvalidRequest(str(exc), param=name) from None


def _integer(params: Any, name: str, default: int, low: int, high: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise InvalidRequest(f"'{name}' must be an integer from {low} to {high}.", param=name)
    return int(value)


def _record_json(record: StoredRecord) -> dict[str, Any]:
    body = record.parsed()
    body["hash"] = record.hash
    body["content"] = orjson.loads(record.content) if record.content is not None else None
    return body


@router.get("/admin/audit")
async def list_audit(request: Request) -> Response:
    key = await authenticate(request)
    params = request.query_params
    tenant = params.get("tenant")
    if not key.admin:
        if tenant is not None and tenant != key.tenant:
            raise Forbidden("This key may only read its own tenant's audit records.")
        tenant = key.tenant
    finding = params.get("finding")
    if finding is not None and not FINDING_TYPE.match(finding):
        raise InvalidRequest("'finding' must be a finding type such as 'pii'.", param="finding")
    query = AuditQuery(
        tenant=tenant,
        since=_time(params, "since"),
        until=_time(params, "until"),
        model=params.get("model"),
        produce_id=params.get("produce_id"),
        finding=finding,
        request_id=params.get("request_id"),
        after=_integer(params, "after", 0, 0, 2**62),
        limit=_integer(params, "limit", DEFAULT_PAGE, 1, MAX_PAGE),
    )
    gateway: Gateway = request.app.state.gateway
    records = await asyncio.to_thread(gateway.audit.query, query)
    data = [_record_json(record) for record in records]
    full = len(data) == query.limit
    return json_response(
        {
            "object": "list",
            "data": data,
            "has_more": full,
            "next_after": data[-1]["seq"] if full else None,
        }
    )


@router.get("/admin/audit/public-key")
async def public_key(request: Request) -> Response:
    await authenticate(request)
    gateway: Gateway = request.app.state.gateway
    signer = gateway.audit.signer
    return json_response({"key_id": signer.key_id, "public_key": signer.public_pem})
