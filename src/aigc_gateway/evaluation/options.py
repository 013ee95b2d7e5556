"""Evaluation options, defined once by :class:`~.runner.RunConfig`'s fields: the admin API's
request body and the ``eval`` command's options are both built from them, and both validate
through :func:`run_config`."""

from __future__ import annotations

import argparse
import dataclasses
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from .runner import RunConfig, RunError

CLI_NAMES = {"limit_per_suite": "--limit", "suites": "--suite", "languages": "--language"}
"""Options whose command-line name is not the field's name (lists take one value per flag)."""


def _body_model() -> type[BaseModel]:
    hints = typing.get_type_hints(RunConfig)
    fields: dict[str, Any] = {}
    for item in dataclasses.fields(RunConfig):
        bounds = {key: item.metadata[key] for key in ("ge", "le") if key in item.metadata}
        kind = hints[item.name]
        if typing.get_origin(kind) is tuple:
            kind = list[typing.get_args(kind)[0]]
        default = ... if item.default is dataclasses.MISSING else item.default
        if isinstance(default, tuple):
            default = list(default)  # a list field's default, serialised without a warning
        fields[item.name] = (
            Annotated[kind, Field(description=item.metadata.get("help"), **bounds)],
            default,
        )
    config = ConfigDict(extra="forbid", frozen=True)
    return create_model("EvaluationOptions", __config__=config, **fields)


EvaluationOptions = _body_model()
"""The body of ``POST /admin/evaluations``."""


def run_config(options: BaseModel) -> RunConfig:
    """A validated body (or command line) as the run's settings; RunError if they conflict."""
    values = options.model_dump()
    return RunConfig(**{name: tuple(v) if isinstance(v, list) else v for name, v in values.items()})


def add_options(parser: argparse.ArgumentParser, skip: frozenset[str]) -> None:
    """One command-line option per run setting (except ``skip``), without defaults of its
    own: what is not given takes the RunConfig default."""
    hints = typing.get_type_hints(RunConfig)
    for item in dataclasses.fields(RunConfig):
        if item.name in skip:
            continue
        flag = CLI_NAMES.get(item.name, "--" + item.name.replace("_", "-"))
        help_text = f"{item.metadata.get('help')}{_shown_default(item.default)}"
        if typing.get_origin(hints[item.name]) is tuple:
            parser.add_argument(flag, dest=item.name, action="append", help=help_text)
        else:
            parser.add_argument(flag, dest=item.name, help=help_text)


def _shown_default(default: Any) -> str:
    """How an option's help shows its default: required options and unset ones show none."""
    if default is dataclasses.MISSING:
        return " (required)"
    if default is None:
        return ""
    return f" (default: {', '.join(default) if isinstance(default, tuple) else default})"


def options_from_args(args: argparse.Namespace, **given: Any) -> BaseModel:
    """The options given on the command line (plus ``given``), validated like an API body."""
    values = {
        item.name: getattr(args, item.name)
        for item in dataclasses.fields(RunConfig)
        if getattr(args, item.name, None) is not None
    }
    try:
        return EvaluationOptions.model_validate({**values, **given})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0])
        flag = CLI_NAMES.get(name, "--" + name.replace("_", "-"))
        raise RunError(f"{flag}: {first['msg']}") from None
