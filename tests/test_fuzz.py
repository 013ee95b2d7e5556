"""Hypothesis-driven fuzzing of every route of the real server (local model, mock upstream).

The routes come from the server's own OpenAPI document, so a route added later is fuzzed too
(with arbitrary JSON when it has no template here). Each example takes a valid request for a
route and breaks it: a field replaced by any JSON value (integers far past 64 bits included),
a field dropped or added, the whole body replaced, raw bytes, odd path parameters, no or a
wrong key; ``response_format`` schemas get their own generator, since they reach native code.
Nothing may answer 5xx except the documented upstream/availability errors (502, 503 with a
known code), and the process must be alive at the end. Bounded in count and in time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aigc_gateway.evaluation.suites import SUITES

from .conftest import RunningGateway, launch_gateway, run_cli
from .mock_upstream import MockUpstream

MAX_EXAMPLES = 220
TIME_BUDGET_S = 60.0
DOCUMENTED_5XX = {
    502: {"upstream_failed"},
    503: {
        "backend_unavailable",
        "local_model_required",
        "storage_unavailable",
        "rate_limiter_unavailable",
        "label_registry_unavailable",
    },
}
LOCAL = "smollm2-135m-instruct"
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

TEMPLATES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("POST", "/v1/chat/completions"): {
        "model": LOCAL,
        "messages": [{"role": "user", "content": "Say hi."}],
        "max_tokens": 4,
    },
    ("POST", "/v1/completions"): {"model": LOCAL, "prompt": "Once", "max_tokens": 4},
    ("POST", "/v1/guard"): {"text": "mail bob@example.com", "direction": "input"},
    ("POST", "/v1/verify"): {"text": "some generated text"},
    ("POST", "/v1/images/generations"): {"model": "painter", "prompt": "a cat", "n": 1},
    ("POST", "/admin/evaluations"): {
        "model": "echo",
        "modes": ["raw"],
        "suites": [next(iter(SUITES))],
        "languages": ["en"],
        "limit_per_suite": 1,
        "max_tokens": 4,
        "concurrency": 1,
    },
}
MULTIPART = {("POST", "/v1/images/label"), ("POST", "/v1/verify")}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
schema_keywords = st.sampled_from(
    ["type", "enum", "const", "properties", "required", "items", "anyOf", "oneOf", "allOf",
     "$ref", "$defs", "pattern", "format", "minItems", "maxItems", "minLength", "maxLength",
     "additionalProperties", "prefixItems", "minimum"]
)  # fmt: skip
schema_values = st.recursive(
    st.sampled_from(["string", "object", "array", "integer", "foo", "#/$defs/a", "^a+$", "a"])
    | st.integers(min_value=-5, max_value=10**6)
    | st.booleans(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(schema_keywords | st.sampled_from(["a", "b"]), children, max_size=3)
    ),
    max_leaves=10,
)
schemas = st.dictionaries(schema_keywords, schema_values, max_size=4) | json_values


@pytest.fixture(scope="module")
def fuzzed(
    tmp_path_factory: pytest.TempPathFactory, mock_upstream: MockUpstream
) -> Iterator[tuple[RunningGateway, list[tuple[str, str]], str]]:
    config = {
        "local_model": {"context_tokens": 512, "max_tokens_default": 8},
        "upstreams": {"mock": {"base_url": mock_upstream.url, "max_retries": 0}},
        "models": {
            LOCAL: {"backends": ["local"]},
            "echo": {"backends": ["mock/echo"]},
            "painter": {"backends": ["mock/painter"]},
        },
        "limits": {"requests_per_minute": 1_000_000},
    }
    running = launch_gateway(tmp_path_factory.mktemp("fuzz"), config)
    with running.http() as http:
        document = http.get("/openapi.json").json()
    routes = [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    ]
    created = run_cli("keys", "create", "--tenant", "other", data_dir=running.data_dir)
    yield running, routes, created.stdout.split()[-1]
    running.stop()


def _fill_path(path: str, draw: Any) -> str:
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        value = draw(st.text(max_size=20) | st.sampled_from([LOCAL, "eval_0123456789abcdef"]))
        path = path[:start] + quote(value or "x", safe="") + path[end + 1 :]
    return path


def _mutate(template: dict[str, Any] | None, draw: Any) -> Any:
    body: Any = json.loads(json.dumps(template)) if template is not None else {}
    how = draw(st.sampled_from(["set", "set", "drop", "add", "replace", "schema", "keep"]))
    if how == "replace" or not isinstance(body, dict):
        return draw(json_values)
    if how == "set" and body:
        body[draw(st.sampled_from(sorted(body)))] = draw(json_values)
    elif how == "drop" and body:
        body.pop(draw(st.sampled_from(sorted(body))))
    elif how == "add":
        body[draw(st.sampled_from(["seed", "stop", "tools", "extra", "n", "stream", "user"]))] = (
            draw(json_values)
        )
    elif how == "schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": draw(schemas)},
        }
    if draw(st.booleans()) and "messages" in body and isinstance(body["messages"], list):
        body["messages"].append({"role": "user", "content": draw(json_values)})
    return body


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code < 500:
        return
    assert response.status_code in DOCUMENTED_5XX, f"{what} -> {response.status_code}"
    code = response.json()["error"]["code"]
    assert code in DOCUMENTED_5XX[response.status_code], f"{what} -> {response.text[:300]}"
    if response.status_code == 503:
        assert "retry-after" in response.headers


def test_fuzz_every_route(
    fuzzed: tuple[RunningGateway, list[tuple[str, str]], str], tmp_path: Path
) -> None:
    running, routes, user_key = fuzzed
    assert ("POST", "/v1/images/generations") in routes and ("GET", "/admin/audit") in routes
    started = time.monotonic()
    seen: set[tuple[str, str]] = set()
    http = httpx.Client(base_url=running.url, timeout=120)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=(Phase.generate,),  # no shrinking: the report names the one request that failed
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one_request(data: st.DataObject) -> None:
        method, route = data.draw(st.sampled_from(routes))
        path = _fill_path(route, data.draw)
        key = data.draw(st.sampled_from([running.admin_key, running.admin_key, user_key, None]))
        headers = {"authorization": f"Bearer {key}"} if key else {}
        query = data.draw(st.dictionaries(st.sampled_from(["limit", "since", "tenant", "model"]),
                                          st.text(max_size=12), max_size=2))  # fmt: skip
        send: dict[str, Any] = {"params": query} if method == "GET" else {}
        if method == "GET":
            pass
        elif (method, route) in MULTIPART and data.draw(st.booleans()):
            file = data.draw(st.sampled_from([PNG_1PX, b"", b"GIF89a"]) | st.binary(max_size=64))
            send["files"] = {"file": ("x", file)}
        elif data.draw(st.integers(0, 9)) == 0:
            send["content"] = data.draw(st.binary(max_size=64))
        else:
            try:
                send["content"] = json.dumps(_mutate(TEMPLATES.get((method, route)), data.draw))
            except ValueError:
                return
            headers["content-type"] = "application/json"
        # Everything is drawn before the time check, so a replayed example draws the same.
        if time.monotonic() - started > TIME_BUDGET_S:
            return
        seen.add((method, route))
        what = f"{method} {path} {str(send)[:400]}"
        _check(http.request(method, path, headers=headers, **send), what)

    try:
        one_request()
    finally:
        http.close()
    assert running.process.poll() is None, running.log()[-3000:]
    assert httpx.get(running.url + "/healthz", timeout=10).status_code == 200
    assert len(seen) >= min(len(routes), 10)
