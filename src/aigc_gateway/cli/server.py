"""``aigc-gateway serve``: build the gateway and serve its HTTP API."""

from __future__ import annotations

import argparse
import logging

from .common import EXIT_USAGE, CliError, add_common, load_settings


def serve(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> None:
    from ..providers.selfcheck import LocalModelUnusable, SelfCheck

    settings = load_settings(args)
    # The local model's self-check runs in a child process while the gateway is built.
    check = SelfCheck.start(settings.local_model) if settings.local_model.enabled else None
    import uvicorn

    from ..api.app import create_app
    from ..gateway import Gateway

    host = args.host or settings.server.host
    port = args.port or settings.server.port
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        gateway = Gateway(settings, args.data_dir)
        if check is not None:
            logging.getLogger(__name__).info("local model self-check: %s", check.wait())
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot start: {exc}", EXIT_USAGE) from exc
    except LocalModelUnusable as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    finally:
        if check is not None:
            check.stop()
    secret = gateway.bootstrap_key()
    if secret:
        print(
            "Created tenant 'default' and its admin API key (shown once; keep it now):\n"
            f"  {secret}\n"
            "More keys: aigc-gateway keys create --tenant NAME [--admin]",
            flush=True,
        )
    if settings.server.open_dev_mode:
        logging.getLogger(__name__).warning(
            "open dev mode: requests without an API key are served as tenant 'default'"
        )
    print(f"AIGC Gateway on http://{host}:{port}  (data: {args.data_dir})", flush=True)
    uvicorn.run(
        create_app(gateway),
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        access_log=args.access_log,
        log_level="info",
        timeout_graceful_shutdown=5,
    )
