"""The OpenAI API served from the embedded local model, through the official openai SDK."""

from __future__ import annotations

import asyncio

import openai
import pytest

from .conftest import RunningGateway

MODEL = "smollm2-135m-instruct"
HELLO = [{"role": "user", "content": "Say hello to the world."}]


def test_chat_completion_sync(gateway: RunningGateway) -> None:
    reply = gateway.client().chat.completions.create(model=MODEL, messages=HELLO, max_tokens=12)
    assert reply.object == "chat.completion"
    assert reply.model == MODEL
    assert reply.id.startswith("chatcmpl-")
    choice = reply.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content
    assert choice.finish_reason in {"stop", "length"}
    assert reply.usage is not None
    assert reply.usage.prompt_tokens > 5
    assert 0 < reply.usage.completion_tokens <= 12
    assert reply.model_extra is not None
    assert reply.model_extra["aigc"]["ProduceID"], "every generated response is labelled"


def test_max_tokens_is_exact_when_cut(gateway: RunningGateway) -> None:
    reply = gateway.client().chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Write a long story about a dragon."}],
        max_tokens=7,
        temperature=0,
    )
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage is not None and reply.usage.completion_tokens == 7


def test_streaming_sync_with_usage(gateway: RunningGateway) -> None:
    stream = gateway.client().chat.completions.create(
        model=MODEL,
        messages=HELLO,
        max_tokens=10,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1
    assert finals[0].model_extra is not None and "aigc" in finals[0].model_extra
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens <= 10


def test_streaming_ends_with_done(gateway: RunningGateway) -> None:
    with (
        gateway.http() as http,
        http.stream(
            "POST",
            "/v1/chat/completions",
            json={"model": MODEL, "messages": HELLO, "max_tokens": 5, "stream": True},
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") for line in lines)


def test_async_client_concurrent_requests(gateway: RunningGateway) -> None:
    async def run() -> list[str]:
        client = gateway.async_client()
        replies = await asyncio.gather(
            *[
                client.chat.completions.create(
                    model=MODEL,
                    messages=[{"role": "user", "content": f"Count to {n}."}],
                    max_tokens=8,
                )
                for n in range(3)
            ]
        )
        stream = await client.chat.completions.create(
            model=MODEL, messages=HELLO, max_tokens=6, stream=True
        )
        streamed = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        await client.close()
        return [r.choices[0].message.content or "" for r in replies] + [streamed]

    texts = asyncio.run(run())
    assert len(texts) == 4 and all(texts)


def test_seed_and_temperature_zero_are_deterministic(gateway: RunningGateway) -> None:
    client = gateway.client()

    def ask(**options: object) -> str:
        reply = client.chat.completions.create(
            model=MODEL, messages=HELLO, max_tokens=15, **options
        )
        return reply.choices[0].message.content or ""

    assert ask(temperature=0) == ask(temperature=0)
    assert ask(temperature=1.0, seed=42) == ask(temperature=1.0, seed=42)
    sampled = {ask(temperature=1.5, top_p=1.0, seed=seed) for seed in range(4)}
    assert len(sampled) > 1


def test_stop_sequence_is_honoured(gateway: RunningGateway) -> None:
    """The stop string is taken from the free answer itself: the greedy text depends on the
    data dir's random watermark key, the cut must not."""
    client = gateway.client()
    prompt = "1, 2, 3, 4, 5, 6,"
    free = client.completions.create(model=MODEL, prompt=prompt, max_tokens=12, temperature=0)
    text = free.choices[0].text
    stop = next(char for char in text[1:] if char.isalnum())
    stopped = client.completions.create(
        model=MODEL, prompt=prompt, max_tokens=12, temperature=0, stop=[stop]
    )
    assert stop not in stopped.choices[0].text
    assert stopped.choices[0].finish_reason == "stop"
    assert stopped.choices[0].text == text[: text.index(stop)]


def test_text_completion_and_stream(gateway: RunningGateway) -> None:
    client = gateway.client()
    reply = client.completions.create(model=MODEL, prompt="The sky is", max_tokens=5)
    assert reply.object == "text_completion"
    assert reply.choices[0].text
    streamed = "".join(
        c.choices[0].text
        for c in client.completions.create(
            model=MODEL, prompt="The sky is", max_tokens=5, stream=True
        )
        if c.choices
    )
    assert streamed


def test_models_endpoint(gateway: RunningGateway) -> None:
    client = gateway.client()
    assert MODEL in [m.id for m in client.models.list()]
    assert client.models.retrieve(MODEL).id == MODEL
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_json_mode_on_local_model(gateway: RunningGateway) -> None:
    import json

    reply = gateway.client().chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Give a JSON object with a name."}],
        response_format={"type": "json_object"},
        max_tokens=40,
        temperature=0,
    )
    content = reply.choices[0].message.content or ""
    if reply.choices[0].finish_reason == "stop":
        assert isinstance(json.loads(content), dict)
    else:
        assert content.lstrip().startswith("{")


def test_health_and_metrics(gateway: RunningGateway) -> None:
    with gateway.http() as http:
        health = http.get("/healthz").json()
        assert health["status"] == "ok" and health["local_model"] is True
        http.post("/v1/chat/completions", json={"model": MODEL, "messages": HELLO, "max_tokens": 2})
        metrics = http.get("/metrics").text
    assert 'aigc_requests_total{route="/v1/chat/completions",status="200"}' in metrics
    assert "aigc_request_duration_seconds_bucket" in metrics
    assert 'aigc_tokens_total{backend="local",direction="completion"}' in metrics
    assert "aigc_local_model_queue" in metrics
