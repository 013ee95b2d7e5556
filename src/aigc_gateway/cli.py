"""The command line: ``aigc-gateway serve | keys | config``.

Every failure is one line on stderr and a non-zero exit: 2 for bad usage or a bad config file,
1 for anything else.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .config import ConfigError, Settings, default_data_dir, load_settings
from .store import KeyStore, connect

EXIT_FAILURE = 1
EXIT_USAGE = 2
CONFIG_FILE = "config.yaml"


class CliError(Exception):
    """A failure to report in one line, with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _config_path(explicit: str | None, data_dir: Path) -> Path | None:
    """``--config``, else ``AIGC_GATEWAY_CONFIG``, else ``DATA_DIR/config.yaml`` if present."""
    chosen = explicit or os.environ.get("AIGC_GATEWAY_CONFIG")
    if chosen:
        return Path(chosen)
    candidate = data_dir / CONFIG_FILE
    return candidate if candidate.is_file() else None


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(_config_path(args.config, args.data_dir))
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc


def _key_store(args: argparse.Namespace) -> KeyStore:
    return KeyStore(connect(args.data_dir / "gateway.db"))


def cmd_serve(args: argparse.Namespace) -> None:
    from .providers.selfcheck import LocalModelUnusable, SelfCheck

    settings = _settings(args)
    # The local model's self-check runs in a child process while the gateway is built.
    check = SelfCheck.start(settings.local_model) if settings.local_model.enabled else None
    import uvicorn

    from .api.app import create_app
    from .gateway import Gateway

    host = args.host or settings.server.host
    port = args.port or settings.server.port
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        gateway = Gateway(settings, args.data_dir)
        if check is not None:
            logging.getLogger(__name__).info("local model self-check: %s", check.wait())
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot start: {exc}") from exc
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


def cmd_keys_create(args: argparse.Namespace) -> None:
    if not args.tenant.strip():
        raise CliError("--tenant must not be empty", EXIT_USAGE)
    key_id, secret = _key_store(args).create_key(args.tenant.strip(), admin=args.admin)
    role = "admin key" if args.admin else "key"
    print(f"Created {role} {key_id} for tenant '{args.tenant.strip()}'. It is shown only once:")
    print(secret)


def cmd_keys_list(args: argparse.Namespace) -> None:
    keys = _key_store(args).list_keys(args.tenant)
    print(f"{'ID':<18} {'TENANT':<20} {'ADMIN':<6} {'CREATED (UTC)':<20} STATUS")
    for key in keys:
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(key.created_at))
        status = "revoked" if key.revoked else "active"
        admin = "yes" if key.admin else "no"
        print(f"{key.id:<18} {key.tenant:<20} {admin:<6} {created:<20} {status}")


def cmd_keys_revoke(args: argparse.Namespace) -> None:
    if not _key_store(args).revoke(args.key_id):
        raise CliError(f"no active key with id {args.key_id}")
    print(f"Revoked {args.key_id}.")


def cmd_config_check(args: argparse.Namespace) -> None:
    path = _config_path(args.config, args.data_dir)
    settings = _settings(args)
    print(
        f"{path or 'embedded defaults'}: OK ({len(settings.all_model_names())} models, "
        f"{len(settings.upstreams)} upstreams)"
    )


def cmd_config_reference(args: argparse.Namespace) -> None:
    from .config_reference import reference

    print(reference(), end="")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aigc-gateway", description="OpenAI-compatible gateway that guards, labels and audits."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="all state lives here (default: $AIGC_GATEWAY_DATA_DIR or the "
        "platform's user data dir)",
    )
    common.add_argument("--config", default=None, help="YAML config file")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="run the gateway")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(run=cmd_serve)

    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys_command", required=True, metavar="ACTION"
    )
    create = keys.add_parser("create", parents=[common], help="create a key (printed once)")
    create.add_argument("--tenant", required=True)
    create.add_argument("--admin", action="store_true", help="may use the admin API")
    create.set_defaults(run=cmd_keys_create)
    listing = keys.add_parser("list", parents=[common], help="list keys (never the secrets)")
    listing.add_argument("--tenant", default=None)
    listing.set_defaults(run=cmd_keys_list)
    revoke = keys.add_parser("revoke", parents=[common], help="revoke a key by id")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=cmd_keys_revoke)

    config = commands.add_parser("config", help="work with the config file").add_subparsers(
        dest="config_command", required=True, metavar="ACTION"
    )
    check = config.add_parser("check", parents=[common], help="validate the config and exit")
    check.set_defaults(run=cmd_config_check)
    config.add_parser(
        "reference", help="print every option with its default, as commented YAML"
    ).set_defaults(run=cmd_config_reference)

    from .audit.cli import add_audit_commands  # imports this module: registered late

    add_audit_commands(commands, common)
    from .evaluation.cli import add_eval_commands

    add_eval_commands(commands, common)
    from .labeling.cli import add_label_commands  # imports this module: registered late

    add_label_commands(commands, common)
    from .scan.cli import add_scan_commands  # imports this module: registered late

    add_scan_commands(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.data_dir = args.data_dir or default_data_dir()
    run: Callable[[argparse.Namespace], None] = args.run
    try:
        run(args)
    except CliError as exc:
        print(f"aigc-gateway: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    # Run the package's copy of this module, so that a CliError raised by a command module
    # (which imports aigc_gateway.cli) is the class main() catches.
    from aigc_gateway.cli import main as package_main

    sys.exit(package_main())
