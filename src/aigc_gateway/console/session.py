"""Console sign-in: sessions held in server memory, HttpOnly SameSite cookies, CSRF tokens.

A session is created by signing in with an API key. The browser only holds a random session id
(HttpOnly, SameSite=Strict, path ``/console``); the key itself stays in this process so that the
console can call the API on the user's behalf, and is checked again against the key store every
``server.key_cache_s`` seconds, so a revoked key ends its sessions. Every state-changing request
must carry the session's CSRF token (form field ``csrf`` or header ``x-csrf-token``); the
sign-in form, which has no session yet, uses a double-submit token in a short-lived cookie.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import Response

from ..store import KeyInfo, KeyStore

SESSION_COOKIE = "aigc_console"
LOGIN_COOKIE = "aigc_console_login"
COOKIE_PATH = "/console"
SESSION_TTL_S = 8 * 3600
LOGIN_TTL_S = 3600
MAX_SESSIONS = 10_000


@dataclass(slots=True)
class Session:
    key: KeyInfo
    secret: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    expires: float = field(default_factory=lambda: time.monotonic() + SESSION_TTL_S)
    checked: float = field(default_factory=time.monotonic)

    @property
    def admin(self) -> bool:
        return self.key.admin

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf)


class ConsoleSessions:
    """Sessions of this process, keyed by their random id."""

    def __init__(self, keys: KeyStore, recheck_s: float) -> None:
        self._keys = keys
        self._recheck_s = recheck_s
        self._sessions: dict[str, Session] = {}

    async def sign_in(self, secret: str) -> tuple[str, Session] | None:
        info = await asyncio.to_thread(self._keys.lookup, secret)
        if info is None:
            return None
        now = time.monotonic()
        if len(self._sessions) >= MAX_SESSIONS:
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda k: self._sessions[k].expires)
                del self._sessions[oldest]
        session_id = secrets.token_urlsafe(32)
        session = self._sessions[session_id] = Session(info, secret)
        return session_id, session

    async def current(self, request: Request) -> Session | None:
        """The request's live session, or None (unknown, expired or its key revoked)."""
        session_id = request.cookies.get(SESSION_COOKIE)
        session = self._sessions.get(session_id) if session_id else None
        if session is None or session_id is None:
            return None
        now = time.monotonic()
        if session.expires < now:
            self._sessions.pop(session_id, None)
            return None
        if now - session.checked > self._recheck_s:
            info = await asyncio.to_thread(self._keys.lookup, session.secret)
            if info is None:
                self._sessions.pop(session_id, None)
                return None
            session.key, session.checked = info, now
        return session

    def sign_out(self, request: Request) -> None:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            self._sessions.pop(session_id, None)

    def end_sessions_of(self, key_id: str) -> None:
        """A key was revoked: its sessions end now."""
        self._sessions = {k: s for k, s in self._sessions.items() if s.key.id != key_id}


def _set_cookie(response: Response, request: Request, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    _set_cookie(response, request, SESSION_COOKIE, session_id, SESSION_TTL_S)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")


def login_token(request: Request) -> str:
    """The sign-in form's double-submit token: the cookie's if present, else a new one."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)


def set_login_cookie(response: Response, request: Request, token: str) -> None:
    _set_cookie(response, request, LOGIN_COOKIE, token, LOGIN_TTL_S)


def login_token_ok(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE)
    return bool(cookie and submitted) and hmac.compare_digest(cookie or "", submitted or "")
