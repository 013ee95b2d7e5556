"""The settings models rendered as a commented YAML reference: every option, its default and
what it does, taken from the models themselves so the reference cannot drift from the code.

Used by ``aigc-gateway config reference`` and embedded in docs/configuration.md.
"""

from __future__ import annotations

import textwrap
import types
import typing
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .config import Settings

WIDTH = 96


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The settings model inside ``X``, ``X | None``; None for anything else."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for argument in typing.get_args(annotation):
            found = _model_in(argument)
            if found is not None:
                return found
    return None


def _mapped_model(annotation: Any) -> type[BaseModel] | None:
    """For ``dict[str, Model]``: the Model."""
    if typing.get_origin(annotation) is dict:
        return _model_in(typing.get_args(annotation)[1])
    return None


def _scalar(value: Any) -> str:
    if value is PydanticUndefined:
        return "REQUIRED"
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return text.strip().removesuffix("...").strip()


def _comment(text: str | None, pad: str) -> list[str]:
    if not text:
        return []
    flat = " ".join(text.split())
    return [f"{pad}# {line}" for line in textwrap.wrap(flat, WIDTH - len(pad) - 2)]


def _render(model: type[BaseModel], values: BaseModel | None, depth: int) -> list[str]:
    pad = "  " * depth
    lines: list[str] = []
    for name, field in model.model_fields.items():
        default = getattr(values, name) if values is not None else field.default
        nested = _model_in(field.annotation)
        mapped = _mapped_model(field.annotation)
        section = nested or mapped
        lines += _comment(field.description or (section.__doc__ if section else None), pad)
        if isinstance(default, dict) and default and mapped is None:
            lines.append(f"{pad}{name}:")
            block = yaml.safe_dump(default, allow_unicode=True, sort_keys=False, width=WIDTH)
            lines += [f"{pad}  {line}" for line in block.splitlines()]
        elif mapped is not None:
            lines.append(f"{pad}{name}:")
            lines.append(f"{pad}  NAME:")
            lines += _render(mapped, None, depth + 2)
        elif nested is not None and (default is None or isinstance(default, BaseModel)):
            if default is None:
                lines.append(f"{pad}{name}:  # optional; unset by default")
            else:
                lines.append(f"{pad}{name}:")
            lines += _render(nested, default, depth + 1)
        else:
            lines.append(f"{pad}{name}: {_scalar(default)}")
    return lines


def reference() -> str:
    """Every setting with its default, as YAML with comments."""
    return "\n".join(_render(Settings, Settings(), 0)) + "\n"


def option_paths(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Dotted paths of every option (``NAME`` for mapping keys), for checks on the docs."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.append(path)
        mapped = _mapped_model(field.annotation)
        nested = _model_in(field.annotation)
        if mapped is not None:
            paths += option_paths(mapped, f"{path}.NAME.")
        elif nested is not None:
            paths += option_paths(nested, f"{path}.")
    return paths
