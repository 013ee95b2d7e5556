"""What every command shares: the one-line error, exit codes, the common options and the
settings they select. Capabilities import this module; it imports none of them."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings

EXIT_FAILURE = 1
EXIT_USAGE = 2
CONFIG_FILE = "config.yaml"


class CliError(Exception):
    """A failure to report in one line, with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--data-dir`` and ``--config``, which every command that reads state takes."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="all state lives here (default: $AIGC_GATEWAY_DATA_DIR or the "
        "platform's user data dir)",
    )
    parser.add_argument("--config", default=None, help="YAML config file")
    return parser


def config_path(args: argparse.Namespace) -> Path | None:
    """``--config``, else ``AIGC_GATEWAY_CONFIG``, else ``DATA_DIR/config.yaml`` if present."""
    chosen = args.config or os.environ.get("AIGC_GATEWAY_CONFIG")
    if chosen:
        return Path(chosen)
    candidate = args.data_dir / CONFIG_FILE
    return candidate if candidate.is_file() else None


def load_settings(args: argparse.Namespace) -> Settings:
    """The settings the command line selects; a bad config file is a usage error."""
    from ..config import ConfigError
    from ..config import load_settings as load

    try:
        return load(config_path(args))
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
