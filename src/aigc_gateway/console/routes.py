"""The console's pages and its few JSON endpoints, all under ``/console``.

Who may see what is decided here, on the server, for every page: an admin key sees every
tenant, any other key only its own (a tenant filter naming another tenant is refused, a record
of another tenant is "not found"). Pages that change something (sign-in, sign-out, keys,
evaluations, chain verification, verify, playground) are POSTs checked for the session's CSRF
token. What a page shows comes from the gateway's own parts: the audit store, the label
service, the key store, the guard policy; generation, guarding, verification and evaluations
go through the public API routes in process (``forward.py``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from ..api.http import read_body
from ..api.uploads import MAX_UPLOAD_BYTES
from ..audit.chain import VerifyReport, verify
from ..audit.signing import load_public_key
from ..audit.store import AuditQuery
from ..audit.timespec import parse_time
from ..errors import GatewayError
from ..gateway import Gateway
from . import charts
from .forward import call_api
from .rollup import DEFAULT_RANGE, RANGES, Totals, TrafficRollup
from .session import (
    ConsoleSessions,
    Session,
    clear_session_cookie,
    login_token,
    login_token_ok,
    set_login_cookie,
    set_session_cookie,
)

HERE = Path(__file__).parent
STATIC_FILES = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
PAGE_SIZE = 50
MAX_FORM_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
DOCUMENT_HEADERS = {
    **SECURITY_HEADERS,
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    ),
}
NAV = (
    ("overview", "Overview", False),
    ("traffic", "Traffic", False),
    ("verify", "Verify", False),
    ("playground", "Playground", False),
    ("keys", "Keys", True),
    ("policy", "Policy", False),
    ("evaluations", "Evaluations", True),
    ("integrity", "Audit integrity", True),
)


class ConsoleRoute(APIRoute):
    """Turns the console's own exceptions into pages: sign-in redirect, CSRF refusal, errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            started = time.perf_counter()
            try:
                response = await handler(request)
            except SignInRequired:
                response = _sign_in_required(request)
            except AdminRequired:
                session = await _console(request).sessions.current(request)
                response = _page(request, session, "forbidden.html", status=403)
            except CsrfRefused:
                response = _refuse_csrf()
            except GatewayError as exc:
                response = Response(
                    exc.message, status_code=exc.status, headers=SECURITY_HEADERS,
                    media_type="text/plain; charset=utf-8",
                )  # fmt: skip
            elapsed_ms = (time.perf_counter() - started) * 1000
            response.headers["server-timing"] = f"app;dur={elapsed_ms:.2f}"
            return response

        return handle


router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)


@dataclass(slots=True)
class Console:
    """The console's state in one app: sessions, the traffic rollup, the templates."""

    gateway: Gateway
    sessions: ConsoleSessions
    rollup: TrafficRollup
    templates: Jinja2Templates
    integrity: dict[str, Any] | None = None


def _console(request: Request) -> Console:
    state = request.app.state
    console: Console | None = getattr(state, "console", None)
    if console is None:
        gateway: Gateway = state.gateway
        templates = Jinja2Templates(directory=str(HERE / "templates"))
        templates.env.filters["when"] = _when
        templates.env.filters["number"] = _number
        console = state.console = Console(
            gateway,
            ConsoleSessions(gateway.keys, gateway.settings.server.key_cache_s),
            TrafficRollup(gateway.audit.store),
            templates,
        )
    return console


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(stamp)) + " UTC"


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) < 0.01:
        return f"{value:.2e}"
    return f"{value:,.{digits}f}"


class SignInRequired(Exception):
    """No live session: pages redirect to the sign-in form, JSON endpoints answer 401."""


class AdminRequired(Exception):
    """The page or tenant needs an admin key: a 403 page."""


def _page(
    request: Request,
    session: Session | None,
    template: str,
    status: int = 200,
    **context: Any,
) -> Response:
    console = _console(request)
    nav = [(slug, title) for slug, title, admin in NAV if session and (session.admin or not admin)]
    response = console.templates.TemplateResponse(
        request,
        template,
        {"session": session, "nav": nav, "page": template.removesuffix(".html"), **context},
        status_code=status,
        headers=SECURITY_HEADERS,
    )
    return response


async def _session(request: Request) -> Session:
    session = await _console(request).sessions.current(request)
    if session is None:
        raise SignInRequired
    return session


async def _admin_session(request: Request) -> Session:
    session = await _session(request)
    if not session.admin:
        raise AdminRequired
    return session


async def _form(request: Request, session: Session | None = None) -> dict[str, str]:
    """A small urlencoded form; 403 without the session's CSRF token."""
    form = await request.form(max_files=0, max_fields=32, max_part_size=MAX_FORM_BYTES)
    fields = {name: value for name, value in form.items() if isinstance(value, str)}
    if session is not None and not session.csrf_ok(fields.get("csrf")):
        raise CsrfRefused
    return fields


class CsrfRefused(Exception):
    """A state-changing request without the right CSRF token."""


def _refuse_csrf() -> Response:
    return Response(
        "Refused: this form has expired or did not come from the console (CSRF check). "
        "Reload the page and try again.",
        status_code=403,
        media_type="text/plain; charset=utf-8",
        headers=SECURITY_HEADERS,
    )


def _tenant_scope(session: Session, wanted: str | None) -> str | None:
    """The tenant a view is limited to: any (None) or the chosen one for an admin, its own for
    any other key; a non-admin asking for another tenant is refused."""
    if session.admin:
        return wanted or None
    if wanted and wanted != session.key.tenant:
        raise AdminRequired
    return session.key.tenant


# -- sign-in -----------------------------------------------------------------------------------


@router.get("")
async def root(request: Request) -> Response:
    return RedirectResponse("/console/overview", status_code=303)


@router.get("/sign-in")
async def sign_in_form(request: Request) -> Response:
    token = login_token(request)
    response = _page(request, None, "sign_in.html", login_csrf=token, error=None)
    set_login_cookie(response, request, token)
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    console = _console(request)
    fields = await _form(request)
    if not login_token_ok(request, fields.get("csrf")):
        return _refuse_csrf()
    secret = fields.get("api_key", "").strip()
    error = None
    if not secret:
        error = "Enter an API key (it starts with sk-aigc-)."
    else:
        signed_in = await console.sessions.sign_in(secret)
        if signed_in is None:
            error = "This key is not valid or has been revoked."
        else:
            session_id, _ = signed_in
            response = RedirectResponse("/console/overview", status_code=303)
            set_session_cookie(response, request, session_id)
            return response
    token = login_token(request)
    response = _page(request, None, "sign_in.html", status=401, login_csrf=token, error=error)
    set_login_cookie(response, request, token)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    session = await _session(request)
    await _form(request, session)
    _console(request).sessions.sign_out(request)
    response = RedirectResponse("/console/sign-in", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/static/{name}")
async def static(name: str) -> Response:
    media = STATIC_FILES.get(name)
    if media is None:
        return Response("not found", status_code=404)
    return FileResponse(
        HERE / "static" / name, media_type=media, headers={"cache-control": "max-age=3600"}
    )


# -- overview ----------------------------------------------------------------------------------


def _rows(table: dict[str, Totals]) -> list[tuple[str, Totals]]:
    return sorted(table.items(), key=lambda item: -item[1].requests)


@router.get("/overview")
async def overview(request: Request) -> Response:
    session = await _session(request)
    console = _console(request)
    params = request.query_params
    range_ = RANGES.get(params.get("range", DEFAULT_RANGE), RANGES[DEFAULT_RANGE])
    tenant = _tenant_scope(session, params.get("tenant"))
    data = await asyncio.to_thread(console.rollup.overview, range_, tenant)
    minutes = range_.step / 60
    series = data.series
    total = data.total
    chart = {
        "requests": charts.columns(
            "Requests per minute",
            [(start, t.requests / minutes) for start, t in series],
            range_.step,
            "req/min",
        ),
        "tokens": charts.columns(
            "Tokens", [(start, t.tokens) for start, t in series], range_.step, "tokens"
        ),
        "latency": charts.columns(
            "Latency p99",
            [(start, t.percentile(0.99) or 0) for start, t in series],
            range_.step,
            "ms",
        ),
        "blocked": charts.columns(
            "Blocked requests", [(start, t.blocked) for start, t in series], range_.step, "blocked"
        ),
        "findings": charts.bars("Findings by type", list(total.findings.items()), "findings"),
        "energy": charts.bars(
            "Energy by model", [(m, t.energy_wh) for m, t in data.by_model.items()], "Wh"
        ),
    }
    return _page(
        request,
        session,
        "overview.html",
        data=data,
        chart=chart,
        ranges=list(RANGES),
        tenants=console.rollup.tenants() if session.admin else [session.key.tenant],
        tenant=tenant,
        breakdowns=[
            ("Tenant", _rows(data.by_tenant)),
            ("Model", _rows(data.by_model)),
            ("Backend", _rows(data.by_backend)),
        ],
        live=_live(console.gateway),
        rpm=total.requests / max(range_.seconds / 60, 1),
    )


def _live(gateway: Gateway) -> dict[str, Any]:
    """What the process's metrics say right now."""
    return {
        "local_queue": getattr(gateway.local, "admitted", None) if gateway.local else None,
        "upstreams": {
            name: getattr(provider, "breaker_state", "n/a")
            for name, provider in gateway.router.providers.items()
            if name != "local"
        },
    }


# -- traffic -----------------------------------------------------------------------------------

TRAFFIC_FILTERS = (
    "tenant",
    "model",
    "backend",
    "status",
    "finding",
    "since",
    "until",
    "produce_id",
)


@router.get("/traffic")
async def traffic(request: Request) -> Response:
    session = await _session(request)
    console = _console(request)
    params = request.query_params
    filters = {name: params.get(name, "").strip() for name in TRAFFIC_FILTERS}
    errors: dict[str, str] = {}
    tenant = _tenant_scope(session, filters["tenant"])
    times: dict[str, float | None] = {}
    for name in ("since", "until"):
        try:
            times[name] = parse_time(filters[name]) if filters[name] else None
        except ValueError as exc:
            errors[name] = str(exc)
    before = params.get("before")
    if before is not None and not before.isdigit():
        errors["before"] = "not a page cursor"
    records: list[dict[str, Any]] = []
    if not errors:
        query = AuditQuery(
            tenant=tenant,
            model=filters["model"] or None,
            backend=filters["backend"] or None,
            status=filters["status"] or None,
            finding=filters["finding"] or None,
            produce_id=filters["produce_id"] or None,
            since=times["since"],
            until=times["until"],
            before=int(before) if before else None,
            newest_first=True,
            limit=PAGE_SIZE,
        )
        stored = await asyncio.to_thread(console.gateway.audit.query, query)
        records = [record.parsed() for record in stored]
    next_page = None
    if len(records) == PAGE_SIZE:
        kept = {name: value for name, value in filters.items() if value}
        next_page = "?" + urlencode({**kept, "before": records[-1]["seq"]})
    groups = console.rollup.groups(None if session.admin else session.key.tenant)
    return _page(
        request,
        session,
        "traffic.html",
        status=400 if errors else 200,
        records=records,
        filters=filters,
        errors=errors,
        next_page=next_page,
        choices={
            "tenant": sorted({g[0] for g in groups}),
            "model": sorted({g[1] for g in groups}),
            "backend": sorted({g[2] for g in groups}),
            "status": ["ok", "error", "cancelled"],
        },
    )


async def _visible_record(
    request: Request, session: Session, request_id: str
) -> tuple[Any, dict[str, Any]] | None:
    audit = _console(request).gateway.audit
    found = await asyncio.to_thread(audit.query, AuditQuery(request_id=request_id, limit=1))
    if not found:
        return None
    body = found[0].parsed()
    if not session.admin and body["tenant"] != session.key.tenant:
        return None
    return found[0], body


def _chain_position(gateway: Gateway, record: Any, body: dict[str, Any]) -> dict[str, Any]:
    from ..audit.records import sha256_hex

    store = gateway.audit.store
    seq = int(body["seq"])
    following = store.query(AuditQuery(after=seq, limit=1))
    checkpoint = next(iter(store.checkpoints(seq)), None)
    keys = {k: load_public_key(pem) for k, pem in store.public_keys().items()}
    return {
        "seq": seq,
        "hash": record.hash,
        "prev_hash": body.get("prev_hash"),
        "hash_ok": sha256_hex(record.body) == record.hash,
        "next_seq": following[0].parsed()["seq"] if following else None,
        "next_links": following[0].parsed().get("prev_hash") == record.hash if following else None,
        "checkpoint": checkpoint,
        "checkpoint_valid": checkpoint.valid(keys) if checkpoint else None,
        "head_seq": store.head()[0],
    }


@router.get("/traffic/{request_id}")
async def traffic_detail(request: Request, request_id: str) -> Response:
    session = await _session(request)
    console = _console(request)
    visible = await _visible_record(request, session, request_id)
    if visible is None:
        return _page(request, session, "not_found.html", status=404, what=f"request {request_id}")
    record, body = visible
    gateway = console.gateway
    chain = await asyncio.to_thread(_chain_position, gateway, record, body)
    produce_id = body.get("produce_id")
    labels = None
    if produce_id:
        fingerprint = await asyncio.to_thread(gateway.labels.registry.text_entry, produce_id)
        labels = {
            "implicit": gateway.labels.implicit.issue(produce_id, body["request_id"]),
            "watermark_key_id": body.get("watermark_key_id"),
            "fingerprint": fingerprint,
            "explicit": _recorded_explicit(body),
            "explicit_setting": _explicit_setting(gateway, body["tenant"]),
        }
    content = orjson.loads(record.content) if record.content else None
    return _page(
        request,
        session,
        "detail.html",
        body=body,
        chain=chain,
        labels=labels,
        content=content,
        keeps_content=gateway.settings.keeps_audit_content(body["tenant"]),
    )


def _recorded_explicit(body: dict[str, Any]) -> dict[str, Any] | None:
    """Whether and where the first content's visible label was written (records from v3)."""
    labels = body.get("labels") or [{}]
    return labels[0].get("explicit")


def _explicit_setting(gateway: Gateway, tenant: str) -> Any:
    labels = gateway.settings.tenant(tenant).labels
    return (labels and labels.explicit) or gateway.settings.labels.explicit


@router.get("/api/requests/{request_id}")
async def request_summary(request: Request, request_id: str) -> Response:
    """The playground's follow-up: how its last request was routed and recorded."""
    session = await _session(request)
    visible = await _visible_record(request, session, request_id)
    if visible is None:
        return _json({"error": {"message": "No such request.", "code": "not_found"}}, 404)
    _, body = visible
    keys = (
        "request_id", "model", "backend", "status", "finish_reason", "guard_action", "findings",
        "latency_ms", "prompt_tokens", "completion_tokens", "energy_wh", "carbon_g",
        "produce_id", "watermark_key_id", "seq",
    )  # fmt: skip
    return _json({**{key: body.get(key) for key in keys}, "explicit": _recorded_explicit(body)})


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json",
        headers=SECURITY_HEADERS,
    )  # fmt: skip


# -- verify ------------------------------------------------------------------------------------


@router.get("/verify")
async def verify_form(request: Request) -> Response:
    session = await _session(request)
    return _page(request, session, "verify.html", result=None, text="", error=None)


@router.post("/verify")
async def verify_submit(request: Request) -> Response:
    session = await _session(request)
    raw = await read_body(request, MAX_UPLOAD_BYTES)
    content_type = request.headers.get("content-type", "")

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    form = await Request(request.scope, replay).form(max_files=1, max_fields=4)
    csrf = form.get("csrf")
    if not session.csrf_ok(csrf if isinstance(csrf, str) else None):
        return _refuse_csrf()
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    upload = form.get("file")
    has_file = upload is not None and not isinstance(upload, str) and bool(upload.filename)
    if not has_file and not text.strip():
        return _page(
            request, session, "verify.html", status=400, result=None, text=text,
            error="Paste a text or choose an image to verify.",
        )  # fmt: skip
    if has_file:
        answer = await call_api(request, session.secret, "POST", "/v1/verify", raw, content_type)
    else:
        payload = orjson.dumps({"text": text})
        answer = await call_api(request, session.secret, "POST", "/v1/verify", payload)
    result = await answer.json()
    if answer.status != 200:
        message = result.get("error", {}).get("message", "Verification failed.")
        return _page(
            request, session, "verify.html", status=answer.status, result=None, text=text,
            error=message,
        )  # fmt: skip
    return _page(
        request, session, "verify.html", result=result, text=text, error=None,
        highlighted=_highlights(text, result) if not has_file else None,
    )  # fmt: skip


def _highlights(text: str, result: dict[str, Any]) -> list[tuple[str, bool]]:
    """The suspect text cut into (piece, matched) by the registry matches' spans."""
    spans = sorted(
        tuple(match["suspect_span"])
        for match in result["evidence"]["registry"]["matches"]
        if match.get("suspect_span")
    )
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in spans:
        start = max(start, position)
        if end <= start:
            continue
        pieces += [(text[position:start], False), (text[start:end], True)]
        position = end
    pieces.append((text[position:], False))
    return [piece for piece in pieces if piece[0]]


# -- playground --------------------------------------------------------------------------------


@router.get("/playground")
async def playground(request: Request) -> Response:
    session = await _session(request)
    gateway = _console(request).gateway
    return _page(
        request, session, "playground.html", models=gateway.router.model_names(),
        csrf=session.csrf,
    )  # fmt: skip


async def _relay(request: Request, path: str) -> Response:
    """POST the request's JSON body to ``path`` as the signed-in key (CSRF token in the
    ``x-csrf-token`` header) and stream the answer back as it comes."""
    session = await _session(request)
    if not session.csrf_ok(request.headers.get("x-csrf-token")):
        raise CsrfRefused
    limit = _console(request).gateway.settings.server.max_body_bytes
    answer = await call_api(request, session.secret, "POST", path, await read_body(request, limit))
    passed = {k: v for k, v in answer.headers.items() if k.startswith("x-") or k == "retry-after"}
    return StreamingResponse(
        answer.body,
        status_code=answer.status,
        media_type=answer.headers.get("content-type", "application/json"),
        headers={**SECURITY_HEADERS, **passed},
    )


@router.post("/api/chat")
async def playground_chat(request: Request) -> Response:
    """``/v1/chat/completions``, streamed back unchanged."""
    return await _relay(request, "/v1/chat/completions")


@router.post("/api/guard")
async def playground_guard(request: Request) -> Response:
    """``/v1/guard`` (the playground's guard-only mode, and the spans shown beside a chat)."""
    return await _relay(request, "/v1/guard")


# -- keys and tenants --------------------------------------------------------------------------


@router.get("/keys")
async def keys_page(request: Request) -> Response:
    session = await _admin_session(request)
    return await _keys_view(request, session)


async def _keys_view(
    request: Request,
    session: Session,
    status: int = 200,
    created: tuple[str, str, str] | None = None,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    gateway = _console(request).gateway
    keys = await asyncio.to_thread(gateway.keys.list_keys)
    tenants = sorted({key.tenant for key in keys})
    return _page(
        request, session, "keys.html", status=status, keys=keys, created=created, error=error,
        notice=notice, limits={t: gateway.settings.rate_limit_for(t) for t in tenants},
    )  # fmt: skip


@router.post("/keys")
async def create_key(request: Request) -> Response:
    session = await _admin_session(request)
    fields = await _form(request, session)
    tenant = fields.get("tenant", "").strip()
    if not tenant or len(tenant) > 64 or not all(c.isalnum() or c in "-_." for c in tenant):
        return await _keys_view(
            request, session, status=400,
            error="Tenant: 1–64 letters, digits, '-', '_' or '.'.",
        )  # fmt: skip
    admin = fields.get("admin") == "on"
    gateway = _console(request).gateway
    key_id, secret = await asyncio.to_thread(gateway.keys.create_key, tenant, admin=admin)
    return await _keys_view(request, session, created=(key_id, tenant, secret))


@router.post("/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str) -> Response:
    session = await _admin_session(request)
    await _form(request, session)
    console = _console(request)
    if not await asyncio.to_thread(console.gateway.keys.revoke, key_id):
        return await _keys_view(request, session, status=404, error=f"No active key {key_id}.")
    console.sessions.end_sessions_of(key_id)
    request.app.state.authenticate.forget()
    return await _keys_view(request, session, notice=f"Revoked {key_id}.")


# -- policy ------------------------------------------------------------------------------------


@router.get("/policy")
async def policy_page(request: Request) -> Response:
    session = await _session(request)
    gateway = _console(request).gateway
    settings = gateway.settings
    tenant = _tenant_scope(session, request.query_params.get("tenant")) or session.key.tenant
    if session.admin:
        known = await asyncio.to_thread(gateway.keys.list_keys)
        tenants = sorted({key.tenant for key in known} | set(settings.tenants))
    else:
        tenants = [session.key.tenant]
    policy = gateway.guards.policy(tenant)
    overrides = settings.tenant(tenant)
    return _page(
        request, session, "policy.html", tenant=tenant, tenants=tenants, policy=policy,
        overrides=overrides, limit=settings.rate_limit_for(tenant),
        keeps_content=settings.keeps_audit_content(tenant),
        explicit=_explicit_setting(gateway, tenant), source=settings.source,
        input_types=sorted(policy.input), output_types=sorted(policy.output),
    )  # fmt: skip


# -- evaluations -------------------------------------------------------------------------------


@router.get("/evaluations")
async def evaluations_page(request: Request) -> Response:
    session = await _admin_session(request)
    return await _evaluations_view(request, session)


@dataclass(frozen=True, slots=True)
class EvaluationChoice:
    """What the start form holds: the defaults, or what the user sent back with an error."""

    model: str | None = None
    suites: tuple[str, ...] | None = None
    modes: tuple[str, ...] = ("raw", "guarded")
    limit: str = "5"


async def _evaluations_view(
    request: Request,
    session: Session,
    status: int = 200,
    error: str | None = None,
    chosen: EvaluationChoice = EvaluationChoice(),
) -> Response:
    gateway = _console(request).gateway
    answer = await call_api(request, session.secret, "GET", "/admin/evaluations")
    runs = (await answer.json()).get("data", []) if answer.status == 200 else []
    finished = await asyncio.to_thread(_finished_runs, gateway, {run["id"] for run in runs})
    from ..evaluation.suites import SUITES

    return _page(
        request, session, "evaluations.html", status=status, runs=runs[::-1], finished=finished,
        models=gateway.router.model_names(), suites=list(SUITES), error=error,
        chosen=chosen if chosen.suites is not None else replace(chosen, suites=tuple(SUITES)),
    )  # fmt: skip


def _finished_runs(gateway: Gateway, known: set[str]) -> list[str]:
    """Runs of earlier server processes, found on disk."""
    folder = gateway.data_dir / "evaluations"
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if (p / "results.json").exists()]
    return sorted((name for name in found if name not in known), reverse=True)


@router.post("/evaluations")
async def start_evaluation(request: Request) -> Response:
    session = await _admin_session(request)
    fields = await _form(request, session)
    form = await request.form()
    suites = [value for value in form.getlist("suites") if isinstance(value, str)]
    modes = [value for value in form.getlist("modes") if isinstance(value, str)]
    limit = fields.get("limit_per_suite", "").strip()
    chosen = EvaluationChoice(fields.get("model"), tuple(suites), tuple(modes), limit)
    error = None
    if limit and (not limit.isdigit() or int(limit) < 1):
        error = "Cases per suite: a whole number from 1, or empty for all."
    elif not suites or not modes:
        error = "Choose at least one suite and one mode."
    if error:
        return await _evaluations_view(request, session, 400, error, chosen)
    payload: dict[str, Any] = {"model": fields.get("model", ""), "suites": suites, "modes": modes}
    if limit:
        payload["limit_per_suite"] = int(limit)
    answer = await call_api(
        request, session.secret, "POST", "/admin/evaluations", orjson.dumps(payload)
    )
    result = await answer.json()
    if answer.status != 202:
        message = result.get("error", {}).get("message", "The evaluation did not start.")
        return await _evaluations_view(request, session, answer.status, message, chosen)
    return RedirectResponse(f"/console/evaluations/{result['id']}", status_code=303)


@router.get("/evaluations/{run_id}")
async def evaluation_page(request: Request, run_id: str) -> Response:
    session = await _admin_session(request)
    answer = await call_api(request, session.secret, "GET", f"/admin/evaluations/{run_id}")
    run = await answer.json()
    if answer.status != 200:
        return _page(request, session, "not_found.html", status=404, what=f"evaluation {run_id}")
    return _page(request, session, "evaluation.html", run=run)


@router.get("/evaluations/{run_id}/{document}")
async def evaluation_document(request: Request, run_id: str, document: str) -> Response:
    session = await _admin_session(request)
    if document not in ("report", "factsheet"):
        return _page(request, session, "not_found.html", status=404, what=document)
    answer = await call_api(
        request, session.secret, "GET", f"/admin/evaluations/{run_id}/{document}"
    )
    if answer.status != 200:
        return _page(request, session, "not_found.html", status=404, what=f"{document} of {run_id}")
    return Response(
        await answer.read(), media_type="text/html; charset=utf-8", headers=DOCUMENT_HEADERS
    )


# -- audit integrity ---------------------------------------------------------------------------


@router.get("/integrity")
async def integrity_page(request: Request) -> Response:
    session = await _admin_session(request)
    return _page(request, session, "integrity.html", result=_console(request).integrity)


def _verify_chain(gateway: Gateway) -> dict[str, Any]:
    store = gateway.audit.store
    keys = {k: load_public_key(pem) for k, pem in store.public_keys().items()}
    keys[gateway.audit.signer.key_id] = gateway.audit.signer.public_key
    started = time.perf_counter()
    report: VerifyReport = verify(store.records(), store.checkpoints(), keys, from_genesis=True)
    return {
        "ok": report.ok,
        "report": report,
        "problem": str(report.problem) if report.problem else None,
        "seconds": time.perf_counter() - started,
        "at": time.time(),
        "unsigned": (report.last_seq or 0) - (report.last_checkpoint or 0),
    }


@router.post("/integrity")
async def run_integrity(request: Request) -> Response:
    session = await _admin_session(request)
    await _form(request, session)
    console = _console(request)
    console.integrity = await asyncio.to_thread(_verify_chain, console.gateway)
    return _page(request, session, "integrity.html", result=console.integrity)


# -- errors ------------------------------------------------------------------------------------


def _sign_in_required(request: Request) -> Response:
    if request.url.path.startswith("/console/api/"):
        return _json(
            {"error": {"message": "Sign in to the console first.", "code": "not_signed_in"}}, 401
        )
    if request.method == "GET":
        return RedirectResponse("/console/sign-in", status_code=303)
    return Response("Sign in first.", status_code=401, headers=SECURITY_HEADERS)
