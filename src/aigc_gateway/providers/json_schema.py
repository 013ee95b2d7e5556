"""``response_format`` for the local model: JSON schemas checked, then turned into a grammar.

llama.cpp compiles a grammar in native code and does not survive a grammar it cannot parse (an
empty alternative, a left-recursive rule, an undefined rule): the process dies. So no schema
reaches it unchecked. :func:`check_schema` accepts the subset of JSON Schema the grammar
converter implements and refuses everything else — unknown keywords, empty ``enum`` /
``anyOf``, external or unresolvable or recursive ``$ref``, unanchored ``pattern``, repetition
counts that would blow the grammar up — with a message that names the place in the schema.
:func:`grammar_for` then converts, bounded in size; the local model's engine has llama.cpp's own
parser compile the result (which answers "no" instead of crashing) before any generation uses
it. A converter or parser failure is the client's 400 too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from llama_cpp.llama_grammar import JSON_GBNF, json_schema_to_gbnf

from ..errors import InvalidRequest

PARAM = "response_format"
MAX_DEPTH = 24
MAX_NODES = 1_000
MAX_REPEAT = 256
"""Largest minItems/maxItems/minLength/maxLength and regex ``{n,m}``: grammars grow with them."""
MAX_PATTERN_CHARS = 512
MAX_GRAMMAR_CHARS = 65_536
TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated"}
)
STRUCTURE = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "prefixItems",
        "minItems", "maxItems", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "$defs",
        "definitions", "pattern", "format", "minLength", "maxLength",
    }
)  # fmt: skip
COUNTS = ("minItems", "maxItems", "minLength", "maxLength")
_DEF_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_QUANTIFIER = re.compile(r"\{\s*(\d*)\s*(?:,\s*(\d*)\s*)?\}")


class SchemaError(InvalidRequest):
    """A schema the local model cannot enforce; always blames ``response_format``."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(
            f"Invalid schema for response_format at '{where}': {problem}.",
            code="invalid_json_schema",
            param=PARAM,
        )


_LOOSE_CHAR = r'char ::= [^"\\] |'
_STRICT_CHAR = r'char ::= [^"\\\x7F\x00-\x1F] |'


def schema_grammar(schema: Any) -> str:
    """llama.cpp's grammar for a JSON schema, with JSON's own string rule: llama-cpp-python's
    converter lets raw control characters (a newline) into strings, which no JSON parser
    accepts; its ``JSON_GBNF`` and llama.cpp's converter exclude them, and so does this."""
    grammar = json_schema_to_gbnf(json.dumps(schema))
    return grammar.replace(_LOOSE_CHAR, _STRICT_CHAR)


def grammar_for(response_format: Any) -> str | None:
    """The GBNF grammar that enforces ``response_format``, or None for plain text; 400 if
    invalid."""
    if response_format is None:
        return None
    if not isinstance(response_format, dict):
        raise InvalidRequest("response_format must be an object.", param=PARAM)
    kind = response_format.get("type", "text")
    if kind == "text":
        return None
    if kind == "json_object":
        return JSON_GBNF
    if kind != "json_schema":
        raise InvalidRequest(f"response_format type '{kind}' is not supported.", param=PARAM)
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict) or "schema" not in spec:
        raise InvalidRequest(
            "response_format.json_schema must be an object with a 'schema'.", param=PARAM
        )
    schema = spec["schema"]
    check_schema(schema)
    try:
        grammar = schema_grammar(schema)
    except (AssertionError, KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise SchemaError("schema", f"cannot be turned into a grammar ({exc})") from None
    if len(grammar) > MAX_GRAMMAR_CHARS:
        raise SchemaError("schema", f"its grammar is larger than {MAX_GRAMMAR_CHARS} characters")
    return grammar


def check_schema(schema: Any) -> None:
    """Raise :class:`SchemaError` unless ``schema`` is in the subset the local model enforces."""
    if not isinstance(schema, dict):
        raise SchemaError("schema", "must be a JSON object")
    for nodes, (where, node, depth) in enumerate(_walk(schema, "schema", 0), start=1):
        if nodes > MAX_NODES:
            raise SchemaError("schema", f"more than {MAX_NODES} subschemas")
        if depth > MAX_DEPTH:
            raise SchemaError(where, f"nested deeper than {MAX_DEPTH} levels")
        _check_node(node, where)
    _check_refs(schema)


def _walk(
    node: dict[str, Any], where: str, depth: int
) -> Iterator[tuple[str, dict[str, Any], int]]:
    """Every subschema with its path; non-object subschemas are refused on the way."""
    yield where, node, depth
    children: list[tuple[str, Any]] = []
    for key in ("properties", "$defs", "definitions"):
        if isinstance(node.get(key), dict):
            children += [(f"{where}.{key}.{name}", sub) for name, sub in node[key].items()]
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if isinstance(node.get(key), list):
            children += [(f"{where}.{key}[{i}]", sub) for i, sub in enumerate(node[key])]
    items = node.get("items")
    if isinstance(items, list):
        children += [(f"{where}.items[{i}]", sub) for i, sub in enumerate(items)]
    elif items is not None:
        children.append((f"{where}.items", items))
    if isinstance(node.get("additionalProperties"), dict):
        children.append((f"{where}.additionalProperties", node["additionalProperties"]))
    for path, child in children:
        if not isinstance(child, dict):
            raise SchemaError(path, "a subschema must be a JSON object")
        yield from _walk(child, path, depth + 1)


def _check_node(node: dict[str, Any], where: str) -> None:
    unknown = sorted(set(node) - STRUCTURE - ANNOTATIONS)
    if unknown:
        raise SchemaError(where, f"'{unknown[0]}' is not supported by the local model")
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if kind is not None and (
        not kinds or any(not isinstance(k, str) or k not in TYPES for k in kinds)
    ):
        raise SchemaError(where, f"type must be one of {', '.join(sorted(TYPES))} (or a list)")
    if "enum" in node and (not isinstance(node["enum"], list) or not node["enum"]):
        raise SchemaError(where, "enum must be a non-empty array")
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if key in node and (not isinstance(node[key], list) or not node[key]):
            raise SchemaError(where, f"{key} must be a non-empty array of schemas")
    if isinstance(node.get("items"), list) and not node["items"]:
        raise SchemaError(where, "items must be a schema or a non-empty array of schemas")
    for key in ("properties", "$defs", "definitions"):
        if key in node and not isinstance(node[key], dict):
            raise SchemaError(where, f"{key} must be an object")
    required = node.get("required", [])
    if not isinstance(required, list) or not all(isinstance(n, str) for n in required):
        raise SchemaError(where, "required must be an array of property names")
    additional = node.get("additionalProperties", True)
    if not isinstance(additional, bool | dict):
        raise SchemaError(where, "additionalProperties must be a boolean or a schema")
    for key in COUNTS:
        value = node.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_REPEAT
        ):
            raise SchemaError(where, f"{key} must be an integer from 0 to {MAX_REPEAT}")
    for low, high in (("minItems", "maxItems"), ("minLength", "maxLength")):
        if node.get(low, 0) > node.get(high, MAX_REPEAT):
            raise SchemaError(where, f"{low} is larger than {high}")
    if "format" in node and not isinstance(node["format"], str):
        raise SchemaError(where, "format must be a string")
    if "pattern" in node:
        _check_pattern(node["pattern"], where)
    for key in ("allOf",):
        for part in node.get(key, []):
            if "$ref" not in part and "properties" not in part and "anyOf" not in part:
                raise SchemaError(where, "allOf parts must be object schemas with properties")


def _check_pattern(pattern: Any, where: str) -> None:
    if not isinstance(pattern, str) or not pattern:
        raise SchemaError(where, "pattern must be a non-empty string")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise SchemaError(where, f"pattern is longer than {MAX_PATTERN_CHARS} characters")
    if not (pattern.startswith("^") and pattern.endswith("$")) or len(pattern) < 3:
        raise SchemaError(where, "pattern must be anchored: start with '^' and end with '$'")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise SchemaError(where, f"pattern is not a valid regular expression ({exc})") from None
    if "(?" in pattern:
        raise SchemaError(where, "pattern must not use lookarounds or inline flags")
    if "||" in pattern or "(|" in pattern or "|)" in pattern or "^|" in pattern or "|$" in pattern:
        raise SchemaError(where, "pattern must not have an empty alternative")
    if "()" in pattern or "[]" in pattern:
        raise SchemaError(where, "pattern must not have an empty group or class")
    for match in _QUANTIFIER.finditer(pattern):
        for number in match.groups():
            if number and int(number) > MAX_REPEAT:
                raise SchemaError(where, f"pattern repeats more than {MAX_REPEAT} times")


def _check_refs(root: dict[str, Any]) -> None:
    """Every ``$ref`` is local (``#/$defs/...``), resolves, and no chain of refs loops."""
    targets: dict[str, dict[str, Any]] = {}
    edges: dict[str, set[str]] = {}

    def refs_in(node: dict[str, Any], where: str) -> set[str]:
        found = set()
        for path, sub, _ in _walk(node, where, 0):
            ref = sub.get("$ref")
            if ref is None:
                continue
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise SchemaError(path, "only local references ('#/$defs/NAME') are supported")
            if ref not in targets:
                targets[ref] = _resolve(root, ref, path)
            found.add(ref)
        return found

    pending = list(refs_in(root, "schema"))
    while pending:
        ref = pending.pop()
        if ref in edges:
            continue
        edges[ref] = refs_in(targets[ref], ref)
        pending += edges[ref]
    state: dict[str, int] = {}

    def visit(ref: str) -> None:
        state[ref] = 1
        for nxt in edges.get(ref, ()):
            if state.get(nxt) == 1:
                raise SchemaError(ref, "recursive references are not supported by the local model")
            if nxt not in state:
                visit(nxt)
        state[ref] = 2

    for ref in edges:
        if ref not in state:
            visit(ref)


def _resolve(root: dict[str, Any], ref: str, where: str) -> dict[str, Any]:
    parts = ref[2:].split("/")
    if len(parts) != 2 or parts[0] not in ("$defs", "definitions"):
        raise SchemaError(where, "a reference must point into '$defs' or 'definitions'")
    if not _DEF_NAME.fullmatch(parts[1]):
        raise SchemaError(where, "a referenced definition's name must be letters, digits, '_'")
    target = root.get(parts[0], {}).get(parts[1]) if isinstance(root.get(parts[0]), dict) else None
    if not isinstance(target, dict):
        raise SchemaError(where, f"reference '{ref}' does not resolve")
    return target
