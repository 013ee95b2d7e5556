"""Identifiers of requests and generated content (request ids, ProduceIDs, message ids): random
hex drawn from a pool of the operating system's randomness, refilled ``POOL_BYTES`` at a time.

``secrets.token_hex`` asks the kernel once per id, and that call releases the GIL: on the event
loop, while the audit or label-registry writer thread runs Python code, taking the GIL back can
take up to the interpreter's switch interval (5 ms) — a stall for every request in flight. These
ids are unique names, not secrets (API keys, session tokens and signing keys still come from
``secrets`` directly), drawn from the same source. A forked child (a ``serve --workers``
worker) starts with an empty pool, so no two processes hand out the same bytes.
"""

from __future__ import annotations

import os
import threading

POOL_BYTES = 4096

_lock = threading.Lock()
_pool = b""
_used = 0


def random_hex(nbytes: int) -> str:
    """``nbytes`` random bytes as ``2 * nbytes`` hex digits (like ``secrets.token_hex``)."""
    global _pool, _used
    with _lock:
        if _used + nbytes > len(_pool):
            _pool, _used = os.urandom(max(POOL_BYTES, nbytes)), 0
        start = _used
        _used += nbytes
        return _pool[start : start + nbytes].hex()


def _forget() -> None:
    global _pool, _used
    _pool, _used = b"", 0


os.register_at_fork(after_in_child=_forget)
