"""The gateway's error type: each error knows its HTTP status and OpenAI error fields.

Any layer raises :class:`GatewayError`; the API layer turns it into
``{"error": {"message", "type", "param", "code"}}`` with the right status, and the CLI into one
line on stderr.
"""

from __future__ import annotations


class GatewayError(Exception):
    """An error a client should see, with the HTTP status and OpenAI-style fields."""

    status = 500
    type = "server_error"
    code: str | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.headers = headers or {}
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, object]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


class InvalidRequest(GatewayError):
    status = 400
    type = "invalid_request_error"
    code = "invalid_request"


class ContentBlocked(GatewayError):
    """A guard policy stopped the request (prompt attack, unsafe content, a secret …)."""

    status = 400
    type = "invalid_request_error"
    code = "content_blocked"


class Unauthorized(GatewayError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class Forbidden(GatewayError):
    status = 403
    type = "permission_error"
    code = "forbidden"


class NotFound(GatewayError):
    status = 404
    type = "invalid_request_error"
    code = "not_found"


class PayloadTooLarge(GatewayError):
    status = 413
    type = "invalid_request_error"
    code = "request_too_large"


class GuardBudgetExceeded(PayloadTooLarge):
    """The guards could not scan a request within its time budget (``guards.scan_budget_s``)."""

    code = "guard_budget_exceeded"


class RateLimited(GatewayError):
    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after_s: int, code: str | None = None) -> None:
        super().__init__(message, code=code, headers={"retry-after": str(retry_after_s)})


class UpstreamError(GatewayError):
    """Every backend in the chain failed; carries the last failure."""

    status = 502
    type = "upstream_error"
    code = "upstream_failed"


RETRY_AFTER_S = 5
"""What a 503 tells the client to wait when the failing part cannot say better."""


class Unavailable(GatewayError):
    """503: a part the request needs is down for now; always carries ``Retry-After``."""

    status = 503
    type = "server_error"
    code = "unavailable"

    def __init__(
        self, message: str, *, code: str | None = None, retry_after_s: float = RETRY_AFTER_S
    ) -> None:
        seconds = str(max(1, int(retry_after_s + 0.999)))
        super().__init__(message, code=code, headers={"retry-after": seconds})


class BackendUnavailable(Unavailable):
    code = "backend_unavailable"


class StorageUnavailable(Unavailable):
    """The database or disk cannot take or give records now (full, read-only, corrupt, down)."""

    code = "storage_unavailable"
