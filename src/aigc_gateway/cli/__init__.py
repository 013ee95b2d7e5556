"""The command line: ``aigc-gateway COMMAND …``, one command per capability (see
:mod:`.registry`).

Every failure is one line on stderr and a non-zero exit: 2 for bad usage, a bad config file or
a data dir, database or service the command cannot use (the line names it and says what to
do), 1 for anything else. ``AIGC_GATEWAY_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..extras import MissingExtra
from ..store import DataFileError
from .common import EXIT_FAILURE, EXIT_USAGE, CliError
from .registry import COMMANDS


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser, with full options for the command named in ``argv`` only."""
    parser = argparse.ArgumentParser(
        prog="aigc-gateway", description="OpenAI-compatible gateway that guards, labels and audits."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    for command in COMMANDS:
        sub = commands.add_parser(command.name, help=command.help, description=command.help)
        if command.name == chosen:
            module, _, function = command.define.partition(":")
            getattr(importlib.import_module(module), function)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    if hasattr(args, "data_dir") and args.data_dir is None:
        from ..config import default_data_dir

        args.data_dir = default_data_dir()
    run: Callable[[argparse.Namespace], None] = args.run
    try:
        run(args)
    except CliError as exc:
        print(f"aigc-gateway: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except MissingExtra as exc:
        print(f"aigc-gateway: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line, never a traceback, for whatever the command met
        if os.environ.get("AIGC_GATEWAY_DEBUG"):
            raise
        data_dir = getattr(args, "data_dir", None) or Path("the data dir")
        print(f"aigc-gateway: error: {operator_message(exc, data_dir)}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def operator_message(exc: Exception, data_dir: Path) -> str:
    """What went wrong, for an operator, in one line: the file or service and what to do."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, DataFileError):
        return first
    if isinstance(exc, sqlite3.OperationalError) and "readonly" in first:
        return (
            f"cannot write to a database in {data_dir} ({first}); check that the data dir is "
            "writable by this user and its disk is not full or mounted read-only"
        )
    if isinstance(exc, sqlite3.DatabaseError):
        return (
            f"a database in {data_dir} is damaged or unusable ({first}); restore it from a "
            "backup (AIGC_GATEWAY_DEBUG=1 shows where)"
        )
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot use{where}: {exc.strerror or first}; check the path and its permissions"
    if type(exc).__module__.split(".")[0] in ("psycopg", "redis"):
        return f"cannot reach the configured {type(exc).__module__.split('.')[0]} server: {first}"
    return f"{first} (AIGC_GATEWAY_DEBUG=1 shows the traceback)"
