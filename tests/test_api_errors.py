"""Bad input gets OpenAI-style error JSON with the right status, never a 500 or a trace."""

from __future__ import annotations

import pytest

from .conftest import RunningGateway

MODEL = "smollm2-135m-instruct"
GOOD = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"] and "Traceback" not in error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        (b"{not json", "invalid_json", None),
        (b"[1, 2]", "invalid_request", None),
        (b'{"messages": [{"role": "user", "content": "hi"}]}', "missing_parameter", "model"),
        (b'{"model": "m", "messages": "hello"}', "invalid_value", "messages"),
        (
            b'{"model": "m", "messages": [{"role": "wizard", "content": "x"}]}',
            "invalid_value",
            "messages.0.role",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}',
            "invalid_value",
            "temperature",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 9}',
            "invalid_value",
            "temperature",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0}',
            "invalid_value",
            "max_tokens",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 9}',
            "invalid_value",
            "n",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "best_of": 2}',
            "unsupported_parameter",
            "best_of",
        ),
    ],
)
def test_malformed_bodies_are_400(
    gateway: RunningGateway, body: bytes, code: str, param: str | None
) -> None:
    with gateway.http() as http:
        response = http.post("/v1/chat/completions", content=body)
    error = _error(response, 400, code)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param


def test_unknown_model_is_404(gateway: RunningGateway) -> None:
    with gateway.http() as http:
        response = http.post("/v1/chat/completions", json={**GOOD, "model": "gpt-17"})
    assert _error(response, 404, "model_not_found")["param"] == "model"


def test_body_over_limit_is_413(gateway: RunningGateway) -> None:
    huge = {**GOOD, "messages": [{"role": "user", "content": "x" * 1_100_000}]}
    with gateway.http() as http:
        _error(http.post("/v1/chat/completions", json=huge), 413, "request_too_large")


def test_chunked_body_over_limit_is_413(gateway: RunningGateway) -> None:
    def body():
        yield b'{"model": "m", "messages": [{"role": "user", "content": "'
        for _ in range(200):
            yield b"y" * 10_000
        yield b'"}]}'

    with gateway.http() as http:
        _error(http.post("/v1/chat/completions", content=body()), 413, "request_too_large")


def test_prompt_longer_than_context_is_400(gateway: RunningGateway) -> None:
    long = {**GOOD, "messages": [{"role": "user", "content": "word " * 5000}]}
    with gateway.http() as http:
        _error(http.post("/v1/chat/completions", json=long), 400, "context_length_exceeded")


def test_parameters_the_local_model_cannot_honour(gateway: RunningGateway) -> None:
    tools = [{"type": "retrieval"}]
    image = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]
    with gateway.http() as http:
        error = _error(http.post("/v1/chat/completions", json={**GOOD, "tools": tools}), 400)
        assert error["code"] == "invalid_value" and error["param"] == "tools"
        error = _error(http.post("/v1/chat/completions", json={**GOOD, "logprobs": True}), 400)
        assert error["code"] == "unsupported_parameter" and error["param"] == "logprobs"
        multimodal = {**GOOD, "messages": [{"role": "user", "content": image}]}
        _error(http.post("/v1/chat/completions", json=multimodal), 400, "unsupported_content")


def test_streaming_errors_before_first_token_are_http_errors(gateway: RunningGateway) -> None:
    with gateway.http() as http:
        response = http.post("/v1/chat/completions", json={**GOOD, "model": "nope", "stream": True})
    _error(response, 404, "model_not_found")


def test_missing_and_wrong_keys_are_401(gateway: RunningGateway) -> None:
    with gateway.http(key="sk-aigc-wrong") as http:
        _error(http.post("/v1/chat/completions", json=GOOD), 401, "invalid_api_key")
        _error(http.get("/v1/models"), 401, "invalid_api_key")
        http.headers.pop("authorization")
        _error(http.post("/v1/chat/completions", json=GOOD), 401, "missing_api_key")


def test_unknown_route_and_method(gateway: RunningGateway) -> None:
    with gateway.http() as http:
        error = _error(http.get("/v1/nothing-here"), 404, "unknown_url")
        assert "GET /v1/nothing-here" in error["message"]
        _error(http.delete("/v1/chat/completions"), 405, "method_not_allowed")


def test_completions_validation(gateway: RunningGateway) -> None:
    with gateway.http() as http:
        many = {"model": MODEL, "prompt": ["a"] * 9}
        _error(http.post("/v1/completions", json=many), 400, "invalid_value")
        times_n = {"model": MODEL, "prompt": ["a", "b", "c"], "n": 3}
        _error(http.post("/v1/completions", json=times_n), 400, "invalid_value")
        _error(http.post("/v1/completions", json={"model": MODEL}), 400, "missing_parameter")
        ok = http.post("/v1/completions", json={"model": MODEL, "prompt": ["a"], "max_tokens": 2})
    assert ok.status_code == 200
