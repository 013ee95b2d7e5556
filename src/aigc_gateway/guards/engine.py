"""The guard engine: every detector, loaded once, run over one text in one direction.

``scan`` is the single code path behind the pipeline stages and ``POST /v1/guard``. Span
detectors (secrets, structured PII, names) run on every text; the injection model runs on
what users and tools put in (indirect injection arrives in tool results and documents), the
harm model on user input and on answers. Both share one n-gram pass per window.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cached_property

from ..config import Settings
from .features import windows
from .harm import HarmDetector
from .injection import InjectionDetector
from .model import PII_TYPES, SECRET_TYPES, Finding, resolve_overlaps
from .names import person_names
from .pii import StructuredPII
from .policy import Direction, Policy
from .secrets import Secrets

INJECTION_ROLES = frozenset({"user", "tool", "function"})
HARM_INPUT_ROLES = frozenset({"user"})
STRUCTURED_TYPES = frozenset(PII_TYPES) - {"PERSON"}


class GuardEngine:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._secrets = Secrets()
        self._pii = StructuredPII()
        self._names = person_names()
        self._injection = InjectionDetector()
        self._harm = HarmDetector()
        self._policies: dict[str, Policy] = {}

    @cached_property
    def default_policy(self) -> Policy:
        return Policy.build(self._settings.guards, None)

    def policy(self, tenant: str) -> Policy:
        policy = self._policies.get(tenant)
        if policy is None:
            tenant_settings = self._settings.tenant(tenant).guards
            policy = Policy.build(self._settings.guards, tenant_settings)
            self._policies[tenant] = policy
        return policy

    def scan(
        self,
        text: str,
        direction: Direction,
        role: str = "user",
        only: Collection[str] | None = None,
    ) -> list[Finding]:
        """Findings in ``text``; ``only`` limits the work to detectors of these types."""
        wanted = (lambda kind: True) if only is None else only.__contains__
        secrets = self._secrets.check(text) if any(map(wanted, SECRET_TYPES)) else []
        pii = self._pii.check(text, only) if any(map(wanted, STRUCTURED_TYPES)) else []
        names = self._names.check(text) if wanted("PERSON") else []
        findings = [f for f in resolve_overlaps(secrets, pii, names) if wanted(f.type)]
        injection = direction == "input" and role in INJECTION_ROLES and wanted("INJECTION")
        harm = (direction == "output" or role in HARM_INPUT_ROLES) and wanted("HARM")
        if (injection or harm) and text.strip():
            parts = windows(text)
            if injection:
                findings += self._injection.check_windows(text, parts)
            if harm:
                findings += self._harm.check_windows(text, parts)
        return findings
