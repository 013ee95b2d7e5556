"""``aigc-gateway config check | reference``: validate a config file, print every option."""

from __future__ import annotations

import argparse

from .common import EXIT_USAGE, CliError, add_common, config_path, load_settings


def config(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = add_common(actions.add_parser("check", help="validate the config and exit"))
    check.set_defaults(run=run_check)
    actions.add_parser(
        "reference", help="print every option with its default, as commented YAML"
    ).set_defaults(run=run_reference)


def run_check(args: argparse.Namespace) -> None:
    path = config_path(args)
    settings = load_settings(args)
    if settings.local_model.enabled:
        from ..providers.local import bundled_model_path

        try:
            model = settings.local_model.path or bundled_model_path()
        except FileNotFoundError as exc:
            raise CliError(f"local_model: {exc}", EXIT_USAGE) from exc
        if not model.is_file():
            raise CliError(
                f"{path or 'embedded defaults'}: local_model.path: no such file: {model}",
                EXIT_USAGE,
            )
    print(
        f"{path or 'embedded defaults'}: OK ({len(settings.all_model_names())} models, "
        f"{len(settings.upstreams)} upstreams)"
    )


def run_reference(args: argparse.Namespace) -> None:
    from ..config_reference import reference

    print(reference(), end="")
