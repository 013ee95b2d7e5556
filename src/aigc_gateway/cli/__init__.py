"""The command line: ``aigc-gateway COMMAND …``, one command per capability (see
:mod:`.registry`).

Every failure is one line on stderr and a non-zero exit: 2 for bad usage or a bad config file,
1 for anything else.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from ..extras import MissingExtra
from .common import EXIT_FAILURE, CliError
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
    return 0
