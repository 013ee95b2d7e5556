"""Optional dependencies (the package's extras): imported only where used, and when missing,
one line that says which extra to install.

- ``postgres``: the PostgreSQL audit store (psycopg)
- ``redis``: per-key limits shared through Redis
- ``plot``: the PNG chart of ``aigc-gateway report usage`` (matplotlib)
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(ValueError):
    """An optional dependency that the configuration asks for is not installed."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtra` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"{purpose} needs the '{extra}' extra: pip install 'aigc-gateway[{extra}]'"
        ) from None
