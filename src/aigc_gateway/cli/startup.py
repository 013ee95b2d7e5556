"""What starting a gateway server involves, in one process or in each worker: building the
gateway with its start-up checks, announcing it, and how uvicorn runs it."""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import EXIT_USAGE, CliError

if TYPE_CHECKING:
    from ..config import Settings
    from ..gateway import Gateway

log = logging.getLogger(__name__)

UVICORN_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "log_level": "info",
    "timeout_graceful_shutdown": 5,
}
"""How uvicorn runs the app, in one process or in each worker."""
GC_YOUNG_THRESHOLD = 10_000
"""Net container allocations between young collections (Python's default: 700)."""


def build_gateway(settings: Settings, data_dir: Path, *, check_local_model: bool = True) -> Gateway:
    """The gateway, or a one-line :class:`CliError`. The local model's self-check (unless the
    caller ran it) runs in a child process while the gateway is built."""
    from ..gateway import Gateway
    from ..providers.selfcheck import LocalModelUnusable, SelfCheck

    enabled = check_local_model and settings.local_model.enabled
    check = SelfCheck.start(settings.local_model) if enabled else None
    try:
        gateway = Gateway(settings, data_dir)
        if check is not None:
            log.info("local model self-check: %s", check.wait())
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot start: {exc}", EXIT_USAGE) from exc
    except LocalModelUnusable as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    finally:
        if check is not None:
            check.stop()
    return gateway


def announce_admin_key(secret: str | None) -> None:
    if secret:
        print(
            "Created tenant 'default' and its admin API key (shown once; keep it now):\n"
            f"  {secret}\n"
            "More keys: aigc-gateway keys create --tenant NAME [--admin]",
            flush=True,
        )


def announce(settings: Settings, data_dir: Path, host: str, port: int, workers: int) -> None:
    if settings.server.open_dev_mode:
        log.warning("open dev mode: requests without an API key are served as tenant 'default'")
    processes = f", {workers} workers" if workers > 1 else ""
    print(f"AIGC Gateway on http://{host}:{port}  (data: {data_dir}{processes})", flush=True)


def settle_heap() -> None:
    """Once, after the gateway is built and before it serves: the objects start-up made
    (modules, guard models, lexicons, settings; about 100,000) move to the permanent generation,
    so the cyclic GC never walks them again, and young collections run every
    ``GC_YOUNG_THRESHOLD`` net allocations. Requests free almost everything they allocate by
    reference counting, so with the default threshold the collector mostly ran on in-flight
    objects: about 680 young and 6 full collections per 3000 requests at concurrency 32, the
    full ones walking the whole start-up heap on the event loop (see docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)
