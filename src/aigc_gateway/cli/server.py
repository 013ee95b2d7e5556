"""``aigc-gateway serve``: build the gateway and serve its HTTP API, in this process or in
``--workers N`` processes on one port (:mod:`.workers`)."""

from __future__ import annotations

import argparse
import logging

from .common import EXIT_USAGE, CliError, add_common, load_settings
from .startup import (
    UVICORN_OPTIONS,
    announce,
    announce_admin_key,
    build_gateway,
    settle_heap,
)


def serve(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="gateway processes serving the port (default: server.workers, 1); more than 1 "
        "needs rate_limiter.backend: redis while per-key limits are set",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.set_defaults(run=run_serve)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def run_serve(args: argparse.Namespace) -> None:
    from ..limits import limits_per_process

    settings = load_settings(args)
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    workers = args.workers or settings.server.workers
    if workers > 1 and limits_per_process(settings):
        raise CliError(
            f"{workers} workers need rate_limiter.backend: redis: in-memory per-key limits are "
            "per process, so each worker would grant every key its whole budget (or set "
            "limits.requests_per_minute and limits.tokens_per_day to null for no limits)",
            EXIT_USAGE,
        )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if workers > 1:
        from .workers import Supervisor

        Supervisor(settings, args.data_dir, host, port, workers, args.access_log).run()
        return
    import uvicorn

    from ..api.app import create_app

    gateway = build_gateway(settings, args.data_dir)
    announce_admin_key(gateway.bootstrap_key())
    announce(settings, args.data_dir, host, port, workers)
    app = create_app(gateway)
    settle_heap()
    uvicorn.run(app, host=host, port=port, access_log=args.access_log, **UVICORN_OPTIONS)
